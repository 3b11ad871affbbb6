// volley/plan/detail/id_index.hpp: call id -> call index, for resolving
// `after` names. An open-addressing table of (hash fragment, index) pairs
// over a copy of the ids packed in one buffer: a lookup touches one slot and,
// on a fragment match, the packed id, both in small contiguous arrays; a
// node-based map over the call_specs chases pointers to scattered memory
// three times per lookup, and a batch may have millions of `after` names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "volley/plan/call_spec.hpp"

namespace volley::detail {

class id_index {
 public:
  static constexpr std::size_t not_found = static_cast<std::size_t>(-1);

  explicit id_index(std::span<const call_spec> calls) {
    if (calls.size() >= std::numeric_limits<std::uint32_t>::max())
      throw std::length_error("volley::plan_rounds: too many calls");
    std::size_t text_size = 0;
    for (const call_spec& call : calls) text_size += call.id.size();
    m_text.reserve(text_size);
    m_offsets.reserve(calls.size() + 1);
    for (const call_spec& call : calls) {
      m_offsets.push_back(m_text.size());
      m_text += call.id;
    }
    m_offsets.push_back(m_text.size());
    std::size_t capacity = 16;
    while (capacity < 2 * calls.size()) capacity *= 2;
    m_slots.assign(capacity, slot{});
    m_mask = capacity - 1;
  }

  // Adds calls[index].id; returns the index of an earlier call with the same
  // id (then nothing is added), or not_found.
  std::size_t insert(std::size_t index) {
    const std::string_view id = id_of(index);
    const std::size_t hash = std::hash<std::string_view>{}(id);
    const auto fragment = fragment_of(hash);
    for (std::size_t position = hash & m_mask;; position = (position + 1) & m_mask) {
      slot& s = m_slots[position];
      if (s.index_plus_one == 0) {
        s = slot{fragment, static_cast<std::uint32_t>(index + 1)};
        return not_found;
      }
      if (s.fragment == fragment && id_of(s.index_plus_one - 1) == id) return s.index_plus_one - 1;
    }
  }

  std::size_t find(std::string_view id) const {
    const std::size_t hash = std::hash<std::string_view>{}(id);
    const auto fragment = fragment_of(hash);
    for (std::size_t position = hash & m_mask;; position = (position + 1) & m_mask) {
      const slot& s = m_slots[position];
      if (s.index_plus_one == 0) return not_found;
      if (s.fragment == fragment && id_of(s.index_plus_one - 1) == id) return s.index_plus_one - 1;
    }
  }

 private:
  struct slot {
    std::uint32_t fragment = 0;        // high bits of the id's hash
    std::uint32_t index_plus_one = 0;  // 0: empty
  };

  static std::uint32_t fragment_of(std::size_t hash) noexcept {
    return static_cast<std::uint32_t>(static_cast<std::uint64_t>(hash) >> 32);
  }

  std::string_view id_of(std::size_t index) const noexcept {
    return std::string_view(m_text).substr(m_offsets[index], m_offsets[index + 1] - m_offsets[index]);
  }

  std::string m_text;                 // every id, one after the other
  std::vector<std::size_t> m_offsets;  // id i is m_text[m_offsets[i], m_offsets[i + 1])
  std::vector<slot> m_slots;
  std::size_t m_mask = 0;
};

}  // namespace volley::detail
