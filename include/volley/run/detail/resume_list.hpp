// The coroutines to resume once the scheduler's lock is let go.
#pragma once

#include <coroutine>
#include <memory>
#include <utility>
#include <vector>

#include "volley/core/detail/resume_trampoline.hpp"

namespace volley::detail {

// Usually none or one (a call's awaiter, the batch's drainer), so the first
// is held inline and only a second one allocates. Two words: every call's
// driver frame holds one. Resumed in push order, without recursion.
class resume_list {
 public:
  void push_back(std::coroutine_handle<> handle) {
    if (!m_first) {
      m_first = handle;
      return;
    }
    if (!m_rest) m_rest = std::make_unique<std::vector<std::coroutine_handle<>>>();
    m_rest->push_back(handle);
  }
  bool empty() const noexcept { return !m_first; }
  void clear() noexcept {
    m_first = {};
    if (m_rest) m_rest->clear();
  }
  void resume_all() const {
    if (!m_first) return;
    resume_without_recursion(m_first);
    if (m_rest) {
      for (auto handle : *m_rest) resume_without_recursion(handle);
    }
  }

 private:
  std::coroutine_handle<> m_first;
  std::unique_ptr<std::vector<std::coroutine_handle<>>> m_rest;
};

}  // namespace volley::detail
