// volley/io/detail/json_layout.hpp: one fast pass over JSON text for
// what nlohmann does not tell: how deep it nests, and where (byte and line)
// each element of a top-level array starts.
#pragma once

#include <cstddef>
#include <cstring>
#include <string_view>
#include <vector>

namespace volley::io::detail {

struct json_layout {
  std::size_t depth = 0;                      // deepest nesting of arrays and objects
  std::vector<std::size_t> element_offsets;  // where each element of the top-level array starts
  std::vector<std::size_t> element_lines;    // the 1-based line of each
};

// Scans `text` once. Brackets inside strings do not count. For valid JSON the
// result is exact (one offset per element when the top level is an array,
// none otherwise); for invalid JSON `depth` is still an upper bound of what a
// parser would reach, which is all a caller refusing deep input needs.
// Element positions are collected only when `with_elements` is set.
inline json_layout scan_json_layout(std::string_view text, bool with_elements) {
  json_layout layout;
  std::size_t depth = 0;
  std::size_t line = 1;
  bool expect_element = false;
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  for (const char* at = begin; at < end; ++at) {
    const char c = *at;
    if (with_elements && depth == 1 && expect_element && c != ' ' && c != '\t' && c != '\n' && c != '\r' &&
        c != ']') {
      layout.element_offsets.push_back(static_cast<std::size_t>(at - begin));
      layout.element_lines.push_back(line);
      expect_element = false;
    }
    switch (c) {
      case '"': {
        // Jump to the closing quote: the next '"' preceded by an even number of backslashes.
        const char* close = at + 1;
        while (true) {
          close = static_cast<const char*>(std::memchr(close, '"', static_cast<std::size_t>(end - close)));
          if (close == nullptr) return layout;  // unterminated string: invalid JSON
          std::size_t backslashes = 0;
          for (const char* k = close - 1; k > at && *k == '\\'; --k) ++backslashes;
          if (backslashes % 2 == 0) break;
          ++close;
        }
        at = close;
        break;
      }
      case '[':
      case '{':
        if (++depth > layout.depth) layout.depth = depth;
        if (depth == 1 && c == '[') expect_element = true;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      case ',':
        if (depth == 1) expect_element = true;
        break;
      case '\n': ++line; break;
      default: break;
    }
  }
  return layout;
}

}  // namespace volley::io::detail
