// An http:// or https:// URL taken apart for a request, and the request's
// text; both refuse what HTTP/1.1 cannot carry, with the reason.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>
#include <boost/system/error_code.hpp>

#include "volley/asio/http_message.hpp"
#include "volley/detail/concat.hpp"

namespace volley::detail {

struct http_url {
  bool tls = false;
  std::string host;         // a name or an address, without brackets
  std::string port;         // digits
  std::string target;       // path and query, at least "/"
  std::string host_header;  // host[:port] as the Host header writes it
  bool host_is_address = false;
  std::string origin;  // scheme://host:port, the connection pool's key
};

inline bool is_token_char(char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
}
inline bool is_token(std::string_view text) noexcept {
  if (text.empty()) return false;
  for (char c : text) {
    if (!is_token_char(c)) return false;
  }
  return true;
}

// Parses `url`; on failure returns nullopt and says why in `why`.
inline std::optional<http_url> parse_http_url(std::string_view url, std::string& why) {
  http_url out;
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    why = "the URL has no scheme (expected http:// or https://)";
    return std::nullopt;
  }
  const std::string_view scheme = url.substr(0, scheme_end);
  if (equal_ignoring_case(scheme, "https")) {
    out.tls = true;
  } else if (!equal_ignoring_case(scheme, "http")) {
    why = concat({"the scheme '", scheme, "' is not http or https"});
    return std::nullopt;
  }
  std::string_view rest = url.substr(scheme_end + 3);
  if (const std::size_t fragment = rest.find('#'); fragment != std::string_view::npos) rest = rest.substr(0, fragment);
  const std::size_t authority_end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, authority_end);
  std::string_view target = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    why = "credentials in the URL are not supported; send an Authorization header instead";
    return std::nullopt;
  }
  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      why = "an IPv6 address is not closed with ']'";
      return std::nullopt;
    }
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        why = "unexpected text after the IPv6 address";
        return std::nullopt;
      }
      port = after.substr(1);
    }
    boost::system::error_code error;
    (void)boost::asio::ip::make_address_v6(std::string(host), error);
    if (error) {
      why = concat({"'", host, "' is not an IPv6 address"});
      return std::nullopt;
    }
    out.host_is_address = true;
  } else {
    if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    if (host.empty()) {
      why = "the URL has no host";
      return std::nullopt;
    }
    for (char c : host) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_';
      if (!ok) {
        why = concat({"the host '", host, "' has a character a host name cannot have"});
        return std::nullopt;
      }
    }
    boost::system::error_code error;
    (void)boost::asio::ip::make_address_v4(std::string(host), error);
    out.host_is_address = !error;
  }
  if (port.empty()) {
    port = out.tls ? "443" : "80";
  } else {
    unsigned long number = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || number > 65535) {
        why = concat({"the port '", port, "' is not a number from 1 to 65535"});
        return std::nullopt;
      }
      number = number * 10 + static_cast<unsigned long>(c - '0');
    }
    if (number == 0 || number > 65535 || port.size() > 5) {
      why = concat({"the port '", port, "' is not a number from 1 to 65535"});
      return std::nullopt;
    }
  }
  for (char c : target) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f) {
      why = "the path or query has a space, a control character or a non-ASCII byte: percent-encode it";
      return std::nullopt;
    }
  }
  out.host.assign(host);
  out.port.assign(port);
  if (target.empty() || target.front() == '?') out.target = concat({"/", target});
  else out.target.assign(target);
  const bool default_port = port == (out.tls ? "443" : "80");
  const std::string bracketed = out.host_is_address && host.find(':') != std::string_view::npos
                                    ? concat({"[", host, "]"})
                                    : std::string(host);
  out.host_header = default_port ? bracketed : concat({bracketed, ":", port});
  // Host names compare without case; the pool key uses lower case.
  std::string lower_host = bracketed;
  for (char& c : lower_host) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  out.origin = concat({out.tls ? "https://" : "http://", lower_host, ":", port});
  return out;
}

// The request's head, ready to write before the body: request line, Host,
// User-Agent, the caller's fields, Content-Length. Returns nullopt (and why)
// for a method or field HTTP/1.1 cannot carry, or framing fields the client
// must set itself.
inline std::optional<std::string> request_head(const http_request& request, const http_url& url,
                                               std::string_view user_agent, std::string& why) {
  if (!is_token(request.method)) {
    why = concat({"the method '", request.method, "' is not an HTTP token"});
    return std::nullopt;
  }
  bool has_host = false, has_user_agent = false, has_length = false;
  for (const auto& [name, value] : request.headers) {
    if (!is_token(name)) {
      why = concat({"the header name '", name, "' is not an HTTP token"});
      return std::nullopt;
    }
    if (value.find_first_of(std::string_view{"\r\n\0", 3}) != std::string::npos) {
      why = concat({"the value of header '", name, "' holds CR, LF or NUL"});
      return std::nullopt;
    }
    if (equal_ignoring_case(name, "Transfer-Encoding")) {
      why = "Transfer-Encoding is set by the client (the body is sent whole, with a Content-Length)";
      return std::nullopt;
    }
    if (equal_ignoring_case(name, "Content-Length")) {
      if (value != std::to_string(request.body.size())) {
        why = concat({"Content-Length '", value, "' is not the body's size, ", std::to_string(request.body.size())});
        return std::nullopt;
      }
      has_length = true;
    }
    has_host = has_host || equal_ignoring_case(name, "Host");
    has_user_agent = has_user_agent || equal_ignoring_case(name, "User-Agent");
  }
  std::string text;
  text.reserve(256);
  text.append(request.method).append(" ").append(url.target).append(" HTTP/1.1\r\n");
  if (!has_host) text.append("Host: ").append(url.host_header).append("\r\n");
  if (!has_user_agent && !user_agent.empty()) text.append("User-Agent: ").append(user_agent).append("\r\n");
  for (const auto& [name, value] : request.headers) text.append(name).append(": ").append(value).append("\r\n");
  const bool bodiless_method = request.method == "GET" || request.method == "HEAD" || request.method == "DELETE" ||
                               request.method == "OPTIONS" || request.method == "TRACE";
  if (!has_length && (!request.body.empty() || !bodiless_method)) {
    text.append("Content-Length: ").append(std::to_string(request.body.size())).append("\r\n");
  }
  text.append("\r\n");
  return text;
}

}  // namespace volley::detail
