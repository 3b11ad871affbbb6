// volley/core/sync_wait.hpp: block a plain thread until an awaitable completes.
#pragma once

#include <condition_variable>
#include <coroutine>
#include <exception>
#include <mutex>
#include <type_traits>
#include <utility>

#include "volley/core/awaitable_traits.hpp"
#include "volley/core/detail/config.hpp"
#include "volley/core/detail/result_slot.hpp"

namespace volley {

namespace detail {

// Set once by the coroutine that finishes, waited on by the blocked thread.
class sync_wait_event {
 public:
  void set() noexcept {
    // Notify under the lock: the waiter may destroy the event as soon as it
    // can take the lock after seeing m_set.
    std::lock_guard lock{m_mutex};
    m_set = true;
    m_cv.notify_one();
  }
  void wait() noexcept {
    std::unique_lock lock{m_mutex};
    m_cv.wait(lock, [this] { return m_set; });
  }

 private:
  std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_set = false;
};

template <class R>
class sync_wait_promise;

template <class R>
class sync_wait_coroutine {
 public:
  using promise_type = sync_wait_promise<R>;
  explicit sync_wait_coroutine(std::coroutine_handle<promise_type> h) noexcept : m_handle(h) {}
  sync_wait_coroutine(sync_wait_coroutine&& o) noexcept : m_handle(std::exchange(o.m_handle, {})) {}
  sync_wait_coroutine(const sync_wait_coroutine&) = delete;
  sync_wait_coroutine& operator=(const sync_wait_coroutine&) = delete;
  sync_wait_coroutine& operator=(sync_wait_coroutine&&) = delete;
  ~sync_wait_coroutine() {
    if (m_handle) m_handle.destroy();
  }
  R run() {
    sync_wait_event event;
    m_handle.promise().m_event = &event;
    m_handle.resume();
    event.wait();
    return m_handle.promise().m_result.take();
  }

 private:
  std::coroutine_handle<promise_type> m_handle;
};

template <class R>
class sync_wait_promise : public frame_allocation {
 public:
  sync_wait_coroutine<R> get_return_object() noexcept {
    return sync_wait_coroutine<R>{std::coroutine_handle<sync_wait_promise>::from_promise(*this)};
  }
  std::suspend_always initial_suspend() noexcept { return {}; }
  auto final_suspend() noexcept {
    struct signal {
      bool await_ready() const noexcept { return false; }
      void await_suspend(std::coroutine_handle<sync_wait_promise> self) noexcept { self.promise().m_event->set(); }
      void await_resume() const noexcept {}
    };
    return signal{};
  }
  template <class U>
  void return_value(U&& value) {
    m_result.set_value(std::forward<U>(value));
  }
  void unhandled_exception() noexcept { m_result.set_exception(std::current_exception()); }

  sync_wait_event* m_event = nullptr;
  result_slot<R> m_result;
};

template <>
class sync_wait_promise<void> : public frame_allocation {
 public:
  sync_wait_coroutine<void> get_return_object() noexcept {
    return sync_wait_coroutine<void>{std::coroutine_handle<sync_wait_promise>::from_promise(*this)};
  }
  std::suspend_always initial_suspend() noexcept { return {}; }
  auto final_suspend() noexcept {
    struct signal {
      bool await_ready() const noexcept { return false; }
      void await_suspend(std::coroutine_handle<sync_wait_promise> self) noexcept { self.promise().m_event->set(); }
      void await_resume() const noexcept {}
    };
    return signal{};
  }
  void return_void() noexcept {}
  void unhandled_exception() noexcept { m_result.set_exception(std::current_exception()); }

  sync_wait_event* m_event = nullptr;
  result_slot<void> m_result;
};

// What sync_wait returns for an awaitable yielding T: T by value (an rvalue
// reference becomes a value), an lvalue reference stays a reference.
template <class T>
using sync_wait_result_t = std::conditional_t<std::is_rvalue_reference_v<T>, std::remove_cvref_t<T>, T>;

template <class R, class A>
sync_wait_coroutine<R> make_sync_wait_coroutine(A&& awaitable) {
  if constexpr (std::is_void_v<R>) {
    co_await std::forward<A>(awaitable);
  } else {
    co_return co_await std::forward<A>(awaitable);
  }
}

}  // namespace detail

// Blocks the calling thread until `a` completes; returns its value by value
// or rethrows its exception.
//
// When to use: at the edge of your program (main, a test, a plain-thread
// callback) to enter the coroutine world. Never inside a coroutine or on an
// executor's own thread: it blocks that thread, and work queued behind it on
// the same thread can never run.
//
//   good: int main() { auto results = volley::sync_wait(agent_turn(pool)); }
//   bad:  volley::task<> step() { volley::sync_wait(other()); co_return; }
//   bad:  volley::sync_wait(sim.sleep_for(2s)): a simulation's timers fire
//         only inside sim.run(); use sim.run(...) for simulated work.
template <awaitable A>
auto sync_wait(A&& a) -> detail::sync_wait_result_t<await_result_t<A>> {
  using result = detail::sync_wait_result_t<await_result_t<A>>;
  auto coroutine = detail::make_sync_wait_coroutine<result>(std::forward<A>(a));
  return coroutine.run();
}

}  // namespace volley
