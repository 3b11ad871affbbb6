// volley/asio/http_error.hpp: what failed in an HTTP request, and where.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <boost/system/error_code.hpp>

#include "volley/detail/concat.hpp"

namespace volley {

// The step of a request that failed. timeout, cancelled and limit say why it
// stopped; http_error::during() then says in which network step.
enum class http_phase {
  invalid_request,  // the request itself: its URL, method or a header
  resolve,          // looking up the host name
  connect,          // the TCP connection
  tls_handshake,    // TLS, including the certificate check
  write,            // sending the request
  read_header,      // the status line and headers
  read_body,        // the body (and, for a stream, its events)
  timeout,          // a connect, idle or whole-request timeout ran out
  cancelled,        // the caller's stop token was stopped
  limit,            // the response was larger than a limit allows
};

constexpr std::string_view to_string(http_phase phase) noexcept {
  switch (phase) {
    case http_phase::invalid_request: return "invalid_request";
    case http_phase::resolve: return "resolve";
    case http_phase::connect: return "connect";
    case http_phase::tls_handshake: return "tls_handshake";
    case http_phase::write: return "write";
    case http_phase::read_header: return "read_header";
    case http_phase::read_body: return "read_body";
    case http_phase::timeout: return "timeout";
    case http_phase::cancelled: return "cancelled";
    case http_phase::limit: return "limit";
  }
  return "unknown";
}

// Thrown by http_client and http_response_stream when a request cannot be
// made or its response cannot be read. An HTTP error status (404, 500) is
// not one: the response is returned and the caller reads its status.
//
// what() reads like "volley::http_client: GET http://127.0.0.1:8080/x:
// read_header: connection reset by peer"; phase() is what to branch on.
//
//   good: catch (const volley::http_error& e) { if (e.phase() == volley::http_phase::timeout) retry_later(); }
//   bad:  catch (const std::exception&) { retry(); }  // also retries a request the server may have run
class http_error : public std::runtime_error {
 public:
  http_error(http_phase phase, http_phase during, std::string method, std::string url, std::string_view what,
             boost::system::error_code code = {})
      : std::runtime_error(detail::concat({"volley::http_client: ", method, " ", url, ": ", to_string(phase),
                                           during != phase ? " while " : "", during != phase ? describe(during) : "",
                                           ": ", what})),
        m_phase(phase),
        m_during(during),
        m_method(std::move(method)),
        m_url(std::move(url)),
        m_code(code) {}

  http_phase phase() const noexcept { return m_phase; }
  // The network step under way: phase() itself, except for timeout,
  // cancelled and limit, where it names the step they cut short.
  http_phase during() const noexcept { return m_during; }
  const std::string& method() const noexcept { return m_method; }
  const std::string& url() const noexcept { return m_url; }
  // The underlying error, when there was one (Asio, Beast or OpenSSL's).
  const boost::system::error_code& code() const noexcept { return m_code; }

 private:
  static constexpr std::string_view describe(http_phase phase) noexcept {
    switch (phase) {
      case http_phase::resolve: return "resolving the host";
      case http_phase::connect: return "connecting";
      case http_phase::tls_handshake: return "in the TLS handshake";
      case http_phase::write: return "sending the request";
      case http_phase::read_header: return "reading the response header";
      case http_phase::read_body: return "reading the response body";
      default: return to_string(phase);
    }
  }

  http_phase m_phase;
  http_phase m_during;
  std::string m_method;
  std::string m_url;
  boost::system::error_code m_code;
};

}  // namespace volley
