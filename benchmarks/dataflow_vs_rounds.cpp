// Random DAGs of tool calls with random latencies, in simulation: one by one,
// round by round (run_rounds over plan_rounds), and eager dataflow
// (run_dataflow), each divided by the critical path (the longest
// latency-weighted chain: no schedule can be faster). Dataflow must be 1.00.
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "volley/volley.hpp"

namespace {

volley::task<std::string> work(volley::call_context& ctx, volley::duration d) {
  co_await ctx.sleep_for(d);
  co_return "done";
}

volley::task<> one_by_one(volley::simulation& sim, const volley::tool_registry& tools,
                          const std::vector<volley::dataflow_call>& calls) {
  for (const auto& c : calls) {
    std::vector<volley::tool_call> single(1, c.call);
    co_await volley::parallel_batch(sim, tools, std::move(single));
  }
}

}  // namespace

int main() {
  bench::print_header("volley: one by one vs rounds vs dataflow on random DAGs (simulation), / critical path");
  volley::tool_registry tools;
  tools.add(volley::make_tool("work", volley::effect::read_only, [](const std::string& ms, volley::call_context& ctx) {
    return work(ctx, std::chrono::milliseconds{std::stoi(ms)});
  }, [](const std::string&) { return std::vector<std::string>{"sandbox"}; }));

  std::printf("%-8s %-10s %8s %14s %12s %12s %12s\n", "calls", "edge prob", "DAGs", "one by one", "rounds", "dataflow",
              "rounds/dflow");
  std::mt19937 rng{2026};
  for (int n : {10, 50, 200}) {
    for (double p : {0.05, 0.2}) {
      const int dags = 50;
      double seq_sum = 0, rounds_sum = 0, dataflow_sum = 0, dataflow_max = 0;
      for (int d = 0; d < dags; ++d) {
        std::uniform_int_distribution<int> latency(10, 2000);
        std::bernoulli_distribution edge(p);
        std::vector<volley::dataflow_call> calls;
        std::vector<volley::call_spec> specs;
        for (int i = 0; i < n; ++i) {
          const int ms = latency(rng);
          std::string id = "n";
          id += std::to_string(i);
          volley::dataflow_call c{{id, "work", std::to_string(ms)}, {}, {}};
          for (int j = std::max(0, i - 20); j < i; ++j) {
            if (edge(rng)) {
              std::string dep = "n";
              dep += std::to_string(j);
              c.after.push_back(std::move(dep));
            }
          }
          specs.push_back({id, volley::effect::read_only, {"sandbox"}, c.after, std::chrono::milliseconds{ms}});
          calls.push_back(std::move(c));
        }
        const auto plan = volley::plan_rounds(specs);
        const double critical = std::chrono::duration<double>(plan.dataflow_latency()).count();
        volley::simulation a, b, c;
        a.run(one_by_one(a, tools, calls));
        b.run(volley::run_rounds(b, tools, calls, plan));
        c.run(volley::run_dataflow(c, tools, calls));
        seq_sum += std::chrono::duration<double>(a.elapsed()).count() / critical;
        rounds_sum += std::chrono::duration<double>(b.elapsed()).count() / critical;
        const double df = std::chrono::duration<double>(c.elapsed()).count() / critical;
        dataflow_sum += df;
        dataflow_max = std::max(dataflow_max, df);
      }
      std::printf("%-8d %-10.2f %8d %14.2f %12.2f %12.2f %12.2f\n", n, p, dags, seq_sum / dags, rounds_sum / dags,
                  dataflow_sum / dags, rounds_sum / dataflow_sum);
      if (dataflow_max > 1.0 + 1e-9) {
        std::printf("dataflow exceeded the critical path (%.4f)\n", dataflow_max);
        return 1;
      }
    }
  }
  std::printf("\ncolumns: mean elapsed virtual time / critical path; edges only to the 20 previous calls\n");
  return 0;
}
