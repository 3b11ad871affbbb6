// parallel_batch runs a batch of read-only calls with default options without
// the scheduler's graph (run/detail/independent_batch.hpp). What a user sees
// must not depend on that: the same batch through the scheduler gives the
// same results, errors, times and trace.
#include <random>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <vector>

#include "test_tools.hpp"
#include "volley/detail/concat.hpp"
#include "volley/volley.hpp"
#include "volley_catch.hpp"

namespace {

volley::task<std::string> fail_after(volley::call_context& ctx, volley::duration d) {
  co_await ctx.sleep_for(d);
  throw std::runtime_error("the index is offline");
}

// The key-value store's read tools, plus a read-only tool that throws after
// a while and one that throws before its first suspension.
volley::tool_registry read_registry(test_tools::kv_store& store) {
  auto tools = test_tools::kv_registry(store);
  tools.add(volley::make_tool("flaky", volley::effect::read_only, [](const std::string& us, volley::call_context& ctx) {
    return fail_after(ctx, std::chrono::microseconds{std::stol(us)});
  }));
  tools.add(volley::make_tool("broken", volley::effect::read_only,
                              [](const std::string&, volley::call_context&) -> std::string {
                                throw std::logic_error("broken before it began");
                              }));
  return tools;
}

// Reads with latencies, calls to unknown tools, malformed arguments and
// failing tools, with repeated ids now and then.
std::vector<volley::tool_call> random_read_batch(std::mt19937& rng) {
  std::uniform_int_distribution<int> size(0, 40), kind(0, 11), key(0, 4), latency(0, 500);
  std::vector<volley::tool_call> calls;
  const int n = size(rng);
  for (int i = 0; i < n; ++i) {
    const int k = kind(rng);
    std::string id = volley::detail::concat({"c", std::to_string(k == 11 ? 0 : i)});
    const std::string timing =
        volley::detail::concat({"|", std::to_string(latency(rng)), "|", std::to_string(latency(rng))});
    if (k < 7) calls.push_back({std::move(id), "get", volley::detail::concat({"k", std::to_string(key(rng))}) + timing});
    else if (k == 7) calls.push_back({std::move(id), "gett", "k1"});
    else if (k == 8) calls.push_back({std::move(id), "get", "k1|soon"});  // malformed latency
    else if (k == 9) calls.push_back({std::move(id), "flaky", std::to_string(latency(rng))});
    else calls.push_back({std::move(id), "broken", ""});
  }
  return calls;
}

// Options that change nothing but route the batch through the scheduler:
// a stop token that is never stopped.
volley::batch_options through_scheduler(std::stop_source& never_stopped, volley::trace_recorder* recorder) {
  volley::batch_options options;
  options.stop = never_stopped.get_token();
  options.recorder = recorder;
  return options;
}

void check_identical(const std::vector<volley::call_result>& fast, const std::vector<volley::call_result>& general,
                     bool compare_times) {
  REQUIRE(fast.size() == general.size());
  for (std::size_t i = 0; i < fast.size(); ++i) {
    INFO("call " << i << " '" << general[i].id << "' (" << general[i].name << ")");
    CHECK(fast[i].id == general[i].id);
    CHECK(fast[i].name == general[i].name);
    REQUIRE(fast[i].result.has_value() == general[i].result.has_value());
    if (general[i].result.has_value()) {
      CHECK(*fast[i].result == *general[i].result);
    } else {
      CHECK(fast[i].result.error().code == general[i].result.error().code);
      CHECK(fast[i].result.error().message == general[i].result.error().message);
    }
    if (compare_times) {
      CHECK(fast[i].started == general[i].started);
      CHECK(fast[i].finished == general[i].finished);
    }
  }
}

}  // namespace

TEST_CASE("independent batch: which batches skip the scheduler", "[parallel_batch][independent]") {
  test_tools::kv_store store;
  auto tools = read_registry(store);
  const std::vector<volley::tool_call> reads = {{"a", "get", "k1"}, {"b", "nope", ""}, {"c", "flaky", "5"}};
  std::vector<volley::tool_call> with_write = reads;
  with_write.push_back({"d", "put", "k1=2"});
  std::stop_source source;
  volley::async_semaphore limiter{2};

  CHECK(volley::detail::runs_as_independent_batch(tools, reads, {}));
  CHECK(volley::detail::runs_as_independent_batch(tools, {}, {}));
  CHECK(volley::detail::runs_as_independent_batch(tools, reads, {.max_concurrency = 3}));
  CHECK_FALSE(volley::detail::runs_as_independent_batch(tools, with_write, {}));
  CHECK_FALSE(volley::detail::runs_as_independent_batch(tools, reads, {.max_concurrency = 2}));
  CHECK_FALSE(volley::detail::runs_as_independent_batch(tools, reads, {.timeout = std::chrono::seconds{1}}));
  CHECK_FALSE(volley::detail::runs_as_independent_batch(tools, reads, {.stop = source.get_token()}));
  CHECK_FALSE(volley::detail::runs_as_independent_batch(tools, reads, {.policy = volley::on_error::cancel_all}));
  CHECK_FALSE(volley::detail::runs_as_independent_batch(tools, reads, {.limiter = &limiter}));
}

TEST_CASE("independent batch: same results, times and trace as through the scheduler, in simulation",
          "[parallel_batch][independent][property]") {
  std::mt19937 rng{20261124};
  const int batches = volley_test::scaled(3'000);
  for (int b = 0; b < batches; ++b) {
    const auto calls = random_read_batch(rng);
    INFO("batch " << b << " of " << calls.size() << " calls");
    test_tools::kv_store fast_store, general_store;
    auto fast_tools = read_registry(fast_store);
    auto general_tools = read_registry(general_store);
    volley::trace_recorder fast_trace, general_trace;
    std::stop_source never_stopped;
    REQUIRE(volley::detail::runs_as_independent_batch(fast_tools, calls, {.recorder = &fast_trace}));
    REQUIRE_FALSE(volley::detail::runs_as_independent_batch(general_tools, calls,
                                                            through_scheduler(never_stopped, &general_trace)));

    volley::simulation fast_sim, general_sim;
    auto fast = fast_sim.run(volley::parallel_batch(fast_sim, fast_tools, calls, {.recorder = &fast_trace}));
    auto general = general_sim.run(
        volley::parallel_batch(general_sim, general_tools, calls, through_scheduler(never_stopped, &general_trace)));
    check_identical(fast, general, true);
    CHECK(fast_sim.elapsed() == general_sim.elapsed());
    CHECK(fast_trace.spans() == general_trace.spans());
    CHECK(fast_trace.problems() == general_trace.problems());
    const auto fast_events = fast_trace.events();
    const auto general_events = general_trace.events();
    REQUIRE(fast_events.size() == general_events.size());
    for (std::size_t e = 0; e < fast_events.size(); ++e) {
      INFO("event " << e);
      CHECK(fast_events[e].type == general_events[e].type);
      CHECK(fast_events[e].id == general_events[e].id);
      CHECK(fast_events[e].call_id == general_events[e].call_id);
      CHECK(fast_events[e].name == general_events[e].name);
      CHECK(fast_events[e].at == general_events[e].at);
    }
  }
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("independent batch: on a thread_pool, the same results as through the scheduler",
          "[parallel_batch][independent][thread_pool]") {
  volley_test::watchdog dog{"independent batch on a thread_pool", std::chrono::seconds{300}};
  std::mt19937 rng{11};
  volley::thread_pool pool{2};
  const int batches = volley_test::scaled(2'000);
  for (int b = 0; b < batches; ++b) {
    auto calls = random_read_batch(rng);
    // Most batches without latencies: calls that finish while the batch is
    // still starting the others race the countdown.
    if (b % 4 != 0) {
      for (auto& call : calls) {
        if (call.name == "get" && call.arguments.find("soon") == std::string::npos) {
          call.arguments = call.arguments.substr(0, call.arguments.find('|'));
        }
      }
    }
    INFO("batch " << b << " of " << calls.size() << " calls");
    test_tools::kv_store fast_store, general_store;
    auto fast_tools = read_registry(fast_store);
    auto general_tools = read_registry(general_store);
    std::stop_source never_stopped;
    auto fast = volley::sync_wait(volley::parallel_batch(pool, fast_tools, calls));
    auto general =
        volley::sync_wait(volley::parallel_batch(pool, general_tools, calls, through_scheduler(never_stopped, nullptr)));
    check_identical(fast, general, false);
    for (const auto& result : fast) CHECK(result.started <= result.finished);
  }
  CHECK(volley_test::live_frames() == 0);
}
