// volley/asio/http_client_options.hpp: an http_client's timeouts, limits, pool and TLS settings.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "volley/core/time.hpp"

namespace volley {

// Every network step of an http_client has a time limit: connect_timeout
// for resolving, connecting and the TLS handshake together; io_timeout for
// each read and write to make progress (an idle limit: a slow but steady
// body never trips it); request_timeout, if set, for a whole request.
//
//   good: volley::http_client client{io.get_executor(), {.io_timeout = 5s, .request_timeout = 30s}};
//   bad:  .io_timeout = 0s: every read times out at once.
struct http_client_options {
  duration connect_timeout = std::chrono::seconds{10};
  duration io_timeout = std::chrono::seconds{30};
  // The whole request (http_request::timeout overrides it); none by default.
  std::optional<duration> request_timeout{};
  // The idle limit of an http_response_stream's reads once its headers are
  // in; unset: io_timeout. An event stream that a server keeps open and
  // quiet for long stretches wants a longer one (or a stop token instead).
  std::optional<duration> stream_read_timeout{};

  // http_client::request reads the whole body into memory: this bounds it
  // (a larger body is http_phase::limit). Streams read by the piece and
  // have no bound on the body, only on each SSE event (sse_limits).
  std::size_t max_body_bytes = std::size_t{64} << 20;
  // The status line and headers together.
  std::size_t max_header_bytes = std::size_t{64} << 10;
  // One SSE line and one event, for http_response_stream::next_event.
  std::size_t max_event_line_bytes = std::size_t{1} << 20;
  std::size_t max_event_bytes = std::size_t{16} << 20;

  // Keep-alive: connections idle in the pool per scheme, host and port, and
  // how long one may stay idle before it is closed instead of reused.
  std::size_t max_idle_per_host = 8;
  duration idle_lifetime = std::chrono::seconds{30};

  // TLS (https): the peer's certificate chain and name are checked unless
  // tls_verify_peer is false; trusted roots come from tls_ca_file (PEM) when
  // set, else from OpenSSL's default paths. The host name is sent as SNI
  // (never an IP address, as RFC 6066 says) unless tls_sni is false.
  bool tls_verify_peer = true;
  std::string tls_ca_file{};
  bool tls_sni = true;

  // Sent unless the request has its own User-Agent; empty: none.
  std::string user_agent = "volley";
};

}  // namespace volley
