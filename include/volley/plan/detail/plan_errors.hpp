// volley/plan/detail/plan_errors.hpp: the plan_error for each kind of bad
// batch, with a message that names the ids and their indices.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "volley/plan/call_spec.hpp"
#include "volley/detail/concat.hpp"
#include "volley/plan/plan_error.hpp"

namespace volley::detail {

inline std::string describe_call(std::span<const call_spec> calls, std::size_t index) {
  return concat({"'", calls[index].id, "' (#", std::to_string(index), ")"});
}

inline plan_error duplicate_id_error(std::span<const call_spec> calls, std::size_t first,
                                     std::size_t second) {
  return plan_error(plan_errc::duplicate_id, {calls[second].id},
                    concat({"volley::plan_rounds: calls #", std::to_string(first), " and #",
                            std::to_string(second), " have the same id '", calls[second].id, "'"}));
}

inline plan_error unknown_dependency_error(std::span<const call_spec> calls, std::size_t index,
                                           std::size_t after_position) {
  const std::string& unknown = calls[index].after[after_position];
  return plan_error(plan_errc::unknown_dependency, {unknown, calls[index].id},
                    concat({"volley::plan_rounds: call ", describe_call(calls, index), " has after[",
                            std::to_string(after_position), "] = '", unknown,
                            "', but no call in the batch has that id"}));
}

inline plan_error self_dependency_error(std::span<const call_spec> calls, std::size_t index,
                                        std::size_t after_position) {
  return plan_error(plan_errc::cycle, {calls[index].id},
                    concat({"volley::plan_rounds: cycle ", describe_call(calls, index), " -after-> ",
                            describe_call(calls, index), ": after[", std::to_string(after_position),
                            "] of the call names the call itself"}));
}

inline plan_error negative_estimate_error(std::span<const call_spec> calls, std::size_t index) {
  return plan_error(plan_errc::negative_estimate, {calls[index].id},
                    concat({"volley::plan_rounds: call ", describe_call(calls, index),
                            " has a negative estimate (", std::to_string(calls[index].estimate.count()),
                            " ns)"}));
}

// `cycle` holds call indices in edge order (each must finish before the next
// may start, and the last before the first). Each step is labelled "after"
// when the later call's `after` names the earlier, else "conflict" (effects
// and resources in input order).
inline plan_error cycle_error(std::span<const call_spec> calls,
                              const std::vector<std::size_t>& cycle) {
  std::vector<std::string> ids;
  std::string path;
  for (std::size_t position = 0; position < cycle.size(); ++position) {
    const std::size_t from = cycle[position];
    const std::size_t to = cycle[(position + 1) % cycle.size()];
    ids.push_back(calls[from].id);
    const auto& after = calls[to].after;
    const bool named = std::find(after.begin(), after.end(), calls[from].id) != after.end();
    path += describe_call(calls, from);
    path += named ? " -after-> " : " -conflict-> ";
  }
  path += describe_call(calls, cycle.front());
  return plan_error(plan_errc::cycle, std::move(ids),
                    concat({"volley::plan_rounds: the calls' dependencies form a cycle: ", path,
                            " (-after-> : the second call's `after` names the first; -conflict-> : "
                            "the calls conflict and the first comes earlier in the batch)"}));
}

}  // namespace volley::detail
