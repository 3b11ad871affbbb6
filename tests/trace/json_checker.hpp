// A tiny strict JSON parser (RFC 8259) for the trace tests, standard library
// only: it rejects anything a real parser would (trailing commas, raw control
// characters in strings, bad escapes, lone surrogates, leading zeros, ...)
// and gives a value tree to inspect.
#pragma once

#include "volley/detail/concat.hpp"
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace json_checker {

struct value {
  enum class kind { null, boolean, number, string, array, object };
  kind type = kind::null;
  bool boolean = false;
  double number = 0.0;
  std::string text;  // string value, or the number's source text
  std::vector<value> items;          // of an array
  std::vector<std::string> names;    // of an object, in order...
  std::vector<value> members;        // ...with their values (a vector of pairs would need value complete)

  // The member `key` of an object; throws when absent.
  const value& operator[](std::string_view key) const {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == key) return members[i];
    }
    throw std::out_of_range("no member '" + std::string{key} + "'");
  }
  bool has(std::string_view key) const {
    for (const auto& name : names) {
      if (name == key) return true;
    }
    return false;
  }
};

class parser {
 public:
  explicit parser(std::string_view text) : m_text(text) {}

  value parse_document() {
    skip_space();
    value result = parse_value(0);
    skip_space();
    if (m_at != m_text.size()) fail("text after the JSON value");
    return result;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(volley::detail::concat({"JSON syntax error at byte ", std::to_string(m_at)}) + ": " + what);
  }
  bool at_end() const { return m_at >= m_text.size(); }
  char peek() const { return at_end() ? '\0' : m_text[m_at]; }
  void expect(char c) {
    if (peek() != c) fail(std::string{"expected '"} + c + "'");
    ++m_at;
  }
  void skip_space() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++m_at;
  }
  void expect_word(std::string_view word) {
    if (m_text.substr(m_at, word.size()) != word) fail("bad literal");
    m_at += word.size();
  }

  value parse_value(int depth) {
    if (depth > 256) fail("nested too deeply");
    value v;
    switch (peek()) {
      case '{': parse_object(v, depth); break;
      case '[': parse_array(v, depth); break;
      case '"':
        v.type = value::kind::string;
        v.text = parse_string();
        break;
      case 't':
        expect_word("true");
        v.type = value::kind::boolean;
        v.boolean = true;
        break;
      case 'f':
        expect_word("false");
        v.type = value::kind::boolean;
        break;
      case 'n': expect_word("null"); break;
      default: parse_number(v);
    }
    return v;
  }

  void parse_object(value& v, int depth) {
    v.type = value::kind::object;
    expect('{');
    skip_space();
    if (peek() == '}') {
      ++m_at;
      return;
    }
    while (true) {
      skip_space();
      if (peek() != '"') fail("expected a member name");
      std::string name = parse_string();
      skip_space();
      expect(':');
      skip_space();
      v.names.push_back(std::move(name));
      v.members.push_back(parse_value(depth + 1));
      skip_space();
      if (peek() == ',') {
        ++m_at;
        continue;
      }
      expect('}');
      return;
    }
  }

  void parse_array(value& v, int depth) {
    v.type = value::kind::array;
    expect('[');
    skip_space();
    if (peek() == ']') {
      ++m_at;
      return;
    }
    while (true) {
      skip_space();
      v.items.push_back(parse_value(depth + 1));
      skip_space();
      if (peek() == ',') {
        ++m_at;
        continue;
      }
      expect(']');
      return;
    }
  }

  unsigned parse_hex4() {
    unsigned code = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = peek();
      code <<= 4;
      if (c >= '0' && c <= '9') {
        code |= static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        code |= static_cast<unsigned>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        code |= static_cast<unsigned>(c - 'A' + 10);
      } else {
        fail("bad \\u escape");
      }
      ++m_at;
    }
    return code;
  }

  static void append_utf8(std::string& out, std::uint32_t code) {
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xC0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xE0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }

  // Checks the raw UTF-8 of one multi-byte character and copies it.
  void copy_utf8(std::string& out) {
    const auto lead = static_cast<unsigned char>(peek());
    std::size_t length = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
    } else {
      fail("invalid UTF-8 lead byte");
    }
    if (m_at + length > m_text.size()) fail("truncated UTF-8");
    std::uint32_t code = lead & (0xFF >> (length + 1));
    for (std::size_t i = 1; i < length; ++i) {
      const auto next = static_cast<unsigned char>(m_text[m_at + i]);
      if ((next & 0xC0) != 0x80) fail("invalid UTF-8 continuation byte");
      code = (code << 6) | (next & 0x3F);
    }
    const std::uint32_t minimum = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
    if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) fail("invalid UTF-8 code point");
    out.append(m_text.substr(m_at, length));
    m_at += length;
  }

  std::string parse_string() {
    expect('"');
    std::string out;
    while (true) {
      if (at_end()) fail("unterminated string");
      const auto c = static_cast<unsigned char>(peek());
      if (c == '"') {
        ++m_at;
        return out;
      }
      if (c < 0x20) fail("raw control character in a string");
      if (c >= 0x80) {
        copy_utf8(out);
        continue;
      }
      ++m_at;
      if (c != '\\') {
        out += static_cast<char>(c);
        continue;
      }
      const char escape = peek();
      ++m_at;
      switch (escape) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t code = parse_hex4();
          if (code >= 0xD800 && code <= 0xDBFF) {
            if (m_text.substr(m_at, 2) != "\\u") fail("lone high surrogate");
            m_at += 2;
            const unsigned low = parse_hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("bad low surrogate");
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          } else if (code >= 0xDC00 && code <= 0xDFFF) {
            fail("lone low surrogate");
          }
          append_utf8(out, code);
          break;
        }
        default: fail("bad escape");
      }
    }
  }

  void parse_number(value& v) {
    const std::size_t begin = m_at;
    auto digits = [&] {
      if (!(peek() >= '0' && peek() <= '9')) fail("expected a digit");
      while (peek() >= '0' && peek() <= '9') ++m_at;
    };
    if (peek() == '-') ++m_at;
    if (peek() == '0') {
      ++m_at;
      if (peek() >= '0' && peek() <= '9') fail("leading zero");
    } else {
      digits();
    }
    if (peek() == '.') {
      ++m_at;
      digits();
    }
    if (peek() == 'e' || peek() == 'E') {
      ++m_at;
      if (peek() == '+' || peek() == '-') ++m_at;
      digits();
    }
    v.type = value::kind::number;
    v.text = std::string{m_text.substr(begin, m_at - begin)};
    v.number = std::stod(v.text);
  }

  std::string_view m_text;
  std::size_t m_at = 0;
};

// Parses `text`, throwing std::runtime_error with the byte offset on any syntax error.
inline value parse(std::string_view text) { return parser{text}.parse_document(); }

}  // namespace json_checker
