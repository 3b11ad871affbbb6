// Grading speed in memory: events per second for count_sequential_rounds,
// analyze_parallelization and validate, against a literal transcription of
// the seed's Python (std::set of ids, a list of copied events per batch) in
// the same process. Goal: at least 10 million events per second for volley.
//
// Two workloads: many small traces (RL rollouts: a few turns each) and one
// long trace (a long agent session), both well-formed with reused ids.
#include <cstddef>
#include <cstdio>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "../tests/grade/random_traces.hpp"
#include "../tests/grade/seed_reference.hpp"
#include "bench_util.hpp"
#include "volley/grade/analyze_parallelization.hpp"
#include "volley/grade/count_sequential_rounds.hpp"
#include "volley/grade/validate.hpp"

namespace {

volatile std::size_t sink = 0;  // keeps results alive

struct workload {
  const char* name;
  std::vector<volley::trace> traces;
  std::size_t events = 0;
};

workload many_small_traces() {
  workload w{"20,000 rollouts of a few turns", {}, 0};
  std::mt19937_64 rng{1};
  volley_test::random_trace_shape shape;
  shape.max_turns = 8;
  shape.max_calls_per_turn = 6;
  for (int i = 0; i < 20'000; ++i) {
    w.traces.push_back(volley_test::random_well_formed_trace(rng, shape));
    w.events += w.traces.back().size();
  }
  return w;
}

workload one_long_trace() {
  workload w{"1 long session", {}, 0};
  std::mt19937_64 rng{2};
  volley_test::random_trace_shape shape;
  shape.max_turns = 40'000;
  shape.max_calls_per_turn = 10;
  volley::trace trace;
  for (int part_number = 0; trace.size() < 1'000'000; ++part_number) {
    // Concatenate sessions so the trace is long but keeps the generator's mix;
    // a prefix per part keeps ids unique but for the generator's own reuse.
    auto part = volley_test::random_well_formed_trace(rng, shape);
    const std::string prefix = volley_test::numbered("p", part_number) + "-";
    for (auto& event : part) {
      if (!event.id.empty()) event.id.insert(0, prefix);
      if (!event.call_id.empty()) event.call_id.insert(0, prefix);
    }
    trace.insert(trace.end(), part.begin(), part.end());
  }
  w.events = trace.size();
  w.traces.push_back(std::move(trace));
  return w;
}

template <class Grader>
double ns_per_event(const workload& w, Grader&& grade) {
  return bench::best_ns_per_item(9, static_cast<double>(w.events), [&] {
    std::size_t total = 0;
    for (const auto& trace : w.traces) total += grade(std::span<const volley::trace_event>{trace});
    sink = sink + total;
  });
}

void row(const char* what, double baseline_ns, double volley_ns) {
  std::printf("  %-26s %14.1f %14.1f %16.1f %9.1fx\n", what, baseline_ns, volley_ns, 1e3 / volley_ns,
              baseline_ns / volley_ns);
}

}  // namespace

int main() {
  bench::print_header("volley grading throughput (in memory; best of 9 runs, wall time)");
  for (const workload& w : {many_small_traces(), one_long_trace()}) {
    std::printf("%s: %zu traces, %zu events (%.1f per trace)\n", w.name, w.traces.size(), w.events,
                static_cast<double>(w.events) / static_cast<double>(w.traces.size()));
    std::printf("  %-26s %14s %14s %16s %10s\n", "grader", "seed ns/event", "volley ns/event", "volley Mevents/s",
                "speedup");
    const double seed_rounds = ns_per_event(w, [](auto t) { return seed_reference::count_sequential_rounds(t); });
    const double volley_rounds = ns_per_event(w, [](auto t) { return volley::count_sequential_rounds(t); });
    row("count_sequential_rounds", seed_rounds, volley_rounds);
    const double seed_batches =
        ns_per_event(w, [](auto t) { return seed_reference::analyze_parallelization(t).total_calls; });
    const double volley_batches =
        ns_per_event(w, [](auto t) { return volley::analyze_parallelization(t).total_calls; });
    row("analyze_parallelization", seed_batches, volley_batches);
    const double volley_validate = ns_per_event(w, [](auto t) { return volley::validate(t).size(); });
    // validate has no seed counterpart; its ratio is against the seed's two functions together.
    row("validate (vs seed's both)", seed_rounds + seed_batches, volley_validate);
    const double volley_all = ns_per_event(w, [](auto t) {
      return volley::count_sequential_rounds(t) + volley::analyze_parallelization(t).total_calls +
             volley::validate(t).size();
    });
    row("all three (vs seed's both)", seed_rounds + seed_batches, volley_all);
    std::printf("\n");
  }
  std::printf("goal: >= 10 Mevents/s for each volley grader\n");
  return 0;
}
