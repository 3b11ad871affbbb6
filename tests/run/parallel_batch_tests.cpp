#include <chrono>
#include <random>
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
