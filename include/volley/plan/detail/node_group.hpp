// volley/plan/detail/node_group.hpp: a growing set of graph nodes that later
// calls depend on as a whole, folded into join nodes so that each member is
// paid for once however many calls depend on the set.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace volley::detail {

using hazard_node = std::uint32_t;
inline constexpr hazard_node no_hazard_node = std::numeric_limits<hazard_node>::max();

// A group stands for "every node added since the group was last reset". It is
// represented by at most one join node (standing for the members folded into it
// so far) plus the members added since that join was made ("pending").
//
// Invariants:
//   - every member is pending at most once and is folded into a join at most once;
//   - a new join's predecessors are the previous join (if any) followed by the
//     pending members, so a join chain stands for all members ever folded;
//   - ids are ascending within `m_pending`, and all of them are above `m_join`.
class node_group {
 public:
  // At most this many representatives (join + pending members) are depended on
  // directly; more are folded into one new join first. A join costs one node
  // and one edge per representative, so with two or fewer representatives the
  // direct edges are never more than a join's and the graph stays smaller.
  static constexpr std::size_t max_direct_representatives = 2;

  void add(hazard_node node) { m_pending.push_back(node); }
  // Room for `members` more members without reallocating.
  void reserve(std::size_t members) { m_pending.reserve(m_pending.size() + members); }

  bool empty() const noexcept { return m_join == no_hazard_node && m_pending.empty(); }

  // For a consumer that leaves the group in place (later consumers will depend
  // on it too): passes the representatives to `depend_on`, folding them into
  // a join made by `make_join(predecessors) -> hazard_node` when there are many.
  template <class DependOn, class MakeJoin>
  void depend_shared(DependOn&& depend_on, MakeJoin&& make_join) {
    const std::size_t representatives = (m_join != no_hazard_node ? 1 : 0) + m_pending.size();
    if (representatives == 0) return;
    if (representatives > max_direct_representatives) {
      std::vector<hazard_node> predecessors;
      predecessors.reserve(representatives);
      if (m_join != no_hazard_node) predecessors.push_back(m_join);
      predecessors.insert(predecessors.end(), m_pending.begin(), m_pending.end());
      m_join = make_join(std::move(predecessors));
      m_pending.clear();
    }
    if (m_join != no_hazard_node) depend_on(m_join);
    for (hazard_node member : m_pending) depend_on(member);
  }

  // For the consumer that ends the group (a write to everything): passes the
  // representatives to `depend_on` directly (a join would only add a node) and
  // empties the group.
  template <class DependOn>
  void depend_final(DependOn&& depend_on) {
    if (m_join != no_hazard_node) depend_on(m_join);
    for (hazard_node member : m_pending) depend_on(member);
    reset();
  }

  void reset() noexcept {
    m_join = no_hazard_node;
    m_pending.clear();
  }

 private:
  hazard_node m_join = no_hazard_node;
  std::vector<hazard_node> m_pending;
};

}  // namespace volley::detail
