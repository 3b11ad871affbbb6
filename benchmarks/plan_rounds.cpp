// bench_plan_rounds: how long volley::plan_rounds takes to plan a batch, and
// the same plan made the naive way (every pair of calls checked for a
// conflict), in one process. Build in Release:
//   cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release
//   cmake --build build-release --target bench_plan_rounds && build-release/benchmarks/bench_plan_rounds
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "volley/plan/plan_rounds.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

std::string numbered(const char* prefix, std::size_t n) {
  std::string text(prefix);
  text += std::to_string(n);
  return text;
}

// n calls: 20% mutating; 2% touch everything, the rest name 1-3 of n/20 keys;
// each has about `after_per_call` `after` edges to uniformly random earlier calls.
std::vector<volley::call_spec> make_batch(std::size_t n, double after_per_call, std::uint64_t seed) {
  std::mt19937_64 random{seed};
  const std::size_t keys = std::max<std::size_t>(16, n / 20);
  std::vector<volley::call_spec> calls(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto& call = calls[i];
    call.id = numbered("call_", i);
    call.effect = std::bernoulli_distribution(0.2)(random) ? volley::effect::mutating : volley::effect::read_only;
    if (!std::bernoulli_distribution(0.02)(random)) {
      const int count = std::uniform_int_distribution<int>(1, 3)(random);
      for (int r = 0; r < count; ++r)
        call.resources.push_back(numbered("key_", std::uniform_int_distribution<std::size_t>(0, keys - 1)(random)));
    }
    call.estimate = std::chrono::milliseconds(std::uniform_int_distribution<int>(1, 2000)(random));
    if (i == 0) continue;
    std::poisson_distribution<int> edges(after_per_call);
    for (int e = edges(random); e > 0; --e)
      call.after.push_back(calls[std::uniform_int_distribution<std::size_t>(0, i - 1)(random)].id);
  }
  return calls;
}

bool naive_conflict(const volley::call_spec& a, const volley::call_spec& b) {
  if (a.effect == volley::effect::read_only && b.effect == volley::effect::read_only) return false;
  if (a.resources.empty() || b.resources.empty()) return true;
  for (const auto& x : a.resources)
    for (const auto& y : b.resources)
      if (x == y) return true;
  return false;
}

// The baseline: all pairs for conflicts, `after` by id, then every call one
// round after its latest dependency (the batches here only point back).
std::size_t naive_plan(const std::vector<volley::call_spec>& calls) {
  std::unordered_map<std::string, std::size_t> index_of;
  for (std::size_t i = 0; i < calls.size(); ++i) index_of.emplace(calls[i].id, i);
  std::vector<std::size_t> round(calls.size(), 0);
  std::size_t rounds = 0;
  for (std::size_t j = 0; j < calls.size(); ++j) {
    std::size_t latest = 0;
    for (std::size_t i = 0; i < j; ++i)
      if (naive_conflict(calls[i], calls[j])) latest = std::max(latest, round[i]);
    for (const auto& id : calls[j].after) latest = std::max(latest, round[index_of.at(id)]);
    round[j] = latest + 1;
    rounds = std::max(rounds, round[j]);
  }
  return rounds;
}

template <class Function>
double best_seconds(int repetitions, Function&& run) {
  double best = 1e100;
  for (int r = 0; r < repetitions; ++r) {
    const auto start = clock_type::now();
    run();
    best = std::min(best, std::chrono::duration<double>(clock_type::now() - start).count());
  }
  return best;
}

}  // namespace

int main() {
  struct scenario {
    std::size_t calls;
    double after_per_call;
  };
  const scenario scenarios[] = {{1000, 2.0}, {10000, 2.0}, {100000, 2.0}, {100000, 10.0}};
  std::printf("%-9s %-10s %-8s %-8s %-7s %-11s %-11s %-11s %-9s\n", "calls", "after", "edges", "joins",
              "rounds", "naive (ms)", "volley (ms)", "capped(ms)", "ratio");
  for (const auto& s : scenarios) {
    const auto calls = make_batch(s.calls, s.after_per_call, 42 + s.calls);
    std::size_t after_edges = 0;
    for (const auto& call : calls) after_edges += call.after.size();
    const int repetitions = s.calls <= 10000 ? 5 : 3;

    volley::plan planned;
    const double volley_seconds = best_seconds(repetitions, [&] { planned = volley::plan_rounds(calls); });
    volley::plan capped;
    const double capped_seconds =
        best_seconds(repetitions, [&] { capped = volley::plan_rounds(calls, {.max_concurrency = 10}); });
    const auto& graph = planned.graph();
    const std::size_t joins = graph.node_count() - graph.call_count();

    double naive_seconds = -1;
    if (s.calls <= 10000) {
      std::size_t naive_rounds = 0;
      naive_seconds = best_seconds(repetitions, [&] { naive_rounds = naive_plan(calls); });
      if (naive_rounds != planned.rounds.size()) {
        std::printf("MISMATCH: naive %zu rounds, volley %zu\n", naive_rounds, planned.rounds.size());
        return 1;
      }
    }
    char naive_text[32] = "-";
    char ratio_text[32] = "-";
    if (naive_seconds >= 0) {
      std::snprintf(naive_text, sizeof naive_text, "%.2f", naive_seconds * 1e3);
      std::snprintf(ratio_text, sizeof ratio_text, "%.1fx", naive_seconds / volley_seconds);
    }
    std::printf("%-9zu %-10zu %-8zu %-8zu %-7zu %-11s %-11.2f %-11.2f %-9s\n", s.calls, after_edges,
                graph.edge_count(), joins, planned.rounds.size(), naive_text, volley_seconds * 1e3,
                capped_seconds * 1e3, ratio_text);
  }
  std::printf("edges: all graph edges (after + conflicts, joins included); capped: max_concurrency = 10; "
              "ratio: naive / volley (uncapped); best of 3-5 runs\n");
  return 0;
}
