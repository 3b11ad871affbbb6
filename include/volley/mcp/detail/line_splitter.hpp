// Newline-delimited messages out of a byte stream, with a bound on their size.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace volley::mcp::detail {

// Splits bytes, in whatever pieces they arrive, into lines: the stdio
// transport's framing (one JSON-RPC message a line). A trailing "\r" is
// dropped and empty lines are skipped. A line longer than `max_line` is not
// kept: its first and last `sample` bytes are, so the caller can say what it
// was (and find the id of the request it answered, see message_id_hint).
//
// Owns its buffers; the string_view given to feed() is read before it returns.
class line_splitter {
 public:
  static constexpr std::size_t sample = 256;

  explicit line_splitter(std::size_t max_line) : m_max_line(max_line) {}

  // on_line(std::string&& line); on_oversized(std::size_t size, std::string head, std::string tail).
  template <class OnLine, class OnOversized>
  void feed(std::string_view bytes, OnLine&& on_line, OnOversized&& on_oversized) {
    while (!bytes.empty()) {
      const std::size_t newline = bytes.find('\n');
      const std::string_view piece = bytes.substr(0, newline);
      append(piece);
      if (newline == std::string_view::npos) return;
      bytes.remove_prefix(newline + 1);
      finish_line(on_line, on_oversized);
    }
  }

  // Bytes of an unfinished line (a stream that ends mid-line).
  std::size_t pending() const noexcept { return m_oversized ? m_size : m_line.size(); }

 private:
  void append(std::string_view piece) {
    if (!m_oversized && m_line.size() + piece.size() <= m_max_line) {
      m_line.append(piece);
      return;
    }
    if (!m_oversized) {  // this piece makes the line too long: keep samples only
      m_oversized = true;
      m_size = m_line.size();
      m_head = m_line.substr(0, sample);
      m_tail.clear();
      keep_tail(std::string_view(m_line).substr(m_line.size() > sample ? m_line.size() - sample : 0));
      std::string().swap(m_line);
    }
    if (m_head.size() < sample) m_head.append(piece.substr(0, sample - m_head.size()));
    m_size += piece.size();
    keep_tail(piece);
  }

  void keep_tail(std::string_view piece) {
    if (piece.size() >= sample) {
      m_tail.assign(piece.substr(piece.size() - sample));
    } else {
      m_tail.append(piece);
      if (m_tail.size() > sample) m_tail.erase(0, m_tail.size() - sample);
    }
  }

  template <class OnLine, class OnOversized>
  void finish_line(OnLine& on_line, OnOversized& on_oversized) {
    if (m_oversized) {
      m_oversized = false;
      std::string head = std::exchange(m_head, {});
      std::string tail = std::exchange(m_tail, {});
      if (!tail.empty() && tail.back() == '\r') tail.pop_back();
      on_oversized(std::exchange(m_size, 0), std::move(head), std::move(tail));
      return;
    }
    if (!m_line.empty() && m_line.back() == '\r') m_line.pop_back();
    if (m_line.empty()) return;
    std::string line = std::move(m_line);
    m_line.clear();
    on_line(std::move(line));
  }

  std::size_t m_max_line;
  std::string m_line;
  bool m_oversized = false;
  std::size_t m_size = 0;  // of the oversized line so far
  std::string m_head;
  std::string m_tail;
};

// The id of the JSON-RPC response an oversized message most likely carried,
// read from its first or last bytes: servers write either
// {"jsonrpc":"2.0","id":7,...} or {...,"jsonrpc":"2.0","id":7}. Empty when
// neither shape is there; a guess, used only to fail that one call sooner.
inline std::string message_id_hint(std::string_view head, std::string_view tail) {
  auto scalar_after = [](std::string_view text, std::size_t at) -> std::string {
    std::size_t end = at;
    if (end < text.size() && text[end] == '"') {
      end = text.find('"', at + 1);
      return end == std::string_view::npos ? std::string{} : std::string(text.substr(at, end + 1 - at));
    }
    while (end < text.size() && (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '-')) ++end;
    return std::string(text.substr(at, end - at));
  };
  constexpr std::string_view prefix = R"({"jsonrpc":"2.0","id":)";
  if (head.starts_with(prefix)) return scalar_after(head, prefix.size());
  constexpr std::string_view suffix_key = R"("jsonrpc":"2.0","id":)";
  const std::size_t at = tail.rfind(suffix_key);
  if (at != std::string_view::npos && !tail.empty() && tail.back() == '}') {
    std::string id = scalar_after(tail, at + suffix_key.size());
    if (at + suffix_key.size() + id.size() + 1 == tail.size()) return id;
  }
  return {};
}

}  // namespace volley::mcp::detail
