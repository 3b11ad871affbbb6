// The client's executor behind function pointers, so the client is not a template.
#pragma once

#include <coroutine>
#include <functional>
#include <stop_token>
#include <utility>

#include "volley/core/task.hpp"
#include "volley/core/time.hpp"
#include "volley/exec/executor.hpp"
#include "volley/run/detail/detached.hpp"
#include "volley/run/detail/resume_list.hpp"

namespace volley::mcp::detail {

template <Executor E>
volley::detail::detached resume_on(E& executor, std::coroutine_handle<> handle) {
  co_await executor.schedule();
  volley::detail::resume_list wake;
  wake.push_back(handle);
  co_return wake;  // the frame is freed before `handle` runs
}

template <Executor E>
volley::detail::detached run_at(E& executor, time_point deadline, std::stop_token cancel, std::function<void()> action) {
  co_await executor.sleep_until(deadline, cancel);
  if (!cancel.stop_requested()) action();
  co_return volley::detail::resume_list{};
}

template <Executor E>
volley::detail::detached run_soon(E& executor, std::function<task<>()> work) {
  co_await executor.schedule();
  try {
    co_await work();
  } catch (...) {
    // Background work (a tool list refresh) reports its own failures.
  }
  co_return volley::detail::resume_list{};
}

// What the client asks of its executor: resume a coroutine there (a reply
// arrived on the transport's thread), run something at a deadline unless
// cancelled first, start background work, read the clock.
class executor_binding {
 public:
  template <Executor E>
  explicit executor_binding(E& executor)
      : m_executor(&executor),
        m_resume([](void* e, std::coroutine_handle<> h) { resume_on(*static_cast<E*>(e), h); }),
        m_at([](void* e, time_point t, std::stop_token cancel, std::function<void()> action) {
          run_at(*static_cast<E*>(e), t, std::move(cancel), std::move(action));
        }),
        m_soon([](void* e, std::function<task<>()> work) { run_soon(*static_cast<E*>(e), std::move(work)); }),
        m_now([](void* e) { return static_cast<E*>(e)->now(); }) {}

  void resume(std::coroutine_handle<> handle) const { m_resume(m_executor, handle); }
  void at(time_point deadline, std::stop_token cancel, std::function<void()> action) const {
    m_at(m_executor, deadline, std::move(cancel), std::move(action));
  }
  void soon(std::function<task<>()> work) const { m_soon(m_executor, std::move(work)); }
  time_point now() const { return m_now(m_executor); }

 private:
  void* m_executor;
  void (*m_resume)(void*, std::coroutine_handle<>);
  void (*m_at)(void*, time_point, std::stop_token, std::function<void()>);
  void (*m_soon)(void*, std::function<task<>()>);
  time_point (*m_now)(void*);
};

}  // namespace volley::mcp::detail
