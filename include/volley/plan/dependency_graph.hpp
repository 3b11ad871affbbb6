// volley/plan/dependency_graph.hpp: the graph plan_rounds schedules: every
// `after` edge plus every conflict, checked for cycles, in topological order.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "volley/plan/call_spec.hpp"
#include "volley/plan/detail/id_index.hpp"
#include "volley/plan/detail/plan_errors.hpp"
#include "volley/detail/concat.hpp"
#include "volley/plan/hazard_tracker.hpp"
#include "volley/plan/plan_error.hpp"

namespace volley {

// When to use: when you need the dependencies of a batch themselves (a
// grader comparing a trace with what was allowed, a tool drawing the graph);
// plan_rounds builds one and keeps it in the plan (plan::graph()).
//
//   good: volley::dependency_graph graph{calls};
//         for (auto node : graph.topological_order())
//           if (!graph.is_join(node)) visit(graph.call_of_node(node), graph.predecessors(node));
//   bad:  treating every node as a call: join nodes (made by hazard_tracker to
//         keep conflicts linear) are not calls; call_of_node returns no_call.
//
// Nodes are the hazard_tracker's: calls and joins, dense from 0; a call's
// predecessors are its conflicts (through joins) followed by the calls its
// `after` names, without duplicates. Construction throws plan_error (duplicate
// id, unknown `after` id, cycle) and otherwise yields an acyclic graph.
// Cost: O(calls + after edges + resources named), with hashing of ids.
class dependency_graph {
 public:
  using node_id = hazard_tracker::node_id;
  static constexpr std::size_t no_call = static_cast<std::size_t>(-1);

  dependency_graph() = default;

  explicit dependency_graph(std::span<const call_spec> calls) {
    const after_lists after = resolve_after(calls);
    add_conflicts(calls);
    add_after_edges(after);
    add_successors();
    sort_topologically(calls);
  }

  std::size_t node_count() const noexcept { return m_call_of_node.size(); }
  std::size_t call_count() const noexcept { return m_node_of_call.size(); }
  std::size_t edge_count() const noexcept { return m_predecessor_nodes.size(); }

  bool is_join(node_id node) const { return call_of_node(node) == no_call; }

  node_id node_of_call(std::size_t call_index) const {
    if (call_index >= m_node_of_call.size())
      throw std::out_of_range(detail::concat({"volley::dependency_graph::node_of_call: call #",
                                              std::to_string(call_index), " does not exist (",
                                              std::to_string(m_node_of_call.size()), " calls)"}));
    return m_node_of_call[call_index];
  }

  // The call index of a call node; no_call for a join.
  std::size_t call_of_node(node_id node) const {
    check_node(node, "call_of_node");
    return m_call_of_node[node];
  }

  std::span<const node_id> predecessors(node_id node) const {
    check_node(node, "predecessors");
    return {m_predecessor_nodes.data() + m_predecessor_offsets[node],
            m_predecessor_offsets[node + 1] - m_predecessor_offsets[node]};
  }

  std::span<const node_id> successors(node_id node) const {
    check_node(node, "successors");
    return {m_successor_nodes.data() + m_successor_offsets[node],
            m_successor_offsets[node + 1] - m_successor_offsets[node]};
  }

  // Every node once, each after all its predecessors.
  std::span<const node_id> topological_order() const noexcept { return m_topological_order; }

 private:
  void check_node(node_id node, const char* what) const {
    if (node >= m_call_of_node.size())
      throw std::out_of_range(detail::concat({"volley::dependency_graph::", what, ": node ",
                                              std::to_string(node), " does not exist (",
                                              std::to_string(m_call_of_node.size()), " nodes)"}));
  }

  // Every call's `after`, as call indices: calls[offsets[i]..offsets[i + 1]).
  struct after_lists {
    std::vector<std::size_t> offsets;
    std::vector<std::size_t> calls;
  };

  // Checks the ids and turns `after` names into call indices.
  static after_lists resolve_after(std::span<const call_spec> calls) {
    detail::id_index index_of{calls};
    std::size_t after_total = 0;
    for (std::size_t index = 0; index < calls.size(); ++index) {
      const std::size_t existing = index_of.insert(index);
      if (existing != detail::id_index::not_found) throw detail::duplicate_id_error(calls, existing, index);
      after_total += calls[index].after.size();
    }
    after_lists result;
    result.offsets.reserve(calls.size() + 1);
    result.calls.reserve(after_total);
    for (std::size_t index = 0; index < calls.size(); ++index) {
      result.offsets.push_back(result.calls.size());
      const auto& after = calls[index].after;
      for (std::size_t position = 0; position < after.size(); ++position) {
        const std::size_t found = index_of.find(after[position]);
        if (found == detail::id_index::not_found) throw detail::unknown_dependency_error(calls, index, position);
        if (found == index) throw detail::self_dependency_error(calls, index, position);
        result.calls.push_back(found);
      }
    }
    result.offsets.push_back(result.calls.size());
    return result;
  }

  // Runs the hazard tracker over the calls in input order; the conflict rows
  // land in m_predecessor_* in node order (temporarily, see add_after_edges).
  void add_conflicts(std::span<const call_spec> calls) {
    hazard_tracker tracker;
    std::vector<node_id> predecessors;
    std::vector<hazard_tracker::join> joins;
    m_node_of_call.resize(calls.size());
    m_predecessor_offsets.assign(1, 0);
    for (std::size_t index = 0; index < calls.size(); ++index) {
      joins.clear();
      const node_id node = tracker.add_call(calls[index].effect, calls[index].resources,
                                            predecessors, joins);
      for (const auto& join : joins) {
        m_call_of_node.push_back(no_call);
        m_predecessor_nodes.insert(m_predecessor_nodes.end(), join.predecessors.begin(),
                                   join.predecessors.end());
        m_predecessor_offsets.push_back(m_predecessor_nodes.size());
      }
      m_call_of_node.push_back(index);
      m_predecessor_nodes.insert(m_predecessor_nodes.end(), predecessors.begin(),
                                 predecessors.end());
      m_predecessor_offsets.push_back(m_predecessor_nodes.size());
      m_node_of_call[index] = node;
    }
  }

  // Appends to each call's conflict row the calls its `after` names, skipping
  // any already there.
  void add_after_edges(const after_lists& after) {
    const std::size_t nodes = node_count();
    std::vector<std::size_t> conflict_offsets = std::move(m_predecessor_offsets);
    std::vector<node_id> conflict_nodes = std::move(m_predecessor_nodes);
    m_predecessor_offsets.clear();
    m_predecessor_nodes.clear();
    m_predecessor_offsets.reserve(nodes + 1);
    m_predecessor_nodes.reserve(conflict_nodes.size() + after.calls.size());
    std::vector<node_id> listed_by(nodes, detail::no_hazard_node);
    for (std::size_t node = 0; node < nodes; ++node) {
      m_predecessor_offsets.push_back(m_predecessor_nodes.size());
      const auto mark = static_cast<node_id>(node);
      for (std::size_t edge = conflict_offsets[node]; edge < conflict_offsets[node + 1]; ++edge) {
        listed_by[conflict_nodes[edge]] = mark;
        m_predecessor_nodes.push_back(conflict_nodes[edge]);
      }
      const std::size_t call = m_call_of_node[node];
      if (call == no_call) continue;
      for (std::size_t edge = after.offsets[call]; edge < after.offsets[call + 1]; ++edge) {
        const node_id from = m_node_of_call[after.calls[edge]];
        if (listed_by[from] == mark) continue;
        listed_by[from] = mark;
        m_predecessor_nodes.push_back(from);
      }
    }
    m_predecessor_offsets.push_back(m_predecessor_nodes.size());
  }

  void add_successors() {
    const std::size_t nodes = node_count();
    m_successor_offsets.assign(nodes + 1, 0);
    for (node_id from : m_predecessor_nodes) ++m_successor_offsets[from + 1];
    for (std::size_t node = 0; node < nodes; ++node)
      m_successor_offsets[node + 1] += m_successor_offsets[node];
    m_successor_nodes.resize(m_predecessor_nodes.size());
    std::vector<std::size_t> next(m_successor_offsets.begin(), m_successor_offsets.end() - 1);
    for (std::size_t node = 0; node < nodes; ++node)
      for (std::size_t edge = m_predecessor_offsets[node]; edge < m_predecessor_offsets[node + 1];
           ++edge)
        m_successor_nodes[next[m_predecessor_nodes[edge]]++] = static_cast<node_id>(node);
  }

  // Kahn's algorithm; nodes left over lie on or behind a cycle.
  void sort_topologically(std::span<const call_spec> calls) {
    const std::size_t nodes = node_count();
    std::vector<std::size_t> waiting(nodes);
    m_topological_order.clear();
    m_topological_order.reserve(nodes);
    for (std::size_t node = 0; node < nodes; ++node) {
      waiting[node] = m_predecessor_offsets[node + 1] - m_predecessor_offsets[node];
      if (waiting[node] == 0) m_topological_order.push_back(static_cast<node_id>(node));
    }
    for (std::size_t head = 0; head < m_topological_order.size(); ++head)
      for (node_id next : successors(m_topological_order[head]))
        if (--waiting[next] == 0) m_topological_order.push_back(next);
    if (m_topological_order.size() != nodes) throw detail::cycle_error(calls, find_cycle(waiting));
  }

  // One cycle among the nodes Kahn's algorithm left (waiting > 0), as call
  // indices in edge order, starting from the earliest call. Each left node
  // has a left predecessor, so walking predecessors from one must repeat.
  std::vector<std::size_t> find_cycle(const std::vector<std::size_t>& waiting) const {
    const std::size_t nodes = node_count();
    std::size_t start = 0;
    while (waiting[start] == 0) ++start;
    std::vector<std::size_t> seen_at(nodes, no_call);
    std::vector<node_id> walk;
    node_id node = static_cast<node_id>(start);
    while (seen_at[node] == no_call) {
      seen_at[node] = walk.size();
      walk.push_back(node);
      for (node_id predecessor : predecessors(node)) {
        if (waiting[predecessor] > 0) {
          node = predecessor;
          break;
        }
      }
    }
    // walk[seen_at[node]..] is the cycle against edge direction.
    std::vector<std::size_t> cycle;
    for (std::size_t position = walk.size(); position-- > seen_at[node];)
      if (m_call_of_node[walk[position]] != no_call) cycle.push_back(m_call_of_node[walk[position]]);
    const auto earliest = std::min_element(cycle.begin(), cycle.end());
    std::rotate(cycle.begin(), earliest, cycle.end());
    return cycle;
  }

  std::vector<node_id> m_node_of_call;
  std::vector<std::size_t> m_call_of_node;        // no_call for joins
  std::vector<std::size_t> m_predecessor_offsets;  // node_count + 1 entries
  std::vector<node_id> m_predecessor_nodes;
  std::vector<std::size_t> m_successor_offsets;    // node_count + 1 entries
  std::vector<node_id> m_successor_nodes;
  std::vector<node_id> m_topological_order;
};

}  // namespace volley
