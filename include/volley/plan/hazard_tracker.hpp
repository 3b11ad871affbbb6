// volley/plan/hazard_tracker.hpp: the conflict index. Calls arrive one at a
// time in program order; for each, the tracker answers "which earlier calls
// must finish before this one may start", in amortized time linear in the
// call's resources.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "volley/effect.hpp"
#include "volley/plan/detail/node_group.hpp"
#include "volley/detail/concat.hpp"

namespace volley {

// When to use: whenever calls must run as if one by one in program order but
// as concurrently as their effects and resources allow. The runtime scheduler
// feeds it each call as the model streams it; plan_rounds feeds it a batch.
//
//   good: volley::hazard_tracker hazards;
//         std::vector<volley::hazard_tracker::node_id> wait_for;
//         std::vector<volley::hazard_tracker::join> joins;
//         for (std::size_t i = 0; i < calls.size(); ++i)  // in the order the model wrote them
//           node[i] = hazards.add_call(calls[i].effect, calls[i].resources, wait_for, joins);
//   bad:  comparing every new call with every earlier one: quadratic, and
//         1,000 "read everything" calls followed by 1,000 writes to distinct
//         keys would cost a million edges where the tracker makes 2,000 (one
//         join of the 1,000 reads, one edge from it to each write).
//
// Conflicts (DESIGN.md, "Program order and hazards"): calls i < j conflict
// when at least one is mutating and their resource sets overlap; a call with
// no resources touches everything. Read-only calls never conflict.
//
// The graph it builds: nodes are calls and joins, numbered densely from 0 in
// creation order (the joins a call creates come before the call itself).
// Every edge goes from a lower id to a higher one. A join is not a tool call:
// it is finished the moment all its predecessors are. Guarantees:
//   - completeness: for every conflicting pair i < j there is a path from i to j;
//   - exactness: every edge call->call is a conflict, and every predecessor of
//     a join conflicts with every call that waits on that join, so a path
//     from call a to call b exists only where a chain of conflicts leads from
//     a to b: the reachability among calls is exactly the transitive closure
//     of the conflict relation;
//   - size: never all pairs. In all, at most 2 * (resources named by all
//     calls) + 5 * (calls) edges and one join per two calls: every call joins
//     one pending group once and leaves it once (into a join or to a
//     write-to-everything), every (reader, key) entry is consumed once by the
//     next writer of that key, and every other dependency costs O(1) per call
//     or per named resource.
//
// Algorithm. A write to everything (mutating, no resources) is a barrier: it
// waits for every call since the previous barrier, and every later call
// reaches it. Between barriers the tracker keeps
//   - per key: its last writer and the readers since that writer (the
//     classic read/write hazard state; a key not touched since the barrier
//     is empty, found by comparing an epoch counter instead of clearing all);
//   - three groups since the barrier: reads of everything, writes to keys,
//     reads of keys.
// A read of keys waits for each key's last writer. A write to keys waits for
// each key's readers since its last writer (they wait for that writer), or
// that writer when there are none, and for the reads-of-everything group. A
// read of everything waits for the writes-to-keys group. A write to
// everything waits for all three groups. A call left with nothing to wait
// for waits for the barrier (any other wait already reaches it).
// A group that many calls wait for is folded into one join node, chained to
// the group's previous join, so each member costs one edge once instead of
// one per waiting call (detail::node_group).
class hazard_tracker {
 public:
  using node_id = detail::hazard_node;

  // A join node the tracker created, with the nodes it stands for.
  struct join {
    node_id id;
    std::vector<node_id> predecessors;
  };

  // Registers the next call in program order and returns its node id.
  // `predecessors` is cleared and receives, in ascending order and without
  // duplicates, the nodes (calls or joins) the call must wait for.
  // `joins` receives, appended in creation order (not cleared), the join nodes
  // this call made; their ids are below the returned one.
  // An empty `resources` means the call touches everything; a resource named
  // twice counts once. If it throws (std::bad_alloc, or std::length_error
  // past 2^32 - 1 nodes) the tracker must not be used further.
  node_id add_call(effect call_effect, std::span<const std::string> resources,
                   std::vector<node_id>& predecessors, std::vector<join>& joins) {
    predecessors.clear();
    begin_call();
    const auto depend_on = [&](node_id node) {
      if (m_nodes[node].listed_by != m_call_count) {
        m_nodes[node].listed_by = m_call_count;
        predecessors.push_back(node);
      }
    };
    const auto make_join = [&](std::vector<node_id> members) {
      const node_id id = new_node(true);
      joins.push_back(join{id, std::move(members)});
      return id;
    };

    // 1. Whom to wait for. Per-key state covers conflicts on named resources;
    //    the global state covers calls that touch everything.
    const bool touches_everything = resources.empty();
    // Until the first write, reads of named keys are only listed, not
    // indexed: nothing can conflict with them yet, and a batch of reads (the
    // common case) then never hashes a key. The first write indexes them.
    const bool defer_read = call_effect == effect::read_only && !touches_everything && !m_seen_write;
    if (call_effect == effect::mutating && !m_seen_write) {
      m_seen_write = true;
      // A write to everything makes every key's state stale anyway (and
      // orders itself after the readers through m_key_readers).
      if (touches_everything) m_deferred_reads.clear();
      else index_deferred_reads();
    }
    m_touched.clear();
    if (!defer_read) {
      for (const std::string& resource : resources) m_touched.push_back(&current_state(resource));
    }
    if (call_effect == effect::read_only) {
      if (touches_everything) {
        // Reads everything: after every write since the last write-to-everything.
        m_key_writers.depend_shared(depend_on, make_join);
      } else {
        // Reads some keys: after the last writer of each (earlier writers of
        // that key precede it).
        for (key_state* state : m_touched)
          if (state->last_writer != no_node) depend_on(state->last_writer);
      }
    } else if (touches_everything) {
      // Writes everything: after every call since the last write-to-everything
      // (each such call lies in exactly one of these groups).
      m_global_readers.depend_final(depend_on);
      m_key_writers.depend_final(depend_on);
      m_key_readers.depend_final(depend_on);
    } else {
      // Writes some keys: after the readers of each key since its last
      // writer (they all wait for that writer), or that writer when none read
      // it; and after every read-of-everything since the last write-to-everything.
      for (key_state* state : m_touched) {
        if (!state->readers.empty()) {
          for (node_id reader : state->readers) depend_on(reader);
        } else if (state->last_writer != no_node) {
          depend_on(state->last_writer);
        }
      }
      m_global_readers.depend_shared(depend_on, make_join);
    }
    // Every node above is newer than the last write-to-everything and
    // conflicts with it, so it already waits for it; only a call with nothing
    // else to wait for needs the edge itself.
    if (predecessors.empty() && m_last_global_writer != no_node) depend_on(m_last_global_writer);

    // 2. Register the call.
    const node_id id = new_node(false);
    if (call_effect == effect::read_only) {
      if (touches_everything) {
        m_global_readers.add(id);
      } else {
        if (defer_read) {
          for (const std::string& resource : resources) m_deferred_reads.emplace_back(resource, id);
        }
        for (key_state* state : m_touched)
          if (state->readers.empty() || state->readers.back() != id) state->readers.push_back(id);
        m_key_readers.add(id);
      }
    } else if (touches_everything) {
      m_last_global_writer = id;
      ++m_epoch;  // every key's state is now older than this write: see current_state
    } else {
      for (key_state* state : m_touched) {
        state->last_writer = id;
        state->readers.clear();
      }
      m_key_writers.add(id);
    }
    std::sort(predecessors.begin(), predecessors.end());
    return id;
  }

  // Room for `calls` more calls without reallocating (their joins may still
  // grow it). When to use: before adding a batch whose size is known.
  //   good: tracker.reserve(calls.size()); for (auto& c : calls) tracker.add_call(...);
  //   bad:  reserving before every single add_call: each call reallocates anyway.
  void reserve(std::size_t calls) {
    m_nodes.reserve(m_nodes.size() + calls);
    if (!m_seen_write) {
      // Until a write comes, every call is likely a read of keys.
      m_deferred_reads.reserve(m_deferred_reads.size() + calls);
      m_key_readers.reserve(calls);
    }
  }

  // Forgets every call, as if newly made, but keeps the memory it had
  // reserved. When to use: tracking one batch after another.
  //   good: tracker.clear(); then the next batch's add_call()s, from node 0.
  //   bad:  clearing between two calls of one batch: the second no longer
  //         waits for the first.
  void clear() noexcept {
    m_keys.clear();
    m_epoch = 0;
    m_last_global_writer = no_node;
    m_global_readers.reset();
    m_key_writers.reset();
    m_key_readers.reset();
    m_nodes.clear();
    m_call_count = 0;
    m_touched.clear();
    m_seen_write = false;
    m_deferred_reads.clear();
  }

  // Calls and joins registered so far (the next node id).
  std::size_t node_count() const noexcept { return m_nodes.size(); }

  // Whether `node` is a join; throws std::out_of_range for an id not yet made.
  bool is_join(node_id node) const {
    if (node >= m_nodes.size())
      throw std::out_of_range(detail::concat({"volley::hazard_tracker::is_join: node ",
                                              std::to_string(node), " does not exist (node_count is ",
                                              std::to_string(m_nodes.size()), ")"}));
    return m_nodes[node].is_join;
  }

 private:
  static constexpr node_id no_node = detail::no_hazard_node;

  // What is known about one resource since the last write-to-everything.
  struct key_state {
    std::uint64_t epoch = 0;             // m_epoch when last touched; older means empty
    node_id last_writer = no_node;       // last call that wrote this key
    std::vector<node_id> readers;        // calls that read it since last_writer
  };

  // The key's state, emptied first when a write-to-everything came after it
  // was last touched (that write now stands for all of it).
  key_state& current_state(const std::string& resource) {
    key_state& state = m_keys[resource];
    if (state.epoch != m_epoch) {
      state.epoch = m_epoch;
      state.last_writer = no_node;
      state.readers.clear();
    }
    return state;
  }

  // Lists the reads made before the first write as readers of their keys, in order.
  void index_deferred_reads() {
    for (const auto& [resource, reader] : m_deferred_reads) {
      key_state& state = current_state(resource);
      if (state.readers.empty() || state.readers.back() != reader) state.readers.push_back(reader);
    }
    m_deferred_reads.clear();
    m_deferred_reads.shrink_to_fit();
  }

  void begin_call() {
    if (m_call_count == std::numeric_limits<std::uint32_t>::max())
      throw std::length_error("volley::hazard_tracker: too many calls");
    ++m_call_count;
  }

  node_id new_node(bool is_join_node) {
    if (m_nodes.size() >= static_cast<std::size_t>(no_node))
      throw std::length_error("volley::hazard_tracker: more nodes than node_id can number");
    m_nodes.push_back(node_entry{0, is_join_node});
    return static_cast<node_id>(m_nodes.size() - 1);
  }

  std::unordered_map<std::string, key_state> m_keys;
  std::uint64_t m_epoch = 0;                     // writes-to-everything so far
  node_id m_last_global_writer = no_node;        // the last write-to-everything
  detail::node_group m_global_readers;           // reads-of-everything since it
  detail::node_group m_key_writers;              // writes to named keys since it
  detail::node_group m_key_readers;              // reads of named keys since it
  struct node_entry {
    std::uint32_t listed_by;  // the last call that listed it as a predecessor (dedup)
    bool is_join;
  };
  std::vector<node_entry> m_nodes;               // per node
  std::uint32_t m_call_count = 0;
  std::vector<key_state*> m_touched;             // scratch: the current call's keys
  bool m_seen_write = false;                     // any mutating call so far
  std::vector<std::pair<std::string, node_id>> m_deferred_reads;  // reads before the first write
};

}  // namespace volley
