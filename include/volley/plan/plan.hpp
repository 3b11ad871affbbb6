// volley/plan/plan.hpp: the rounds plan_rounds chose for a batch, and what
// they and the batch's dependencies cost.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "volley/plan/dependency_graph.hpp"
#include "volley/plan/detail/schedule.hpp"
#include "volley/detail/concat.hpp"

namespace volley {

namespace detail {
struct plan_access;
}

// When to use: read it after volley::plan_rounds to run a batch round by
// round (run_rounds), or to tell how far a trace is from the best it could do
// (a grader compares its round count with lower_bound()).
//
//   good: auto p = volley::plan_rounds(calls);
//         for (const auto& round : p.rounds) issue_together(round);
//         std::cout << p.estimated_latency() << " vs " << p.dataflow_latency();
//   bad:  keeping only `rounds` and re-deriving the critical path from the
//         input: the plan already holds ids, estimates and dependencies, and
//         no longer needs the input span.
//
// `rounds` holds indices into the planned calls: every call in exactly one
// round, ascending within a round, every dependency (an `after` edge or a
// conflict) from an earlier round to a later one. It is public so that it can
// be handed around; the other members describe the batch and stay as planned.
class plan {
 public:
  std::vector<std::vector<std::size_t>> rounds;

  plan() = default;

  std::size_t call_count() const noexcept { return m_ids.size(); }

  // The cap the plan was made with (plan_options::max_concurrency; 0: none).
  std::size_t max_concurrency() const noexcept { return m_max_concurrency; }

  // The calls' ids, in input order.
  const std::vector<std::string>& ids() const noexcept { return m_ids; }

  // The calls' dependencies (`after` edges and conflicts, with join nodes).
  const dependency_graph& graph() const noexcept { return m_graph; }

  // The ids on the longest path weighted by estimates, in order. Among equal
  // lengths the path with more calls wins (so with all estimates zero it is a
  // longest chain of edges), then the one through calls earlier in the batch.
  // Empty for an empty batch.
  std::vector<std::string> critical_path() const {
    std::vector<std::string> path;
    path.reserve(m_critical_path.size());
    for (std::size_t call : m_critical_path) path.push_back(m_ids[call]);
    return path;
  }

  // What round-by-round execution costs: the sum over `rounds` of the slowest
  // estimate in each round. Throws std::out_of_range if `rounds` was edited
  // to hold an index that is no call.
  std::chrono::nanoseconds estimated_latency() const {
    std::chrono::nanoseconds total{};
    for (std::size_t position = 0; position < rounds.size(); ++position) {
      std::chrono::nanoseconds slowest{};
      for (std::size_t call : rounds[position]) {
        if (call >= m_estimates.size())
          throw std::out_of_range(detail::concat(
              {"volley::plan::estimated_latency: rounds[", std::to_string(position), "] holds call #",
               std::to_string(call), ", but the plan has ", std::to_string(m_estimates.size()), " calls"}));
        slowest = std::max(slowest, m_estimates[call]);
      }
      total = detail::saturating_add(total, slowest);
    }
    return total;
  }

  // What eager dispatch (each call starts when its dependencies finish) can
  // reach: the length of the critical path.
  std::chrono::nanoseconds dataflow_latency() const noexcept { return m_dataflow_latency; }

  // Calls on the longest chain of dependencies: the fewest rounds any plan
  // can have, and the number of rounds of an uncapped plan.
  std::size_t longest_chain() const noexcept { return m_longest_chain; }

  // The fewest rounds any plan with this cap can have:
  // max(longest_chain(), ceil(calls / max_concurrency())), or longest_chain()
  // without a cap. A capped plan may land above it (list scheduling is not
  // always optimal); an uncapped plan always meets it.
  std::size_t lower_bound() const noexcept {
    if (m_max_concurrency == 0) return m_longest_chain;
    const std::size_t by_width = (m_ids.size() + m_max_concurrency - 1) / m_max_concurrency;
    return std::max(m_longest_chain, by_width);
  }

 private:
  friend struct detail::plan_access;

  std::vector<std::string> m_ids;
  std::vector<std::chrono::nanoseconds> m_estimates;
  dependency_graph m_graph;
  std::vector<std::size_t> m_critical_path;
  std::chrono::nanoseconds m_dataflow_latency{};
  std::size_t m_longest_chain = 0;
  std::size_t m_max_concurrency = 0;
};

namespace detail {

// How plan_rounds fills a plan's private members.
struct plan_access {
  static plan make(std::span<const call_spec> calls, dependency_graph graph,
                   std::size_t max_concurrency) {
    plan result;
    result.m_ids.reserve(calls.size());
    result.m_estimates.reserve(calls.size());
    for (const call_spec& call : calls) {
      result.m_ids.push_back(call.id);
      result.m_estimates.push_back(call.estimate);
    }
    const std::vector<std::size_t> round = earliest_rounds(graph);
    for (std::size_t call = 0; call < graph.call_count(); ++call)
      result.m_longest_chain = std::max(result.m_longest_chain, round[graph.node_of_call(call)]);
    result.rounds = max_concurrency == 0
                        ? rounds_without_cap(graph, round, result.m_longest_chain)
                        : rounds_with_cap(graph, max_concurrency);
    critical_path_result critical = find_critical_path(graph, result.m_estimates);
    result.m_critical_path = std::move(critical.calls);
    result.m_dataflow_latency = critical.length;
    result.m_max_concurrency = max_concurrency;
    result.m_graph = std::move(graph);
    return result;
  }
};

}  // namespace detail
}  // namespace volley
