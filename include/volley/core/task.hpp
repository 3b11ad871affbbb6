// volley/core/task.hpp: the lazy coroutine type every volley algorithm returns.
#pragma once

#include <atomic>
#include <cassert>
#include <coroutine>
#include <exception>
#include <memory>
#include <type_traits>
#include <utility>

#include "volley/core/detail/config.hpp"

namespace volley {

template <class T = void>
class task;

namespace detail {

class task_promise_base : public frame_allocation {
 public:
  // Lazy: nothing runs until the task is awaited.
  std::suspend_always initial_suspend() noexcept { return {}; }

  struct final_awaiter {
    bool await_ready() const noexcept { return false; }
#if VOLLEY_SYMMETRIC_TRANSFER
    template <class Promise>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> self) noexcept {
      return self.promise().m_continuation;
    }
#else
    template <class Promise>
    void await_suspend(std::coroutine_handle<Promise> self) noexcept {
      task_promise_base& promise = self.promise();
      // acq_rel: releases the result to the awaiter, acquires its continuation.
      // True means the awaiter already returned from await_suspend and is
      // suspended, so resuming it is ours to do; false means it is still
      // inside await_suspend and will continue synchronously (no recursion).
      if (promise.m_handshake.exchange(true, std::memory_order_acq_rel)) {
        promise.m_continuation.resume();
      }
    }
#endif
    void await_resume() const noexcept {}
  };

  final_awaiter final_suspend() noexcept { return {}; }

  void set_continuation(std::coroutine_handle<> continuation) noexcept { m_continuation = continuation; }

#if VOLLEY_SYMMETRIC_TRANSFER
  // Starts the task and returns the handle to transfer to.
  template <class Promise>
  static std::coroutine_handle<> start(std::coroutine_handle<Promise> self,
                                       std::coroutine_handle<> awaiting) noexcept {
    self.promise().m_continuation = awaiting;
    return self;
  }
#else
  // Starts the task; returns true when the awaiter must stay suspended (the
  // task will resume it), false when the task already completed synchronously.
  template <class Promise>
  static bool start(std::coroutine_handle<Promise> self, std::coroutine_handle<> awaiting) noexcept {
    task_promise_base& promise = self.promise();
    promise.m_continuation = awaiting;
    self.resume();
    // acq_rel: pairs with final_awaiter's exchange (see there).
    return !promise.m_handshake.exchange(true, std::memory_order_acq_rel);
  }
#endif

 private:
  std::coroutine_handle<> m_continuation;
#if !VOLLEY_SYMMETRIC_TRANSFER
  std::atomic<bool> m_handshake{false};
#endif
};

template <class T>
class task_promise final : public task_promise_base {
 public:
  task_promise() noexcept {}
  task_promise(const task_promise&) = delete;
  task_promise& operator=(const task_promise&) = delete;
  task<T> get_return_object() noexcept;

  template <class U>
    requires std::is_convertible_v<U&&, T>
  void return_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    ::new (static_cast<void*>(std::addressof(m_value))) T(std::forward<U>(value));
    m_state = state::value;
  }
  void unhandled_exception() noexcept {
    ::new (static_cast<void*>(std::addressof(m_exception))) std::exception_ptr(std::current_exception());
    m_state = state::exception;
  }

  ~task_promise() {
    if (m_state == state::value) m_value.~T();
    else if (m_state == state::exception) m_exception.~exception_ptr();
  }

  // Moves the result out (or rethrows): the task is awaited once.
  T take_result() {
    if (m_state == state::exception) std::rethrow_exception(m_exception);
    assert(m_state == state::value && "volley::task: result read before the task completed");
    return std::move(m_value);
  }

 private:
  enum class state : unsigned char { empty, value, exception };
  state m_state = state::empty;
  union {
    T m_value;
    std::exception_ptr m_exception;
  };
};

template <>
class task_promise<void> final : public task_promise_base {
 public:
  task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void unhandled_exception() noexcept { m_exception = std::current_exception(); }
  void take_result() {
    if (m_exception) std::rethrow_exception(m_exception);
  }

 private:
  std::exception_ptr m_exception;
};

template <class T>
class task_promise<T&> final : public task_promise_base {
 public:
  task<T&> get_return_object() noexcept;
  void return_value(T& value) noexcept { m_value = std::addressof(value); }
  void unhandled_exception() noexcept { m_exception = std::current_exception(); }
  T& take_result() {
    if (m_exception) std::rethrow_exception(m_exception);
    return *m_value;
  }

 private:
  T* m_value = nullptr;
  std::exception_ptr m_exception;
};

}  // namespace detail

// A lazy, move-only coroutine that produces one T (or throws) when awaited.
//
// When to use: as the return type of every coroutine you write on volley
// (tools, agent steps, helpers). Nothing runs until the task is awaited or
// passed to sync_wait / when_all / simulation::run; the frame dies with the
// task object; an exception inside propagates to whoever awaits it.
//
//   good: volley::task<int> answer() { co_return 42; }
//         int x = co_await answer();
//   bad:  auto t = answer(); co_await t; co_await t;   // awaited twice: UB
//   bad:  [&captured]() -> volley::task<> { ... }      // a capturing lambda
//         as a coroutine: the captures die with the lambda object, before
//         the lazy task runs. Pass what it needs as parameters instead.
//
// task<T&> returns a reference the awaiter must know outlives the task.
template <class T>
class [[nodiscard]] task {
 public:
  using promise_type = detail::task_promise<T>;
  using value_type = T;

  task() noexcept = default;
  explicit task(std::coroutine_handle<promise_type> coroutine) noexcept : m_coroutine(coroutine) {}
  task(task&& other) noexcept : m_coroutine(std::exchange(other.m_coroutine, {})) {}
  task& operator=(task&& other) noexcept {
    if (this != &other) {
      destroy();
      m_coroutine = std::exchange(other.m_coroutine, {});
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() { destroy(); }

  // False for a default-constructed or moved-from task.
  bool valid() const noexcept { return static_cast<bool>(m_coroutine); }

  class awaiter {
   public:
    explicit awaiter(std::coroutine_handle<promise_type> coroutine) noexcept : m_coroutine(coroutine) {}
    bool await_ready() const noexcept { return false; }
#if VOLLEY_SYMMETRIC_TRANSFER
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
      return promise_type::start(m_coroutine, awaiting);
    }
#else
    bool await_suspend(std::coroutine_handle<> awaiting) noexcept {
      return promise_type::start(m_coroutine, awaiting);
    }
#endif
    // By value (or T& for task<T&>): never a reference into the frame.
    T await_resume() { return m_coroutine.promise().take_result(); }

   private:
    std::coroutine_handle<promise_type> m_coroutine;
  };

  // Awaiting consumes the task's result; the frame lives until the task dies.
  awaiter operator co_await() && noexcept {
    assert(m_coroutine && "volley::task: awaiting an empty task");
    return awaiter{m_coroutine};
  }
  awaiter operator co_await() & noexcept {
    assert(m_coroutine && "volley::task: awaiting an empty task");
    return awaiter{m_coroutine};
  }

 private:
  void destroy() noexcept {
    if (m_coroutine) m_coroutine.destroy();
  }
  std::coroutine_handle<promise_type> m_coroutine;
};

namespace detail {
template <class T>
task<T> task_promise<T>::get_return_object() noexcept {
  return task<T>{std::coroutine_handle<task_promise<T>>::from_promise(*this)};
}
inline task<void> task_promise<void>::get_return_object() noexcept {
  return task<void>{std::coroutine_handle<task_promise<void>>::from_promise(*this)};
}
template <class T>
task<T&> task_promise<T&>::get_return_object() noexcept {
  return task<T&>{std::coroutine_handle<task_promise<T&>>::from_promise(*this)};
}
}  // namespace detail

}  // namespace volley
