// The values a JSON pointer with wildcards selects in a call's arguments.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace volley::mcp::detail {

// The reference tokens of a JSON pointer (RFC 6901: "~1" is "/", "~0" is
// "~"); a token "*" matches every element of an array and every member of
// an object. Throws std::invalid_argument for a pointer that does not
// start with "/" (the empty pointer "" is the whole document).
inline std::vector<std::string> pointer_tokens(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer.front() != '/') {
    throw std::invalid_argument("volley::mcp: a resource pointer must start with '/': '" + std::string(pointer) + "'");
  }
  std::size_t at = 1;
  for (;;) {
    const std::size_t end = pointer.find('/', at);
    std::string_view raw = pointer.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    std::string token;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token.push_back(raw[i + 1] == '0' ? '~' : '/');
        ++i;
      } else {
        token.push_back(raw[i]);
      }
    }
    tokens.push_back(std::move(token));
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  return tokens;
}

// Appends the text of every scalar the tokens select: strings as they are,
// numbers and booleans as JSON text; an array or object selected whole
// contributes its scalars (a list of paths given without "/*").
inline void collect_values(const nlohmann::json& node, const std::vector<std::string>& tokens, std::size_t depth,
                           std::vector<std::string>& out) {
  if (depth == tokens.size()) {
    if (node.is_string()) {
      out.push_back(node.get<std::string>());
    } else if (node.is_number() || node.is_boolean()) {
      out.push_back(node.dump());
    } else if (node.is_array() || node.is_object()) {
      for (const auto& child : node) collect_values(child, tokens, depth, out);
    }
    return;
  }
  const std::string& token = tokens[depth];
  if (token == "*") {
    if (node.is_array() || node.is_object()) {
      for (const auto& child : node) collect_values(child, tokens, depth + 1, out);
    }
    return;
  }
  if (node.is_object()) {
    if (auto it = node.find(token); it != node.end()) collect_values(*it, tokens, depth + 1, out);
    return;
  }
  if (node.is_array() && !token.empty() && token.find_first_not_of("0123456789") == std::string::npos) {
    const std::size_t index = std::stoul(token);
    if (index < node.size()) collect_values(node[index], tokens, depth + 1, out);
  }
}

}  // namespace volley::mcp::detail
