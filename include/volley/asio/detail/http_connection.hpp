// One HTTP connection (TCP, or TLS over TCP) with its own strand, and its
// network steps as awaitable operations that a deadline or a stop token cuts short.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <openssl/ssl.h>

#include "volley/asio/detail/async_awaiter.hpp"
#include "volley/asio/detail/completion_result.hpp"
#include "volley/asio/detail/operation_core.hpp"
#include "volley/core/task.hpp"
#include "volley/core/time.hpp"

namespace volley::detail {

// What a timed network step ended with: the operation's error and value,
// and whether the deadline or the stop token cut it short (then the error
// is the cancellation's, operation_aborted).
template <class T>
struct timed_result {
  boost::system::error_code error;
  T value{};
  bool timed_out = false;
  bool stopped = false;
};

struct timed_mode {
  template <class Signature>
  static auto take(completion_result<Signature>& result, const operation_core& core) {
    using value = typename completion_result<Signature>::value_type;
    timed_result<std::conditional_t<std::is_void_v<value>, std::monostate, value>> out;
    out.error = result.error();
    if constexpr (!std::is_void_v<value>) {
      if (result.has_value()) out.value = result.take_value();
    }
    out.timed_out = core.timed_out();
    out.stopped = core.stopped() || (!core.started() && result.error());
    return out;
  }
};

class http_connection;

// A connection's operations: the deadline runs on the connection's timer,
// and a stop (from any thread) is acted on in the connection's strand; both
// close the connection's socket, which ends whatever step is under way.
struct connection_binding {
  std::stop_token token;
  http_connection* connection;
  time_point deadline;

  static constexpr bool uses_slot = false;
  bool stop_possible() const noexcept { return token.stop_possible(); }
  bool stop_requested() const noexcept { return token.stop_requested(); }
  template <class Initiation>
  void bind(operation_core& core, const Initiation&, boost::asio::cancellation_signal&) const;
};

struct connection_token {
  connection_binding binding;
};

}  // namespace volley::detail

template <class Signature>
struct boost::asio::async_result<volley::detail::connection_token, Signature> {
  template <class Initiation, class... Args>
  using awaiter_type = volley::detail::async_awaiter<volley::detail::timed_mode, volley::detail::connection_binding,
                                                     Signature, std::decay_t<Initiation>, std::decay_t<Args>...>;

  template <class Initiation, class RawToken, class... Args>
  static awaiter_type<Initiation, Args...> initiate(Initiation&& initiation, RawToken&& token, Args&&... args) {
    return awaiter_type<Initiation, Args...>{token.binding, std::forward<Initiation>(initiation),
                                             std::forward<Args>(args)...};
  }
};

namespace volley::detail {

// Owns the socket (and TLS stream), the read buffer, a timer and a resolver,
// all on one strand. Every operation below must be awaited from that strand
// and one at a time; a connection belongs to one request at a time (or to
// the pool, idle). A step that failed, timed out or was stopped leaves the
// connection closed: it is never reused.
//
// Buffers: the read buffer is the connection's and holds bytes received but
// not yet parsed, for as long as the connection lives; what a caller writes
// must stay alive and unchanged until the write step completes.
class http_connection {
 public:
  using strand_type = boost::asio::strand<boost::asio::any_io_executor>;
  using tcp = boost::asio::ip::tcp;

  http_connection(const boost::asio::any_io_executor& executor, std::string origin,
                  boost::asio::ssl::context* tls_context)
      : m_strand(boost::asio::make_strand(executor)), m_timer(m_strand), m_resolver(m_strand), m_origin(std::move(origin)) {
    if (tls_context) m_tls.emplace(m_strand, *tls_context);
    else m_plain.emplace(m_strand);
  }
  http_connection(const http_connection&) = delete;
  http_connection& operator=(const http_connection&) = delete;

  const strand_type& strand() const noexcept { return m_strand; }
  boost::asio::steady_timer& timer() noexcept { return m_timer; }
  const std::string& origin() const noexcept { return m_origin; }
  boost::beast::flat_buffer& buffer() noexcept { return m_buffer; }
  tcp::socket& socket() noexcept { return m_tls ? m_tls->next_layer() : *m_plain; }
  bool is_tls() const noexcept { return m_tls.has_value(); }

  // Requests served on this connection so far (0: it is new).
  std::size_t uses = 0;
  // When it last went back to the pool.
  time_point idle_since{};

  connection_token token(time_point deadline, std::stop_token stop) noexcept {
    return connection_token{{std::move(stop), this, deadline}};
  }

  task<timed_result<tcp::resolver::results_type>> resolve(std::string host, std::string port, time_point deadline,
                                                           std::stop_token stop) {
    co_return co_await m_resolver.async_resolve(host, port, token(deadline, std::move(stop)));
  }

  // Tries each resolved address in turn.
  task<timed_result<tcp::endpoint>> connect(tcp::resolver::results_type endpoints, time_point deadline,
                                            std::stop_token stop) {
    auto result = co_await boost::asio::async_connect(socket(), endpoints, token(deadline, std::move(stop)));
    if (!result.error) no_delay();
    co_return result;
  }
  task<timed_result<std::monostate>> connect(tcp::endpoint endpoint, time_point deadline, std::stop_token stop) {
    auto result = co_await socket().async_connect(endpoint, token(deadline, std::move(stop)));
    if (!result.error) no_delay();
    co_return result;
  }

  // TLS: checks the certificate for `host` when `verify`, sends SNI when asked.
  task<timed_result<std::monostate>> handshake(std::string host, bool sni, bool verify, time_point deadline,
                                               std::stop_token stop) {
    if (sni) SSL_set_tlsext_host_name(m_tls->native_handle(), host.c_str());
    if (verify) {
      m_tls->set_verify_mode(boost::asio::ssl::verify_peer);
      m_tls->set_verify_callback(boost::asio::ssl::host_name_verification(host));
    } else {
      m_tls->set_verify_mode(boost::asio::ssl::verify_none);
    }
    co_return co_await m_tls->async_handshake(boost::asio::ssl::stream_base::client, token(deadline, std::move(stop)));
  }

  // Writes some of `buffers` (at least one byte, or fails).
  task<timed_result<std::size_t>> write_some(std::array<boost::asio::const_buffer, 2> buffers, time_point deadline,
                                             std::stop_token stop) {
    if (m_tls) co_return co_await m_tls->async_write_some(buffers, token(deadline, std::move(stop)));
    co_return co_await m_plain->async_write_some(buffers, token(deadline, std::move(stop)));
  }

  // Reads what has arrived (at least one byte, or fails) into the read buffer.
  task<timed_result<std::size_t>> read_some(std::size_t at_most, time_point deadline, std::stop_token stop) {
    const auto space = m_buffer.prepare(at_most);
    timed_result<std::size_t> result;
    if (m_tls) result = co_await m_tls->async_read_some(space, token(deadline, std::move(stop)));
    else result = co_await m_plain->async_read_some(space, token(deadline, std::move(stop)));
    m_buffer.commit(result.value);
    co_return result;
  }

  // An idle connection is usable when the server has neither closed it nor
  // sent anything unasked (a late error, a close_notify, or for TLS 1.3 a
  // session ticket: a usable connection then looks unusable, which costs a
  // new connection, never a lost request). Called on an idle connection only.
  bool still_open() noexcept {
    tcp::socket& s = socket();
    if (!s.is_open() || m_buffer.size() != 0) return false;
    boost::system::error_code error;
    s.non_blocking(true, error);
    if (error) return false;
    char byte = 0;
    (void)s.receive(boost::asio::buffer(&byte, 1), tcp::socket::message_peek, error);
    return error == boost::asio::error::would_block;
  }

  // A request is one write of head and body: don't hold back its tail.
  void no_delay() noexcept {
    boost::system::error_code ignored;
    socket().set_option(tcp::no_delay(true), ignored);
  }

  // Ends whatever step is under way (it completes with operation_aborted);
  // the connection is unusable after. On the strand.
  void interrupt() noexcept {
    boost::system::error_code ignored;
    m_resolver.cancel();
    socket().close(ignored);
  }

 private:
  strand_type m_strand;
  boost::asio::steady_timer m_timer;
  tcp::resolver m_resolver;
  std::optional<tcp::socket> m_plain;
  std::optional<boost::asio::ssl::stream<tcp::socket>> m_tls;
  boost::beast::flat_buffer m_buffer;
  std::string m_origin;
};

template <class Initiation>
void connection_binding::bind(operation_core& core, const Initiation&, boost::asio::cancellation_signal&) const {
  core.on_stop(token, connection->strand(),
               [](void* c) noexcept { static_cast<http_connection*>(c)->interrupt(); }, connection);
  core.on_deadline(connection->timer(), deadline);
}

}  // namespace volley::detail
