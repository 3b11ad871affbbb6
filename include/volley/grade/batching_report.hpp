// volley/grade/batching_report.hpp: how a trace's batches compare with the
// best safe batching of the same calls — the batching a model missed, and
// the batches that put conflicting calls together.
//
// Pure layer: standard library, volley/trace and volley/plan only.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "volley/effect.hpp"
#include "volley/grade/count_sequential_rounds.hpp"
#include "volley/plan/call_spec.hpp"
#include "volley/plan/plan_rounds.hpp"
#include "volley/detail/concat.hpp"
#include "volley/trace/trace_event.hpp"

namespace volley {

// What analyze_batching needs besides the trace. Per-call facts are keyed by
// the event index of the call's tool_call (ids may repeat in a trace).
struct batching_inputs {
  // Each tool's effect, by name. A tool missing here is taken as mutating and
  // listed in batching_report::unknown_tools.
  std::map<std::string, effect, std::less<>> effects;
  // The resources each call touches. Absent or empty: the call touches
  // everything (a read-only call then conflicts with every mutating call).
  std::map<std::size_t, std::vector<std::string>> resources;
  // The ids of earlier calls whose results a call needs (data flow). Each id
  // names the latest tool_call with that id before this one.
  std::map<std::size_t, std::vector<std::string>> after;
};

// A call the model could have issued in an earlier batch.
struct missed_call {
  std::size_t event_index = 0;
  std::string id;
  std::size_t batch = 0;           // the batch it was issued in
  std::size_t earliest_batch = 0;  // the earliest batch it could have joined

  friend bool operator==(const missed_call&, const missed_call&) = default;
};

// Why two calls of one batch should not have been issued together.
enum class unsafe_reason {
  conflict,      // at least one mutates and their resources overlap: a race
  needs_result,  // the second names the first in `after`: it cannot have had its result
};

constexpr std::string_view to_string(unsafe_reason reason) noexcept {
  return reason == unsafe_reason::conflict ? std::string_view{"conflict"} : std::string_view{"needs_result"};
}

// Two calls of one batch, in trace order, that should not be together.
struct unsafe_pair {
  std::size_t first_event_index = 0;
  std::size_t second_event_index = 0;
  std::string first_id;
  std::string second_id;
  unsafe_reason reason = unsafe_reason::conflict;
  // For a conflict: the first resource both name (smallest in byte order), or
  // empty when one of them touches everything.
  std::string shared_resource;

  friend bool operator==(const unsafe_pair&, const unsafe_pair&) = default;
};

struct unsafe_batch {
  std::size_t batch_index = 0;      // as in analyze_parallelization's calls_per_batch
  std::vector<unsafe_pair> pairs;   // every offending pair of the batch, by first call, then second

  friend bool operator==(const unsafe_batch&, const unsafe_batch&) = default;
};

// The result of analyze_batching.
struct batching_report {
  std::size_t total_calls = 0;
  std::size_t actual_batches = 0;      // analyze_parallelization(trace).num_batches (trailing batch counted)
  std::size_t actual_rounds = 0;       // count_sequential_rounds(trace)
  std::size_t ideal_rounds = 0;        // plan_rounds of the same calls: the fewest rounds that are safe
  std::size_t missed_parallelism = 0;  // missed_calls.size()
  std::vector<missed_call> missed_calls;
  std::vector<unsafe_batch> unsafe_batches;
  std::vector<std::size_t> unknown_tools;  // event indices of calls whose tool has no effect in the inputs

  friend bool operator==(const batching_report&, const batching_report&) = default;
};

namespace detail {

struct batching_call {
  std::size_t event_index = 0;
  std::string_view id;
  effect call_effect = effect::mutating;
  std::vector<std::string> resources;  // sorted, unique; empty = everything
  std::vector<std::size_t> after;      // positions (in the calls list) of the calls it needs
  std::size_t batch = 0;
};

// The first resource two calls both touch; "" with `found` when one touches everything.
inline bool calls_conflict(const batching_call& a, const batching_call& b, std::string& shared) {
  shared.clear();
  if (a.call_effect == effect::read_only && b.call_effect == effect::read_only) return false;
  if (a.resources.empty() || b.resources.empty()) return true;
  auto i = a.resources.begin();
  auto j = b.resources.begin();
  while (i != a.resources.end() && j != b.resources.end()) {
    if (*i < *j) {
      ++i;
    } else if (*j < *i) {
      ++j;
    } else {
      shared = *i;
      return true;
    }
  }
  return false;
}

inline void check_keys_are_calls(std::span<const trace_event> trace,
                                 const std::map<std::size_t, std::vector<std::string>>& by_event, const char* field) {
  for (const auto& entry : by_event) {
    const std::size_t index = entry.first;
    if (index >= trace.size()) {
      throw std::invalid_argument(concat({"analyze_batching: batching_inputs::", field, " names event ",
                                         std::to_string(index), ", but the trace has ",
                                         std::to_string(trace.size()), " events"}));
    }
    if (trace[index].type != event_type::tool_call) {
      throw std::invalid_argument(concat({"analyze_batching: batching_inputs::", field, " names event ",
                                         std::to_string(index), ", which is a ", to_string(trace[index].type),
                                         ", not a tool_call"}));
    }
  }
}

}  // namespace detail

// When to use: as the reward terms that teach batching without teaching
// races — penalize missed_parallelism (independent calls left for later
// turns) and unsafe_batches (conflicting calls issued together); compare
// actual_rounds with ideal_rounds. Needs to know what the tools do: their
// effects, and where you can, each call's resources and data dependencies.
//
//   good: volley::batching_inputs inputs;
//         inputs.effects = {{"read_file", volley::effect::read_only}, {"write_file", volley::effect::mutating}};
//         inputs.resources[0] = {"a.txt"};  // keyed by the tool_call's event index
//         inputs.resources[1] = {"a.txt"};
//         auto r = volley::analyze_batching(trace, inputs);  // two writes of a.txt in one batch: unsafe
//   bad:  no `after` edges for calls that used earlier results: volley then
//         assumes every read could have come first, and missed_parallelism
//         counts calls that had to wait (it is an upper bound without them).
//
// Definitions. The calls are the trace's tool_calls in order; the batches are
// analyze_parallelization's (the calls between assistant messages, the
// trailing batch included), numbered from 0. A call's predecessors are the
// earlier calls it conflicts with (at least one mutating, resources overlap;
// no resources = everything — plan_rounds' rule) and the calls its `after`
// names.
// - ideal_rounds: plan_rounds' round count for the same calls (unique ids
//   "<event index>:<id>", `after` resolved as above, no concurrency cap): the
//   longest chain of predecessors, the fewest rounds any safe batching needs.
// - missed_parallelism: the calls with earliest_batch < batch, where
//   earliest_batch = 0 without predecessors, else 1 + the latest batch of any
//   predecessor. Such a call could have joined batch earliest_batch, with
//   nothing else moved: no call it conflicts with or needs sits in between.
//   It counts calls, not rounds: two independent reads issued one per turn
//   give 1; a chain read -> write issued in the right order gives 0.
// - unsafe_batches: per batch, every pair (in trace order) that conflicts
//   (reason conflict, with a shared resource) or where the second needs the
//   first (reason needs_result). A pair that is both is listed once per reason.
// When unsafe_batches and missed_parallelism are both empty, the model's
// batches are exactly plan_rounds' rounds, and actual_batches == ideal_rounds.
// Responses, their order and unknown-id responses play no part here (see
// validate); actual_rounds is count_sequential_rounds with its rules.
//
// Errors: throws std::invalid_argument naming the event and id when an
// `after` id matches no earlier call, and when `resources` or `after` is
// keyed by an index that is not a tool_call of the trace.
// Cost: O(calls + after edges + resources) for the plan, plus O(k^2) pair
// checks for a batch of k calls.
inline batching_report analyze_batching(std::span<const trace_event> trace, const batching_inputs& inputs) {
  detail::check_keys_are_calls(trace, inputs.resources, "resources");
  detail::check_keys_are_calls(trace, inputs.after, "after");

  batching_report report;
  std::vector<detail::batching_call> calls;
  std::unordered_map<std::string_view, std::size_t> latest_with_id;  // id -> position in calls
  std::size_t batch = 0;
  bool batch_has_calls = false;
  for (std::size_t i = 0; i < trace.size(); ++i) {
    const trace_event& event = trace[i];
    if (event.type == event_type::assistant_message) {
      if (batch_has_calls) ++batch;
      batch_has_calls = false;
      continue;
    }
    if (event.type != event_type::tool_call) continue;
    batch_has_calls = true;
    detail::batching_call call;
    call.event_index = i;
    call.id = event.id;
    call.batch = batch;
    if (auto effect_it = inputs.effects.find(event.name); effect_it != inputs.effects.end()) {
      call.call_effect = effect_it->second;
    } else {
      report.unknown_tools.push_back(i);
    }
    if (auto it = inputs.resources.find(i); it != inputs.resources.end()) {
      call.resources = it->second;
      std::sort(call.resources.begin(), call.resources.end());
      call.resources.erase(std::unique(call.resources.begin(), call.resources.end()), call.resources.end());
    }
    if (auto it = inputs.after.find(i); it != inputs.after.end()) {
      for (const std::string& needed : it->second) {
        auto found = latest_with_id.find(needed);
        if (found == latest_with_id.end()) {
          throw std::invalid_argument(detail::concat({"analyze_batching: the call at event ", std::to_string(i),
                                                      " (id '", event.id, "') needs '", needed,
                                                      "' in `after`, but no earlier tool_call has that id"}));
        }
        if (std::find(call.after.begin(), call.after.end(), found->second) == call.after.end()) {
          call.after.push_back(found->second);
        }
      }
    }
    latest_with_id[event.id] = calls.size();
    calls.push_back(std::move(call));
  }
  report.total_calls = calls.size();
  report.actual_batches = calls.empty() ? 0 : calls.back().batch + 1;
  report.actual_rounds = count_sequential_rounds(trace);

  // The same calls for the planner, with unique ids.
  std::vector<call_spec> specs(calls.size());
  for (std::size_t k = 0; k < calls.size(); ++k) {
    specs[k].id = detail::concat({std::to_string(calls[k].event_index), ":", calls[k].id});
    specs[k].effect = calls[k].call_effect;
    specs[k].resources = calls[k].resources;
    for (std::size_t needed : calls[k].after) specs[k].after.push_back(specs[needed].id);
  }
  const plan planned = plan_rounds(specs);
  report.ideal_rounds = planned.rounds.size();

  // earliest_batch from the plan's dependency graph: a join stands for calls
  // that all conflict with whoever waits on it, and batches never decrease
  // along the trace, so the latest batch among direct predecessors (through
  // joins) is the latest among all of them.
  const dependency_graph& graph = planned.graph();
  constexpr std::size_t none = static_cast<std::size_t>(-1);
  std::vector<std::size_t> latest_batch(graph.node_count(), none);  // of the node itself (calls) or its members (joins)
  for (const auto node : graph.topological_order()) {
    std::size_t latest_before = none;
    for (const auto predecessor : graph.predecessors(node)) {
      const std::size_t b = latest_batch[predecessor];
      if (b != none && (latest_before == none || b > latest_before)) latest_before = b;
    }
    const std::size_t call = graph.call_of_node(node);
    if (call == dependency_graph::no_call) {
      latest_batch[node] = latest_before;
      continue;
    }
    latest_batch[node] = calls[call].batch;
    const std::size_t earliest = latest_before == none ? 0 : latest_before + 1;
    if (earliest < calls[call].batch) {
      report.missed_calls.push_back({calls[call].event_index, std::string{calls[call].id}, calls[call].batch, earliest});
    }
  }
  std::sort(report.missed_calls.begin(), report.missed_calls.end(),
            [](const missed_call& a, const missed_call& b) { return a.event_index < b.event_index; });
  report.missed_parallelism = report.missed_calls.size();

  // Unsafe pairs, batch by batch.
  std::string shared;
  for (std::size_t begin = 0; begin < calls.size();) {
    std::size_t end = begin;
    while (end < calls.size() && calls[end].batch == calls[begin].batch) ++end;
    unsafe_batch offending{calls[begin].batch, {}};
    for (std::size_t first = begin; first < end; ++first) {
      for (std::size_t second = first + 1; second < end; ++second) {
        const auto& a = calls[first];
        const auto& b = calls[second];
        if (detail::calls_conflict(a, b, shared)) {
          offending.pairs.push_back({a.event_index, b.event_index, std::string{a.id}, std::string{b.id},
                                     unsafe_reason::conflict, shared});
        }
        if (std::find(b.after.begin(), b.after.end(), first) != b.after.end()) {
          offending.pairs.push_back({a.event_index, b.event_index, std::string{a.id}, std::string{b.id},
                                     unsafe_reason::needs_result, {}});
        }
      }
    }
    if (!offending.pairs.empty()) report.unsafe_batches.push_back(std::move(offending));
    begin = end;
  }
  return report;
}

}  // namespace volley
