// A literal C++ transcription of the seed's two Python functions
// (seed/parallel-tool-calls.txt), the reference the parity tests and the
// grading benchmark compare volley against. Deliberately naive: std::set and
// std::vector like the Python's set and list, no cleverness.
#pragma once

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "volley/trace/trace_event.hpp"

namespace seed_reference {

// def count_sequential_rounds(self, tool_trace):
//     rounds = 0
//     current_round_calls = set()
//     for call in tool_trace:
//         if call['type'] == 'tool_call':
//             current_round_calls.add(call['id'])
//         elif call['type'] == 'tool_response':
//             if call['call_id'] in current_round_calls:
//                 current_round_calls.remove(call['call_id'])
//                 if not current_round_calls:
//                     rounds += 1
//     return rounds
//
// The seed's text lost its indentation: `if not current_round_calls` may sit
// inside the membership test (this function) or beside it (the next one).
// The two readings agree on well-formed traces; the parity tests check both.
inline std::size_t count_sequential_rounds(std::span<const volley::trace_event> tool_trace) {
  std::size_t rounds = 0;
  std::set<std::string> current_round_calls;
  for (const auto& call : tool_trace) {
    if (call.type == volley::event_type::tool_call) {
      current_round_calls.insert(call.id);
    } else if (call.type == volley::event_type::tool_response) {
      if (current_round_calls.count(call.call_id) != 0) {
        current_round_calls.erase(call.call_id);
        if (current_round_calls.empty()) rounds += 1;
      }
    }
  }
  return rounds;
}

// The other reading: the emptiness test runs for every tool_response.
inline std::size_t count_sequential_rounds_outer_reading(std::span<const volley::trace_event> tool_trace) {
  std::size_t rounds = 0;
  std::set<std::string> current_round_calls;
  for (const auto& call : tool_trace) {
    if (call.type == volley::event_type::tool_call) {
      current_round_calls.insert(call.id);
    } else if (call.type == volley::event_type::tool_response) {
      if (current_round_calls.count(call.call_id) != 0) current_round_calls.erase(call.call_id);
      if (current_round_calls.empty()) rounds += 1;
    }
  }
  return rounds;
}

struct parallelization_result {
  std::size_t num_batches = 0;
  std::vector<std::size_t> calls_per_batch;
  std::size_t max_parallelism = 0;
  std::size_t total_calls = 0;
};

// def analyze_parallelization(tool_trace):
//     parallel_batches = []
//     current_batch = []
//     for event in tool_trace:
//         if event['type'] == 'tool_call':
//             current_batch.append(event)
//         elif event['type'] == 'assistant_message':
//             if current_batch:
//                 parallel_batches.append(len(current_batch))
//                 current_batch = []
//     return {'num_batches': len(parallel_batches), 'calls_per_batch': parallel_batches,
//             'max_parallelism': max(parallel_batches) if parallel_batches else 0,
//             'total_calls': sum(parallel_batches)}
inline parallelization_result analyze_parallelization(std::span<const volley::trace_event> tool_trace) {
  std::vector<std::size_t> parallel_batches;
  std::vector<volley::trace_event> current_batch;
  for (const auto& event : tool_trace) {
    if (event.type == volley::event_type::tool_call) {
      current_batch.push_back(event);
    } else if (event.type == volley::event_type::assistant_message) {
      if (!current_batch.empty()) {
        parallel_batches.push_back(current_batch.size());
        current_batch = {};
      }
    }
  }
  parallelization_result result;
  result.num_batches = parallel_batches.size();
  result.calls_per_batch = parallel_batches;
  result.max_parallelism = parallel_batches.empty() ? 0 : *std::max_element(parallel_batches.begin(), parallel_batches.end());
  result.total_calls = std::accumulate(parallel_batches.begin(), parallel_batches.end(), std::size_t{0});
  return result;
}

}  // namespace seed_reference
