// The countdown that resumes a when_all's awaiter when its last child finishes.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstddef>

namespace volley::detail {

class when_all_counter {
 public:
  // One count per child plus one for the awaiter itself, so that children
  // finishing while the awaiter is still starting them never resume it early.
  explicit when_all_counter(std::size_t children) noexcept : m_count(children + 1) {}

  // Called by the awaiter after starting every child. True: stay suspended,
  // the last child resumes it. False: every child already finished; continue
  // synchronously (no recursion, no resume).
  bool try_await(std::coroutine_handle<> awaiting) noexcept {
    m_awaiting = awaiting;
    // acq_rel: publishes m_awaiting to the last child; acquires the children's results.
    return m_count.fetch_sub(1, std::memory_order_acq_rel) > 1;
  }

  // Called by each child when it finishes; the last one resumes the awaiter.
  void child_finished() noexcept {
    // acq_rel: releases this child's result; the last decrement acquires all the others'.
    if (m_count.fetch_sub(1, std::memory_order_acq_rel) == 1) m_awaiting.resume();
  }

 private:
  std::atomic<std::size_t> m_count;
  std::coroutine_handle<> m_awaiting;
};

}  // namespace volley::detail
