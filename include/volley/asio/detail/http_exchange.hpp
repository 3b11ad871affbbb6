// One request and its response on one connection: what http_client::request
// and http_client::open share, and what an http_response_stream holds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/optional/optional.hpp>

#include "volley/asio/detail/connection_pool.hpp"
#include "volley/asio/detail/http_connection.hpp"
#include "volley/asio/detail/http_url.hpp"
#include "volley/asio/http_client_options.hpp"
#include "volley/asio/http_error.hpp"
#include "volley/asio/http_message.hpp"
#include "volley/asio/use_task.hpp"
#include "volley/core/task.hpp"
#include "volley/detail/concat.hpp"

namespace volley::detail {

// What an http_client and its streams share; it lives as long as any of them.
struct http_client_state {
  http_client_state(boost::asio::any_io_executor executor_, http_client_options options_,
                    boost::asio::ssl::context tls_)
      : executor(std::move(executor_)),
        options(std::move(options_)),
        tls(std::move(tls_)),
        pool(options.max_idle_per_host, options.idle_lifetime) {}

  boost::asio::any_io_executor executor;
  http_client_options options;
  boost::asio::ssl::context tls;
  connection_pool pool;
};

inline std::string duration_text(duration d) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  if (ms % 1000 == 0) return concat({std::to_string(ms / 1000), " s"});
  return concat({std::to_string(ms), " ms"});
}

// A client's TLS settings as an OpenSSL context: TLS 1.2 or later; roots
// from the CA file, else OpenSSL's default paths. A CA file that cannot be
// loaded is the caller's mistake, said at once.
inline boost::asio::ssl::context make_tls_context(const http_client_options& options) {
  namespace ssl = boost::asio::ssl;
  ssl::context context{ssl::context::tls_client};
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  boost::system::error_code error;
  if (!options.tls_ca_file.empty()) {
    context.load_verify_file(options.tls_ca_file, error);
    if (error) {
      throw std::invalid_argument(
          concat({"volley::http_client: cannot load the CA file '", options.tls_ca_file, "': ", error.message()}));
    }
  } else {
    // Without default paths, verification fails later, with OpenSSL's reason.
    context.set_default_verify_paths(error);
  }
  return context;
}

// Drives one request: finds or opens a connection, sends the request, reads
// the header, then the body piece by piece. start() ends on the
// connection's strand; read_piece() must be awaited on it (the public
// wrappers hop there and back). The connection goes back to the pool when
// the body ended cleanly and both sides allow keep-alive; any failure, or
// destroying the exchange before the end, closes it.
//
// Buffers: the request (its body too) is the exchange's, kept until the
// exchange dies; the head it writes first is the exchange's too. Body bytes
// are decoded into the exchange's piece buffer and appended to the caller's
// string before read_piece() returns; unparsed bytes stay in the
// connection's read buffer.
class http_exchange {
 public:
  http_exchange(std::shared_ptr<http_client_state> state, http_request request, bool whole_response)
      : m_state(std::move(state)), m_request(std::move(request)), m_whole_response(whole_response) {}
  http_exchange(const http_exchange&) = delete;
  http_exchange& operator=(const http_exchange&) = delete;

  const std::shared_ptr<http_client_state>& state() const noexcept { return m_state; }
  http_response& head() noexcept { return m_head; }
  const std::string& method() const noexcept { return m_request.method; }
  const std::string& url() const noexcept { return m_request.url; }
  bool done() const noexcept { return m_done; }
  // The strand of the connection the body is read from (valid until done()).
  const http_connection::strand_type& strand() const noexcept { return m_connection->strand(); }

  task<> start(std::stop_token stop) {
    std::string why;
    auto url = parse_http_url(m_request.url, why);
    if (!url) fail(http_phase::invalid_request, http_phase::invalid_request, why);
    m_url = std::move(*url);
    auto head = request_head(m_request, m_url, m_state->options.user_agent, why);
    if (!head) fail(http_phase::invalid_request, http_phase::invalid_request, why);
    m_request_head = std::move(*head);
    const auto connection_field = find_field(m_request.headers, "Connection");
    m_keep_alive = !connection_field || !equal_ignoring_case(*connection_field, "close");
    m_timeout = m_request.timeout ? m_request.timeout : m_state->options.request_timeout;
    if (m_timeout) m_deadline = clock::now() + *m_timeout;
    if (stop.stop_requested()) fail(http_phase::cancelled, http_phase::connect, "stopped before it was sent");

    // A reused connection the server closed unseen is the one case a request
    // is tried again, and only while nothing of it was written.
    for (int attempt = 0;; ++attempt) {
      auto connection = attempt < k_reused_attempts ? m_state->pool.take(m_url.origin, clock::now()) : nullptr;
      m_reused = connection != nullptr;
      if (!connection) {
        connection = std::make_shared<http_connection>(m_state->executor, m_url.origin,
                                                       m_url.tls ? &m_state->tls : nullptr);
      }
      co_await boost::asio::post(connection->strand(), use_task);
      m_connection = std::move(connection);
      if (!m_reused) co_await open_connection(stop);
      const bool sent = co_await send(stop);
      if (sent) break;
      m_connection.reset();  // closed
    }
    co_await read_header(stop);
  }

  // Appends the next decoded piece of the body to `out`; false at its end.
  task<bool> read_piece(std::string& out, std::stop_token stop) {
    if (m_done) co_return false;
    auto& parser = *m_parser;
    auto& buffer = m_connection->buffer();
    for (;;) {
      if (parser.is_done()) {
        finish();
        co_return false;
      }
      if (buffer.size() > 0) {
        parser.get().body().data = m_piece.get();
        parser.get().body().size = k_piece_size;
        boost::system::error_code error;
        const std::size_t used = parser.put(buffer.data(), error);
        buffer.consume(used);
        const std::size_t got = k_piece_size - parser.get().body().size;
        if (error == boost::beast::http::error::need_buffer || error == boost::beast::http::error::need_more) error = {};
        if (error == boost::beast::http::error::body_limit) body_too_large(error);
        if (error) fail(http_phase::read_body, http_phase::read_body, concat({"malformed body: ", error.message()}), error);
        if (got > 0) {
          out.append(m_piece.get(), got);
          if (parser.is_done()) finish();
          co_return true;
        }
        if (parser.is_done()) continue;
        if (used > 0 && buffer.size() > 0) continue;
      }
      const auto limit = m_whole_response ? step_limit(m_state->options.io_timeout, "io_timeout")
                                          : stream_limit();
      auto read = co_await m_connection->read_some(k_read_size, limit.deadline, stop);
      if (is_end_of_stream(read)) {
        boost::system::error_code error;
        parser.put_eof(error);
        if (error) {
          fail(http_phase::read_body, http_phase::read_body,
               "the connection closed before the end of the body", error);
        }
        m_keep_alive = false;
        continue;
      }
      check(read, http_phase::read_body, limit);
    }
  }

  // Marks the exchange failed: the connection is closed, nothing more is read.
  void abandon() noexcept {
    m_connection.reset();
    m_done = true;
  }

 private:
  static constexpr int k_reused_attempts = 4;
  static constexpr std::size_t k_read_size = 16 * 1024;
  static constexpr std::size_t k_piece_size = 16 * 1024;
  static constexpr std::size_t k_write_slice = 64 * 1024;

  // The deadline of one step, and which limit set it.
  struct limit {
    time_point deadline;
    bool whole_request;
    duration amount;
    std::string_view option;
  };

  limit step_limit(duration step, std::string_view option) const {
    const time_point own = clock::now() + step;
    if (m_deadline && *m_deadline <= own) return {*m_deadline, true, *m_timeout, "the request's timeout"};
    return {own, false, step, option};
  }
  limit stream_limit() const {
    const auto& options = m_state->options;
    const duration idle = options.stream_read_timeout ? *options.stream_read_timeout : options.io_timeout;
    return {clock::now() + idle, false, idle, options.stream_read_timeout ? "stream_read_timeout" : "io_timeout"};
  }

  [[noreturn]] void fail(http_phase phase, http_phase during, std::string_view what,
                         boost::system::error_code code = {}) {
    m_connection.reset();
    m_done = true;
    throw http_error(phase, during, m_request.method, m_request.url, what, code);
  }

  [[noreturn]] void body_too_large(boost::system::error_code error) {
    fail(http_phase::limit, http_phase::read_body,
         concat({"the body is larger than max_body_bytes (", std::to_string(m_state->options.max_body_bytes), ")"}),
         error);
  }

  template <class T>
  void check(const timed_result<T>& result, http_phase step, const limit& limit) {
    if (result.stopped) fail(http_phase::cancelled, step, "the stop token was stopped", result.error);
    if (result.timed_out) {
      if (limit.whole_request) {
        fail(http_phase::timeout, step, concat({"the request's timeout of ", duration_text(limit.amount), " ran out"}));
      }
      fail(http_phase::timeout, step,
           concat({"no progress for ", duration_text(limit.amount), " (", limit.option, ")"}));
    }
    if (result.error) fail(step, step, result.error.message(), result.error);
  }

  static bool is_end_of_stream(const timed_result<std::size_t>& read) noexcept {
    return !read.stopped && !read.timed_out &&
           (read.error == boost::asio::error::eof || read.error == boost::asio::ssl::error::stream_truncated);
  }

  task<> open_connection(std::stop_token stop) {
    using tcp = boost::asio::ip::tcp;
    const auto limit = step_limit(m_state->options.connect_timeout, "connect_timeout");
    if (m_url.host_is_address) {
      const tcp::endpoint endpoint{boost::asio::ip::make_address(m_url.host),
                                   static_cast<unsigned short>(std::stoul(m_url.port))};
      auto connected = co_await m_connection->connect(endpoint, limit.deadline, stop);
      check(connected, http_phase::connect, limit);
    } else {
      auto resolved = co_await m_connection->resolve(m_url.host, m_url.port, limit.deadline, stop);
      check(resolved, http_phase::resolve, limit);
      auto connected = co_await m_connection->connect(std::move(resolved.value), limit.deadline, stop);
      check(connected, http_phase::connect, limit);
    }
    if (m_url.tls) {
      const auto& options = m_state->options;
      auto shaken = co_await m_connection->handshake(m_url.host, options.tls_sni && !m_url.host_is_address,
                                                     options.tls_verify_peer, limit.deadline, stop);
      check(shaken, http_phase::tls_handshake, limit);
    }
  }

  // Writes the head and the body; false when a reused connection turned out
  // closed before a byte of the request was taken (then it may be retried).
  task<bool> send(std::stop_token stop) {
    const std::string_view head = m_request_head;
    const std::string_view body = m_request.body;
    std::size_t written = 0;
    const std::size_t total = head.size() + body.size();
    while (written < total) {
      std::array<boost::asio::const_buffer, 2> buffers{};
      std::size_t slice = k_write_slice;
      if (written < head.size()) {
        const std::size_t from_head = std::min(slice, head.size() - written);
        buffers[0] = boost::asio::buffer(head.data() + written, from_head);
        slice -= from_head;
        buffers[1] = boost::asio::buffer(body.data(), std::min(slice, body.size()));
      } else {
        const std::size_t at = written - head.size();
        buffers[0] = boost::asio::buffer(body.data() + at, std::min(slice, body.size() - at));
      }
      const auto limit = step_limit(m_state->options.io_timeout, "io_timeout");
      auto result = co_await m_connection->write_some(buffers, limit.deadline, stop);
      written += result.value;
      if (result.error && !result.stopped && !result.timed_out && m_reused && written == 0) co_return false;
      check(result, http_phase::write, limit);
    }
    co_return true;
  }

  task<> read_header(std::stop_token stop) {
    namespace http = boost::beast::http;
    // Interim 1xx responses (not 101) are skipped: a final one follows.
    for (;;) {
      m_parser.emplace();
      m_parser->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(m_state->options.max_header_bytes, UINT32_MAX)));
      if (m_whole_response) m_parser->body_limit(static_cast<std::uint64_t>(m_state->options.max_body_bytes));
      else m_parser->body_limit(boost::none);
      if (m_request.method == "HEAD") m_parser->skip(true);
      co_await read_header_once(stop);
      const unsigned status = m_parser->get().result_int();
      if (status < 100 || status >= 200 || status == 101) break;
    }
    auto& message = m_parser->get();
    m_head.status = message.result_int();
    m_head.reason.assign(message.reason());
    for (const auto& field : message) m_head.headers.emplace_back(field.name_string(), field.value());
    m_parser->eager(true);
    m_piece = std::make_unique<char[]>(k_piece_size);
  }

  task<> read_header_once(std::stop_token stop) {
    namespace http = boost::beast::http;
    auto& parser = *m_parser;
    auto& buffer = m_connection->buffer();
    bool any_byte = buffer.size() > 0;
    for (;;) {
      if (buffer.size() > 0) {
        boost::system::error_code error;
        buffer.consume(parser.put(buffer.data(), error));
        if (error == http::error::header_limit) {
          fail(http_phase::limit, http_phase::read_header,
               concat({"the header is larger than max_header_bytes (", std::to_string(m_state->options.max_header_bytes), ")"}),
               error);
        }
        if (error == http::error::body_limit) body_too_large(error);  // a Content-Length says so already
        if (error && error != http::error::need_more) {
          fail(http_phase::read_header, http_phase::read_header, concat({"malformed response: ", error.message()}), error);
        }
        if (parser.is_header_done()) co_return;
      }
      const auto limit = step_limit(m_state->options.io_timeout, "io_timeout");
      auto read = co_await m_connection->read_some(k_read_size, limit.deadline, stop);
      if (is_end_of_stream(read)) {
        if (any_byte) fail(http_phase::read_header, http_phase::read_header, "the connection closed in the middle of the header", read.error);
        fail(http_phase::read_header, http_phase::read_header,
             m_reused ? "the server closed the reused connection without answering; the request may have been "
                        "received, so it was not sent again"
                      : "the server closed the connection without answering",
             read.error);
      }
      check(read, http_phase::read_header, limit);
      any_byte = true;
    }
  }

  // The body ended cleanly: the connection is reused if both sides allow it.
  void finish() {
    m_done = true;
    if (m_keep_alive && m_parser->keep_alive() && m_connection->buffer().size() == 0) {
      ++m_connection->uses;
      m_state->pool.give_back(std::move(m_connection), clock::now());
    }
    m_connection.reset();
  }

  std::shared_ptr<http_client_state> m_state;
  http_request m_request;
  bool m_whole_response;
  http_url m_url;
  std::string m_request_head;
  std::optional<duration> m_timeout;
  std::optional<time_point> m_deadline;
  bool m_keep_alive = true;
  bool m_reused = false;
  bool m_done = false;
  std::shared_ptr<http_connection> m_connection;
  std::optional<boost::beast::http::response_parser<boost::beast::http::buffer_body>> m_parser;
  std::unique_ptr<char[]> m_piece;
  http_response m_head;
};

}  // namespace volley::detail
