// volley/trace/detail/json_text.hpp: the few JSON writing primitives the
// Chrome-trace export needs (strings, fixed-point numbers), standard library only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace volley::detail {

// Length of the valid UTF-8 sequence starting at text[at], or 0 when the bytes
// there are not valid UTF-8 (overlong forms, surrogates, > U+10FFFF, truncation).
inline std::size_t utf8_sequence_length(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // no overlong forms
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // no overlong forms
    if (lead == 0xF4) high = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (at + length > text.size()) return 0;
  if (byte(at + 1) < low || byte(at + 1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(at + i) < 0x80 || byte(at + i) > 0xBF) return 0;
  }
  return length;
}

// Appends `text` as a JSON string literal: quotes, backslashes and control
// characters escaped; bytes that are not valid UTF-8 become U+FFFD, so the
// output is always valid JSON whatever a log contained.
inline void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20) {
      switch (c) {
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xF];
      }
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else if (const std::size_t length = utf8_sequence_length(text, i); length > 0) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += "\\ufffd";
      ++i;
    }
  }
  out += '"';
}

// Appends nanoseconds as microseconds with exactly three decimals ("-12.005"),
// computed with integers so the text never depends on floating-point formatting.
inline void append_microseconds(std::string& out, std::chrono::nanoseconds value) {
  std::int64_t ns = value.count();
  std::uint64_t magnitude = 0;
  if (ns < 0) {
    out += '-';
    magnitude = static_cast<std::uint64_t>(-(ns + 1)) + 1;  // no overflow at INT64_MIN
  } else {
    magnitude = static_cast<std::uint64_t>(ns);
  }
  out += std::to_string(magnitude / 1000);
  out += '.';
  const auto fraction = static_cast<unsigned>(magnitude % 1000);
  out += static_cast<char>('0' + fraction / 100);
  out += static_cast<char>('0' + fraction / 10 % 10);
  out += static_cast<char>('0' + fraction % 10);
}

}  // namespace volley::detail
