// The last bytes a stream produced (a server's stderr), for error messages.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

namespace volley::mcp::detail {

// Keeps at most `capacity` of the most recent bytes; thread-safe.
class byte_tail {
 public:
  explicit byte_tail(std::size_t capacity) : m_capacity(capacity) {}

  void append(std::string_view bytes) {
    std::lock_guard lock{m_mutex};
    m_total += bytes.size();
    if (bytes.size() >= m_capacity) {
      m_bytes.assign(bytes.substr(bytes.size() - m_capacity));
      return;
    }
    m_bytes.append(bytes);
    if (m_bytes.size() > m_capacity) m_bytes.erase(0, m_bytes.size() - m_capacity);
  }

  // The kept bytes, trimmed of trailing whitespace; "..." in front when
  // earlier bytes were dropped.
  std::string text() const {
    std::lock_guard lock{m_mutex};
    std::string out = m_total > m_bytes.size() ? "..." + m_bytes : m_bytes;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) out.pop_back();
    return out;
  }

 private:
  mutable std::mutex m_mutex;
  std::size_t m_capacity;
  std::size_t m_total = 0;
  std::string m_bytes;
};

}  // namespace volley::mcp::detail
