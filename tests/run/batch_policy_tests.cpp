#include "volley/detail/concat.hpp"
#include <chrono>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "test_tools.hpp"
#include "volley/volley.hpp"
#include "volley_catch.hpp"

using namespace std::chrono_literals;

namespace {

volley::task<std::string> sleep_then_fail(std::string what, volley::call_context& ctx) {
  co_await ctx.sleep_for(100ms);
  throw std::runtime_error(what);
}
volley::task<std::string> sleep_for_text(const std::string& ms, volley::call_context& ctx) {
  co_await ctx.sleep_for(std::chrono::milliseconds{std::stoi(ms)});
  co_return "slept " + ms;
}
// Ignores its stop token: sleeps on the executor without it.
volley::task<std::string> stubborn(volley::simulation* sim, volley::duration d) {
  co_await sim->sleep_for(d);
  co_return "finished anyway";
}

struct counting_tool {
  static constexpr std::string_view name = "count";
  static constexpr volley::effect effect = volley::effect::read_only;
  using args_type = std::string;
  using result_type = std::string;
  test_tools::kv_store* store;
  volley::task<std::string> operator()(const std::string& ms, volley::call_context& ctx) const {
    return test_tools::kv_get(*store, "k", ctx, std::chrono::milliseconds{std::stoi(ms)}, {});
  }
};

volley::tool_registry policy_tools(volley::simulation& sim) {
  volley::tool_registry tools;
  tools.add(volley::make_tool("fail", volley::effect::mutating,
                              [](const std::string& what, volley::call_context& ctx) { return sleep_then_fail(what, ctx); },
                              [](const std::string&) { return std::vector<std::string>{"repo"}; }));
  tools.add(volley::make_tool("write", volley::effect::mutating, sleep_for_text,
                              [](const std::string&) { return std::vector<std::string>{"repo"}; }));
  // Reads "docs", not the "repo" the writes touch (no resources would mean everything).
  tools.add(volley::make_tool("read", volley::effect::read_only, sleep_for_text,
                              [](const std::string&) { return std::vector<std::string>{"docs"}; }));
  tools.add(volley::make_tool("fail_read", volley::effect::read_only,
                              [](const std::string& what, volley::call_context& ctx) { return sleep_then_fail(what, ctx); },
                              [](const std::string&) { return std::vector<std::string>{"docs"}; }));
  tools.add(volley::make_tool("throw_now", volley::effect::read_only, [](const std::string&, volley::call_context&) -> std::string {
    throw std::logic_error("thrown before any suspension");
  }));
  tools.add(volley::make_tool("stubborn", volley::effect::read_only, [&sim](const std::string& ms, volley::call_context&) {
    return stubborn(&sim, std::chrono::milliseconds{std::stoi(ms)});
  }));
  return tools;
}

std::vector<volley::tool_call> failing_batch() {
  // f fails at 100 ms; w2 conflicts with f (same "repo"); r is independent;
  // w3 conflicts with w2, so it depends on f transitively.
  return {{"f", "fail", "boom"}, {"w2", "write", "50"}, {"r", "read", "300"}, {"w3", "write", "50"}};
}

}  // namespace

TEST_CASE("on_error::isolate: a failure is that call's outcome; every other call runs", "[parallel_batch][policy]") {
  volley::simulation sim;
  auto tools = policy_tools(sim);
  auto results = sim.run(volley::parallel_batch(sim, tools, failing_batch()));
  REQUIRE_FALSE(results[0].result);
  CHECK(results[0].result.error().code == volley::errc::tool_failed);
  CHECK(results[0].result.error().message.find("boom") != std::string::npos);
  CHECK(*results[1].result == "slept 50");
  CHECK(*results[2].result == "slept 300");
  CHECK(*results[3].result == "slept 50");
  CHECK(results[1].started == volley::time_point{} + 100ms);  // waited for f, program order
}

TEST_CASE("on_error::skip_dependents: conflict-ordered calls are skipped transitively; independent ones run", "[parallel_batch][policy]") {
  volley::simulation sim;
  auto tools = policy_tools(sim);
  auto results = sim.run(volley::parallel_batch(sim, tools, failing_batch(), {.policy = volley::on_error::skip_dependents}));
  CHECK(results[0].result.error().code == volley::errc::tool_failed);
  REQUIRE_FALSE(results[1].result);
  CHECK(results[1].result.error().code == volley::errc::skipped);
  CHECK(results[1].result.error().message.find("'f'") != std::string::npos);
  CHECK(*results[2].result == "slept 300");
  REQUIRE_FALSE(results[3].result);
  CHECK(results[3].result.error().code == volley::errc::skipped);
  CHECK(results[3].result.error().message.find("'f'") != std::string::npos);
}

TEST_CASE("on_error::cancel_all: the first failure cancels what has not started and stops what runs", "[parallel_batch][policy]") {
  volley::simulation sim;
  auto tools = policy_tools(sim);
  auto results = sim.run(volley::parallel_batch(sim, tools, failing_batch(), {.policy = volley::on_error::cancel_all}));
  CHECK(results[0].result.error().code == volley::errc::tool_failed);
  CHECK(results[1].result.error().code == volley::errc::cancelled);
  // r was sleeping: its sleep woke early at 100 ms and it returned.
  CHECK(*results[2].result == "slept 300");
  CHECK(results[2].finished == volley::time_point{} + 100ms);
  CHECK(results[3].result.error().code == volley::errc::cancelled);
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("a read-only batch (no conflict graph) under a cap: cancel_all cancels the calls waiting for a slot",
          "[parallel_batch][policy]") {
  // No call of this batch can conflict, so it runs without a graph; the
  // calls held back by max_concurrency must still be cancelled, not started.
  volley::simulation sim;
  auto tools = policy_tools(sim);
  const std::vector<volley::tool_call> calls{
      {"f", "fail_read", "boom"}, {"r", "read", "300"}, {"w1", "read", "50"}, {"w2", "read", "50"}};
  for (auto policy : {volley::on_error::cancel_all, volley::on_error::isolate}) {
    const auto t0 = sim.now();
    auto results = sim.run(volley::parallel_batch(sim, tools, calls, {.max_concurrency = 2, .policy = policy}));
    REQUIRE(results.size() == 4);
    CHECK(results[0].result.error().code == volley::errc::tool_failed);
    CHECK(*results[1].result == "slept 300");
    if (policy == volley::on_error::cancel_all) {
      CHECK(results[1].finished == t0 + 100ms);  // stopped: its sleep woke early
      for (std::size_t i = 2; i < 4; ++i) {
        REQUIRE_FALSE(results[i].result);
        CHECK(results[i].result.error().code == volley::errc::cancelled);
        CHECK(results[i].result.error().message.find("before it started") != std::string::npos);
        CHECK(results[i].started == t0 + 100ms);
      }
    } else {
      // The slot f frees at 100 ms goes to w1, then w2 follows it.
      CHECK(results[2].started == t0 + 100ms);
      CHECK(results[3].started == t0 + 150ms);
      CHECK(*results[3].result == "slept 50");
    }
  }
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("timeout: a call past its deadline is stopped and reported timeout", "[parallel_batch][timeout]") {
  volley::simulation sim;
  auto tools = policy_tools(sim);
  std::vector<volley::tool_call> calls{{"slow", "read", "5000"}, {"fast", "read", "10"}, {"deaf", "stubborn", "3000"}};
  auto results = sim.run(volley::parallel_batch(sim, tools, calls, {.timeout = 1s}));
  CHECK(results[0].result.error().code == volley::errc::timeout);
  CHECK(results[0].finished == volley::time_point{} + 1s);  // its sleep woke at the deadline
  CHECK(*results[1].result == "slept 10");
  // A tool that ignores its stop is still reported timeout; the batch waited for it.
  CHECK(results[2].result.error().code == volley::errc::timeout);
  CHECK(results[2].finished == volley::time_point{} + 3s);
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("stop token: calls not started are cancelled without running; calls in flight see it", "[parallel_batch][cancel]") {
  volley::simulation sim;
  auto tools = policy_tools(sim);
  std::stop_source stop;
  std::vector<volley::tool_call> calls{{"w1", "write", "1000"}, {"w2", "write", "1000"}, {"r", "read", "5000"}};
  auto stopper = [](volley::simulation& s, std::stop_source& source) -> volley::task<> {
    co_await s.sleep_for(500ms);
    source.request_stop();
  };
  auto [results, ignored] = sim.run(volley::when_all(
      volley::parallel_batch(sim, tools, calls, {.stop = stop.get_token()}), stopper(sim, stop)));
  (void)ignored;
  CHECK(*results[0].result == "slept 1000");            // in flight: its sleep woke at 500 ms
  CHECK(results[0].finished == volley::time_point{} + 500ms);
  CHECK(results[1].result.error().code == volley::errc::cancelled);  // never started
  CHECK(results[2].finished == volley::time_point{} + 500ms);
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("cancellation at random points never leaks a frame or hangs", "[parallel_batch][cancel][property]") {
  std::mt19937 rng{99};
  for (int round = 0; round < volley_test::scaled(500); ++round) {
    volley::simulation sim;
    auto tools = policy_tools(sim);
    std::stop_source stop;
    std::vector<volley::tool_call> calls;
    std::uniform_int_distribution<int> kind(0, 2), ms(1, 400);
    for (int i = 0; i < 12; ++i) {
      static const char* names[] = {"write", "read", "fail"};
      calls.push_back({volley::detail::concat({"c", std::to_string(i)}), names[kind(rng)], std::to_string(ms(rng))});
    }
    auto stopper = [](volley::simulation& s, std::stop_source& source, int at) -> volley::task<> {
      co_await s.sleep_for(std::chrono::milliseconds{at});
      source.request_stop();
    };
    const auto policy = static_cast<volley::on_error>(round % 3);
    auto [results, ignored] = sim.run(volley::when_all(
        volley::parallel_batch(sim, tools, calls, {.max_concurrency = static_cast<std::size_t>(round % 4), .stop = stop.get_token(), .policy = policy}),
        stopper(sim, stop, ms(rng))));
    (void)ignored;
    REQUIRE(results.size() == calls.size());
    REQUIRE(volley_test::live_frames() == 0);
  }
}

TEST_CASE("a tool that throws before its first suspension is tool_failed", "[parallel_batch][errors]") {
  volley::simulation sim;
  auto tools = policy_tools(sim);
  std::vector<volley::tool_call> calls{{"t", "throw_now", ""}, {"r", "read", "1"}};
  auto results = sim.run(volley::parallel_batch(sim, tools, calls));
  CHECK(results[0].result.error().code == volley::errc::tool_failed);
  CHECK(results[0].result.error().message.find("thrown before any suspension") != std::string::npos);
  CHECK(*results[1].result == "slept 1");
}

TEST_CASE("max_concurrency and a shared limiter bound the calls in flight, counted inside the tools", "[parallel_batch][limits]") {
  volley_test::watchdog dog{"limits", std::chrono::seconds{120}};
  test_tools::kv_store store;
  volley::tool_registry tools;
  tools.add(counting_tool{&store});
  std::vector<volley::tool_call> calls;
  for (int i = 0; i < 40; ++i) calls.push_back({volley::detail::concat({"c", std::to_string(i)}), "count", std::to_string(1 + i % 3)});
  volley::thread_pool pool{2};
  volley::sync_wait(volley::parallel_batch(pool, tools, calls, {.max_concurrency = 3}));
  CHECK(store.peak.load() <= 3);
  CHECK(store.peak.load() >= 2);

  // Three batches share one limiter of 4 (three rollouts, one tool server).
  store.peak = 0;
  volley::async_semaphore server{4};
  volley::sync_wait(volley::when_all(volley::parallel_batch(pool, tools, calls, {.limiter = &server}),
                                     volley::parallel_batch(pool, tools, calls, {.limiter = &server}),
                                     volley::parallel_batch(pool, tools, calls, {.limiter = &server})));
  CHECK(store.peak.load() <= 4);
  CHECK(store.peak.load() >= 3);
  CHECK(server.available() == 4);
}

TEST_CASE("a batch of 100,000 calls completes", "[parallel_batch][scale]") {
  volley_test::watchdog dog{"100,000 calls", std::chrono::seconds{300}};
  volley::tool_registry tools;
  tools.add(volley::make_tool("echo", volley::effect::read_only, [](const std::string& s, volley::call_context&) { return s; }));
  tools.add(volley::make_tool("bump", volley::effect::mutating, [](const std::string& s, volley::call_context&) { return s; },
                              [](const std::string& s) { return std::vector<std::string>{s.substr(0, 1)}; }));
  std::vector<volley::tool_call> calls;
  for (int i = 0; i < 100'000; ++i) {
    calls.push_back({std::to_string(i), i % 10 ? "echo" : "bump", std::to_string(i % 7) + "x"});
  }
  volley::simulation sim;
  auto results = sim.run(volley::parallel_batch(sim, tools, calls));
  REQUIRE(results.size() == 100'000);
  CHECK(*results[99'999].result == std::to_string(99'999 % 7) + "x");
  volley::thread_pool pool{2};
  auto pooled = volley::sync_wait(volley::parallel_batch(pool, tools, calls, {.max_concurrency = 64}));
  CHECK(pooled.size() == 100'000);
  // All read-only: no conflict graph; uncapped, each call parsed by its driver on a worker.
  for (auto& call : calls) call.name = "echo";
  for (std::size_t cap : {std::size_t{0}, std::size_t{64}}) {
    auto reads = volley::sync_wait(volley::parallel_batch(pool, tools, calls, {.max_concurrency = cap}));
    REQUIRE(reads.size() == 100'000);
    std::size_t right = 0;
    for (std::size_t i = 0; i < reads.size(); ++i) right += reads[i].result && *reads[i].result == calls[i].arguments;
    CHECK(right == 100'000);
  }
}

TEST_CASE("typed parallel_batch: typed arguments and results, the same hazard rules", "[parallel_batch][typed]") {
  test_tools::kv_store store;
  volley::simulation sim;
  auto [put, got, also] = sim.run(volley::parallel_batch(
      sim, volley::batch_options{}, volley::call(test_tools::kv_put_tool{&store}, test_tools::kv_args::parse("a=1|1000")),
      volley::call(test_tools::kv_get_tool{&store}, test_tools::kv_args::parse("a|10")),
      volley::call(test_tools::kv_get_tool{&store}, test_tools::kv_args::parse("b|10"))));
  CHECK(*put == "a:<none>->1");
  CHECK(*got == "a:1");        // waited for the put on "a"
  CHECK(*also == "b:<none>");  // independent: ran at once
  CHECK(sim.elapsed() == std::chrono::microseconds{1010});
}

TEST_CASE("batches one after another on one thread: nothing of one batch carries into the next",
          "[parallel_batch][policy][recycling]") {
  // A thread reuses the scheduler of its last small batch. Every option and
  // every way a batch can end must leave no trace in the next one.
  volley::simulation sim;
  auto tools = policy_tools(sim);
  const std::vector<volley::tool_call> reads{{"a", "read", "100"}, {"b", "read", "100"}, {"c", "read", "100"}};
  const auto all_slept = [](const std::vector<volley::call_result>& results, std::size_t n) {
    REQUIRE(results.size() == n);
    for (const auto& r : results) CHECK((r.result && r.result->rfind("slept", 0) == 0));
  };
  const auto elapsed = [&](auto&& batch) {
    const auto start = sim.now();
    auto results = sim.run(std::forward<decltype(batch)>(batch));
    return std::pair{std::move(results), sim.now() - start};
  };
  for (int round = 0; round < 3; ++round) {
    CAPTURE(round);
    // cancel_all stops its batch; the next batch is not stopped.
    auto cancelled = sim.run(volley::parallel_batch(sim, tools, failing_batch(), {.policy = volley::on_error::cancel_all}));
    CHECK(cancelled[1].result.error().code == volley::errc::cancelled);
    auto isolated = sim.run(volley::parallel_batch(sim, tools, failing_batch()));
    CHECK(*isolated[1].result == "slept 50");
    CHECK(*isolated[3].result == "slept 50");
    // A stop token already stopped cancels everything; the next batch has no stop.
    std::stop_source stopped;
    stopped.request_stop();
    auto none = sim.run(volley::parallel_batch(sim, tools, reads, {.stop = stopped.get_token()}));
    for (const auto& r : none) CHECK(r.result.error().code == volley::errc::cancelled);
    all_slept(sim.run(volley::parallel_batch(sim, tools, reads)), 3);
    // A cap of one runs them one by one; the next batch has no cap.
    auto [capped, capped_time] = elapsed(volley::parallel_batch(sim, tools, reads, {.max_concurrency = 1}));
    all_slept(capped, 3);
    CHECK(capped_time == 300ms);
    auto [free, free_time] = elapsed(volley::parallel_batch(sim, tools, reads));
    all_slept(free, 3);
    CHECK(free_time == 100ms);
    // A timeout applies to its own batch only.
    auto timed = sim.run(volley::parallel_batch(sim, tools, reads, {.timeout = 50ms}));
    for (const auto& r : timed) CHECK(r.result.error().code == volley::errc::timeout);
    all_slept(sim.run(volley::parallel_batch(sim, tools, reads)), 3);
    // A batch made and dropped without being awaited, then a session stopped by its owner.
    { auto dropped = volley::parallel_batch(sim, tools, failing_batch()); }
    {
      volley::session stopped_session{sim, tools};
      stopped_session.submit({"s", "read", "100"});
      stopped_session.request_stop();
      auto results = sim.run(stopped_session.drain());
      CHECK_FALSE(results[0].result.has_value());
    }
    auto [after, after_time] = elapsed(volley::parallel_batch(sim, tools, reads));
    all_slept(after, 3);
    CHECK(after_time == 100ms);
    // Results are this batch's own, numbered from its first call.
    CHECK(after[0].id == "a");
    CHECK(after[2].id == "c");
  }
  CHECK(volley_test::live_frames() == 0);
}
