// latency_aware_grader: the seed's tiers, the correctness gate, the
// seed-compatible setting, custom tiers and bad options.
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>

#include "random_traces.hpp"
#include "volley/grade/latency_aware_grader.hpp"
#include "volley_catch.hpp"

namespace {

using volley::trace_event;

// `rounds` sequential rounds of one call each.
volley::trace sequential(std::size_t rounds) {
  volley::trace trace;
  for (std::size_t i = 0; i < rounds; ++i) {
    const std::string id = volley_test::numbered("c", static_cast<long long>(i));
    trace.push_back(trace_event::call(id, "search"));
    trace.push_back(trace_event::response(id));
    trace.push_back(trace_event::assistant_message());
  }
  return trace;
}

}  // namespace

TEST_CASE("default tiers are the seed's: <= 3 rounds +0.1, <= 5 rounds +0.05, else 0") {
  const volley::latency_aware_grader grader;
  const double expected_bonus[] = {0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.0, 0.0, 0.0};
  for (std::size_t rounds = 0; rounds < 9; ++rounds) {
    INFO("rounds " << rounds);
    const auto grade = grader.grade(1.0, sequential(rounds));
    CHECK(grade.rounds == rounds);
    CHECK(grade.efficiency == expected_bonus[rounds]);
    CHECK(grade.correctness == 1.0);
    CHECK(grade.score == 1.0 + expected_bonus[rounds]);
  }
}

TEST_CASE("the gate: a wrong answer earns no speed bonus") {
  const volley::latency_aware_grader grader;
  const auto wrong_fast = grader.grade(0.0, sequential(1));
  CHECK(wrong_fast.efficiency == 0.0);
  CHECK(wrong_fast.score == 0.0);
  CHECK(wrong_fast.rounds == 1);
  // Partial credit is above the default threshold (0): it earns the bonus.
  const auto partial = grader.grade(0.5, sequential(4));
  CHECK(partial.efficiency == 0.05);
  CHECK(partial.score == 0.5 + 0.05);
  // A negative correctness (a penalty) is wrong too.
  CHECK(grader.grade(-1.0, sequential(0)).score == -1.0);

  SECTION("the threshold is configurable") {
    volley::latency_grader_options options;
    options.wrong_at_or_below = 0.5;
    const volley::latency_aware_grader strict{options};
    CHECK(strict.grade(0.5, sequential(1)).efficiency == 0.0);
    CHECK(strict.grade(0.75, sequential(1)).efficiency == 0.1);
  }
}

TEST_CASE("seed_compatible pays the bonus to wrong answers, like the seed") {
  const auto seed = volley::latency_aware_grader::seed_compatible();
  CHECK_FALSE(seed.options().gate_on_correctness);
  const auto wrong_fast = seed.grade(0.0, sequential(2));
  CHECK(wrong_fast.efficiency == 0.1);
  CHECK(wrong_fast.score == 0.1);
  // The hole: guessing fast beats trying hard and failing.
  const auto wrong_slow = seed.grade(0.0, sequential(8));
  CHECK(wrong_fast.score > wrong_slow.score);
  // With the gate both are 0.
  const volley::latency_aware_grader gated;
  CHECK(gated.grade(0.0, sequential(2)).score == gated.grade(0.0, sequential(8)).score);
}

TEST_CASE("custom tiers, checked in order like the seed's if/elif chain") {
  volley::latency_grader_options options;
  options.tiers = {{1, 0.3}, {2, 0.2}, {10, 0.01}};
  const volley::latency_aware_grader grader{options};
  CHECK(grader.efficiency_for(0) == 0.3);
  CHECK(grader.efficiency_for(1) == 0.3);
  CHECK(grader.efficiency_for(2) == 0.2);
  CHECK(grader.efficiency_for(10) == 0.01);
  CHECK(grader.efficiency_for(11) == 0.0);
  CHECK(grader.grade_rounds(1.0, 2).score == 1.0 + 0.2);

  SECTION("no tiers: never a bonus") {
    options.tiers.clear();
    CHECK(volley::latency_aware_grader{options}.grade(1.0, sequential(0)).efficiency == 0.0);
  }
}

TEST_CASE("bad options and bad correctness are rejected with a clear message") {
  volley::latency_grader_options options;
  options.tiers = {{5, 0.05}, {3, 0.1}};
  REQUIRE_THROWS_WITH(volley::latency_aware_grader{options},
                      "latency_aware_grader: tier 1 (max_rounds 3) must allow more rounds than tier 0 (max_rounds 5)");
  options.tiers = {{3, std::numeric_limits<double>::quiet_NaN()}};
  REQUIRE_THROWS_AS(volley::latency_aware_grader{options}, std::invalid_argument);
  const volley::latency_aware_grader grader;
  REQUIRE_THROWS_AS(grader.grade(std::numeric_limits<double>::quiet_NaN(), sequential(1)), std::invalid_argument);
}

TEST_CASE("rounds come from count_sequential_rounds, never-answered calls included") {
  // Four calls in one batch, one never answered: still one round.
  const volley::trace trace{trace_event::call("a"), trace_event::call("b"), trace_event::call("c"),
                            trace_event::call("d"), trace_event::response("b"), trace_event::response("a"),
                            trace_event::response("d"), trace_event::assistant_message()};
  CHECK(volley::latency_aware_grader{}.grade(1.0, trace).rounds == 1);
}
