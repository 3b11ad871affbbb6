// Resolves a dataflow batch's `after` ids and orders it for submission.
#pragma once

#include "volley/detail/concat.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "volley/run/dataflow_call.hpp"

namespace volley::detail {

struct dataflow_order {
  // Calls to submit, dependencies first; ties in input order.
  std::vector<std::size_t> order;
  // Per call: the indices its `after` ids name, in `after` order.
  std::vector<std::vector<std::size_t>> dependencies;
  // Per call: why it cannot run, when it cannot (it is not in `order`).
  std::vector<std::optional<error>> rejected;
};

// `after` names the latest call with that id before this one, or, when there
// is none, the first one after it (ids may repeat: real traces reuse them).
// An unknown id, a cycle, or depending on a call on a cycle rejects the call.
inline dataflow_order order_dataflow(const std::vector<dataflow_call>& calls) {
  const std::size_t n = calls.size();
  dataflow_order result;
  result.dependencies.resize(n);
  result.rejected.resize(n);

  std::unordered_map<std::string, std::vector<std::size_t>> by_id;
  for (std::size_t i = 0; i < n; ++i) by_id[calls[i].call.id].push_back(i);

  std::vector<std::vector<std::size_t>> successors(n);
  std::vector<std::size_t> waiting(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    for (const auto& id : calls[i].after) {
      auto it = by_id.find(id);
      if (it == by_id.end()) {
        result.rejected[i] = error{errc::invalid_arguments,
                                   concat({"call '", calls[i].call.id, "' (#", std::to_string(i), ") waits for '", id,
                                           "', which no call of the batch has"})};
        break;
      }
      std::optional<std::size_t> chosen;
      for (std::size_t candidate : it->second) {
        if (candidate < i) chosen = candidate;
      }
      if (!chosen) {
        for (std::size_t candidate : it->second) {
          if (candidate != i) {
            chosen = candidate;
            break;
          }
        }
      }
      if (!chosen) chosen = i;  // a call waiting for itself: a cycle of one
      result.dependencies[i].push_back(*chosen);
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (result.rejected[i]) continue;
    for (std::size_t d : result.dependencies[i]) {
      successors[d].push_back(i);
      ++waiting[i];
    }
  }

  // Kahn's algorithm, smallest index first. A rejected call still "finishes"
  // here so that its dependents are ordered; they will be skipped at run time.
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t i = 0; i < n; ++i) {
    if (waiting[i] == 0) ready.push(i);
  }
  std::vector<bool> placed(n, false);
  while (!ready.empty()) {
    const std::size_t i = ready.top();
    ready.pop();
    placed[i] = true;
    result.order.push_back(i);
    for (std::size_t s : successors[i]) {
      if (--waiting[s] == 0) ready.push(s);
    }
  }

  // What is left is on a cycle or waits (transitively) for one. Walk
  // predecessors among the unplaced: a repeat closes a cycle.
  std::vector<int> state(n, 0);  // 0 unknown, 1 on the current walk, 2 classified
  for (std::size_t start = 0; start < n; ++start) {
    if (placed[start] || state[start] == 2) continue;
    std::vector<std::size_t> path;
    std::size_t u = start;
    for (;;) {
      state[u] = 1;
      path.push_back(u);
      std::optional<std::size_t> next;
      for (std::size_t d : result.dependencies[u]) {
        if (!placed[d] && state[d] != 2) {
          next = d;
          break;
        }
      }
      if (!next) {
        // Only classified (or placed) predecessors: it waits for a cycle.
        for (std::size_t p : path) {
          state[p] = 2;
          if (!result.rejected[p]) {
            result.rejected[p] =
                error{errc::skipped, "call '" + calls[p].call.id + "' waits for a call on a dependency cycle"};
          }
        }
        break;
      }
      if (state[*next] == 1) {
        // A cycle: from *next along the path to u, and back to *next.
        std::size_t first = 0;
        while (path[first] != *next) ++first;
        std::string text;
        for (std::size_t k = path.size(); k-- > first;) text += "'" + calls[path[k]].call.id + "' -> ";
        text += "'" + calls[path.back()].call.id + "'";
        // path runs from dependents to dependencies; print it in run order.
        for (std::size_t k = first; k < path.size(); ++k) {
          result.rejected[path[k]] = error{errc::invalid_arguments, "dependency cycle: " + text};
          state[path[k]] = 2;
        }
        for (std::size_t k = 0; k < first; ++k) {
          state[path[k]] = 2;
          result.rejected[path[k]] =
              error{errc::skipped, "call '" + calls[path[k]].call.id + "' waits for a call on a dependency cycle"};
        }
        break;
      }
      u = *next;
    }
  }
  return result;
}

}  // namespace volley::detail
