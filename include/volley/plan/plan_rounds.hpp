// volley/plan/plan_rounds.hpp: group a batch's calls into the fewest rounds
// their data flow and conflicts allow.
#pragma once

#include <cstddef>
#include <span>

#include "volley/plan/call_spec.hpp"
#include "volley/plan/dependency_graph.hpp"
#include "volley/plan/detail/plan_errors.hpp"
#include "volley/plan/plan.hpp"
#include "volley/plan/plan_error.hpp"

namespace volley {

// Options of plan_rounds. Set max_concurrency to what will run the rounds
// (the tool server's limit) so the plan's rounds can each be issued at once.
//
//   good: volley::plan_rounds(calls, {.max_concurrency = 10});  // server takes 10 at a time
//   bad:  capping at 1 to get "sequential": that is a plan of n rounds in
//         priority order, not input order; run the calls one by one instead.
struct plan_options {
  std::size_t max_concurrency = 0;  // most calls per round; 0 = unlimited
};

// When to use: to turn one model turn's calls (in the order the model wrote
// them) into rounds of calls that may be issued together: the round structure
// an RL-trained model should produce, and the yardstick a grader measures
// traces with. To run calls as eagerly as possible use run_dataflow instead;
// it orders them by the same rules.
//
//   good: std::vector<volley::call_spec> calls = {
//           {.id = "list", .resources = {"/reports"}, .estimate = 500ms},
//           {.id = "read", .resources = {"/reports/q3.csv"}, .after = {"list"}, .estimate = 1500ms},
//           {.id = "search", .estimate = 2s}};
//         auto p = volley::plan_rounds(calls);  // rounds {list, search}, {read}
//   bad:  planning calls sorted by id or by estimate: input order decides which
//         of two conflicting calls runs first, so the plan would change meaning.
//
// The dependencies are every `after` edge (from the named call, which may
// stand anywhere in the batch) and every conflict between calls i < j (at
// least one mutating, overlapping resources; no resources = everything), as
// hazard_tracker and parallel_batch order them. Without a cap each call goes
// into the earliest round its dependencies allow, so there are exactly
// longest_chain() rounds: optimal. With a cap each round takes at most
// `max_concurrency` ready calls, longest remaining chain first, then earliest
// in the batch (list scheduling: valid, not always optimal; compare with
// plan::lower_bound()).
//
// Errors: throws volley::plan_error, its single error channel, for (checked
// in this order) a negative estimate, a duplicate id, an `after` naming no
// call, and a cycle (an `after` naming its own call included); see plan_error
// for what each reports.
// Cost: O(calls + after edges + resources named) to build the graph, plus
// O(log calls) per call with a cap; the plan copies what it keeps (ids,
// estimates, dependencies) and does not refer to `calls` afterwards.
inline plan plan_rounds(std::span<const call_spec> calls, plan_options options = {}) {
  for (std::size_t index = 0; index < calls.size(); ++index)
    if (calls[index].estimate.count() < 0) throw detail::negative_estimate_error(calls, index);
  return detail::plan_access::make(calls, dependency_graph{calls}, options.max_concurrency);
}

}  // namespace volley
