// volley/tool/call_context.hpp: what a running tool knows about its call.
#pragma once

#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>

#include "volley/core/task.hpp"
#include "volley/core/time.hpp"
#include "volley/tool/detail/executor_ref.hpp"

namespace volley {

// Thrown by call_context::throw_if_stop_requested(); a tool that lets it (or
// anything else) escape after its stop was requested ends `cancelled`.
class operation_cancelled : public std::runtime_error {
 public:
  operation_cancelled() : std::runtime_error("operation cancelled") {}
};

// The running call's id, name, stop token and deadline, and its executor's
// clock and timers.
//
// When to use: every tool takes one. Wait through it, never through the
// thread: `co_await ctx.sleep_for(d)` runs in real time on a thread_pool and
// in virtual time on a simulation, and wakes early when the call is stopped
// (batch stop token, per-call timeout, on_error::cancel_all).
//
//   good: co_await ctx.sleep_for(500ms); if (ctx.stop_requested()) co_return partial;
//   bad:  std::this_thread::sleep_for(500ms): blocks a worker, ignores stops,
//         and costs real time in a simulation.
class call_context {
 public:
  call_context() = default;
  call_context(std::string_view id, std::string_view name, std::stop_token token,
               std::optional<time_point> deadline, detail::executor_ref executor)
      : m_id(id), m_name(name), m_token(std::move(token)), m_deadline(deadline), m_executor(executor) {}

  std::string_view id() const noexcept { return m_id; }
  std::string_view name() const noexcept { return m_name; }
  const std::stop_token& stop_token() const noexcept { return m_token; }
  bool stop_requested() const noexcept { return m_token.stop_requested(); }
  void throw_if_stop_requested() const {
    if (m_token.stop_requested()) throw operation_cancelled{};
  }
  // When the per-call timeout runs out, if the batch set one.
  std::optional<time_point> deadline() const noexcept { return m_deadline; }

  // The executor's clock: real on a thread_pool, virtual on a simulation.
  time_point now() const { return m_executor.valid() ? m_executor.now() : time_point{}; }

  // Sleeps on the call's executor; wakes early (without throwing) when stopped.
  task<> sleep_for(duration d) const { return sleep_until(now() + d); }
  task<> sleep_until(time_point deadline) const {
    if (!m_executor.valid()) throw std::logic_error("volley::call_context: no executor to sleep on");
    return m_executor.sleep_until(deadline, m_token);
  }

 private:
  std::string_view m_id;
  std::string_view m_name;
  std::stop_token m_token;
  std::optional<time_point> m_deadline;
  detail::executor_ref m_executor;
};

}  // namespace volley
