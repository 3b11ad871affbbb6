// The seed's scenario: an agent needs four independent tool calls.
// One by one they take 6 s; as one volley::parallel_batch they take 2 s,
// dominated by the slowest call. Shown in virtual time (a simulation, instant)
// and in real time (latencies scaled down 20x on a thread_pool).
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "volley/trace/text_timeline.hpp"
#include "volley/volley.hpp"

using namespace std::chrono_literals;

namespace {

// [tool-definition]
// A tool waits through its call_context, so the same code runs in real time
// on a thread_pool and in virtual time on a simulation.
volley::task<std::string> respond_after(volley::call_context& ctx, volley::duration latency, std::string text) {
  co_await ctx.sleep_for(latency);
  co_return text;
}

volley::tool_registry seed_tools(double scale) {
  auto scaled = [scale](std::chrono::milliseconds ms) {
    return std::chrono::duration_cast<volley::duration>(ms * scale);
  };
  volley::tool_registry tools;
  tools.add(volley::make_tool("search", volley::effect::read_only,
                              [d = scaled(2000ms)](const std::string& query, volley::call_context& ctx) {
                                return respond_after(ctx, d, "results for " + query);
                              }));
  tools.add(volley::make_tool("read_file", volley::effect::read_only,
                              [d = scaled(1500ms)](const std::string& path, volley::call_context& ctx) {
                                return respond_after(ctx, d, "contents of " + path);
                              }));
  tools.add(volley::make_tool("list", volley::effect::read_only,
                              [d = scaled(500ms)](const std::string& dir, volley::call_context& ctx) {
                                return respond_after(ctx, d, "entries of " + dir);
                              }));
  return tools;
}
// [tool-definition]

std::vector<volley::tool_call> model_turn() {
  return {{"call_1", "search", "Intel financial data"},
          {"call_2", "read_file", "2023_report.pdf"},
          {"call_3", "search", "return metrics"},
          {"call_4", "list", "/financial_reports"}};
}

template <volley::Executor E>
volley::task<volley::duration> one_by_one(E& executor, const volley::tool_registry& tools, volley::trace_recorder& rec) {
  const auto start = executor.now();
  for (auto& call : model_turn()) {
    std::vector<volley::tool_call> single(1, call);
    co_await volley::parallel_batch(executor, tools, std::move(single), {.recorder = &rec});
  }
  co_return executor.now() - start;
}

template <volley::Executor E>
volley::task<volley::duration> batched(E& executor, const volley::tool_registry& tools, volley::trace_recorder& rec) {
  const auto start = executor.now();
  // [parallel-batch]
  auto results = co_await volley::parallel_batch(executor, tools, model_turn(), {.recorder = &rec});
  // results[i] answers model_turn()[i], whatever order they finished in
  // [parallel-batch]
  for (const auto& r : results) {
    if (!r.result) std::cerr << r.id << " failed: " << r.result.error().message << "\n";
  }
  co_return executor.now() - start;
}

double seconds(volley::duration d) { return std::chrono::duration<double>(d).count(); }

// Batch 2 of the seed: two reads (1.5 s each) of files the listing names,
// so they come after list("/financial_reports") (0.5 s).
std::vector<volley::dataflow_call> with_dependency() {
  std::vector<volley::dataflow_call> calls;
  for (auto& call : model_turn()) calls.push_back({call, {}, {}});
  // [dataflow-calls]
  calls.push_back({{"call_5", "read_file", "returns_table.csv"}, {"call_4"}, {}});
  calls.push_back({{"call_6", "read_file", "competitor_data.csv"}, {"call_4"}, {}});
  // [dataflow-calls]
  return calls;
}

template <volley::Executor E>
volley::task<volley::duration> all_one_by_one(E& executor, const volley::tool_registry& tools) {
  const auto start = executor.now();
  for (auto& c : with_dependency()) {
    std::vector<volley::tool_call> single(1, c.call);
    co_await volley::parallel_batch(executor, tools, std::move(single));
  }
  co_return executor.now() - start;
}

template <volley::Executor E>
volley::task<volley::duration> by_rounds(E& executor, const volley::tool_registry& tools) {
  const auto start = executor.now();
  auto calls = with_dependency();
  auto plan = volley::plan_rounds(volley::make_call_specs(tools, calls));
  co_await volley::run_rounds(executor, tools, std::move(calls), plan);
  co_return executor.now() - start;
}

template <volley::Executor E>
volley::task<volley::duration> by_dataflow(E& executor, const volley::tool_registry& tools) {
  const auto start = executor.now();
  co_await volley::run_dataflow(executor, tools, with_dependency());
  co_return executor.now() - start;
}

void show_timeline(const char* title, const volley::trace_recorder& rec) {
  std::cout << "\n" << title << "\n";
  std::cout << volley::to_text_timeline(volley::make_timeline(rec.spans(), rec.events()), {.width = 48});
}

}  // namespace

int main() {
  std::cout << "volley seed scenario: 4 independent calls (search 2 s, read_file 1.5 s, search 2 s, list 0.5 s)\n\n";

  // Virtual time: instant, deterministic.
  auto tools = seed_tools(1.0);
  volley::trace_recorder sequential_trace, batch_trace;
  volley::simulation sim_a, sim_b;
  const auto sim_sequential = sim_a.run(one_by_one(sim_a, tools, sequential_trace));
  const auto sim_batch = sim_b.run(batched(sim_b, tools, batch_trace));

  // Real time, latencies scaled down 20x.
  constexpr double scale = 0.05;
  auto fast_tools = seed_tools(scale);
  volley::thread_pool pool{2};
  volley::trace_recorder real_sequential_trace, real_batch_trace;
  const auto real_sequential = volley::sync_wait(one_by_one(pool, fast_tools, real_sequential_trace));
  const auto real_batch = volley::sync_wait(batched(pool, fast_tools, real_batch_trace));

  std::printf("%-34s %12s %12s %8s\n", "", "one by one", "parallel", "speedup");
  std::printf("%-34s %11.3fs %11.3fs %7.2fx\n", "simulation (virtual time)", seconds(sim_sequential),
              seconds(sim_batch), seconds(sim_sequential) / seconds(sim_batch));
  std::printf("%-34s %11.3fs %11.3fs %7.2fx\n", "thread_pool (real time, 1/20 scale)", seconds(real_sequential),
              seconds(real_batch), seconds(real_sequential) / seconds(real_batch));

  show_timeline("one by one (simulation):", sequential_trace);
  show_timeline("one parallel_batch (simulation):", batch_trace);

  std::cout << "\nWith a dependency: batch 2 reads returns_table.csv and competitor_data.csv (1.5 s each),\n"
               "which the listing (0.5 s) names.\n\n";
  volley::simulation s1, s2, s3;
  const volley::duration virtual_times[] = {s1.run(all_one_by_one(s1, tools)), s2.run(by_rounds(s2, tools)),
                                            s3.run(by_dataflow(s3, tools))};
  const volley::duration real_times[] = {volley::sync_wait(all_one_by_one(pool, fast_tools)),
                                         volley::sync_wait(by_rounds(pool, fast_tools)),
                                         volley::sync_wait(by_dataflow(pool, fast_tools))};
  const char* names[] = {"one by one", "rounds (run_rounds)", "dataflow (run_dataflow)"};
  std::printf("%-34s %12s %22s\n", "", "simulation", "thread_pool (1/20 scale)");
  for (int i = 0; i < 3; ++i) {
    std::printf("%-34s %11.3fs %21.3fs\n", names[i], seconds(virtual_times[i]), seconds(real_times[i]));
  }
  return 0;
}
