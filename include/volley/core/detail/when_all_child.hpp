// One child of a when_all: awaits one awaitable, keeps its result, tells the counter.
#pragma once

#include <coroutine>
#include <exception>
#include <type_traits>
#include <utility>

#include "volley/core/detail/config.hpp"
#include "volley/core/detail/result_slot.hpp"
#include "volley/core/detail/when_all_counter.hpp"

namespace volley::detail {

template <class R>
class when_all_child_promise;

template <class R>
class when_all_child {
 public:
  using promise_type = when_all_child_promise<R>;
  explicit when_all_child(std::coroutine_handle<promise_type> h) noexcept : m_handle(h) {}
  when_all_child(when_all_child&& o) noexcept : m_handle(std::exchange(o.m_handle, {})) {}
  when_all_child(const when_all_child&) = delete;
  when_all_child& operator=(const when_all_child&) = delete;
  when_all_child& operator=(when_all_child&&) = delete;
  ~when_all_child() {
    if (m_handle) m_handle.destroy();
  }

  void start(when_all_counter& counter) noexcept {
    m_handle.promise().m_counter = &counter;
    m_handle.resume();
  }
  result_slot<R>& result() noexcept { return m_handle.promise().m_result; }

 private:
  std::coroutine_handle<promise_type> m_handle;
};

template <class R>
class when_all_child_promise_base : public frame_allocation {
 public:
  std::suspend_always initial_suspend() noexcept { return {}; }
  auto final_suspend() noexcept {
    struct notify {
      bool await_ready() const noexcept { return false; }
      void await_suspend(std::coroutine_handle<when_all_child_promise<R>> self) noexcept {
        self.promise().m_counter->child_finished();
      }
      void await_resume() const noexcept {}
    };
    return notify{};
  }
  void unhandled_exception() noexcept { m_result.set_exception(std::current_exception()); }

  when_all_counter* m_counter = nullptr;
  result_slot<R> m_result;
};

template <class R>
class when_all_child_promise final : public when_all_child_promise_base<R> {
 public:
  when_all_child<R> get_return_object() noexcept {
    return when_all_child<R>{std::coroutine_handle<when_all_child_promise>::from_promise(*this)};
  }
  template <class U>
  void return_value(U&& value) {
    this->m_result.set_value(std::forward<U>(value));
  }
};

template <>
class when_all_child_promise<void> final : public when_all_child_promise_base<void> {
 public:
  when_all_child<void> get_return_object() noexcept {
    return when_all_child<void>{std::coroutine_handle<when_all_child_promise>::from_promise(*this)};
  }
  void return_void() noexcept {}
};

template <class R, class A>
when_all_child<R> make_when_all_child(A& awaitable) {
  if constexpr (std::is_void_v<R>) {
    co_await std::move(awaitable);
  } else {
    co_return co_await std::move(awaitable);
  }
}

// Suspends the when_all coroutine until every child has finished.
struct when_all_wait {
  when_all_counter& counter;
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> awaiting) noexcept { return counter.try_await(awaiting); }
  void await_resume() const noexcept {}
};

}  // namespace volley::detail
