// A growable sequence whose elements never move: blocks of 4, 8, 16, 32,
// then 64 elements, so a small batch allocates little, a call record costs no
// allocation of its own (std::deque allocates one per element this large),
// and a pointer to an element stays valid while others are added.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace volley::detail {

template <class T>
class stable_vector {
 public:
  T& emplace_back() {
    auto [block, offset] = locate(m_size);
    if (block == m_blocks.size()) m_blocks.push_back(std::make_unique<T[]>(block_capacity(block)));
    ++m_size;
    return m_blocks[block][offset];
  }
  T& operator[](std::size_t i) noexcept {
    auto [block, offset] = locate(i);
    return m_blocks[block][offset];
  }
  const T& operator[](std::size_t i) const noexcept {
    auto [block, offset] = locate(i);
    return m_blocks[block][offset];
  }
  std::size_t size() const noexcept { return m_size; }

 private:
  // Blocks 0..3 hold 4, 8, 16 and 32 elements (60 in all); every later one 64.
  static constexpr std::size_t block_capacity(std::size_t block) noexcept { return block < 4 ? 4u << block : 64u; }
  static constexpr std::pair<std::size_t, std::size_t> locate(std::size_t i) noexcept {
    if (i < 4) return {0, i};
    if (i < 12) return {1, i - 4};
    if (i < 28) return {2, i - 12};
    if (i < 60) return {3, i - 28};
    return {4 + (i - 60) / 64, (i - 60) % 64};
  }

  std::vector<std::unique_ptr<T[]>> m_blocks;
  std::size_t m_size = 0;
};

}  // namespace volley::detail
