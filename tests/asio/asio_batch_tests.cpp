// parallel_batch on an asio_executor over an io_context run by two threads:
// the same semantics as on a thread_pool (order, hazards, timeouts, stops).
// (A tool making real HTTP requests in a batch is in http_client_tests.cpp.)
#include <chrono>
#include <random>
#include <stop_token>
#include <string>
#include <vector>

#include "../run/test_tools.hpp"
#include "asio_test_support.hpp"
#include "volley/asio/asio.hpp"
#include "volley/detail/concat.hpp"
#include "volley/volley.hpp"
#include "volley_catch.hpp"

using namespace std::chrono_literals;

namespace {

std::vector<volley::tool_call> random_batch(std::mt19937& rng) {
  std::uniform_int_distribution<int> size(1, 24), kind(0, 9), key(0, 3), latency(0, 300);
  std::vector<volley::tool_call> calls;
  const int n = size(rng);
  for (int i = 0; i < n; ++i) {
    const int k = kind(rng);
    const std::string id = volley::detail::concat({"c", std::to_string(i)});
    const std::string timing = volley::detail::concat({"|", std::to_string(latency(rng)), "|", std::to_string(latency(rng))});
    const std::string keyname = volley::detail::concat({"k", std::to_string(key(rng))});
    if (k < 5) calls.push_back({id, "get", keyname + timing});
    else if (k < 9) calls.push_back({id, "put", volley::detail::concat({keyname, "=", std::to_string(i), timing})});
    else calls.push_back({id, "append_all", volley::detail::concat({"+", std::to_string(i), timing})});
  }
  return calls;
}

}  // namespace

TEST_CASE("parallel_batch on asio_executor: the seed's batch takes its longest call, results in order", "[asio][batch]") {
  volley_test::watchdog dog{"asio seed batch", std::chrono::seconds{60}};
  asio_test::io_threads io{2};
  volley::asio_executor executor{io.context()};
  auto tools = asio_test::sleeping_tools();
  std::vector<volley::tool_call> calls{{"c1", "sleep", "100"}, {"c2", "sleep", "75"}, {"c3", "sleep", "100"}, {"c4", "sleep", "25"}};
  const auto start = executor.now();
  auto results = volley::sync_wait(volley::parallel_batch(executor, tools, calls));
  const auto took = executor.now() - start;
  REQUIRE(results.size() == 4);
  CHECK(*results[0].result == "slept 100");
  CHECK(*results[3].result == "slept 25");
  CHECK(took >= 100ms);
  CHECK(took < 300ms);  // one by one would take 300 ms
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("parallel_batch on asio_executor: a timeout stops its call; a stop cancels what has not started",
          "[asio][batch][timeout][cancel]") {
  volley_test::watchdog dog{"asio batch timeout", std::chrono::seconds{60}};
  asio_test::io_threads io{2};
  volley::asio_executor executor{io.context()};
  auto tools = asio_test::sleeping_tools();
  std::vector<volley::tool_call> timed{{"slow", "sleep", "5000"}, {"fast", "sleep", "10"}};
  auto results = volley::sync_wait(volley::parallel_batch(executor, tools, timed, {.timeout = 100ms}));
  REQUIRE_FALSE(results[0].result.has_value());
  CHECK(results[0].result.error().code == volley::errc::timeout);
  CHECK(results[0].finished - results[0].started < 2s);
  REQUIRE(results[1].result.has_value());
  CHECK(*results[1].result == "slept 10");

  std::stop_source stop;
  std::vector<volley::tool_call> writes{{"w1", "write", "5000"}, {"w2", "write", "10"}, {"r", "sleep", "5000"}};
  auto stopper = [](volley::asio_executor ex, std::stop_source& source) -> volley::task<> {
    co_await ex.sleep_for(50ms);
    source.request_stop();
  };
  const auto start = executor.now();
  auto [stopped, ignored] = volley::sync_wait(
      volley::when_all(volley::parallel_batch(executor, tools, writes, {.stop = stop.get_token()}), stopper(executor, stop)));
  (void)ignored;
  CHECK(executor.now() - start < 2s);
  REQUIRE(stopped[0].result.has_value());
  CHECK(*stopped[0].result == "wrote 5000");  // in flight: its sleep woke at the stop
  REQUIRE_FALSE(stopped[1].result.has_value());
  CHECK(stopped[1].result.error().code == volley::errc::cancelled);  // waited behind w1: never started
  REQUIRE(stopped[2].result.has_value());  // in flight too (it reads "clock", not "repo")
  CHECK(*stopped[2].result == "slept 5000");
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("parallel_batch on asio_executor: random batches equal one-by-one execution", "[asio][batch][property]") {
  volley_test::watchdog dog{"asio serializability", std::chrono::seconds{300}};
  asio_test::io_threads io{2};
  volley::asio_executor executor{io.context()};
  std::mt19937 rng{14};
  const int batches = volley_test::scaled(300);
  for (int b = 0; b < batches; ++b) {
    auto calls = random_batch(rng);
    test_tools::kv_store reference_store, store;
    auto reference_tools = test_tools::kv_registry(reference_store);
    auto tools = test_tools::kv_registry(store);
    volley::simulation reference;
    auto want = reference.run(test_tools::one_by_one(reference, reference_tools, calls));
    const std::size_t cap = static_cast<std::size_t>(b % 3) * 2;  // 0 (no cap), 2, 4
    auto got = volley::sync_wait(volley::parallel_batch(executor, tools, calls, {.max_concurrency = cap}));
    INFO("batch " << b << " of " << calls.size() << " calls, cap " << cap);
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      REQUIRE(got[i].result.has_value());
      REQUIRE(*got[i].result == *want[i].result);
    }
    REQUIRE(store.data == reference_store.data);
    if (cap) REQUIRE(store.peak.load() <= static_cast<int>(cap));
  }
  CHECK(volley_test::live_frames() == 0);
}
