#include <chrono>
#include <optional>
#include <random>
#include <ranges>
#include <string>
#include <vector>

#include "test_tools.hpp"
#include "volley/volley.hpp"
#include "volley_catch.hpp"

using namespace std::chrono_literals;

TEST_CASE("parallel_batch: the seed's four read-only calls finish at virtual 2 s, one by one take 6 s", "[parallel_batch][seed]") {
  auto tools = test_tools::seed_registry();
  volley::simulation sim;
  auto results = sim.run(volley::parallel_batch(sim, tools, test_tools::seed_batch()));
  CHECK(sim.elapsed() == 2s);
  REQUIRE(results.size() == 4);
  CHECK(results[0].id == "c1");
  CHECK(*results[0].result == "results for Intel financial data");
  CHECK(*results[1].result == "contents of 2023_report.pdf");
  CHECK(*results[3].result == "listing of /financial_reports");
  CHECK(results[3].finished - results[3].started == 500ms);
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("parallel_batch: one by one in simulation takes the sum of latencies", "[parallel_batch][seed]") {
  auto tools = test_tools::seed_registry();
  volley::simulation sim;
  sim.run(test_tools::one_by_one(sim, tools, test_tools::seed_batch()));
  CHECK(sim.elapsed() == 6s);
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("parallel_batch: bad input is that call's result; the others run", "[parallel_batch][errors]") {
  test_tools::kv_store store;
  auto tools = test_tools::kv_registry(store);
  volley::simulation sim;
  std::vector<volley::tool_call> calls{{"a", "put", "x=1"},
                                       {"b", "no_such_tool", "{}"},
                                       {"c", "put", "missing-equals"},
                                       {"d", "get", "x"}};
  auto results = sim.run(volley::parallel_batch(sim, tools, calls));
  REQUIRE(results.size() == 4);
  CHECK(*results[0].result == "x:<none>->1");
  REQUIRE_FALSE(results[1].result);
  CHECK(results[1].result.error().code == volley::errc::unknown_tool);
  CHECK(results[1].result.error().message.find("no_such_tool") != std::string::npos);
  CHECK(results[1].result.error().message.find("'b'") != std::string::npos);
  REQUIRE_FALSE(results[2].result);
  CHECK(results[2].result.error().code == volley::errc::invalid_arguments);
  CHECK(results[2].result.error().message.find("expected key=value") != std::string::npos);
  CHECK(*results[3].result == "x:1");
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("parallel_batch: an empty batch completes at once", "[parallel_batch]") {
  auto tools = test_tools::seed_registry();
  volley::simulation sim;
  auto results = sim.run(volley::parallel_batch(sim, tools, std::vector<volley::tool_call>{}));
  CHECK(results.empty());
  CHECK(sim.elapsed() == 0s);
}

TEST_CASE("parallel_batch: the calls are read when it is called; the range may die before the batch is awaited",
          "[parallel_batch][lifetime]") {
  test_tools::kv_store store;
  auto tools = test_tools::kv_registry(store);
  volley::simulation sim;
  std::optional<volley::task<std::vector<volley::call_result>>> batch;
  {
    // Ids and arguments long enough to live on the heap: a dangling read would show under ASan.
    const std::string long_key(64, 'k');
    std::vector<volley::tool_call> calls{{std::string(40, 'a'), "put", long_key + "=1"},
                                         {std::string(40, 'b'), "get", long_key},
                                         {"bad", "put", "missing-equals"}};
    batch.emplace(volley::parallel_batch(sim, tools, calls));
    calls.clear();  // overwritten and freed before the batch runs
    calls.shrink_to_fit();
  }
  CHECK(sim.elapsed() == 0s);
  CHECK(store.data.empty());  // nothing ran yet: the task is lazy
  auto results = sim.run(std::move(*batch));
  batch.reset();
  REQUIRE(results.size() == 3);
  CHECK(results[0].id == std::string(40, 'a'));
  CHECK(*results[0].result == std::string(64, 'k') + ":<none>->1");
  CHECK(results[1].id == std::string(40, 'b'));
  CHECK(*results[1].result == std::string(64, 'k') + ":1");
  REQUIRE_FALSE(results[2].result);
  CHECK(results[2].result.error().code == volley::errc::invalid_arguments);
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("parallel_batch: any range of things convertible to tool_call, and an rvalue vector is moved from",
          "[parallel_batch][lifetime]") {
  auto tools = test_tools::seed_registry();
  volley::simulation sim;
  struct model_call {
    std::string id, arguments;
    operator volley::tool_call() const { return {id, "search", arguments}; }
  };
  const std::vector<model_call> emitted{{"s1", "a"}, {"s2", "b"}};
  auto results = sim.run(volley::parallel_batch(sim, tools, emitted));
  REQUIRE(results.size() == 2);
  CHECK(results[1].id == "s2");
  CHECK(results[1].name == "search");
  CHECK(results[1].result.has_value());

  auto calls = test_tools::seed_batch();
  const auto expected_ids = std::vector<std::string>{calls[0].id, calls[1].id, calls[2].id, calls[3].id};
  auto moved = sim.run(volley::parallel_batch(sim, tools, std::move(calls)));
  REQUIRE(moved.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) CHECK(moved[i].id == expected_ids[i]);
}

TEST_CASE("parallel_batch: a range of unknown size (its results vector grows while staging)", "[parallel_batch][lifetime]") {
  auto tools = test_tools::seed_registry();
  volley::simulation sim;
  std::vector<volley::tool_call> calls;
  for (int i = 0; i < 100; ++i) {
    calls.push_back({"call-number-" + std::to_string(i) + "-with-a-heap-sized-id", i % 3 == 0 ? "nope" : "list", "d"});
  }
  auto known = calls | std::views::filter([](const volley::tool_call& c) { return c.name != "nope"; });
  static_assert(!std::ranges::sized_range<decltype(known)>);
  auto results = sim.run(volley::parallel_batch(sim, tools, known));
  REQUIRE(results.size() == 66);
  std::size_t k = 0;
  for (int i = 0; i < 100; ++i) {
    if (i % 3 == 0) continue;
    CHECK(results[k].id == calls[static_cast<std::size_t>(i)].id);
    CHECK(*results[k].result == "listing of d");
    ++k;
  }
  CHECK(sim.elapsed() == std::chrono::milliseconds{500});
}

TEST_CASE("parallel_batch: calls prepared a chunk at a time each get their own tool across chunk boundaries",
          "[parallel_batch][lifetime]") {
  // Runs of one name (looked up once per run) broken by other names and by
  // unknown ones, over several 32-call chunks.
  auto tools = test_tools::seed_registry();
  volley::simulation sim;
  const char* names[] = {"search", "search", "list", "nope", "list", "list", "read_file", "nope", "nope", "search"};
  std::vector<volley::tool_call> calls;
  for (int i = 0; i < 137; ++i) {
    const char* name = names[(i / 3) % 10];  // runs of three, then the next name
    // (Appending, not "c" + std::to_string(i): g++ 12 -O3 reports a false
    // -Wstringop-overread on that expression, GCC bug 105651.)
    std::string id = "c", arguments = "x";
    id += std::to_string(i);
    arguments += std::to_string(i);
    calls.push_back({std::move(id), name, std::move(arguments)});
  }
  auto results = sim.run(volley::parallel_batch(sim, tools, calls));
  REQUIRE(results.size() == calls.size());
  for (std::size_t i = 0; i < calls.size(); ++i) {
    INFO("call " << i << " (" << calls[i].name << ")");
    CHECK(results[i].id == calls[i].id);
    CHECK(results[i].name == calls[i].name);
    const std::string& args = calls[i].arguments;
    if (calls[i].name == "nope") {
      REQUIRE_FALSE(results[i].result);
      CHECK(results[i].result.error().code == volley::errc::unknown_tool);
    } else if (calls[i].name == "search") {
      CHECK(*results[i].result == "results for " + args);
    } else if (calls[i].name == "list") {
      CHECK(*results[i].result == "listing of " + args);
    } else {
      CHECK(*results[i].result == "contents of " + args);
    }
  }
  CHECK(sim.elapsed() == 2s);  // all read-only: together, as long as the longest
}

namespace {

// A read-only tool whose parser and resources() reject some arguments.
struct checked_read {
  static constexpr std::string_view name = "checked_read";
  static constexpr volley::effect effect = volley::effect::read_only;
  using args_type = std::string;
  using result_type = std::string;
  static std::string parse_args(std::string_view text) {
    if (text == "bad-parse") throw std::invalid_argument("cannot parse 'bad-parse'");
    return std::string(text);
  }
  std::vector<std::string> resources(const std::string& key) const {
    if (key == "bad-resources") throw std::invalid_argument("no resource named 'bad-resources'");
    return {key};
  }
  volley::task<std::string> operator()(const std::string& key, volley::call_context& ctx) const {
    co_await ctx.sleep_for(10ms);
    co_return "read " + key;
  }
};

volley::tool_registry checked_tools() {
  volley::tool_registry tools;
  tools.add(checked_read{});
  tools.add(volley::make_tool(
      "touch", volley::effect::mutating, [](const std::string& key, volley::call_context&) { return key; },
      [](const std::string& key) { return std::vector<std::string>{key}; }));
  return tools;
}

std::vector<volley::tool_call> checked_calls() {
  return {{"ok1", "checked_read", "a"},
          {"unknown", "no_such_tool", "a"},
          {"parse", "checked_read", "bad-parse"},
          {"resources", "checked_read", "bad-resources"},
          {"ok2", "checked_read", "b"}};
}

void check_rejections(const std::vector<volley::call_result>& results) {
  REQUIRE(results.size() >= 5);
  CHECK(*results[0].result == "read a");
  CHECK(results[1].result.error().code == volley::errc::unknown_tool);
  CHECK(results[2].result.error().code == volley::errc::invalid_arguments);
  CHECK(results[2].result.error().message.find("cannot parse 'bad-parse'") != std::string::npos);
  CHECK(results[3].result.error().code == volley::errc::invalid_arguments);
  CHECK(results[3].result.error().message.find("no resource named 'bad-resources'") != std::string::npos);
  CHECK(*results[4].result == "read b");
  for (std::size_t i = 1; i < 4; ++i) CHECK(results[i].started == results[i].finished);  // never ran
}

}  // namespace

TEST_CASE("parallel_batch: a read-only batch, parsed by each call's driver, rejects bad input as a batch with writes does",
          "[parallel_batch][errors]") {
  // A batch with no mutating call skips the hazard index, and its calls are
  // parsed as they start, on the executor. The same calls followed by a
  // write take the indexed path, parsed before they start: the outcomes of
  // the calls they share must be the same, messages included.
  volley_test::watchdog dog{"read-only rejections", std::chrono::seconds{120}};
  auto tools = checked_tools();
  const auto read_only = checked_calls();
  auto with_write = checked_calls();
  with_write.push_back({"w", "touch", "elsewhere"});

  volley::simulation sim;
  auto fast = sim.run(volley::parallel_batch(sim, tools, read_only));
  auto indexed = sim.run(volley::parallel_batch(sim, tools, with_write));
  check_rejections(fast);
  check_rejections(indexed);
  for (std::size_t i = 0; i < read_only.size(); ++i) {
    INFO("call " << read_only[i].id);
    CHECK(fast[i].result.has_value() == indexed[i].result.has_value());
    if (!fast[i].result) CHECK(fast[i].result.error().message == indexed[i].result.error().message);
  }

  volley::thread_pool pool{2};
  for (int round = 0; round < 50; ++round) {
    check_rejections(volley::sync_wait(volley::parallel_batch(pool, tools, read_only)));
    check_rejections(volley::sync_wait(volley::parallel_batch(pool, tools, with_write)));
  }
  CHECK(volley_test::live_frames() == 0);
}

namespace {
volley::task<void> release_after(volley::simulation& sim, volley::async_semaphore& limiter, volley::duration d) {
  co_await sim.sleep_for(d);
  limiter.release();
}
}  // namespace

TEST_CASE("parallel_batch: a call whose arguments are rejected takes no limiter permit", "[parallel_batch][limits]") {
  // The only permit is held elsewhere for 1 s: the rejected calls end at
  // once, the good one starts when the permit comes back. (Read-only and
  // uncapped, the calls are parsed by their drivers, before the limiter.)
  auto tools = checked_tools();
  for (int variant = 0; variant < 4; ++variant) {
    const bool read_only = variant % 2 == 0;
    const std::size_t cap = variant < 2 ? 0 : 1;
    INFO((read_only ? "read-only batch" : "batch with a write") << ", max_concurrency " << cap);
    auto calls = checked_calls();
    if (!read_only) calls.push_back({"w", "touch", "elsewhere"});
    volley::simulation sim;
    volley::async_semaphore limiter{1};
    REQUIRE(limiter.try_acquire());
    const auto t0 = sim.now();
    auto [results, released] = sim.run(
        volley::when_all(volley::parallel_batch(sim, tools, calls, {.max_concurrency = cap, .limiter = &limiter}),
                         release_after(sim, limiter, 1s)));
    (void)released;
    check_rejections(results);
    for (std::size_t i = 1; i < 4; ++i) CHECK(results[i].finished == t0);
    CHECK(results[0].started == t0 + 1s);
    CHECK(limiter.available() == 1);
  }
  CHECK(volley_test::live_frames() == 0);
}
