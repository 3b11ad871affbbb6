// Random well-formed traces for the parity tests and the grading benchmark.
//
// Well-formed: every tool_response answers an earlier unanswered call, every
// call is answered, no id is reused while its call is unanswered, and every
// batch is closed by an assistant message. Within that, everything varies:
// the assistant message before a batch (OpenAI style) or after it, empty
// turns, responses in random order, calls issued after some responses of
// the same turn, responses arriving after the next assistant message, and
// ids reused after their call was answered (as tau-bench does).
#pragma once

#include <algorithm>
#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "volley/trace/trace_event.hpp"

namespace volley_test {

// prefix + n, built by appending (g++ 12 at -O3 warns falsely on "literal" + std::string&&).
inline std::string numbered(std::string_view prefix, long long n) {
  std::string text{prefix};
  text += std::to_string(n);
  return text;
}

struct random_trace_shape {
  std::size_t max_turns = 8;
  std::size_t max_calls_per_turn = 6;
  double reuse_probability = 0.15;       // a call reuses an answered id
  double interleave_probability = 0.3;   // a turn mixes issuing and answering
  double carry_over_probability = 0.1;   // a call is answered after the next assistant message
};

inline volley::trace random_well_formed_trace(std::mt19937_64& rng, const random_trace_shape& shape = {}) {
  auto chance = [&](double p) { return std::uniform_real_distribution<double>{0.0, 1.0}(rng) < p; };
  auto pick = [&](std::size_t low, std::size_t high) {
    return std::uniform_int_distribution<std::size_t>{low, high}(rng);
  };
  static const char* const tools[] = {"search", "read_file", "list", "write_file", "grep"};

  volley::trace trace;
  std::vector<std::string> outstanding;
  std::vector<std::string> answered;  // ids free for reuse
  std::size_t next_id = 0;
  auto answer_one = [&] {
    const std::size_t k = pick(0, outstanding.size() - 1);
    trace.push_back(volley::trace_event::response(outstanding[k]));
    answered.push_back(outstanding[k]);
    outstanding[k] = std::move(outstanding.back());  // order does not matter: O(1) removal
    outstanding.pop_back();
  };
  auto new_id = [&] {
    if (!answered.empty() && chance(shape.reuse_probability)) {
      const std::size_t k = pick(0, answered.size() - 1);
      std::string id = std::move(answered[k]);
      answered[k] = std::move(answered.back());
      answered.pop_back();
      return id;
    }
    return numbered("call_", static_cast<long long>(next_id++));
  };

  const bool message_first = chance(0.5);  // "assistant, calls, responses" vs "calls, responses, assistant"
  const std::size_t turns = pick(0, shape.max_turns);
  for (std::size_t turn = 0; turn < turns; ++turn) {
    if (message_first) trace.push_back(volley::trace_event::assistant_message());
    std::size_t to_issue = pick(0, shape.max_calls_per_turn);
    const bool interleave = chance(shape.interleave_probability);
    while (to_issue > 0 || !outstanding.empty()) {
      const bool issue = to_issue > 0 && (outstanding.empty() || !interleave || chance(0.5));
      if (issue) {
        std::string id = new_id();
        trace.push_back(volley::trace_event::call(id, tools[pick(0, 4)]));
        outstanding.push_back(std::move(id));
        --to_issue;
      } else if (to_issue == 0 && chance(shape.carry_over_probability)) {
        break;  // leave the rest for after the next assistant message
      } else {
        answer_one();
      }
    }
    if (!message_first) trace.push_back(volley::trace_event::assistant_message());
  }
  while (!outstanding.empty()) answer_one();
  // Close the last batch whatever the style (a final answer).
  trace.push_back(volley::trace_event::assistant_message());
  return trace;
}

}  // namespace volley_test
