// The awaiter behind every executor's sleep_for / sleep_until / schedule_after.
#pragma once

#include <coroutine>
#include <optional>
#include <stop_token>

#include "volley/core/time.hpp"
#include "volley/exec/detail/timer_queue.hpp"

namespace volley::detail {

// Timers is the executor's timer side:
//   bool arm_timer(timer_entry&, time_point deadline): queue it; false when the
//        entry's stop was already requested (the awaiter then does not suspend);
//   void cancel_timer(timer_entry&): take it out and resume it soon, or mark
//        it stopped when it is not queued (yet, or any more).
// Exactly one of the timer firing, the stop callback or arm_timer returning
// false resumes the coroutine: the executor decides under its timer lock.
template <class Timers>
class sleep_awaiter {
 public:
  sleep_awaiter(Timers& timers, time_point deadline, std::stop_token token) noexcept
      : m_timers(&timers), m_deadline(deadline), m_token(std::move(token)) {}
  sleep_awaiter(const sleep_awaiter&) = delete;
  sleep_awaiter& operator=(const sleep_awaiter&) = delete;
  sleep_awaiter(sleep_awaiter&& other) noexcept
      : m_timers(other.m_timers), m_deadline(other.m_deadline), m_token(std::move(other.m_token)) {}

  bool await_ready() const noexcept { return m_token.stop_requested(); }

  bool await_suspend(std::coroutine_handle<> awaiting) {
    m_entry.node.handle = awaiting;
    // Register the callback before arming: if it runs inline (stop already
    // requested) it only marks the entry, and arm_timer sees the mark.
    if (m_token.stop_possible()) m_callback.emplace(m_token, on_stop{this});
    return m_timers->arm_timer(m_entry, m_deadline);
  }

  void await_resume() const noexcept {}

 private:
  struct on_stop {
    sleep_awaiter* self;
    void operator()() const noexcept { self->m_timers->cancel_timer(self->m_entry); }
  };

  Timers* m_timers;
  time_point m_deadline;
  std::stop_token m_token;
  timer_entry m_entry;
  std::optional<std::stop_callback<on_stop>> m_callback;
};

}  // namespace volley::detail
