// A batch whose calls cannot conflict, run without the scheduler's graph.
//
// Read-only calls never conflict with each other, so a batch of them has no
// order to keep: with nothing that caps, limits, times out or stops it, each
// call simply hops onto the executor, runs and writes its own result. No
// records, no graph, no lock per call: what is left is what a hand-written
// when_all would do, plus the result's id, name and times. Everything a user
// sees is the same as through the scheduler (results, errors, messages,
// times, trace events); a test runs random batches both ways and compares.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "volley/core/outcome.hpp"
#include "volley/core/task.hpp"
#include "volley/effect.hpp"
#include "volley/exec/executor.hpp"
#include "volley/run/batch_options.hpp"
#include "volley/run/detail/call_errors.hpp"
#include "volley/run/detail/detached.hpp"
#include "volley/tool/call_context.hpp"
#include "volley/tool/detail/executor_ref.hpp"
#include "volley/tool/tool_call.hpp"
#include "volley/tool/tool_registry.hpp"

namespace volley::detail {

// Whether parallel_batch may run these calls as an independent batch: every
// call that names a registered tool names a read-only one (the others never
// run), and the options ask for nothing that needs the scheduler.
inline bool runs_as_independent_batch(const tool_registry& tools, const std::vector<tool_call>& calls,
                                      const batch_options& options) {
  if (options.limiter || options.timeout || options.stop.stop_possible() || options.policy == on_error::cancel_all) {
    return false;
  }
  if (options.max_concurrency != 0 && options.max_concurrency < calls.size()) return false;
  for (const tool_call& call : calls) {
    const registered_tool* tool = tools.find(call.name);
    if (tool && tool->effect() != effect::read_only) return false;
  }
  return true;
}

// Counts the running calls down; the last one to finish hands back the
// batch's awaiter, which its driver resumes after freeing its own frame.
class independent_countdown {
 public:
  // One count per call plus one for the batch itself, released when it
  // suspends: calls that finish while it is still starting others never
  // resume it early.
  explicit independent_countdown(std::size_t calls) noexcept : m_count(calls + 1) {}

  std::vector<std::coroutine_handle<>> arrive() {
    // acq_rel: releases this call's result; the last arrival acquires all the others'.
    if (m_count.fetch_sub(1, std::memory_order_acq_rel) != 1) return {};
    return std::vector<std::coroutine_handle<>>(1, m_awaiting);
  }

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> awaiting) noexcept {
    m_awaiting = awaiting;
    // acq_rel: publishes m_awaiting to the last call; acquires the calls' results.
    return m_count.fetch_sub(1, std::memory_order_acq_rel) > 1;
  }
  void await_resume() const noexcept {}

 private:
  std::atomic<std::size_t> m_count;
  std::coroutine_handle<> m_awaiting;
};

struct independent_call {
  const registered_tool* tool = nullptr;
  prepared_arguments arguments;
};

template <Executor E>
detached run_independent_call(E& executor, const tool_call& call, independent_call& prepared, call_result& result,
                              independent_countdown& countdown, trace_recorder* recorder) {
  co_await executor.schedule();
  const time_point started = executor.now();
  if (recorder) recorder->call_started(call.id, started.time_since_epoch());
  call_context ctx{call.id, call.name, {}, std::nullopt, executor_ref{executor}};
  result.result = co_await prepared.tool->invoke(prepared.arguments, ctx);
  result.started = started;
  result.finished = executor.now();
  if (recorder) {
    const bool ok = result.result.has_value();
    recorder->call_finished(call.id, result.finished.time_since_epoch(), ok,
                            ok ? std::string_view{} : std::string_view{result.result.error().message});
  }
  co_return countdown.arrive();
}

// Runs the calls (runs_as_independent_batch must hold); results in input order.
template <Executor E>
task<std::vector<call_result>> run_independent_batch(E& executor, const tool_registry& tools,
                                                     std::vector<tool_call> calls, trace_recorder* recorder) {
  std::vector<call_result> results(calls.size());
  std::vector<independent_call> prepared(calls.size());
  // Issue every call in program order; the ones that cannot run end at once.
  std::size_t runnable = 0;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const tool_call& call = calls[i];
    const time_point now = executor.now();
    if (recorder) recorder->call_issued(call.id, call.name, now.time_since_epoch());
    std::optional<error> failure;
    prepared[i].tool = tools.find(call.name);
    if (!prepared[i].tool) {
      failure = unknown_tool_error(tools, call);
    } else if (auto arguments = prepared[i].tool->prepare(call.arguments); arguments) {
      prepared[i].arguments = std::move(*arguments);
      ++runnable;
    } else {
      failure = invalid_arguments_error(call, arguments.error());
    }
    if (failure) {
      prepared[i].tool = nullptr;
      results[i].started = results[i].finished = now;
      if (recorder) recorder->call_finished(call.id, now.time_since_epoch(), false, failure->message);
      results[i].result = std::move(*failure);
    }
  }
  independent_countdown countdown{runnable};
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (prepared[i].tool) run_independent_call(executor, calls[i], prepared[i], results[i], countdown, recorder);
  }
  co_await countdown;
  // Every call is done with its tool_call: its id and name move into the result.
  for (std::size_t i = 0; i < calls.size(); ++i) {
    results[i].id = std::move(calls[i].id);
    results[i].name = std::move(calls[i].name);
  }
  if (recorder) recorder->assistant_message(executor.now().time_since_epoch());
  co_return results;
}

}  // namespace volley::detail
