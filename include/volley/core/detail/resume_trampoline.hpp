// Resumes coroutines from a callback without growing the stack per resumption.
#pragma once

#include <coroutine>
#include <cstddef>
#include <vector>

namespace volley::detail {

// When code that a resumed coroutine runs resumes another one (a semaphore
// release handing its permit on, a call finishing and waking its awaiter),
// nesting those resumptions could grow the stack without bound. The first
// resumption on a thread runs a loop; resumptions requested while it runs
// are queued and run by that loop, one after another, in order.
//
// The queue is a vector read from a moving head: it allocates nothing unless
// a resumption is queued (a std::deque allocates two blocks up front, on
// every outermost call), and a long chain drops what it has run.
inline void resume_without_recursion(std::coroutine_handle<> handle) {
  thread_local std::vector<std::coroutine_handle<>>* pending = nullptr;
  if (pending) {
    pending->push_back(handle);
    return;
  }
  std::vector<std::coroutine_handle<>> queue;
  pending = &queue;
  handle.resume();
  for (std::size_t head = 0; head < queue.size(); ++head) {
    if (head >= 1024 && head * 2 >= queue.size()) {
      queue.erase(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(head));
      head = 0;
    }
    queue[head].resume();  // (by index: resuming may append, and reallocate)
  }
  pending = nullptr;
}

}  // namespace volley::detail
