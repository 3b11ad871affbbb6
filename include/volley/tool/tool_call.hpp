// volley/tool/tool_call.hpp: one call a model wrote, and what became of it.
#pragma once

#include <string>

#include "volley/core/outcome.hpp"
#include "volley/core/time.hpp"

namespace volley {

// One tool call as a model emits it: `arguments` is the raw text (usually
// JSON) that the tool's parse_args reads.
//
//   good: volley::tool_call{"call_1", "read_file", R"({"path":"a.txt"})"}
//   bad:  reusing one id for two calls of a batch: results stay in input
//         order, but traces and adapters match responses by id.
struct tool_call {
  std::string id;
  std::string name;
  std::string arguments;

  friend bool operator==(const tool_call&, const tool_call&) = default;
};

// What became of one call: the tool's formatted result or the error, and when
// it started and finished on the executor's clock (both equal to the time it
// was settled when it never ran: cancelled, skipped, unknown tool).
struct call_result {
  std::string id;
  std::string name;
  outcome<std::string> result;
  time_point started{};
  time_point finished{};
};

}  // namespace volley
