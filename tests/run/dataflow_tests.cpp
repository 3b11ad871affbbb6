#include "volley/detail/concat.hpp"
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "test_tools.hpp"
#include "volley/volley.hpp"
#include "volley_catch.hpp"

using namespace std::chrono_literals;

namespace {

volley::task<std::string> echo_after(volley::call_context& ctx, volley::duration d, std::string text) {
  co_await ctx.sleep_for(d);
  co_return text;
}
volley::task<std::string> fail_after(volley::call_context& ctx, volley::duration d) {
  co_await ctx.sleep_for(d);
  throw std::runtime_error("the listing service is down");
}

// Tools whose latency is the first word of the arguments, in ms: "500 text".
volley::tool_registry timed_tools() {
  volley::tool_registry tools;
  auto parse = [](const std::string& args) {
    auto space = args.find(' ');
    return std::pair{std::chrono::milliseconds{std::stoi(args.substr(0, space))},
                     space == std::string::npos ? std::string{} : args.substr(space + 1)};
  };
  tools.add(volley::make_tool("read", volley::effect::read_only, [parse](const std::string& args, volley::call_context& ctx) {
    auto [d, text] = parse(args);
    return echo_after(ctx, d, text);
  }, [](const std::string&) { return std::vector<std::string>{"files"}; }));
  tools.add(volley::make_tool("broken", volley::effect::read_only, [parse](const std::string& args, volley::call_context& ctx) {
    return fail_after(ctx, parse(args).first);
  }, [](const std::string&) { return std::vector<std::string>{"files"}; }));
  return tools;
}

// The seed with a dependency: batch 2's reads come after list("/financial_reports").
std::vector<volley::dataflow_call> seed_with_dependency() {
  std::vector<volley::dataflow_call> calls;
  calls.push_back({{"search_1", "read", "2000 Intel financial data"}, {}, {}});
  calls.push_back({{"report", "read", "1500 2023_report.pdf"}, {}, {}});
  calls.push_back({{"search_2", "read", "2000 return metrics"}, {}, {}});
  calls.push_back({{"ls", "read", "500 returns_table.csv"}, {}, {}});
  calls.push_back({{"returns", "read", "1500 read ${ls}"}, {"ls"}, {}});
  calls.push_back({{"competitors", "read", "1500 competitor_data.csv"}, {"ls"}, {}});
  return calls;
}

}  // namespace

TEST_CASE("run_rounds takes the seed's 3.5 s; run_dataflow 2.0 s, because the reads start when list ends", "[dataflow][seed]") {
  auto tools = timed_tools();
  auto calls = seed_with_dependency();
  auto plan = volley::plan_rounds(volley::make_call_specs(tools, calls));
  REQUIRE(plan.rounds.size() == 2);

  volley::simulation rounds_sim;
  auto by_rounds = rounds_sim.run(volley::run_rounds(rounds_sim, tools, calls, plan));
  CHECK(rounds_sim.elapsed() == 3500ms);

  volley::simulation dataflow_sim;
  auto by_dataflow = dataflow_sim.run(volley::run_dataflow(dataflow_sim, tools, calls));
  CHECK(dataflow_sim.elapsed() == 2000ms);
  REQUIRE(by_dataflow.size() == 6);
  CHECK(*by_dataflow[4].result == "read returns_table.csv");  // ${ls} replaced by ls's result
  CHECK(by_dataflow[4].started == volley::time_point{} + 500ms);
  for (std::size_t i = 0; i < 6; ++i) CHECK(*by_rounds[i].result == *by_dataflow[i].result);
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("run_dataflow: a failed dependency skips its dependents with the reason; nothing waits forever", "[dataflow][errors]") {
  auto tools = timed_tools();
  std::vector<volley::dataflow_call> calls;
  calls.push_back({{"ls", "broken", "100"}, {}, {}});
  calls.push_back({{"a", "read", "100 ${ls}"}, {"ls"}, {}});
  calls.push_back({{"b", "read", "100 after a"}, {"a"}, {}});
  calls.push_back({{"free", "read", "300 independent"}, {}, {}});
  volley::simulation sim;
  auto results = sim.run(volley::run_dataflow(sim, tools, calls));
  CHECK(results[0].result.error().code == volley::errc::tool_failed);
  CHECK(results[1].result.error().code == volley::errc::skipped);
  CHECK(results[1].result.error().message.find("'ls'") != std::string::npos);
  CHECK(results[2].result.error().code == volley::errc::skipped);
  CHECK(results[2].result.error().message.find("'ls'") != std::string::npos);  // the root cause
  CHECK(*results[3].result == "independent");
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("run_dataflow: unknown dependencies and cycles are named; the rest runs", "[dataflow][errors]") {
  auto tools = timed_tools();
  std::vector<volley::dataflow_call> calls;
  calls.push_back({{"x", "read", "10 x"}, {"nope"}, {}});
  calls.push_back({{"a", "read", "10 a"}, {"c"}, {}});
  calls.push_back({{"b", "read", "10 b"}, {"a"}, {}});
  calls.push_back({{"c", "read", "10 c"}, {"b"}, {}});
  calls.push_back({{"d", "read", "10 d"}, {"c"}, {}});
  calls.push_back({{"e", "read", "10 e"}, {"x"}, {}});
  calls.push_back({{"ok", "read", "10 fine"}, {}, {}});
  volley::simulation sim;
  auto results = sim.run(volley::run_dataflow(sim, tools, calls));
  CHECK(results[0].result.error().code == volley::errc::invalid_arguments);
  CHECK(results[0].result.error().message.find("'nope'") != std::string::npos);
  for (int i : {1, 2, 3}) {
    INFO(i);
    CHECK(results[static_cast<std::size_t>(i)].result.error().code == volley::errc::invalid_arguments);
    CHECK(results[static_cast<std::size_t>(i)].result.error().message.find("dependency cycle") != std::string::npos);
  }
  CHECK(results[4].result.error().code == volley::errc::skipped);
  CHECK(results[5].result.error().code == volley::errc::skipped);
  CHECK(*results[6].result == "fine");
}

TEST_CASE("placeholders: ${id}, ${id:json} escaping, $$, and a placeholder naming no dependency", "[dataflow][placeholders]") {
  volley::call_result quote{"q", "read", std::string{"say \"hi\"\n\\"}, {}, {}};
  const volley::call_result* inputs[] = {&quote};
  std::vector<std::string> after{"q"};
  CHECK(*volley::bind_placeholders("raw ${q}", after, inputs) == "raw say \"hi\"\n\\");
  CHECK(*volley::bind_placeholders(R"({"text":"${q:json}"})", after, inputs) == R"({"text":"say \"hi\"\n\\"})");
  CHECK(*volley::bind_placeholders("cost $$5 and $x", after, inputs) == "cost $5 and $x");
  auto unknown = volley::bind_placeholders("${other}", after, inputs);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message.find("${other}") != std::string::npos);
  CHECK_FALSE(volley::bind_placeholders("${q", after, inputs));
}

TEST_CASE("run_dataflow on random DAGs reaches the plan's dataflow latency exactly", "[dataflow][property]") {
  std::mt19937 rng{42};
  auto tools = timed_tools();
  for (int round = 0; round < volley_test::scaled(300); ++round) {
    std::uniform_int_distribution<int> size(1, 40), latency(1, 50);
    const int n = size(rng);
    std::vector<volley::dataflow_call> calls;
    std::vector<volley::call_spec> specs;
    for (int i = 0; i < n; ++i) {
      const int ms = latency(rng);
      volley::dataflow_call c{{volley::detail::concat({"n", std::to_string(i)}), "read", std::to_string(ms) + " v"}, {}, {}};
      for (int j = 0; j < i; ++j) {
        if (std::uniform_int_distribution<int>(0, 9)(rng) == 0) c.after.push_back(volley::detail::concat({"n", std::to_string(j)}));
      }
      volley::call_spec spec{c.call.id, volley::effect::read_only, {"files"}, c.after, std::chrono::milliseconds{ms}};
      calls.push_back(std::move(c));
      specs.push_back(std::move(spec));
    }
    auto plan = volley::plan_rounds(specs);
    volley::simulation sim;
    sim.run(volley::run_dataflow(sim, tools, calls));
    REQUIRE(sim.elapsed() == plan.dataflow_latency());
    volley::simulation rounds_sim;
    rounds_sim.run(volley::run_rounds(rounds_sim, tools, calls, plan));
    REQUIRE(rounds_sim.elapsed() == plan.estimated_latency());
  }
}
