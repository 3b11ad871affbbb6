// volley's count_sequential_rounds and analyze_parallelization give the
// seed's numbers on well-formed traces.
#include <cstddef>
#include <random>

#include "random_traces.hpp"
#include "seed_reference.hpp"
#include "volley/grade/analyze_parallelization.hpp"
#include "volley/grade/count_sequential_rounds.hpp"
#include "volley/grade/validate.hpp"
#include "volley_catch.hpp"

namespace {

using volley::trace_event;

volley::trace seed_fine_tuned_example() {
  // The seed's "Batch 1: four calls, batch 2: two calls".
  return {
      trace_event::call("1", "search"),   trace_event::call("2", "read_file"), trace_event::call("3", "search"),
      trace_event::call("4", "list"),     trace_event::response("3"),         trace_event::response("1"),
      trace_event::response("4"),         trace_event::response("2"),         trace_event::assistant_message(),
      trace_event::call("5", "read_file"), trace_event::call("6", "read_file"), trace_event::response("6"),
      trace_event::response("5"),         trace_event::assistant_message(),
  };
}

}  // namespace

TEST_CASE("the seed's fine-tuned example: 2 rounds, batches [4, 2]") {
  const auto trace = seed_fine_tuned_example();
  CHECK(volley::count_sequential_rounds(trace) == 2);
  CHECK(seed_reference::count_sequential_rounds(trace) == 2);
  const auto report = volley::analyze_parallelization(trace);
  CHECK(report.num_batches == 2);
  CHECK(report.calls_per_batch == std::vector<std::size_t>{4, 2});
  CHECK(report.max_parallelism == 4);
  CHECK(report.total_calls == 6);
  CHECK(volley::validate(trace).empty());
}

TEST_CASE("parity with the seed's functions on 10,000 random well-formed traces") {
  // Full count in every build: each trace is small and the reference is cheap.
  constexpr int trace_count = 10'000;
  std::mt19937_64 rng{20251105};
  std::size_t total_rounds = 0;
  std::size_t reused_id_notes = 0;
  std::size_t rounds_differ_from_batches = 0;
  for (int n = 0; n < trace_count; ++n) {
    volley_test::random_trace_shape shape;
    shape.max_turns = n % 3 == 0 ? 20 : 8;
    const volley::trace trace = volley_test::random_well_formed_trace(rng, shape);
    INFO("trace " << n << " of " << trace.size() << " events");

    const std::size_t expected_rounds = seed_reference::count_sequential_rounds(trace);
    REQUIRE(seed_reference::count_sequential_rounds_outer_reading(trace) == expected_rounds);
    REQUIRE(volley::count_sequential_rounds(trace) == expected_rounds);

    const auto expected = seed_reference::analyze_parallelization(trace);
    const auto actual = volley::analyze_parallelization(trace);
    REQUIRE(actual.num_batches == expected.num_batches);
    REQUIRE(actual.calls_per_batch == expected.calls_per_batch);
    REQUIRE(actual.max_parallelism == expected.max_parallelism);
    REQUIRE(actual.total_calls == expected.total_calls);

    // Well-formed traces draw no diagnostic but notes of reused ids.
    for (const auto& d : volley::validate(trace)) {
      INFO(d.message);
      REQUIRE(d.kind == volley::diagnostic_kind::call_id_reused);
      ++reused_id_notes;
    }
    total_rounds += expected_rounds;
    if (expected_rounds != actual.num_batches) ++rounds_differ_from_batches;
  }
  // The generator really exercises what it claims to.
  CHECK(total_rounds > std::size_t{trace_count});
  CHECK(reused_id_notes > 100);
  CHECK(rounds_differ_from_batches > 100);
}
