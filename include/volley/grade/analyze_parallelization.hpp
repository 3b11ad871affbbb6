// volley/grade/analyze_parallelization.hpp: how many calls the agent put in
// each batch — the seed's monitoring measure.
//
// Pure layer: standard library and volley/trace only.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include "volley/trace/trace_event.hpp"

namespace volley {

// The seed's report, field for field.
struct parallelization_report {
  std::size_t num_batches = 0;              // non-empty batches
  std::vector<std::size_t> calls_per_batch;  // size of each, in order
  std::size_t max_parallelism = 0;           // the largest batch (0 when there is none)
  std::size_t total_calls = 0;               // sum of calls_per_batch

  friend bool operator==(const parallelization_report&, const parallelization_report&) = default;
};

// When to use: to watch during training whether a policy learns to batch
// (the seed's "baseline [1,1,1,1,1,1,1,1] vs fine-tuned [4,2]").
//
//   good: auto r = volley::analyze_parallelization(trace); log(r.max_parallelism);
//   bad:  reading num_batches as a latency: a batch whose calls the model
//         answered one by one still counts once; use count_sequential_rounds.
//
// A batch is the tool_calls between two assistant messages; an assistant
// message that closes no call adds no batch; tool_responses are ignored.
// This is the seed's definition, with one difference: calls after the last
// assistant message (a trailing batch) ARE counted as a last batch, where the
// seed's code drops them (so on a trace with no assistant message at all the
// seed reports 0 batches and 0 calls). On traces whose every batch is closed
// by an assistant message the result equals the seed's exactly. Other bad
// input changes nothing here: every tool_call event counts as one call,
// whether its id is empty, reused, or never answered, and responses (to known
// or unknown ids) are not looked at. `validate` reports all of these,
// including trailing_batch_without_assistant_message.
inline parallelization_report analyze_parallelization(std::span<const trace_event> trace) {
  parallelization_report report;
  std::size_t current = 0;
  auto close_batch = [&] {
    if (current == 0) return;
    report.calls_per_batch.push_back(current);
    report.max_parallelism = std::max(report.max_parallelism, current);
    report.total_calls += current;
    current = 0;
  };
  for (const trace_event& event : trace) {
    if (event.type == event_type::tool_call) {
      ++current;
    } else if (event.type == event_type::assistant_message) {
      close_batch();
    }
  }
  close_batch();  // the trailing batch the seed drops
  report.num_batches = report.calls_per_batch.size();
  return report;
}

}  // namespace volley
