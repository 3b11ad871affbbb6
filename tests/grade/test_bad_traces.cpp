// Each kind of bad trace, by hand: the diagnostic (kind, severity, index,
// related index, id) and what the two graders count, next to the seed's numbers.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "random_traces.hpp"
#include "seed_reference.hpp"
#include "volley/grade/analyze_parallelization.hpp"
#include "volley/grade/count_sequential_rounds.hpp"
#include "volley/grade/validate.hpp"
#include "volley_catch.hpp"

namespace {

using volley::diagnostic_kind;
using volley::diagnostic_severity;
using volley::trace_event;
using namespace std::chrono_literals;

trace_event call(const char* id, const char* name = "tool") { return trace_event::call(id, name); }
trace_event response(const char* id) { return trace_event::response(id); }
trace_event assistant() { return trace_event::assistant_message(); }

void check_one(const std::vector<volley::diagnostic>& found, diagnostic_kind kind, std::size_t index,
               std::optional<std::size_t> related, const std::string& id) {
  INFO("expected " << volley::to_string(kind) << " at event " << index);
  REQUIRE(found.size() == 1);
  CHECK(found[0].kind == kind);
  CHECK(found[0].severity == volley::severity_of(kind));
  CHECK(found[0].event_index == index);
  CHECK(found[0].related_event_index == related);
  CHECK(found[0].id == id);
  CHECK(found[0].message.find(volley_test::numbered("event ", static_cast<long long>(index))) != std::string::npos);
}

}  // namespace

TEST_CASE("a response to an unknown call id is reported and ignored") {
  const volley::trace trace{call("a"), response("x"), response("a"), assistant()};
  CHECK(volley::count_sequential_rounds(trace) == 1);
  CHECK(seed_reference::count_sequential_rounds(trace) == 1);
  check_one(volley::validate(trace), diagnostic_kind::response_to_unknown_call, 1, std::nullopt, "x");
  CHECK(volley::validate(trace)[0].severity == diagnostic_severity::error);

  SECTION("after the round closed, it adds no round (one reading of the seed would)") {
    const volley::trace late{call("a"), response("a"), response("x"), assistant()};
    CHECK(volley::count_sequential_rounds(late) == 1);
    CHECK(seed_reference::count_sequential_rounds(late) == 1);
    CHECK(seed_reference::count_sequential_rounds_outer_reading(late) == 2);
    check_one(volley::validate(late), diagnostic_kind::response_to_unknown_call, 2, std::nullopt, "x");
  }
}

TEST_CASE("a second response to an answered call is a duplicate, ignored") {
  const volley::trace trace{call("a"), response("a"), response("a"), assistant()};
  CHECK(volley::count_sequential_rounds(trace) == 1);
  const auto found = volley::validate(trace);
  check_one(found, diagnostic_kind::duplicate_response, 2, 0, "a");
  CHECK(found[0].message.find("answered at event 1") != std::string::npos);
}

TEST_CASE("an id reused after its call was answered is a new call (a note)") {
  // tau-bench style: one call per turn, the same id twice.
  const volley::trace trace{call("a"), response("a"), assistant(), call("a"), response("a"), assistant()};
  CHECK(volley::count_sequential_rounds(trace) == 2);
  CHECK(seed_reference::count_sequential_rounds(trace) == 2);
  CHECK(volley::analyze_parallelization(trace).calls_per_batch == std::vector<std::size_t>{1, 1});
  const auto found = volley::validate(trace);
  check_one(found, diagnostic_kind::call_id_reused, 3, 0, "a");
  CHECK(found[0].severity == diagnostic_severity::note);
}

TEST_CASE("an id reused while its call is unanswered: both are calls, the round waits for both") {
  const volley::trace trace{call("a"), call("a"), response("a"), call("b"), response("b"), response("a"), assistant()};
  // volley: outstanding a, a -> 1 -> (b) 2 -> 1 -> 0: one round.
  CHECK(volley::count_sequential_rounds(trace) == 1);
  // The seed's set holds one "a": the first response closes a round, "b" makes a second,
  // the last response is ignored.
  CHECK(seed_reference::count_sequential_rounds(trace) == 2);
  CHECK(volley::analyze_parallelization(trace).total_calls == 3);
  check_one(volley::validate(trace), diagnostic_kind::reused_while_outstanding, 1, 0, "a");
}

TEST_CASE("a call never answered closes its round at the next assistant message") {
  const volley::trace trace{call("a"), call("b"), response("b"), assistant(), call("c"), response("c"), assistant()};
  // The seed keeps "a" outstanding forever and counts nothing.
  CHECK(seed_reference::count_sequential_rounds(trace) == 0);
  CHECK(volley::count_sequential_rounds(trace) == 2);
  check_one(volley::validate(trace), diagnostic_kind::call_never_answered, 0, 3, "a");

  SECTION("an answered call still outstanding at that message keeps the round open") {
    const volley::trace slow{call("a"), call("b"), assistant(), response("b"), call("c"), response("c"), assistant()};
    // a closed at event 2 with b outstanding; b answered at 3 ends round 1; c is round 2.
    CHECK(volley::count_sequential_rounds(slow) == 2);
  }
  SECTION("a trailing open round at the end of the trace counts") {
    const volley::trace open{call("a"), response("a"), assistant(), call("b")};
    CHECK(seed_reference::count_sequential_rounds(open) == 1);
    CHECK(volley::count_sequential_rounds(open) == 2);
    CHECK(seed_reference::analyze_parallelization(open).calls_per_batch == std::vector<std::size_t>{1});
    CHECK(volley::analyze_parallelization(open).calls_per_batch == std::vector<std::size_t>{1, 1});
    const auto found = volley::validate(open);
    REQUIRE(found.size() == 2);
    CHECK(found[0].kind == diagnostic_kind::call_never_answered);
    CHECK(found[0].event_index == 3);
    CHECK(found[0].related_event_index == std::nullopt);
    CHECK(found[0].message.find("end of the trace") != std::string::npos);
    CHECK(found[1].kind == diagnostic_kind::trailing_batch_without_assistant_message);
    CHECK(found[1].event_index == 3);
    CHECK(found[1].related_event_index == std::optional<std::size_t>{2});
  }
  SECTION("only never-answered calls: one round per batch of them") {
    const volley::trace none{call("a"), call("b"), assistant(), call("c"), assistant()};
    CHECK(volley::count_sequential_rounds(none) == 2);
    CHECK(volley::validate(none).size() == 3);
  }
}

TEST_CASE("a trailing batch without an assistant message is counted and noted") {
  const volley::trace trace{assistant(), call("a"), call("b"), response("a"), response("b")};
  CHECK(seed_reference::analyze_parallelization(trace).num_batches == 0);
  const auto report = volley::analyze_parallelization(trace);
  CHECK(report.num_batches == 1);
  CHECK(report.calls_per_batch == std::vector<std::size_t>{2});
  CHECK(report.max_parallelism == 2);
  CHECK(report.total_calls == 2);
  CHECK(volley::count_sequential_rounds(trace) == 1);
  const auto found = volley::validate(trace);
  check_one(found, diagnostic_kind::trailing_batch_without_assistant_message, 1, 0, "a");
  CHECK(found[0].message.find("2 tool call(s)") != std::string::npos);

  SECTION("no assistant message at all") {
    const volley::trace bare{call("a"), response("a")};
    CHECK(volley::analyze_parallelization(bare).num_batches == 1);
    check_one(volley::validate(bare), diagnostic_kind::trailing_batch_without_assistant_message, 0, std::nullopt,
              "a");
  }
}

TEST_CASE("empty ids are matched like any id and reported") {
  const volley::trace trace{call(""), response(""), assistant()};
  CHECK(volley::count_sequential_rounds(trace) == 1);
  const auto found = volley::validate(trace);
  REQUIRE(found.size() == 2);
  CHECK(found[0].kind == diagnostic_kind::empty_id);
  CHECK(found[0].event_index == 0);
  CHECK(found[1].kind == diagnostic_kind::empty_id);
  CHECK(found[1].event_index == 1);
}

TEST_CASE("a response naming another tool than its call is reported") {
  const volley::trace trace{call("a", "search"), trace_event::response("a", "read_file"), assistant()};
  CHECK(volley::count_sequential_rounds(trace) == 1);
  check_one(volley::validate(trace), diagnostic_kind::response_name_mismatch, 1, 0, "a");
}

TEST_CASE("times that go backwards are reported") {
  const volley::trace trace{trace_event::call("a", "t", 5ns), trace_event::response("a", "t", 3ns),
                            trace_event::assistant_message(6ns), trace_event::call("b", "t", 4ns),
                            trace_event::response("b", "t")};
  const auto found = volley::validate(trace);
  REQUIRE(found.size() == 3);
  CHECK(found[0].kind == diagnostic_kind::time_went_backwards);
  CHECK(found[0].event_index == 1);
  CHECK(found[0].related_event_index == std::optional<std::size_t>{0});
  CHECK(found[1].kind == diagnostic_kind::trailing_batch_without_assistant_message);
  CHECK(found[2].kind == diagnostic_kind::time_went_backwards);
  CHECK(found[2].event_index == 3);
  CHECK(found[2].related_event_index == std::optional<std::size_t>{2});
}

TEST_CASE("diagnostics come in event order across kinds, and many traces in a row stay independent") {
  const volley::trace messy{call("a"), response("zz"), call("a"), response("a"), assistant(), response("a"),
                            call("b")};
  const auto found = volley::validate(messy);
  std::vector<std::pair<std::size_t, diagnostic_kind>> seen;
  for (const auto& d : found) seen.emplace_back(d.event_index, d.kind);
  const std::vector<std::pair<std::size_t, diagnostic_kind>> expected{
      {1, diagnostic_kind::response_to_unknown_call},
      {2, diagnostic_kind::reused_while_outstanding},
      {6, diagnostic_kind::call_never_answered},
      {6, diagnostic_kind::trailing_batch_without_assistant_message},
  };
  CHECK(seen == expected);
  // The response at 5 answers the first "a" (the most recent unanswered one is
  // at 0 after 3 answered the one at 2): one round at 5, one open at the end.
  CHECK(volley::count_sequential_rounds(messy) == 2);

  // The thread's matching table is reused: a clean trace after a messy one
  // must not see the old ids.
  const volley::trace clean{call("a"), response("a"), assistant()};
  CHECK(volley::validate(clean).empty());
  CHECK(volley::count_sequential_rounds(clean) == 1);
}

TEST_CASE("empty and call-less traces") {
  const volley::trace empty;
  CHECK(volley::count_sequential_rounds(empty) == 0);
  CHECK(volley::analyze_parallelization(empty) == volley::parallelization_report{});
  CHECK(volley::validate(empty).empty());
  const volley::trace chat{assistant(), assistant()};
  CHECK(volley::count_sequential_rounds(chat) == 0);
  CHECK(volley::analyze_parallelization(chat).num_batches == 0);
  CHECK(volley::validate(chat).empty());
}

TEST_CASE("a large trace: the matching table grows, then shrinks back") {
  volley::trace big;
  for (int i = 0; i < 100'000; ++i) {
    const std::string id = volley_test::numbered("c", i);
    big.push_back(trace_event::call(id));
    big.push_back(trace_event::response(id));
    big.push_back(trace_event::assistant_message());
  }
  CHECK(volley::count_sequential_rounds(big) == 100'000);
  CHECK(volley::validate(big).empty());
  const volley::trace small{call("c7"), response("c7"), assistant()};
  CHECK(volley::count_sequential_rounds(small) == 1);
}

TEST_CASE("several never-answered calls in a trailing batch: diagnostics stay in order") {
  const volley::trace trace{call("a"), response("a"), response("q"), assistant(), call("b"), call("c"),
                            trace_event::response("c", "other"), call("d"), call("b")};
  std::vector<std::pair<std::size_t, diagnostic_kind>> seen;
  for (const auto& d : volley::validate(trace)) seen.emplace_back(d.event_index, d.kind);
  const std::vector<std::pair<std::size_t, diagnostic_kind>> expected{
      {2, diagnostic_kind::response_to_unknown_call},
      {4, diagnostic_kind::call_never_answered},
      {4, diagnostic_kind::trailing_batch_without_assistant_message},
      {6, diagnostic_kind::response_name_mismatch},
      {7, diagnostic_kind::call_never_answered},
      {8, diagnostic_kind::reused_while_outstanding},
      {8, diagnostic_kind::call_never_answered},
  };
  CHECK(seen == expected);
  // Rounds: a; then b, c, d, b never answered except c: one open round at the end.
  CHECK(volley::count_sequential_rounds(trace) == 2);
}
