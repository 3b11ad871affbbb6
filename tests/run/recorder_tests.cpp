// The trace a batch records is what a model-driven loop would log, and the
// graders and exporters read it.
#include <string>
#include <vector>

#include "../trace/json_checker.hpp"
#include "test_tools.hpp"
#include "volley/grade/analyze_parallelization.hpp"
#include "volley/grade/count_sequential_rounds.hpp"
#include "volley/grade/validate.hpp"
#include "volley/trace/chrome_trace.hpp"
#include "volley/trace/timeline.hpp"
#include "volley/volley.hpp"
#include "volley_catch.hpp"

using namespace std::chrono_literals;

namespace {
std::size_t complete_events(const json_checker::value& document) {
  const auto& events = document.type == json_checker::value::kind::array ? document : document["traceEvents"];
  std::size_t n = 0;
  for (const auto& e : events.items) {
    if (e.has("ph") && e["ph"].text == "X") ++n;
  }
  return n;
}
}  // namespace

TEST_CASE("recorder: the seed's batch records one round, and its Chrome export parses with one complete event per call", "[recorder]") {
  auto tools = test_tools::seed_registry();
  volley::simulation sim;
  volley::trace_recorder recorder;
  auto results = sim.run(volley::parallel_batch(sim, tools, test_tools::seed_batch(), {.recorder = &recorder}));
  REQUIRE(results.size() == 4);

  const auto trace = recorder.events();
  CHECK(volley::count_sequential_rounds(trace) == 1);
  const auto report = volley::analyze_parallelization(trace);
  CHECK(report.num_batches == 1);
  CHECK(report.max_parallelism == 4);
  CHECK(report.total_calls == 4);
  CHECK(volley::validate(trace).empty());

  const auto spans = recorder.spans();
  REQUIRE(spans.size() == 4);
  for (const auto& span : spans) {
    REQUIRE(span.started.has_value());
    REQUIRE(span.finished.has_value());
    CHECK(span.ok);
  }
  const auto json = volley::to_chrome_trace(volley::make_timeline(spans, trace));
  const auto document = json_checker::parse(json);
  CHECK(complete_events(document) == 4);
}

TEST_CASE("recorder: run_rounds records one batch per round, and errors with their text", "[recorder]") {
  test_tools::kv_store store;
  auto tools = test_tools::kv_registry(store);
  std::vector<volley::dataflow_call> calls;
  calls.push_back({{"w", "put", "a=1|100"}, {}, {}});
  calls.push_back({{"r", "get", "a|100"}, {"w"}, {}});
  calls.push_back({{"bad", "nope", ""}, {}, {}});
  auto plan = volley::plan_rounds(volley::make_call_specs(tools, calls));
  volley::simulation sim;
  volley::trace_recorder recorder;
  sim.run(volley::run_rounds(sim, tools, calls, plan, {.recorder = &recorder}));
  const auto trace = recorder.events();
  CHECK(volley::count_sequential_rounds(trace) == plan.rounds.size());
  CHECK(volley::analyze_parallelization(trace).num_batches == plan.rounds.size());
  bool saw_error = false;
  for (const auto& span : recorder.spans()) {
    if (span.id == "bad") {
      saw_error = true;
      CHECK_FALSE(span.ok);
      CHECK(span.error.find("nope") != std::string::npos);
    }
  }
  CHECK(saw_error);
}

TEST_CASE("recorder: a session marks its turns where end_turn is called", "[recorder][session]") {
  auto tools = test_tools::seed_registry();
  volley::simulation sim;
  volley::trace_recorder recorder;
  auto turns = [](volley::simulation& s, const volley::tool_registry& t, volley::trace_recorder& r) -> volley::task<> {
    volley::session<volley::simulation> session{s, t, {.recorder = &r}};
    auto calls = test_tools::seed_batch();
    session.submit(calls[0]);
    session.submit(calls[1]);
    co_await session.drain();
    session.end_turn();
    session.submit(calls[2]);
    co_await session.drain();
    session.end_turn();
  };
  sim.run(turns(sim, tools, recorder));
  const auto report = volley::analyze_parallelization(recorder.events());
  CHECK(report.calls_per_batch == std::vector<std::size_t>{2, 1});
  CHECK(volley::count_sequential_rounds(recorder.events()) == 2);
}
