// The coroutine that sync_wait and simulation::run start to drive an
// awaitable from plain code: it awaits it, keeps its value or exception,
// and stops at its end so the caller can take the result.
#pragma once

#include <condition_variable>
#include <coroutine>
#include <exception>
#include <mutex>
#include <type_traits>
#include <utility>

#include "volley/core/detail/config.hpp"
#include "volley/core/detail/result_slot.hpp"

namespace volley::detail {

// Set once by the coroutine that finishes, waited on by a blocked thread.
class completion_event {
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
class result_coroutine_promise;

template <class R>
class result_coroutine {
 public:
  using promise_type = result_coroutine_promise<R>;
  explicit result_coroutine(std::coroutine_handle<promise_type> h) noexcept : m_handle(h) {}
  result_coroutine(result_coroutine&& o) noexcept : m_handle(std::exchange(o.m_handle, {})) {}
  result_coroutine(const result_coroutine&) = delete;
  result_coroutine& operator=(const result_coroutine&) = delete;
  result_coroutine& operator=(result_coroutine&&) = delete;
  ~result_coroutine() {
    if (m_handle) m_handle.destroy();
  }

  // Runs it until its first suspension; `event`, if given, is set at its end.
  void start(completion_event* event = nullptr) {
    m_handle.promise().m_event = event;
    m_handle.resume();
  }
  bool done() const noexcept { return m_handle.done(); }
  R take() { return m_handle.promise().m_result.take(); }

 private:
  std::coroutine_handle<promise_type> m_handle;
};

template <class R>
class result_coroutine_promise_base : public frame_allocation {
 public:
  std::suspend_always initial_suspend() noexcept { return {}; }
  auto final_suspend() noexcept {
    struct signal {
      bool await_ready() const noexcept { return false; }
      void await_suspend(std::coroutine_handle<result_coroutine_promise<R>> self) noexcept {
        if (auto* event = self.promise().m_event) event->set();
      }
      void await_resume() const noexcept {}
    };
    return signal{};
  }
  void unhandled_exception() noexcept { m_result.set_exception(std::current_exception()); }

  completion_event* m_event = nullptr;
  result_slot<R> m_result;
};

template <class R>
class result_coroutine_promise final : public result_coroutine_promise_base<R> {
 public:
  result_coroutine<R> get_return_object() noexcept {
    return result_coroutine<R>{std::coroutine_handle<result_coroutine_promise>::from_promise(*this)};
  }
  template <class U>
  void return_value(U&& value) {
    this->m_result.set_value(std::forward<U>(value));
  }
};

template <>
class result_coroutine_promise<void> final : public result_coroutine_promise_base<void> {
 public:
  result_coroutine<void> get_return_object() noexcept {
    return result_coroutine<void>{std::coroutine_handle<result_coroutine_promise>::from_promise(*this)};
  }
  void return_void() noexcept {}
};

// What a driver returns for an awaitable yielding T: T by value (an rvalue
// reference becomes a value), an lvalue reference stays a reference.
template <class T>
using driven_result_t = std::conditional_t<std::is_rvalue_reference_v<T>, std::remove_cvref_t<T>, T>;

// The awaitable must outlive the coroutine (both callers keep it alive for
// the whole full-expression).
template <class R, class A>
result_coroutine<R> make_result_coroutine(A&& awaitable) {
  if constexpr (std::is_void_v<R>) {
    co_await std::forward<A>(awaitable);
  } else {
    co_return co_await std::forward<A>(awaitable);
  }
}

}  // namespace volley::detail
