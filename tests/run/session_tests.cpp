#include "volley/detail/concat.hpp"
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "test_tools.hpp"
#include "volley/volley.hpp"
#include "volley_catch.hpp"

using namespace std::chrono_literals;

namespace {

std::vector<volley::tool_call> random_calls(std::mt19937& rng, const std::string& prefix, int n, int max_us) {
  std::uniform_int_distribution<int> kind(0, 9), key(0, 3), latency(0, max_us);
  std::vector<volley::tool_call> calls;
  for (int i = 0; i < n; ++i) {
    const std::string id = prefix + volley::detail::concat({"c", std::to_string(i)});
    const std::string timing = volley::detail::concat({"|", std::to_string(latency(rng))}) + volley::detail::concat({"|", std::to_string(latency(rng))});
    const std::string k = prefix + volley::detail::concat({"k", std::to_string(key(rng))});
    const int what = kind(rng);
    if (what < 6) calls.push_back({id, "get", k + timing});
    else calls.push_back({id, "put", k + volley::detail::concat({"=", std::to_string(i)}) + timing});
  }
  return calls;
}

template <volley::Executor E>
volley::task<std::vector<volley::call_result>> through_session(E& ex, const volley::tool_registry& tools,
                                                               std::vector<volley::tool_call> calls,
                                                               volley::async_semaphore* limiter) {
  volley::session<E> s{ex, tools, {.limiter = limiter}};
  for (auto& call : calls) {
    s.submit(call);
    co_await ex.schedule();  // the model writes the next call a little later
  }
  co_return co_await s.drain();
}

std::vector<std::string> texts(const std::vector<volley::call_result>& results) {
  std::vector<std::string> out;
  for (auto& r : results) out.push_back(r.result ? *r.result : "error: " + r.result.error().message);
  return out;
}

}  // namespace

TEST_CASE("session parity: streamed submission equals parallel_batch equals one by one", "[session][property]") {
  std::mt19937 rng{11};
  for (int round = 0; round < volley_test::scaled(2000); ++round) {
    auto calls = random_calls(rng, "", 1 + round % 30, 500);
    test_tools::kv_store a, b, c;
    auto ta = test_tools::kv_registry(a), tb = test_tools::kv_registry(b), tc = test_tools::kv_registry(c);
    volley::simulation sa, sb, sc;
    auto want = sa.run(test_tools::one_by_one(sa, ta, calls));
    auto batch = sb.run(volley::parallel_batch(sb, tb, calls));
    auto streamed = sc.run(through_session(sc, tc, calls, nullptr));
    REQUIRE(texts(batch) == texts(want));
    REQUIRE(texts(streamed) == texts(want));
    REQUIRE(b.data == a.data);
    REQUIRE(c.data == a.data);
  }
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("session: submission from two threads at once while calls complete", "[session][threads]") {
  volley_test::watchdog dog{"two submitting threads", std::chrono::seconds{120}};
  test_tools::kv_store store;
  auto tools = test_tools::kv_registry(store);
  volley::thread_pool pool{2};
  for (int round = 0; round < volley_test::scaled(200); ++round) {
    volley::session<volley::thread_pool> s{pool, tools};
    auto submitter = [&s](const std::string& who) {
      for (int i = 0; i < 50; ++i) {
        const std::string key = who + std::to_string(i % 5);
        s.submit({who + std::to_string(i), i % 3 ? "get" : "put", i % 3 ? key + "|20" : key + volley::detail::concat({"=", std::to_string(i)}) + "|20"});
      }
    };
    std::thread first(submitter, "a"), second(submitter, "b");
    first.join();
    second.join();
    auto results = volley::sync_wait(s.drain());
    REQUIRE(results.size() == 100);
    for (auto& r : results) REQUIRE(r.result.has_value());
  }
}

TEST_CASE("session: destroyed with calls in flight, every call is cancelled or completes; no leak, no hang", "[session][lifetime]") {
  volley_test::watchdog dog{"session destroyed in flight", std::chrono::seconds{60}};
  test_tools::kv_store store;
  auto tools = test_tools::kv_registry(store);
  {
    volley::thread_pool pool{2};
    std::vector<volley::session<volley::thread_pool>::call_handle> handles;
    {
      volley::session<volley::thread_pool> s{pool, tools, {.max_concurrency = 2}};
      for (int i = 0; i < 20; ++i) handles.push_back(s.submit({volley::detail::concat({"c", std::to_string(i)}), "put", volley::detail::concat({"k=", std::to_string(i)}) + "|20000"}));
      std::this_thread::sleep_for(5ms);
    }  // destroyed: calls not started end cancelled; the running one finishes
    int cancelled = 0, completed = 0;
    for (auto& h : handles) {
      auto r = volley::sync_wait(h);
      if (r.result) ++completed;
      else if (r.result.error().code == volley::errc::cancelled) ++cancelled;
    }
    CHECK(completed + cancelled == 20);
    CHECK(cancelled >= 15);
    handles.clear();
  }  // the pool drains what is left
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("sessions at scale: many rollouts share one executor and one limiter; each equals one by one", "[session][scale]") {
  volley_test::watchdog dog{"sessions at scale", std::chrono::seconds{300}};
  const int sessions = volley_test::scaled(10'000);
  std::mt19937 rng{5};
  test_tools::kv_store shared, reference;
  auto tools = test_tools::kv_registry(shared);
  auto reference_tools = test_tools::kv_registry(reference);
  volley::simulation sim;
  volley::async_semaphore limiter{256};
  std::vector<std::vector<volley::tool_call>> all_calls;
  std::vector<volley::task<std::vector<volley::call_result>>> rollouts;
  for (int s = 0; s < sessions; ++s) {
    // Keys carry the session's prefix: each rollout has its own sandbox.
    all_calls.push_back(random_calls(rng, volley::detail::concat({"s", std::to_string(s)}) + "/", 10, 2000));
    rollouts.push_back(through_session(sim, tools, all_calls.back(), &limiter));
  }
  auto results = sim.run(volley::when_all(std::move(rollouts)));
  for (int s = 0; s < sessions; ++s) {
    volley::simulation ref_sim;
    auto want = ref_sim.run(test_tools::one_by_one(ref_sim, reference_tools, all_calls[static_cast<std::size_t>(s)]));
    REQUIRE(texts(results[static_cast<std::size_t>(s)]) == texts(want));
  }
  CHECK(shared.data == reference.data);
  CHECK(shared.peak.load() <= 256);
  CHECK(limiter.available() == 256);
}

namespace {
volley::task<std::vector<volley::call_result>> chained(volley::simulation& sim, const volley::tool_registry& tools) {
  volley::session<volley::simulation> s{sim, tools};
  auto first = s.submit({"first", "put", "missing-equals"});  // invalid: fails at once
  std::vector<volley::session<volley::simulation>::call_handle> needs_first(1, first);
  s.submit_after({"second", "get", "k|100"}, needs_first);
  auto third = s.submit({"third", "put", "k=3|100"});
  std::vector<volley::session<volley::simulation>::call_handle> needs_third(1, third);
  s.submit_after({"fourth", "get", "k|100"}, needs_third);
  co_return co_await s.drain();
}
}  // namespace

TEST_CASE("session::submit_after: a failed dependency skips the dependent; a handle of another session is refused", "[session][dataflow]") {
  test_tools::kv_store store;
  auto tools = test_tools::kv_registry(store);
  volley::simulation sim;
  auto results = sim.run(chained(sim, tools));
  REQUIRE(results.size() == 4);
  CHECK(results[0].result.error().code == volley::errc::invalid_arguments);
  CHECK(results[1].result.error().code == volley::errc::skipped);
  CHECK(results[1].result.error().message.find("'first'") != std::string::npos);
  CHECK(*results[3].result == "k:3");  // waited for third (dependency and conflict)

  volley::session<volley::simulation> a{sim, tools}, b{sim, tools};
  auto foreign = a.submit({"x", "get", "k"});
  std::vector<volley::session<volley::simulation>::call_handle> deps(1, foreign);
  CHECK_THROWS_AS(b.submit_after({"y", "get", "k"}, deps), std::invalid_argument);
  sim.run(a.drain());
}
