// A growable sequence whose elements never move: blocks of 4, 8, 16, 32, ...
// elements (each twice the last), so a small batch allocates little, a call
// record costs no allocation of its own (std::deque allocates one per element
// this large), a pointer to an element stays valid while others are added,
// and finding element i is a few bit operations, with no branch.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <memory>
#include <new>
#include <utility>

namespace volley::detail {

template <class T>
class stable_vector {
 public:
  stable_vector() = default;
  stable_vector(const stable_vector&) = delete;
  stable_vector& operator=(const stable_vector&) = delete;
  ~stable_vector() {
    for (std::size_t i = 0; i < m_size; ++i) (*this)[i].~T();
    for (std::size_t block = 0; block < m_blocks.size() && m_blocks[block]; ++block) {
      std::allocator<T>{}.deallocate(m_blocks[block], first_block << block);
    }
  }

  // A new default-constructed element at the end (a block's storage is
  // allocated once, its elements constructed one by one as they are added).
  T& emplace_back() {
    auto [block, offset] = locate(m_size);
    if (!m_blocks[block]) m_blocks[block] = std::allocator<T>{}.allocate(first_block << block);
    T* element = ::new (static_cast<void*>(m_blocks[block] + offset)) T;
    ++m_size;
    return *element;
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

  // Destroys every element and keeps the blocks for the next ones.
  void clear() noexcept {
    for (std::size_t i = 0; i < m_size; ++i) (*this)[i].~T();
    m_size = 0;
  }

 private:
  static constexpr std::size_t first_block = 4;  // a power of two
  // Block k holds first_block << k elements and starts at element
  // first_block * (2^k - 1): with j = i + first_block, k is j's top bit
  // (less log2(first_block)) and the offset is j without that bit.
  static constexpr std::pair<std::size_t, std::size_t> locate(std::size_t i) noexcept {
    const std::size_t j = i + first_block;
    const auto top = static_cast<std::size_t>(std::bit_width(j)) - 1;
    return {top - static_cast<std::size_t>(std::countr_zero(first_block)), j - (std::size_t{1} << top)};
  }

  // Fixed room for the block pointers, filled in order (no allocation of its
  // own): 32 blocks hold 4 * (2^32 - 1) elements, more than a 32-bit call
  // index can name.
  std::array<T*, 32> m_blocks{};
  std::size_t m_size = 0;
};

}  // namespace volley::detail
