// The life of one Asio operation awaited by a volley coroutine: started once,
// completed once, stopped at most once, and the coroutine resumed exactly once.
#pragma once

#include <coroutine>
#include <mutex>
#include <optional>
#include <stop_token>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include "volley/core/time.hpp"

namespace volley::detail {

// Who may resume the awaiting coroutine, and when.
//
// Up to three parties hold a claim on the coroutine once the operation is
// started: the operation's completion handler, a stop action posted by the
// stop callback, and the handler of a deadline timer. Each takes its claim
// under m_mutex and gives it back when it is done with the core; whoever
// gives back the last claim resumes the coroutine. So the core (which lives
// in the coroutine's frame) is never touched after the coroutine resumed,
// and the coroutine resumes exactly once, from an Asio handler: on the
// operation's executor (the completion handler's), or on the executor the
// stop action was posted to.
//
// The races this settles:
//   - stop before start: the stop callback (registered first, so it may run
//     inline) marks the core; start() then does not initiate and the
//     coroutine does not suspend;
//   - stop after completion: the stop callback finds the core completed and
//     does nothing;
//   - stop while the operation runs: the stop callback runs on whatever thread
//     requested the stop, so it only posts the stop action to the executor
//     given; the action (a cancellation_signal::emit, or the caller's cancel
//     function) runs there, where the operation's own handlers run;
//   - completion on another thread while await_suspend is still in start():
//     the operation is initiated under m_mutex, so its handler waits for
//     start() to let go; start() touches nothing after that.
class operation_core {
 public:
  using action_fn = void (*)(void* context) noexcept;

  operation_core() = default;
  operation_core(const operation_core&) = delete;
  operation_core& operator=(const operation_core&) = delete;

  // A stop of `token` runs action(context) on `executor` while the
  // operation is in flight. Call before start().
  void on_stop(std::stop_token token, boost::asio::any_io_executor executor, action_fn action, void* context) {
    m_token = std::move(token);
    m_stop_executor = std::move(executor);
    m_action = action;
    m_action_context = context;
  }

  // The deadline runs the same action when it passes first, and the
  // operation then reports timed_out(). The timer must be used by nothing
  // else meanwhile, and its executor must be the one the operation completes
  // on (a strand), since the completion handler cancels it. Call before start().
  void on_deadline(boost::asio::steady_timer& timer, time_point deadline) noexcept {
    m_timer = &timer;
    m_deadline = deadline;
  }

  bool stop_requested() const noexcept { return m_token.stop_requested(); }

  // Initiates the operation with initiate() unless a stop came first.
  // Returns false when the coroutine must not suspend (nothing was started).
  // initiate() may throw; nothing is started then and the exception leaves.
  template <class Initiate>
  bool start(std::coroutine_handle<> awaiting, Initiate&& initiate) {
    m_awaiting = awaiting;
    // Before initiation, so that a stop between await_ready and here is seen.
    if (m_action && m_token.stop_possible()) m_stop_callback.emplace(m_token, stop_callback{this});
    std::lock_guard lock{m_mutex};
    if (m_stopped_before_start) return false;
    std::forward<Initiate>(initiate)();
    m_started = true;
    m_claims = 1;
    if (m_timer) {
      m_timer->expires_at(m_deadline);
      m_timer->async_wait(timer_handler{this});
      ++m_claims;
    }
    return true;
  }

  // The completion handler: stores the result with store() and gives back its claim.
  template <class Store>
  void complete(Store&& store) {
    bool last;
    {
      std::lock_guard lock{m_mutex};
      std::forward<Store>(store)();
      m_completed = true;
      if (m_timer && !m_timer_fired) m_timer->cancel();
      last = --m_claims == 0;
    }
    if (last) resume();
  }

  bool started() const noexcept { return m_started; }
  // The deadline passed before the operation completed (read after resumption).
  bool timed_out() const noexcept { return m_timed_out; }
  // The stop action ran before the operation completed (read after resumption).
  bool stopped() const noexcept { return m_stop_acted; }

  // Unregisters the stop callback (waiting for it if it runs right now on
  // another thread). Called when the coroutine resumes.
  void finish() noexcept { m_stop_callback.reset(); }

 private:
  struct stop_callback {
    operation_core* self;
    void operator()() const noexcept { self->stop_requested_now(); }
  };

  struct stop_runner {
    operation_core* self;
    void operator()() const noexcept { self->run_stop(); }
  };

  struct timer_handler {
    operation_core* self;
    void operator()(const boost::system::error_code& error) const noexcept { self->deadline_passed(!error); }
  };

  void stop_requested_now() noexcept {
    std::lock_guard lock{m_mutex};
    if (!m_started) {
      m_stopped_before_start = true;
    } else if (!m_completed && !m_stop_posted) {
      m_stop_posted = true;
      ++m_claims;
      // post, not dispatch: the stop may be requested from inside a handler
      // on that executor, in the middle of something the action must not interrupt.
      boost::asio::post(m_stop_executor, stop_runner{this});
    }
  }

  // On the stop executor.
  void run_stop() noexcept {
    bool act;
    {
      std::lock_guard lock{m_mutex};
      act = !m_completed && !m_timed_out;
      if (act) m_stop_acted = true;
    }
    // Outside the lock: the action may complete the operation, and its
    // handler takes the lock. (Asio runs no handler inside a cancellation,
    // but a caller's action might.)
    if (act) m_action(m_action_context);
    release();
  }

  // On the timer's executor, which is the operation's.
  void deadline_passed(bool expired) noexcept {
    bool act;
    {
      std::lock_guard lock{m_mutex};
      m_timer_fired = true;
      act = expired && !m_completed && !m_stop_acted;
      if (act) m_timed_out = true;
    }
    if (act) m_action(m_action_context);
    release();
  }

  void release() noexcept {
    bool last;
    {
      std::lock_guard lock{m_mutex};
      last = --m_claims == 0;
    }
    if (last) resume();
  }

  void resume() noexcept { m_awaiting.resume(); }

  std::mutex m_mutex;
  std::coroutine_handle<> m_awaiting;
  int m_claims = 0;  // under m_mutex, as are the flags below
  bool m_started = false;
  bool m_completed = false;
  bool m_stopped_before_start = false;
  bool m_stop_posted = false;
  bool m_stop_acted = false;
  bool m_timer_fired = false;
  bool m_timed_out = false;

  std::stop_token m_token;
  boost::asio::any_io_executor m_stop_executor;
  action_fn m_action = nullptr;
  void* m_action_context = nullptr;
  boost::asio::steady_timer* m_timer = nullptr;
  time_point m_deadline{};
  // Last: destroyed first, so a callback running on another thread ends
  // before anything it touches dies.
  std::optional<std::stop_callback<stop_callback>> m_stop_callback;
};

}  // namespace volley::detail
