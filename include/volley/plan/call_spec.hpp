// volley/plan/call_spec.hpp: what the planner knows about one call.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "volley/effect.hpp"

namespace volley {

// One call of a batch as the planner sees it: an id, what it does to which
// resources, which calls' results it needs, and how long it is expected to
// take. Give plan_rounds the calls in the order the model wrote them: that
// order decides which of two conflicting calls goes first.
//
//   good: {.id = "c4", .effect = effect::read_only, .resources = {"returns_table.csv"},
//          .after = {"c3"}, .estimate = 1500ms}   // reads a file `list` (c3) found
//   good: {.id = "w", .effect = effect::mutating, .resources = {"notes.txt"}}
//   bad:  {.id = "w", .effect = effect::mutating}  // no resources: it touches
//         everything and waits for every earlier call (correct, but serial);
//         name what it writes.
//   bad:  listing in `after` a call that merely conflicts: conflicts are
//         already ordered by effect and resources; `after` is for data flow.
struct call_spec {
  std::string id;                        // unique within the batch
  volley::effect effect = effect::read_only;
  std::vector<std::string> resources;    // empty: touches everything
  std::vector<std::string> after;        // ids whose results this call needs (any position)
  std::chrono::nanoseconds estimate{};   // expected duration; not negative
};

}  // namespace volley
