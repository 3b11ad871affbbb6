// Property: every batch's results and the final store equal running the
// calls one by one in input order, on a simulation and on a thread_pool.
#include "volley/detail/concat.hpp"
#include <random>
#include <string>
#include <vector>

#include "test_tools.hpp"
#include "volley/volley.hpp"
#include "volley_catch.hpp"

namespace {

std::vector<volley::tool_call> random_batch(std::mt19937& rng, int max_latency_us) {
  std::uniform_int_distribution<int> size(1, 64), kind(0, 9), key(0, 4), latency(0, max_latency_us);
  std::vector<volley::tool_call> calls;
  const int n = size(rng);
  for (int i = 0; i < n; ++i) {
    const int k = kind(rng);
    const std::string id = volley::detail::concat({"c", std::to_string(i)});
    const std::string timing = volley::detail::concat({"|", std::to_string(latency(rng))}) + volley::detail::concat({"|", std::to_string(latency(rng))});
    const std::string keyname = volley::detail::concat({"k", std::to_string(key(rng))});
    if (k < 5) calls.push_back({id, "get", keyname + timing});
    else if (k < 9) calls.push_back({id, "put", keyname + volley::detail::concat({"=", std::to_string(i)}) + timing});
    else calls.push_back({id, "append_all", volley::detail::concat({"+", std::to_string(i)}) + timing});
  }
  return calls;
}

void check_same(const std::vector<volley::call_result>& got, const std::vector<volley::call_result>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("call " << i);
    REQUIRE(got[i].id == want[i].id);
    REQUIRE(got[i].result.has_value());
    REQUIRE(*got[i].result == *want[i].result);
  }
}

}  // namespace

TEST_CASE("serializability on a simulation: random batches equal one-by-one execution", "[parallel_batch][property]") {
  std::mt19937 rng{20261124};
  const int batches = volley_test::scaled(10'000);
  for (int b = 0; b < batches; ++b) {
    auto calls = random_batch(rng, 1000);
    test_tools::kv_store reference_store, store;
    auto reference_tools = test_tools::kv_registry(reference_store);
    auto tools = test_tools::kv_registry(store);
    volley::simulation reference_sim, sim;
    auto want = reference_sim.run(test_tools::one_by_one(reference_sim, reference_tools, calls));
    auto got = sim.run(volley::parallel_batch(sim, tools, calls));
    INFO("batch " << b << " of " << calls.size() << " calls");
    check_same(got, want);
    REQUIRE(store.data == reference_store.data);
    REQUIRE(sim.elapsed() <= reference_sim.elapsed());
  }
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("serializability on a thread_pool with a cap: random batches equal one-by-one execution", "[parallel_batch][property][thread_pool]") {
  volley_test::watchdog dog{"serializability on a thread_pool", std::chrono::seconds{300}};
  std::mt19937 rng{7};
  volley::thread_pool pool{2};
  const int batches = volley_test::scaled(1'000);
  for (int b = 0; b < batches; ++b) {
    auto calls = random_batch(rng, 200);
    test_tools::kv_store reference_store, store;
    auto reference_tools = test_tools::kv_registry(reference_store);
    auto tools = test_tools::kv_registry(store);
    volley::simulation reference_sim;
    auto want = reference_sim.run(test_tools::one_by_one(reference_sim, reference_tools, calls));
    const std::size_t cap = static_cast<std::size_t>(b % 4) * 2;  // 0 (no cap), 2, 4, 6
    auto got = volley::sync_wait(volley::parallel_batch(pool, tools, calls, {.max_concurrency = cap}));
    INFO("batch " << b << " of " << calls.size() << " calls, cap " << cap);
    check_same(got, want);
    REQUIRE(store.data == reference_store.data);
    if (cap) REQUIRE(store.peak.load() <= static_cast<int>(cap));
  }
}
