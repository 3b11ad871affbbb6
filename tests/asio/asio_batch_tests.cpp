// parallel_batch on an asio_executor over an io_context run by two threads:
// the same semantics as on a thread_pool (order, hazards, timeouts, stops),
// and a tool that makes a real HTTP request while the batch's other calls run.
#include <chrono>
#include <random>
#include <stop_token>
#include <string>
#include <vector>

#include "../run/test_tools.hpp"
#include "asio_test_support.hpp"
#include "http_test_support.hpp"
#include "volley/asio/asio.hpp"
#include "volley/detail/concat.hpp"
#include "volley/volley.hpp"
#include "volley_catch.hpp"

using namespace std::chrono_literals;

namespace {

volley::task<std::string> sleep_then(volley::call_context& ctx, std::string ms, std::string text) {
  co_await ctx.sleep_for(std::chrono::milliseconds{std::stoi(ms)});
  co_return text;
}

volley::tool_registry sleeping_tools() {
  volley::tool_registry tools;
  tools.add(volley::make_tool("sleep", volley::effect::read_only, [](const std::string& ms, volley::call_context& ctx) {
    return sleep_then(ctx, ms, "slept " + ms);
  }, [](const std::string&) { return std::vector<std::string>{"clock"}; }));
  tools.add(volley::make_tool("write", volley::effect::mutating, [](const std::string& ms, volley::call_context& ctx) {
    return sleep_then(ctx, ms, "wrote " + ms);
  }, [](const std::string&) { return std::vector<std::string>{"repo"}; }));
  return tools;
}

volley::http_request get(std::string url) {
  volley::http_request request;
  request.url = std::move(url);
  return request;
}

// The HTTP tool: GETs the URL it is given, stopping with its call.
volley::task<std::string> fetch_text(const volley::http_client* client, std::string url, volley::call_context& ctx) {
  auto response = co_await client->request(get(std::move(url)), ctx.stop_token());
  co_return std::to_string(response.status) + " " + response.body;
}

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
  auto tools = sleeping_tools();
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
  auto tools = sleeping_tools();
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

TEST_CASE("a tool makes a real HTTP request to a loopback server while the batch's other calls run",
          "[asio][batch][http]") {
  ASIO_TEST_SERVERS(servers);
  volley_test::watchdog dog{"http tool in a batch", std::chrono::seconds{60}};
  asio_test::io_threads io{2};
  volley::asio_executor executor{io.context()};
  volley::http_client client{io.context().get_executor()};
  auto tools = sleeping_tools();
  tools.add(volley::make_tool(
      "fetch", volley::effect::read_only,
      [client = &client](const std::string& url, volley::call_context& ctx) { return fetch_text(client, url, ctx); },
      [](const std::string& url) { return std::vector<std::string>{"web:" + url}; }));
  for (int round = 0; round < 3; ++round) {
    std::vector<volley::tool_call> calls{{"f1", "fetch", servers->http("/slow?ms=150")},
                                         {"s1", "sleep", "150"},
                                         {"f2", "fetch", servers->http("/plain")},
                                         {"w1", "write", "50"},
                                         {"f3", "fetch", servers->http("/status/404")},
                                         {"w2", "write", "50"},
                                         {"f4", "fetch", servers->http("/never")}};
    const auto start = executor.now();
    auto results = volley::sync_wait(volley::parallel_batch(executor, tools, calls, {.timeout = 1s}));
    const auto took = executor.now() - start;
    REQUIRE(results.size() == calls.size());
    CHECK(*results[0].result == "200 slow");
    CHECK(*results[1].result == "slept 150");
    CHECK(*results[2].result == "200 hello");
    CHECK(*results[3].result == "wrote 50");
    CHECK(*results[4].result == "404 status 404");
    CHECK(*results[5].result == "wrote 50");
    // The server never answers: the call's timeout stops its request, and the batch ends.
    REQUIRE_FALSE(results[6].result);
    CHECK(results[6].result.error().code == volley::errc::timeout);
    CHECK(took >= 1s);
    CHECK(took < 3s);
    // The fetches, the sleep and the first write ran at once; the two writes
    // conflict, so the second started after the first had finished.
    CHECK(results[1].started < results[0].finished);
    CHECK(results[3].started < results[0].finished);
    CHECK(results[6].started < results[0].finished);
    CHECK(results[5].started >= results[3].finished);
  }
  CHECK(volley_test::live_frames() == 0);
}
