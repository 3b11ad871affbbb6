// volley/asio/http_message.hpp: the request http_client sends and the response it returns.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "volley/core/time.hpp"

namespace volley {

namespace detail {
inline bool equal_ignoring_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}
}  // namespace detail

// Header fields in the order they came, names as written; looked up
// without regard to case.
using http_fields = std::vector<std::pair<std::string, std::string>>;

// The value of the first field named `name` (any case), or nullopt. The view
// is into `fields`: valid while they live and are not changed.
inline std::optional<std::string_view> find_field(const http_fields& fields, std::string_view name) noexcept {
  for (const auto& [field, value] : fields) {
    if (detail::equal_ignoring_case(field, name)) return std::string_view{value};
  }
  return std::nullopt;
}

// One HTTP/1.1 request.
//   url: http://host[:port]/path?query or https://..., the host a name, an
//        IPv4 address or an IPv6 address in brackets ([::1]); a #fragment is dropped;
//   headers: sent as given, after Host and before Content-Length (both set
//        by the client unless given here); names are tokens, and values hold
//        no CR, LF or NUL, or the request is refused (invalid_request);
//   body: sent with a Content-Length (none for a GET or HEAD without a body);
//   timeout: the whole request, from the call to the last byte of the
//        response (for http_client::open, to the end of the headers);
//        unset: http_client_options::request_timeout.
//
//   good: volley::http_request req{.method = "POST", .url = "http://127.0.0.1:8080/mcp",
//                                  .headers = {{"Content-Type", "application/json"}}, .body = text};
//   bad:  .headers = {{"X-Id", user_text}} with user_text holding "\r\n": refused, never sent.
struct http_request {
  std::string method = "GET";
  std::string url{};
  http_fields headers{};
  std::string body{};
  std::optional<duration> timeout{};
};

// A complete response: status, reason, headers in order, the whole body
// (chunked encoding removed; no content coding is undone).
struct http_response {
  unsigned status = 0;
  std::string reason{};
  http_fields headers{};
  std::string body{};

  // The first header named `name` (any case); the view is into this response.
  std::optional<std::string_view> header(std::string_view name) const noexcept { return find_field(headers, name); }
};

}  // namespace volley
