// volley/run/run_rounds.hpp: execute a plan round by round.
#pragma once

#include "volley/detail/concat.hpp"

#include <cstddef>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "volley/core/task.hpp"
#include "volley/exec/executor.hpp"
#include "volley/plan/plan.hpp"
#include "volley/run/batch_options.hpp"
#include "volley/run/dataflow_call.hpp"
#include "volley/run/parallel_batch.hpp"
#include "volley/tool/tool_registry.hpp"

namespace volley {

// Runs `calls` as `round_plan` says: one parallel_batch per round, each
// round after the previous one has finished: the structure an RL-trained
// model produces (it sees a round's results before it writes the next).
// Placeholders and build_arguments work as in run_dataflow; a call whose
// dependency failed is `skipped`. With on_error::cancel_all a failure also
// cancels every later round; the stop token stops everything not started.
// Results come back in input order. Throws std::invalid_argument when the
// plan was not made for these calls (a programming error, not a call's).
//
// When to use: to reproduce or measure what a turn-by-turn agent does; for
// the lowest latency without a model in between, use run_dataflow.
//
//   good: auto plan = volley::plan_rounds(volley::make_call_specs(tools, calls));
//         auto results = co_await volley::run_rounds(sim, tools, calls, plan);
//   bad:  a plan made with other calls (or the same calls reordered).
template <Executor E>
task<std::vector<call_result>> run_rounds(E& executor, const tool_registry& tools, std::vector<dataflow_call> calls,
                                          const plan& round_plan, batch_options options = {}) {
  if (round_plan.call_count() != calls.size()) {
    throw std::invalid_argument(detail::concat({"volley::run_rounds: the plan has ", std::to_string(round_plan.call_count()),
                                                " calls, the batch ", std::to_string(calls.size())}));
  }
  std::unordered_map<std::string, std::size_t> index_of;
  for (std::size_t i = 0; i < calls.size(); ++i) index_of.emplace(calls[i].call.id, i);

  std::vector<call_result> results(calls.size());
  std::vector<bool> done(calls.size(), false);
  bool failed = false;
  for (const auto& round : round_plan.rounds) {
    std::vector<tool_call> batch;
    std::vector<std::size_t> members;
    for (std::size_t i : round) {
      dataflow_call& c = calls[i];
      results[i].id = c.call.id;
      results[i].name = c.call.name;
      results[i].started = results[i].finished = executor.now();
      std::vector<const call_result*> inputs;
      std::string missing;
      for (const auto& id : c.after) {
        auto it = index_of.find(id);
        if (it == index_of.end() || !done[it->second]) {
          missing = id;
          break;
        }
        inputs.push_back(&results[it->second]);
        if (!results[it->second].result && missing.empty()) {
          results[i].result = make_error(errc::skipped, "call '" + c.call.id + "' was skipped: it needs the result of call '" +
                                                            id + "', which failed");
        }
      }
      if (!missing.empty()) {
        results[i].result = make_error(errc::invalid_arguments,
                                       "call '" + c.call.id + "' waits for '" + missing + "', which no earlier round ran");
      } else if (results[i].result.has_value() || results[i].result.error().code != errc::skipped) {
        if (failed && options.policy == on_error::cancel_all) {
          results[i].result = make_error(errc::cancelled, "call '" + c.call.id + "' was cancelled: an earlier round failed");
        } else {
          outcome<std::string> arguments = c.call.arguments;
          if (c.build_arguments) arguments = c.build_arguments(inputs);
          else if (has_placeholders(c.call.arguments)) arguments = bind_placeholders(c.call.arguments, c.after, inputs);
          if (!arguments) {
            results[i].result = make_error(errc::invalid_arguments, "call '" + c.call.id + "': " + arguments.error().message);
          } else {
            batch.push_back(tool_call{c.call.id, c.call.name, std::move(*arguments)});
            members.push_back(i);
            continue;
          }
        }
      }
      done[i] = true;
      failed = failed || !results[i].result;
    }
    if (!batch.empty()) {
      auto round_results = co_await parallel_batch(executor, tools, std::move(batch), options);
      for (std::size_t k = 0; k < members.size(); ++k) {
        failed = failed || !round_results[k].result;
        results[members[k]] = std::move(round_results[k]);
        done[members[k]] = true;
      }
    }
  }
  co_return results;
}

}  // namespace volley
