// Random messy traces (any event in any order, a handful of ids): the graders
// never crash, keep their invariants, and equal the seed's functions whenever
// validate reports none of the cases documented to differ.
#include <algorithm>
#include <cstddef>
#include <random>
#include <set>
#include <string>

#include "random_traces.hpp"
#include "seed_reference.hpp"
#include "volley/grade/analyze_parallelization.hpp"
#include "volley/grade/batching_report.hpp"
#include "volley/grade/count_sequential_rounds.hpp"
#include "volley/grade/latency_aware_grader.hpp"
#include "volley/grade/validate.hpp"
#include "volley_catch.hpp"

namespace {

using volley::diagnostic_kind;
using volley::trace_event;

volley::trace random_messy_trace(std::mt19937_64& rng) {
  auto pick = [&](int low, int high) { return std::uniform_int_distribution<int>{low, high}(rng); };
  volley::trace trace;
  const int length = pick(0, 30);
  for (int i = 0; i < length; ++i) {
    const std::string id = pick(0, 15) == 0 ? std::string{} : volley_test::numbered("c", pick(0, 4));
    switch (pick(0, 5)) {
      case 0:
      case 1:
      case 2: trace.push_back(trace_event::call(id, pick(0, 1) == 0 ? "read" : "write")); break;
      case 3:
      case 4: trace.push_back(trace_event::response(id, pick(0, 3) == 0 ? "read" : "")); break;
      default: trace.push_back(trace_event::assistant_message()); break;
    }
  }
  return trace;
}

// A well-formed trace with a few harmless defects sprinkled in: responses to
// unknown ids, duplicate responses, responses naming another tool.
volley::trace slightly_broken_trace(std::mt19937_64& rng) {
  auto pick = [&](std::size_t low, std::size_t high) { return std::uniform_int_distribution<std::size_t>{low, high}(rng); };
  volley::trace trace = volley_test::random_well_formed_trace(rng);
  for (std::size_t defects = pick(1, 3); defects > 0; --defects) {
    const std::size_t at = pick(0, trace.size());
    switch (pick(0, 2)) {
      case 0: trace.insert(trace.begin() + static_cast<std::ptrdiff_t>(at), trace_event::response("nobody")); break;
      case 1:
        // Repeat an earlier response later on: a duplicate.
        for (std::size_t k = 0; k < at; ++k) {
          if (trace[k].type == volley::event_type::tool_response) {
            trace.insert(trace.begin() + static_cast<std::ptrdiff_t>(at), trace_event::response(trace[k].call_id));
            break;
          }
        }
        break;
      default:
        for (auto& event : trace) {
          if (event.type == volley::event_type::tool_response) event.name = "another_tool";
        }
    }
  }
  return trace;
}

}  // namespace

TEST_CASE("messy traces: invariants, and seed parity where validate allows it") {
  std::mt19937_64 rng{99};
  std::size_t comparable = 0;
  std::size_t differing = 0;
  volley::batching_inputs inputs;
  inputs.effects = {{"read", volley::effect::read_only}, {"write", volley::effect::mutating}};
  for (int n = 0; n < volley_test::scaled(20'000); ++n) {
    const volley::trace trace = n % 2 == 0 ? random_messy_trace(rng) : slightly_broken_trace(rng);
    INFO("trace " << n);
    const std::size_t calls = static_cast<std::size_t>(
        std::count_if(trace.begin(), trace.end(), [](const trace_event& e) { return e.type == volley::event_type::tool_call; }));
    const std::size_t rounds = volley::count_sequential_rounds(trace);
    const auto batches = volley::analyze_parallelization(trace);
    const auto found = volley::validate(trace);

    // Every round holds at least one call; any call makes at least one round.
    REQUIRE(rounds <= calls);
    REQUIRE((calls == 0) == (rounds == 0));
    REQUIRE(batches.total_calls == calls);
    // Diagnostics are sorted and point inside the trace.
    for (std::size_t k = 0; k < found.size(); ++k) {
      REQUIRE(found[k].event_index < trace.size());
      REQUIRE(found[k].severity == volley::severity_of(found[k].kind));
      if (k > 0) REQUIRE_FALSE(volley::detail::diagnostic_before(found[k], found[k - 1]));
    }
    std::set<diagnostic_kind> kinds;
    for (const auto& d : found) kinds.insert(d.kind);
    const bool documented_to_differ = kinds.count(diagnostic_kind::reused_while_outstanding) != 0 ||
                                      kinds.count(diagnostic_kind::call_never_answered) != 0 ||
                                      kinds.count(diagnostic_kind::trailing_batch_without_assistant_message) != 0;
    if (!documented_to_differ) {
      ++comparable;
      REQUIRE(rounds == seed_reference::count_sequential_rounds(trace));
      const auto seed = seed_reference::analyze_parallelization(trace);
      REQUIRE(batches.calls_per_batch == seed.calls_per_batch);
    } else if (rounds != seed_reference::count_sequential_rounds(trace) ||
               batches.calls_per_batch != seed_reference::analyze_parallelization(trace).calls_per_batch) {
      ++differing;
    }

    const auto report = volley::analyze_batching(trace, inputs);
    REQUIRE(report.total_calls == calls);
    REQUIRE(report.ideal_rounds <= std::max<std::size_t>(calls, 0));
    REQUIRE(report.actual_rounds == rounds);
    REQUIRE(report.actual_batches == batches.num_batches);
    REQUIRE(volley::latency_aware_grader{}.grade(1.0, trace).rounds == rounds);
  }
  CAPTURE(comparable, differing);
  CHECK(comparable > std::size_t(volley_test::scaled(20'000)) / 10);
  CHECK(differing > std::size_t(volley_test::scaled(20'000)) / 10);
}
