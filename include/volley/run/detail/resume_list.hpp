// The coroutines to resume once the scheduler's lock is let go.
#pragma once

#include <coroutine>
#include <utility>
#include <vector>

#include "volley/core/detail/resume_trampoline.hpp"

namespace volley::detail {

// Usually none or one (a call's awaiter, the batch's drainer), so the first
// is held inline and only a second one allocates. Resumed in push order,
// without recursion.
class resume_list {
 public:
  void push_back(std::coroutine_handle<> handle) {
    if (!m_first) m_first = handle;
    else m_rest.push_back(handle);
  }
  bool empty() const noexcept { return !m_first; }
  void clear() noexcept {
    m_first = {};
    m_rest.clear();
  }
  void resume_all() const {
    if (!m_first) return;
    resume_without_recursion(m_first);
    for (auto handle : m_rest) resume_without_recursion(handle);
  }

 private:
  std::coroutine_handle<> m_first;
  std::vector<std::coroutine_handle<>> m_rest;
};

}  // namespace volley::detail
