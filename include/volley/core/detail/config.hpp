// Compiler switches shared by volley's coroutine types.
#pragma once

#include <atomic>
#include <cstddef>
#include <new>

#include "volley/core/detail/frame_pool.hpp"

// Symmetric transfer (await_suspend returning a coroutine_handle) is only safe
// for long chains of synchronous completions when the compiler turns the
// resume into a tail call. clang does at every optimization level; GCC 12
// does not at -O0 or under ASan, where a million synchronously completing
// co_awaits overflow the stack. Without it, volley's task uses a bool
// await_suspend and an atomic handshake instead (see task.hpp).
#if !defined(VOLLEY_SYMMETRIC_TRANSFER)
#if defined(__clang__)
#define VOLLEY_SYMMETRIC_TRANSFER 1
#else
#define VOLLEY_SYMMETRIC_TRANSFER 0
#endif
#endif

namespace volley::detail {

// Live coroutine frames of volley's own coroutine types, counted only when
// VOLLEY_DEBUG_FRAME_COUNT is defined (volley's tests define it to prove that
// every frame dies on every path). Define it the same way in every TU.
inline std::atomic<long>& live_frame_count() noexcept {
  static std::atomic<long> count{0};
  return count;
}

// Base of every volley promise type: frames come from the frame pool (see
// frame_pool.hpp), and debug builds of the tests count them.
struct frame_allocation {
  static void* operator new(std::size_t size) {
    void* p = allocate_frame(size);
#if defined(VOLLEY_DEBUG_FRAME_COUNT)
    // relaxed: a statistic; tests read it after joining every thread.
    live_frame_count().fetch_add(1, std::memory_order_relaxed);
#endif
    return p;
  }
  // Sized: the frame's size picks its size class.
  static void operator delete(void* p, std::size_t size) noexcept {
#if defined(VOLLEY_DEBUG_FRAME_COUNT)
    live_frame_count().fetch_sub(1, std::memory_order_relaxed);
#endif
    deallocate_frame(p, size);
  }
};

}  // namespace volley::detail
