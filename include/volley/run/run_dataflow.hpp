// volley/run/run_dataflow.hpp: start every call the moment what it needs is done.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "volley/core/task.hpp"
#include "volley/exec/executor.hpp"
#include "volley/run/batch_options.hpp"
#include "volley/run/dataflow_call.hpp"
#include "volley/run/detail/dataflow_order.hpp"
#include "volley/run/detail/scheduler.hpp"
#include "volley/tool/tool_registry.hpp"

namespace volley {

// Eager dispatch of calls with dependencies: a call starts the moment the
// calls in its `after` list and the calls it conflicts with have finished,
// bounded by max_concurrency and the limiter, with parallel_batch's
// timeout, stop token and on_error policies. It reaches the plan's
// dataflow_latency(): no round waits for its slowest call.
//
// Program order, for conflicts, is the order the calls are started in:
// dependencies first, otherwise input order (so `after` may name a later
// call). A call whose dependency failed is `skipped`, naming it; a call
// whose `after` names no call of the batch, or that is on a dependency
// cycle, is invalid_arguments naming the id or the cycle. Nothing waits
// forever. Results come back in input order.
//
// When to use: a plan whose calls feed each other, when the latency of the
// whole matters more than the model's turn structure.
//
//   good: co_await volley::run_dataflow(pool, tools, {
//           {{"ls", "list", "/reports"}, {}},
//           {{"a", "read_file", "${ls}/returns.csv"}, {"ls"}}});
//   bad:  run_rounds for the same calls when no model sits between rounds:
//         every round waits for its slowest call.
template <Executor E>
task<std::vector<call_result>> run_dataflow(E& executor, const tool_registry& tools, std::vector<dataflow_call> calls,
                                            batch_options options = {}) {
  const auto order = detail::order_dataflow(calls);
  auto batch = detail::scheduler<E>::make(executor, tools, std::move(options), false);
  std::vector<std::uint32_t> submitted_as(calls.size(), detail::no_index);
  std::vector<std::uint32_t> dependencies;
  auto submit = [&](std::size_t i) {
    dataflow_call& c = calls[i];
    if (order.rejected[i]) {
      submitted_as[i] = batch->submit_failed(std::move(c.call), *order.rejected[i]);
      return;
    }
    dependencies.clear();
    for (std::size_t d : order.dependencies[i]) dependencies.push_back(submitted_as[d]);
    std::function<outcome<std::string>(std::span<const call_result* const>)> bind;
    if (c.build_arguments) {
      bind = std::move(c.build_arguments);
    } else if (has_placeholders(c.call.arguments)) {
      bind = [text = c.call.arguments, after = c.after](std::span<const call_result* const> results) {
        return bind_placeholders(text, after, results);
      };
    }
    submitted_as[i] = batch->submit(std::move(c.call), dependencies, std::move(bind));
  };
  for (std::size_t i : order.order) submit(i);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (submitted_as[i] == detail::no_index) submit(i);
  }
  auto in_submission_order = co_await batch->drain();
  batch->end_turn();
  std::vector<call_result> results(calls.size());
  for (std::size_t i = 0; i < calls.size(); ++i) results[i] = std::move(in_submission_order[submitted_as[i]]);
  co_return results;
}

}  // namespace volley
