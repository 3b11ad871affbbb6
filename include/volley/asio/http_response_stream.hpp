// volley/asio/http_response_stream.hpp: a response whose body is read as it arrives.
#pragma once

#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/post.hpp>

#include "volley/asio/detail/http_exchange.hpp"
#include "volley/asio/http_error.hpp"
#include "volley/asio/http_message.hpp"
#include "volley/asio/sse_parser.hpp"
#include "volley/asio/use_task.hpp"
#include "volley/core/task.hpp"

namespace volley {

class http_client;

// What http_client::open returns once the status line and headers are in:
// read the body with read_some() (bytes, chunked encoding removed) or, for
// text/event-stream, with next_event() (one Server-Sent Event at a time) —
// one or the other, not both. Each read resumes the caller on the client's
// executor. nullopt means the body ended cleanly; an error is an http_error
// (read_body, timeout, cancelled, limit), and every later read throws it again.
//
// Each read waits at most http_client_options::stream_read_timeout (else
// io_timeout) for bytes; a stop token stops one read (http_phase::cancelled)
// and closes the connection. The connection goes back to the client's pool
// when the body ended cleanly; a stream destroyed before that closes it.
//
// Buffers: read_some returns a string the caller owns; next_event an event
// the caller owns. Bytes received but not yet returned are the stream's
// (in its connection's read buffer and its SSE parser) until the next read.
// response() and header() view the stream's copy of the head, valid while
// the stream lives.
//
// One read at a time; never move or destroy a stream while a read is in
// flight (it holds the stream). A stream may outlive its http_client.
//
// When to use: responses that arrive over time (an MCP server's SSE
// stream, a model's streamed answer), or bodies too large to hold.
//
//   good: auto stream = co_await client.open({.url = url, .headers = {{"Accept", "text/event-stream"}}});
//         while (auto event = co_await stream.next_event(stop)) handle(*event);
//   bad:  co_await stream.read_some(); then co_await stream.next_event():
//         the bytes read_some returned are gone from the event stream (refused: logic_error).
class http_response_stream {
 public:
  http_response_stream(http_response_stream&&) noexcept = default;
  http_response_stream& operator=(http_response_stream&&) noexcept = default;
  ~http_response_stream() = default;

  unsigned status() const noexcept { return m_exchange->head().status; }
  // Status, reason and headers (the body is empty: it is read from the stream).
  const http_response& response() const noexcept { return m_exchange->head(); }
  std::optional<std::string_view> header(std::string_view name) const noexcept {
    return m_exchange->head().header(name);
  }
  // The body ended cleanly (a read returned nullopt, or is about to).
  bool done() const noexcept { return m_exchange->done(); }

  // The next bytes of the body as they arrive (up to 16 KiB), or nullopt at its end.
  task<std::optional<std::string>> read_some(std::stop_token stop = {}) {
    if (m_reading_events) {
      throw std::logic_error("volley::http_response_stream: read_some after next_event: the event parser holds bytes");
    }
    m_reading_bytes = true;
    return read_piece(std::move(stop));
  }

  // The next Server-Sent Event, or nullopt when the stream ended (an event
  // the server did not finish with a blank line is dropped, as the
  // standard says). An event over the client's SSE limits is http_phase::limit.
  task<std::optional<sse_event>> next_event(std::stop_token stop = {}) {
    if (m_reading_bytes) {
      throw std::logic_error("volley::http_response_stream: next_event after read_some: bytes already taken");
    }
    m_reading_events = true;
    return read_event(std::move(stop));
  }

  // The last event ID and reconnection time the events set (for Last-Event-ID on a reconnect).
  const std::string& last_event_id() const noexcept { return m_events->last_event_id(); }
  std::optional<std::chrono::milliseconds> retry() const noexcept { return m_events->retry(); }

 private:
  friend class http_client;

  explicit http_response_stream(std::unique_ptr<detail::http_exchange> exchange)
      : m_exchange(std::move(exchange)),
        m_events(std::make_unique<sse_parser>(sse_limits{m_exchange->state()->options.max_event_line_bytes,
                                                         m_exchange->state()->options.max_event_bytes})) {}

  task<std::optional<std::string>> read_piece(std::stop_token stop) {
    if (m_failure) std::rethrow_exception(m_failure);
    if (m_exchange->done()) co_return std::nullopt;
    std::string piece;
    bool more = false;
    co_await boost::asio::post(m_exchange->strand(), use_task);
    try {
      more = co_await m_exchange->read_piece(piece, std::move(stop));
    } catch (...) {
      m_failure = std::current_exception();
    }
    co_await boost::asio::post(m_exchange->state()->executor, use_task);
    if (m_failure) std::rethrow_exception(m_failure);
    if (!more) co_return std::nullopt;
    co_return piece;
  }

  task<std::optional<sse_event>> read_event(std::stop_token stop) {
    for (;;) {
      if (auto event = m_events->next_event()) co_return event;
      if (m_events_ended) co_return std::nullopt;
      std::optional<std::string> piece = co_await read_piece(stop);
      if (!piece) {
        m_events->finish();
        m_events_ended = true;
        continue;
      }
      try {
        m_events->feed(*piece);
      } catch (const sse_error& e) {
        m_exchange->abandon();
        m_failure = std::make_exception_ptr(
            http_error(http_phase::limit, http_phase::read_body, m_exchange->method(), m_exchange->url(), e.what()));
        std::rethrow_exception(m_failure);
      }
    }
  }

  std::unique_ptr<detail::http_exchange> m_exchange;
  std::unique_ptr<sse_parser> m_events;
  std::exception_ptr m_failure;
  bool m_reading_bytes = false;
  bool m_reading_events = false;
  bool m_events_ended = false;
};

}  // namespace volley
