// Sessions at scale: 10,000 rollouts x 10 calls in one process, on one
// simulation, sharing a limiter of 256 (one tool server). Every call is
// submitted at once, so all 100,000 are in flight together; memory per
// in-flight call = (peak RSS during the run - RSS before it) / 100,000.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "volley/volley.hpp"

namespace {

long status_kib(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::string(field).size()));
  }
  return -1;
}

volley::task<std::string> lookup(volley::call_context& ctx, volley::duration d, std::string key) {
  co_await ctx.sleep_for(d);
  co_return key;
}

volley::task<std::size_t> rollout(volley::simulation& sim, const volley::tool_registry& tools,
                                  const std::vector<volley::tool_call>& calls, volley::async_semaphore& limiter) {
  volley::session<volley::simulation> s{sim, tools, {.limiter = &limiter}};
  for (const auto& call : calls) s.submit(call);
  auto results = co_await s.drain();
  co_return results.size();
}

}  // namespace

int main() {
  bench::print_header("volley sessions at scale (simulation; memory from /proc/self/status)");
  constexpr int sessions = 10'000;
  constexpr int calls_per_session = 10;
  volley::tool_registry tools;
  tools.add(volley::make_tool("get", volley::effect::read_only, [](const std::string& key, volley::call_context& ctx) {
    return lookup(ctx, std::chrono::milliseconds{1 + key.size() % 50}, key);
  }, [](const std::string& key) { return std::vector<std::string>{key}; }));
  tools.add(volley::make_tool("put", volley::effect::mutating, [](const std::string& key, volley::call_context& ctx) {
    return lookup(ctx, std::chrono::milliseconds{1 + key.size() % 70}, key);
  }, [](const std::string& key) { return std::vector<std::string>{key}; }));

  std::mt19937 rng{1};
  std::vector<std::vector<volley::tool_call>> calls(sessions);
  for (int s = 0; s < sessions; ++s) {
    for (int i = 0; i < calls_per_session; ++i) {
      std::string id = "call_";
      id += std::to_string(i);
      std::string key = "k";
      key += std::to_string(rng() % 4);
      calls[static_cast<std::size_t>(s)].push_back({std::move(id), rng() % 3 ? "get" : "put", std::move(key)});
    }
  }

  volley::simulation sim;
  volley::async_semaphore limiter{256};
  const long before_kib = status_kib("VmRSS:");
  std::vector<volley::task<std::size_t>> rollouts;
  rollouts.reserve(sessions);
  for (auto& c : calls) rollouts.push_back(rollout(sim, tools, c, limiter));
  const auto start = std::chrono::steady_clock::now();
  auto done = sim.run(volley::when_all(std::move(rollouts)));
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const long peak_kib = status_kib("VmHWM:");
  std::size_t total = 0;
  for (auto n : done) total += n;
  const double in_flight = double(sessions) * calls_per_session;
  std::printf("%-44s %12s\n", "measure", "value");
  std::printf("%-44s %12zu\n", "calls completed", total);
  std::printf("%-44s %12.3f\n", "wall time, s", wall);
  std::printf("%-44s %12.1f\n", "virtual time, s", std::chrono::duration<double>(sim.elapsed()).count());
  std::printf("%-44s %12.0f\n", "wall ns per call", wall * 1e9 / in_flight);
  std::printf("%-44s %12ld\n", "RSS before the run, KiB (baseline)", before_kib);
  std::printf("%-44s %12ld\n", "peak RSS, KiB", peak_kib);
  std::printf("%-44s %12.0f\n", "bytes per in-flight call (goal <= 1024)", (peak_kib - before_kib) * 1024.0 / in_flight);
  return total == static_cast<std::size_t>(in_flight) ? 0 : 1;
}
