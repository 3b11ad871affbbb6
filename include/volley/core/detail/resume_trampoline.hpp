// Resumes coroutines from a callback without growing the stack per resumption.
#pragma once

#include <coroutine>
#include <deque>

namespace volley::detail {

// When code that a resumed coroutine runs resumes another one (a semaphore
// release handing its permit on, a call finishing and waking its awaiter),
// nesting those resumptions could grow the stack without bound. The first
// resumption on a thread runs a loop; resumptions requested while it runs
// are queued and run by that loop, one after another.
inline void resume_without_recursion(std::coroutine_handle<> handle) {
  thread_local std::deque<std::coroutine_handle<>>* pending = nullptr;
  if (pending) {
    pending->push_back(handle);
    return;
  }
  std::deque<std::coroutine_handle<>> queue;
  pending = &queue;
  handle.resume();
  while (!queue.empty()) {
    auto next = queue.front();
    queue.pop_front();
    next.resume();
  }
  pending = nullptr;
}

}  // namespace volley::detail
