// volley/io/detail/json_access.hpp: typed, path-reporting access to nlohmann::json.
//
// Every function here either returns what was asked for or throws
// volley::io::format_error naming the path; none lets an nlohmann exception out.
#pragma once

#include "volley/detail/concat.hpp"

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "volley/io/detail/json_path.hpp"
#include "volley/io/detail/json_layout.hpp"
#include "volley/io/format_error.hpp"

namespace volley::io::detail {

using json = nlohmann::json;

// Documents nested deeper than this are refused before parsing: nlohmann's
// dump() and copies recurse once per level, and a hostile file must not be
// able to overflow the stack through them.
inline constexpr std::size_t max_nesting_depth = 512;

[[noreturn]] inline void fail(const json_path& path, std::string problem) {
  throw format_error(path.str(), std::move(problem));
}

inline std::string expected_got(std::string_view expected, const json& value) {
  std::string text = "expected ";
  text += expected;
  text += ", got ";
  text += value.type_name();
  return text;
}

inline const json& require_object(const json& value, const json_path& path) {
  if (!value.is_object()) fail(path, expected_got("object", value));
  return value;
}

inline const json& require_array(const json& value, const json_path& path) {
  if (!value.is_array()) fail(path, expected_got("array", value));
  return value;
}

inline const std::string& require_string(const json& value, const json_path& path) {
  if (!value.is_string()) fail(path, expected_got("string", value));
  return value.get_ref<const std::string&>();
}

// The member `key` of `object` (which must be an object), or nullptr when it is
// absent. A member whose value is null counts as absent: providers write
// `"tool_calls": null` and `"content": null`.
inline const json* find_member(const json& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

// The member `key`; `expected` names its type for the "missing" message.
inline const json& require_member(const json& object, std::string_view key, const json_path& object_path,
                                  std::string_view expected) {
  const json* member = find_member(object, key);
  if (member == nullptr) {
    const json_path member_path = object_path / key;
    std::string problem = "missing (expected ";
    problem += expected;
    problem += ')';
    fail(member_path, std::move(problem));
  }
  return *member;
}

inline const std::string& require_string_member(const json& object, std::string_view key,
                                                const json_path& object_path) {
  const json& member = require_member(object, key, object_path, "string");
  const json_path member_path = object_path / key;
  return require_string(member, member_path);
}

// Replaces every byte that does not start a well-formed UTF-8 sequence with
// U+FFFD, so that text from tools (which may be anything) always serializes.
inline std::string valid_utf8(std::string_view text) {
  auto continuation = [&](std::size_t at) {
    return at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0U) == 0x80U;
  };
  auto in = [&](std::size_t at, unsigned low, unsigned high) {
    if (at >= text.size()) return false;
    const unsigned byte = static_cast<unsigned char>(text[at]);
    return byte >= low && byte <= high;
  };
  // The length of the well-formed sequence at `at`, or 0.
  auto sequence_length = [&](std::size_t at) -> std::size_t {
    const unsigned lead = static_cast<unsigned char>(text[at]);
    if (lead < 0x80U) return 1;
    if (lead >= 0xC2U && lead <= 0xDFU) return continuation(at + 1) ? 2 : 0;
    if (lead == 0xE0U) return in(at + 1, 0xA0U, 0xBFU) && continuation(at + 2) ? 3 : 0;
    if (lead == 0xEDU) return in(at + 1, 0x80U, 0x9FU) && continuation(at + 2) ? 3 : 0;
    if (lead >= 0xE1U && lead <= 0xEFU) return continuation(at + 1) && continuation(at + 2) ? 3 : 0;
    if (lead == 0xF0U) return in(at + 1, 0x90U, 0xBFU) && continuation(at + 2) && continuation(at + 3) ? 4 : 0;
    if (lead >= 0xF1U && lead <= 0xF3U)
      return continuation(at + 1) && continuation(at + 2) && continuation(at + 3) ? 4 : 0;
    if (lead == 0xF4U) return in(at + 1, 0x80U, 0x8FU) && continuation(at + 2) && continuation(at + 3) ? 4 : 0;
    return 0;
  };
  std::string out;
  std::size_t copied = 0;  // text[0, copied) is in `out` (once out is in use)
  bool rewritten = false;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t length = sequence_length(at);
    if (length != 0) {
      at += length;
      continue;
    }
    if (!rewritten) {
      out.reserve(text.size() + 8);
      rewritten = true;
    }
    out.append(text.substr(copied, at - copied));
    out += "\xEF\xBF\xBD";
    ++at;
    copied = at;
  }
  if (!rewritten) return std::string(text);
  out.append(text.substr(copied));
  return out;
}

// Serializes a value compactly; never throws on strings with bad UTF-8.
inline std::string serialize(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// nlohmann's message without its "[json.exception.parse_error.101] " tag.
inline std::string without_exception_tag(std::string_view message) {
  if (!message.empty() && message.front() == '[') {
    const auto close = message.find("] ");
    if (close != std::string_view::npos) message.remove_prefix(close + 2);
  }
  return std::string(message);
}

// Parses one JSON document whose nesting depth the caller has checked; errors
// name `path` and keep nlohmann's line and column.
inline json parse_json_of_checked_depth(std::string_view text, const json_path& path) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    fail(path, "not JSON: " + without_exception_tag(e.what()));
  }
}

inline void check_nesting_depth(std::size_t depth, const json_path& path) {
  if (depth > max_nesting_depth) {
    fail(path, volley::detail::concat({"not accepted: nested deeper than ", std::to_string(max_nesting_depth), " levels"}));
  }
}

// Parses one JSON document; errors name `path` (what the text is: a file, a
// line, an argument) and keep nlohmann's line and column. Documents nested
// deeper than max_nesting_depth are refused before parsing.
inline json parse_json(std::string_view text, const json_path& path) {
  check_nesting_depth(scan_json_layout(text, false).depth, path);
  return parse_json_of_checked_depth(text, path);
}

}  // namespace volley::io::detail
