// volley/io/detail/json_path.hpp: the JSON path of a field, rendered only on error.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace volley::io::detail {

// A path is a chain of segments on the stack (each names its parent), so a
// successful import builds no strings. Render it with str() when reporting.
// A child points at its parent: name every parent you keep (`auto item = list[i];`),
// never keep a child of a temporary.
class json_path {
 public:
  // The root, named as the user knows it ("messages", "traj", "" for none).
  explicit json_path(std::string_view root) noexcept : m_text(root) {}

  json_path operator/(std::string_view key) const noexcept { return json_path{this, key}; }
  json_path operator[](std::size_t index) const noexcept { return json_path{this, index}; }

  // `messages[3].tool_calls[0].function.name`
  std::string str() const {
    std::vector<const json_path*> chain;
    for (const json_path* p = this; p != nullptr; p = p->m_parent) chain.push_back(p);
    std::string out;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      const json_path& segment = **it;
      switch (segment.m_kind) {
        case kind::root: out += segment.m_text; break;
        case kind::key:
          if (plain_key(segment.m_text)) {
            if (!out.empty()) out += '.';
            out += segment.m_text;
          } else {
            out += "[\"";
            out += segment.m_text;
            out += "\"]";
          }
          break;
        case kind::index:
          out += '[';
          out += std::to_string(segment.m_index);
          out += ']';
          break;
      }
    }
    return out;
  }

 private:
  enum class kind { root, key, index };

  json_path(const json_path* parent, std::string_view key) noexcept
      : m_parent(parent), m_text(key), m_kind(kind::key) {}
  json_path(const json_path* parent, std::size_t index) noexcept
      : m_parent(parent), m_index(index), m_kind(kind::index) {}

  // Keys that read unambiguously after a dot.
  static bool plain_key(std::string_view key) noexcept {
    if (key.empty()) return false;
    for (char c : key) {
      const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '_' || c == '-';
      if (!word) return false;
    }
    return true;
  }

  const json_path* m_parent = nullptr;
  std::string_view m_text;
  std::size_t m_index = 0;
  kind m_kind = kind::root;
};

}  // namespace volley::io::detail
