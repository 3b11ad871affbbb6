// A non-owning, type-erased view of an executor's clock and timers, so that a
// call_context (and the tools that take one) need not be templates.
#pragma once

#include <concepts>
#include <type_traits>
#include <stop_token>

#include "volley/core/task.hpp"
#include "volley/core/time.hpp"

namespace volley::detail {

// (tool/ includes only core/: E is any volley::Executor, checked where the
// runtime builds the reference.)
template <class E>
task<> sleep_on(E& executor, time_point deadline, std::stop_token token) {
  co_await executor.sleep_until(deadline, std::move(token));
}

// Two function pointers, no virtual call: time is read once per call and a
// sleep allocates a frame anyway.
class executor_ref {
 public:
  executor_ref() = default;
  template <class E>
    requires(!std::is_same_v<std::remove_cvref_t<E>, executor_ref>) && requires(E& e, time_point t, std::stop_token token) {
      { e.now() } -> std::same_as<time_point>;
      e.sleep_until(t, token);
    }
  explicit executor_ref(E& executor) noexcept
      : m_executor(&executor),
        m_now([](void* e) { return static_cast<E*>(e)->now(); }),
        m_sleep_until([](void* e, time_point deadline, std::stop_token token) {
          return sleep_on(*static_cast<E*>(e), deadline, std::move(token));
        }) {}

  bool valid() const noexcept { return m_executor != nullptr; }
  time_point now() const { return m_now(m_executor); }
  task<> sleep_until(time_point deadline, std::stop_token token) const {
    return m_sleep_until(m_executor, deadline, std::move(token));
  }

 private:
  void* m_executor = nullptr;
  time_point (*m_now)(void*) = nullptr;
  task<> (*m_sleep_until)(void*, time_point, std::stop_token) = nullptr;
};

}  // namespace volley::detail
