// volley/asio/http_client.hpp: HTTP/1.1 and HTTPS requests from volley tasks, on Beast.
#pragma once

#include <cstddef>
#include <exception>
#include <memory>
#include <stop_token>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>

#include "volley/asio/detail/http_exchange.hpp"
#include "volley/asio/http_client_options.hpp"
#include "volley/asio/http_error.hpp"
#include "volley/asio/http_message.hpp"
#include "volley/asio/http_response_stream.hpp"
#include "volley/asio/use_task.hpp"
#include "volley/core/task.hpp"

namespace volley {

// An HTTP/1.1 client (TLS through OpenSSL for https) for volley tasks:
// many requests at once from any threads, each on its own connection, with
// idle keep-alive connections pooled per scheme, host and port and reused.
//
//   - request() returns the whole response (Content-Length, chunked, or a
//     body up to the server's close); open() returns once the headers are
//     in, and the body is read from the stream as it arrives (SSE too);
//   - an HTTP error status is a response like any other; http_error is
//     thrown for what kept the request from completing, naming the URL and
//     the phase (resolve, connect, tls_handshake, write, read_header,
//     read_body, timeout, cancelled, limit; invalid_request for a URL or
//     header HTTP cannot carry);
//   - every network step has a timeout (see http_client_options), and a stop
//     of the call's token ends the request at once (http_phase::cancelled)
//     from whatever step it is in; such a connection is closed, never reused;
//   - a pooled connection the server closed meanwhile is noticed before it
//     is used, and a request whose write found its connection dead before
//     one byte was taken is sent on a new one. A request that may have
//     reached the server is never sent again: it could be a mutating call;
//   - each connection runs on its own strand of the client's executor, and
//     the awaiting coroutine resumes on the client's executor (never inside
//     a connection's strand), for results and errors alike. (With g++,
//     where volley's task completes through a handshake rather than
//     symmetric transfer, a request that finishes before its awaiting
//     coroutine has finished suspending continues it on the thread that
//     awaited, as any volley task would.)
//
// Buffers: the request is moved into the call and kept until it completes;
// the response is the caller's. The client owns its idle connections;
// requests in flight and streams own theirs, and share the client's state,
// so they may outlive the client object. The io_context must keep running
// until every request and stream is done.
//
// Redirects are not followed and content codings are not undone (no
// Accept-Encoding is sent); proxies are not supported.
//
// When to use: a tool that calls an HTTP API, the MCP Streamable HTTP
// transport, an agent loop talking to a model server.
//
//   good: volley::http_client client{io.get_executor()};
//         auto response = co_await client.request({.url = "http://127.0.0.1:8080/search?q=x"}, ctx.stop_token());
//         if (response.status != 200) co_return "search failed: " + response.body;
//   bad:  volley::sync_wait(client.request(...)) on a thread of the client's
//         io_context: it blocks the thread that would complete the request.
class http_client {
 public:
  explicit http_client(boost::asio::any_io_executor executor, http_client_options options = {})
      : m_state(std::make_shared<detail::http_client_state>(std::move(executor), options,
                                                            detail::make_tls_context(options))) {}
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;
  // Closes the idle connections. Requests in flight go on (they hold what they need).
  ~http_client() {
    if (m_state) m_state->pool.close_all();
  }

  const boost::asio::any_io_executor& get_executor() const noexcept { return m_state->executor; }
  const http_client_options& options() const noexcept { return m_state->options; }

  // Sends `request` and reads the whole response (at most max_body_bytes of body).
  task<http_response> request(http_request request, std::stop_token stop = {}) const {
    return run_request(m_state, std::move(request), std::move(stop));
  }

  // Sends `request` and returns once the status line and headers are in.
  // The request's timeout covers only that far; see http_response_stream.
  task<http_response_stream> open(http_request request, std::stop_token stop = {}) const {
    return run_open(m_state, std::move(request), std::move(stop));
  }

  // Keep-alive connections idle in the pool right now (a diagnostic).
  std::size_t idle_connections() const { return m_state->pool.idle_count(); }
  // Closes every idle connection (requests in flight keep theirs).
  void close_idle_connections() { m_state->pool.close_all(); }

 private:
  static task<http_response> run_request(std::shared_ptr<detail::http_client_state> state, http_request request,
                                         std::stop_token stop) {
    detail::http_exchange exchange{state, std::move(request), true};
    http_response response;
    std::exception_ptr failure;
    try {
      co_await exchange.start(stop);
      response = std::move(exchange.head());
      for (;;) {
        const bool more = co_await exchange.read_piece(response.body, stop);
        if (!more) break;
      }
    } catch (...) {
      failure = std::current_exception();
    }
    co_await boost::asio::post(state->executor, use_task);
    if (failure) std::rethrow_exception(failure);
    co_return response;
  }

  static task<http_response_stream> run_open(std::shared_ptr<detail::http_client_state> state, http_request request,
                                             std::stop_token stop) {
    auto exchange = std::make_unique<detail::http_exchange>(state, std::move(request), false);
    std::exception_ptr failure;
    try {
      co_await exchange->start(stop);
    } catch (...) {
      failure = std::current_exception();
    }
    co_await boost::asio::post(state->executor, use_task);
    if (failure) std::rethrow_exception(failure);
    co_return http_response_stream{std::move(exchange)};
  }

  std::shared_ptr<detail::http_client_state> m_state;
};

}  // namespace volley
