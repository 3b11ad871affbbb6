// A coroutine nobody awaits: it starts at once and frees its own frame.
#pragma once

#include <coroutine>
#include <exception>
#include <utility>
#include <vector>

#include "volley/core/detail/config.hpp"
#include "volley/run/detail/resume_list.hpp"

namespace volley::detail {

// `co_return handles;` ends the coroutine: its frame is freed first, then
// the handles are resumed, so whoever resumes never sees the frame alive
// (a test counting frames, a caller destroying what the frame referenced).
// Only for volley's own drivers, which catch everything they can; an
// exception escaping one (out of memory) terminates, as from a noexcept function.
struct detached {
  struct promise_type : frame_allocation {
    resume_list m_resume_after_exit;

    detached get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    auto final_suspend() noexcept {
      struct free_then_resume {
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<promise_type> self) noexcept {
          resume_list wake = std::move(self.promise().m_resume_after_exit);
          self.destroy();
          wake.resume_all();
        }
        void await_resume() const noexcept {}
      };
      return free_then_resume{};
    }
    void return_value(resume_list handles) noexcept { m_resume_after_exit = std::move(handles); }
    void unhandled_exception() noexcept { std::terminate(); }
  };
};

}  // namespace volley::detail
