// volley/plan/detail/schedule.hpp: the passes plan_rounds makes over a
// dependency_graph, each O(nodes + edges) (the capped one adds a log factor).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <limits>
#include <queue>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include "volley/plan/dependency_graph.hpp"

namespace volley::detail {

using rounds_type = std::vector<std::vector<std::size_t>>;

inline std::chrono::nanoseconds saturating_add(std::chrono::nanoseconds a,
                                               std::chrono::nanoseconds b) noexcept {
  using rep = std::chrono::nanoseconds::rep;
  // Both are non-negative here (plan_rounds rejects negative estimates).
  if (a.count() > std::numeric_limits<rep>::max() - b.count())
    return std::chrono::nanoseconds{std::numeric_limits<rep>::max()};
  return a + b;
}

// The earliest round of every node: a call goes one round after its latest
// predecessor; a join takes no round of its own and passes the latest of its
// predecessors on. Rounds count from 1; a join with nothing to wait for is 0.
inline std::vector<std::size_t> earliest_rounds(const dependency_graph& graph) {
  std::vector<std::size_t> round(graph.node_count(), 0);
  for (auto node : graph.topological_order()) {
    std::size_t latest = 0;
    for (auto predecessor : graph.predecessors(node)) latest = std::max(latest, round[predecessor]);
    round[node] = graph.is_join(node) ? latest : latest + 1;
  }
  return round;
}

// Uncapped plan: every call in its earliest round, so as many rounds as the
// longest chain (no plan can do with fewer).
inline rounds_type rounds_without_cap(const dependency_graph& graph,
                                      const std::vector<std::size_t>& round,
                                      std::size_t round_count) {
  rounds_type rounds(round_count);
  for (std::size_t call = 0; call < graph.call_count(); ++call)
    rounds[round[graph.node_of_call(call)] - 1].push_back(call);
  return rounds;
}

// Calls on the longest path from each node to the end of the graph (itself
// included when it is a call): the priority of list scheduling.
inline std::vector<std::size_t> remaining_chain(const dependency_graph& graph) {
  std::vector<std::size_t> height(graph.node_count(), 0);
  const auto order = graph.topological_order();
  for (auto position = order.size(); position-- > 0;) {
    const auto node = order[position];
    std::size_t longest = 0;
    for (auto successor : graph.successors(node)) longest = std::max(longest, height[successor]);
    height[node] = graph.is_join(node) ? longest : longest + 1;
  }
  return height;
}

// Capped plan by list scheduling: each round takes up to `cap` of the calls
// whose predecessors have all finished, longest remaining chain first, then
// earliest in the batch. Joins finish the moment their predecessors have.
inline rounds_type rounds_with_cap(const dependency_graph& graph, std::size_t cap) {
  const std::vector<std::size_t> height = remaining_chain(graph);
  using entry = std::pair<std::size_t, std::size_t>;  // (height, call index)
  const auto lower_priority = [](const entry& a, const entry& b) {
    return a.first != b.first ? a.first < b.first : a.second > b.second;
  };
  std::priority_queue<entry, std::vector<entry>, decltype(lower_priority)> ready(lower_priority);
  std::vector<std::size_t> waiting(graph.node_count());
  std::vector<dependency_graph::node_id> finished_joins;

  // A node whose predecessors have all finished: a call becomes ready; a join
  // finishes at once, which may release further nodes.
  const auto release = [&](dependency_graph::node_id node) {
    finished_joins.clear();
    finished_joins.push_back(node);
    while (!finished_joins.empty()) {
      const auto current = finished_joins.back();
      finished_joins.pop_back();
      const std::size_t call = graph.call_of_node(current);
      if (call != dependency_graph::no_call) {
        ready.emplace(height[current], call);
        continue;
      }
      for (auto successor : graph.successors(current))
        if (--waiting[successor] == 0) finished_joins.push_back(successor);
    }
  };

  for (std::size_t node = 0; node < graph.node_count(); ++node) {
    const auto id = static_cast<dependency_graph::node_id>(node);
    waiting[node] = graph.predecessors(id).size();
  }
  for (std::size_t node = 0; node < graph.node_count(); ++node)
    if (waiting[node] == 0) release(static_cast<dependency_graph::node_id>(node));

  rounds_type rounds;
  std::size_t placed = 0;
  while (placed < graph.call_count()) {
    std::vector<std::size_t> round;
    while (!ready.empty() && round.size() < cap) {
      round.push_back(ready.top().second);
      ready.pop();
    }
    // The graph is acyclic, so some call is always ready until all are placed.
    if (round.empty()) throw std::logic_error("volley::plan_rounds: no call is ready (a bug)");
    std::sort(round.begin(), round.end());
    for (std::size_t call : round)
      for (auto successor : graph.successors(graph.node_of_call(call)))
        if (--waiting[successor] == 0) release(successor);
    placed += round.size();
    rounds.push_back(std::move(round));
  }
  return rounds;
}

// The longest path weighted by estimates, ties to the path with more calls,
// then to the predecessor earliest in node order (calls are numbered in input
// order), then to the path ending earliest in the batch.
struct critical_path_result {
  std::vector<std::size_t> calls;  // in path order
  std::chrono::nanoseconds length{};
};

inline critical_path_result find_critical_path(const dependency_graph& graph,
                                               std::span<const std::chrono::nanoseconds> estimates) {
  struct best_path {
    std::chrono::nanoseconds length{};
    std::size_t calls = 0;
    bool better_than(const best_path& other) const {
      return length != other.length ? length > other.length : calls > other.calls;
    }
  };
  constexpr auto none = detail::no_hazard_node;
  std::vector<best_path> best(graph.node_count());
  std::vector<dependency_graph::node_id> parent(graph.node_count(), none);
  for (auto node : graph.topological_order()) {
    best_path into{};
    auto from = none;
    for (auto predecessor : graph.predecessors(node)) {
      if (from == none || best[predecessor].better_than(into) ||
          (!into.better_than(best[predecessor]) && predecessor < from)) {
        into = best[predecessor];
        from = predecessor;
      }
    }
    const std::size_t call = graph.call_of_node(node);
    if (call != dependency_graph::no_call) {
      into.length = saturating_add(into.length, estimates[call]);
      ++into.calls;
    }
    best[node] = into;
    parent[node] = from;
  }
  critical_path_result result;
  auto end = none;
  for (std::size_t call = 0; call < graph.call_count(); ++call) {
    const auto node = graph.node_of_call(call);
    if (end == none || best[node].better_than(best[end])) end = node;
  }
  if (end == none) return result;
  result.length = best[end].length;
  for (auto node = end; node != none; node = parent[node]) {
    const std::size_t call = graph.call_of_node(node);
    if (call != dependency_graph::no_call) result.calls.push_back(call);
  }
  std::reverse(result.calls.begin(), result.calls.end());
  return result;
}

}  // namespace volley::detail
