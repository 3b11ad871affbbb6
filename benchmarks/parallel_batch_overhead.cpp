// parallel_batch overhead per call over no-op read-only tools, against a
// plain when_all of the same tools (no effect tracking), std::async per call
// and one std::thread per call; the same with some writes in the batch; and,
// in real time, a batch of sleeping tools whose wall time is divided by the
// longest call.
#include "volley/detail/concat.hpp"
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "bench_util.hpp"
#include "volley/volley.hpp"

using namespace std::chrono_literals;

namespace {

volley::tool_registry noop_tools() {
  volley::tool_registry tools;
  tools.add(volley::make_tool("noop", volley::effect::read_only,
                              [](const std::string& args, volley::call_context&) { return args; },
                              [](const std::string& args) { return std::vector<std::string>{args}; }));
  tools.add(volley::make_tool("noop_write", volley::effect::mutating,
                              [](const std::string& args, volley::call_context&) { return args; },
                              [](const std::string& args) { return std::vector<std::string>{args}; }));
  return tools;
}

std::vector<volley::tool_call> noop_calls(std::size_t n) {
  std::vector<volley::tool_call> calls;
  calls.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    // (Appending, not volley::detail::concat({"call_", std::to_string(i)}): g++ 12 -O3 reports a false
    // -Wrestrict on that expression, GCC bug 105651.)
    std::string id = "call_", resource = "r";
    id += std::to_string(i);
    resource += std::to_string(i);
    calls.push_back({std::move(id), "noop", std::move(resource)});
  }
  return calls;
}

// The baseline: the same registry lookup, argument parsing and tool call,
// one task per call, when_all over them; no hazards, no cap, no timestamps.
template <volley::Executor E>
volley::task<volley::outcome<std::string>> plain_call(E& executor, const volley::tool_registry& tools,
                                                      const volley::tool_call& call) {
  co_await executor.schedule();
  const auto* tool = tools.find(call.name);
  if (!tool) co_return volley::make_error(volley::errc::unknown_tool, call.name);
  auto prepared = tool->prepare(call.arguments);
  if (!prepared) co_return prepared.error();
  volley::call_context ctx{call.id, call.name, {}, std::nullopt, volley::detail::executor_ref{executor}};
  co_return co_await tool->invoke(*prepared, ctx);
}

template <volley::Executor E>
volley::task<std::size_t> plain_when_all(E& executor, const volley::tool_registry& tools,
                                         const std::vector<volley::tool_call>& calls) {
  std::vector<volley::task<volley::outcome<std::string>>> tasks;
  tasks.reserve(calls.size());
  for (const auto& call : calls) tasks.push_back(plain_call(executor, tools, call));
  auto results = co_await volley::when_all(std::move(tasks));
  co_return results.size();
}

template <volley::Executor E>
volley::task<std::size_t> volley_batch(E& executor, const volley::tool_registry& tools,
                                       const std::vector<volley::tool_call>& calls) {
  auto results = co_await volley::parallel_batch(executor, tools, calls);
  co_return results.size();
}

// ns per call of the baseline and of volley, inline and on the pool (best of runs).
struct overhead_figures {
  double sim_plain, sim_volley, pool_plain, pool_volley;
};
overhead_figures measure_overhead(volley::simulation& sim, volley::thread_pool& pool, const volley::tool_registry& tools,
                                  const std::vector<volley::tool_call>& calls) {
  const std::size_t n = calls.size();
  const int repeats = n >= 10'000 ? 10 : 50;
  const int inner = static_cast<int>(std::max<std::size_t>(1, 20'000 / n));
  const double items = static_cast<double>(n) * inner;
  overhead_figures figures{};
  std::tie(figures.sim_plain, figures.sim_volley) = bench::best_ns_per_item_interleaved(
      repeats, items, [&] { for (int i = 0; i < inner; ++i) sim.run(plain_when_all(sim, tools, calls)); },
      [&] { for (int i = 0; i < inner; ++i) sim.run(volley_batch(sim, tools, calls)); });
  std::tie(figures.pool_plain, figures.pool_volley) = bench::best_ns_per_item_interleaved(
      repeats, items, [&] { for (int i = 0; i < inner; ++i) volley::sync_wait(plain_when_all(pool, tools, calls)); },
      [&] { for (int i = 0; i < inner; ++i) volley::sync_wait(volley_batch(pool, tools, calls)); });
  return figures;
}

std::string run_tool_directly(const volley::tool_registry& tools, const volley::tool_call& call) {
  auto prepared = tools.find(call.name)->prepare(call.arguments);
  volley::call_context ctx;
  volley::simulation sim;
  return *sim.run(tools.find(call.name)->invoke(*prepared, ctx));
}

volley::task<std::string> sleepy(volley::call_context& ctx, volley::duration d) {
  co_await ctx.sleep_for(d);
  co_return "done";
}

}  // namespace

int main() {
  bench::print_header("volley parallel_batch overhead (best of runs; ns per call)");
  auto tools = noop_tools();
  volley::simulation sim;  // "inline": one thread, no hop to another thread
  volley::thread_pool pool{2};

  std::printf("%-8s %-12s %14s %14s %8s %14s %14s\n", "calls", "executor", "when_all ns", "volley ns", "ratio",
              "std::async ns", "std::thread ns");
  for (std::size_t n : {std::size_t{1}, std::size_t{10}, std::size_t{100}, std::size_t{10'000}}) {
    auto calls = noop_calls(n);
    const auto [sim_plain, sim_volley, pool_plain, pool_volley] = measure_overhead(sim, pool, tools, calls);
    // std::async and std::thread: one per call (capped at 1,000 calls a run to stay sane).
    const std::size_t thread_calls = std::min<std::size_t>(n, 1000);
    double async_ns = bench::best_ns_per_item(5, static_cast<double>(thread_calls), [&] {
      std::vector<std::future<std::string>> futures;
      for (std::size_t i = 0; i < thread_calls; ++i) {
        futures.push_back(std::async(std::launch::async, [&tools, &calls, i] { return run_tool_directly(tools, calls[i]); }));
      }
      for (auto& f : futures) f.get();
    });
    double thread_ns = bench::best_ns_per_item(5, static_cast<double>(thread_calls), [&] {
      std::vector<std::string> out(thread_calls);
      std::vector<std::thread> threads;
      for (std::size_t i = 0; i < thread_calls; ++i) {
        threads.emplace_back([&tools, &calls, &out, i] { out[i] = run_tool_directly(tools, calls[i]); });
      }
      for (auto& t : threads) t.join();
    });
    std::printf("%-8zu %-12s %14.1f %14.1f %8.2f %14s %14s\n", n, "inline", sim_plain, sim_volley, sim_volley / sim_plain,
                "", "");
    std::printf("%-8zu %-12s %14.1f %14.1f %8.2f %14.1f %14.1f\n", n, "2 threads", pool_plain, pool_volley,
                pool_volley / pool_plain, async_ns, thread_ns);
  }
  std::printf("goal: volley <= 1.5x when_all; <= 250 ns per call on the pool\n\n");

  // A batch with writes: one call in ten is a no-op write to its own key
  // (no conflicts, but the hazard index now holds every key).
  std::printf("with writes (1 call in 10 a write to its own key)\n");
  std::printf("%-8s %-12s %14s %14s %8s\n", "calls", "executor", "when_all ns", "volley ns", "ratio");
  for (std::size_t n : {std::size_t{10}, std::size_t{100}, std::size_t{10'000}}) {
    auto calls = noop_calls(n);
    for (std::size_t i = 0; i < n; i += 10) calls[i].name = "noop_write";
    const auto [sim_plain, sim_volley, pool_plain, pool_volley] = measure_overhead(sim, pool, tools, calls);
    std::printf("%-8zu %-12s %14.1f %14.1f %8.2f\n", n, "inline", sim_plain, sim_volley, sim_volley / sim_plain);
    std::printf("%-8zu %-12s %14.1f %14.1f %8.2f\n", n, "2 threads", pool_plain, pool_volley, pool_volley / pool_plain);
  }
  std::printf("\n");

  // Real time: 32 tools sleeping 10-50 ms through their context.
  volley::tool_registry sleepers;
  sleepers.add(volley::make_tool("sleep", volley::effect::read_only, [](const std::string& ms, volley::call_context& ctx) {
    return sleepy(ctx, std::chrono::milliseconds{std::stoi(ms)});
  }));
  std::vector<volley::tool_call> calls;
  for (int i = 0; i < 32; ++i) {
    std::string id = "s";
    id += std::to_string(i);
    calls.push_back({std::move(id), "sleep", std::to_string(10 + (i * 37) % 41)});
  }
  double worst = 1e9;
  double best = 1e9;
  for (int r = 0; r < 10; ++r) {
    auto start = std::chrono::steady_clock::now();
    volley::sync_wait(volley::parallel_batch(pool, sleepers, calls));
    double wall = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    best = std::min(best, wall / 50.0);
    worst = std::max(worst == 1e9 ? 0 : worst, wall / 50.0);
  }
  std::printf("real time: 32 calls sleeping 10-50 ms on a 2-thread pool: wall / longest call = %.3f (best of 10), "
              "%.3f (worst); goal <= 1.02\n",
              best, worst);
  return 0;
}
