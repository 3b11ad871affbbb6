// Grading agent traces: the training-side half of volley. It runs no
// coroutine; the graders are pure functions over traces.
#include <cstdio>
#include <string>
#include <vector>

#include "volley/grade/analyze_parallelization.hpp"
#include "volley/grade/batching_report.hpp"
#include "volley/grade/count_sequential_rounds.hpp"
#include "volley/grade/latency_aware_grader.hpp"
#include "volley/grade/validate.hpp"
#include "volley/trace/trace_event.hpp"

namespace {

using volley::trace_event;

// The seed's baseline agent: four calls, one per turn.
volley::trace sequential_trace() {
  volley::trace t;
  const char* calls[][2] = {{"c1", "search"}, {"c2", "read_file"}, {"c3", "search"}, {"c4", "list"}};
  for (auto& [id, name] : calls) {
    t.push_back(trace_event::call(id, name));
    t.push_back(trace_event::response(id));
    t.push_back(trace_event::assistant_message());
  }
  return t;
}

// The fine-tuned agent: the same calls in one batch.
volley::trace batched_trace() {
  volley::trace t;
  for (const char* id : {"c1", "c2", "c3", "c4"}) t.push_back(trace_event::call(id, id[1] == '2' ? "read_file" : "search"));
  for (const char* id : {"c3", "c1", "c4", "c2"}) t.push_back(trace_event::response(id));
  t.push_back(trace_event::assistant_message());
  return t;
}

void show(const char* title, const volley::trace& trace) {
  // [grade-trace]
  auto rounds = volley::count_sequential_rounds(trace);
  auto report = volley::analyze_parallelization(trace);
  auto grade = volley::latency_aware_grader{}.grade(/*correctness=*/1.0, trace);
  // [grade-trace]
  std::printf("%-10s rounds %zu, batches %zu, max parallelism %zu, score %.2f (correctness %.2f + efficiency %.2f)\n",
              title, rounds, report.num_batches, report.max_parallelism, grade.score, grade.correctness, grade.efficiency);
}

}  // namespace

int main() {
  show("sequential", sequential_trace());
  show("batched", batched_trace());

  // A wrong answer earns no speed bonus (the seed's grader would pay one).
  auto wrong = volley::latency_aware_grader{}.grade(0.0, batched_trace());
  auto seed = volley::latency_aware_grader::seed_compatible().grade(0.0, batched_trace());
  std::printf("wrong answer: volley %.2f, seed-compatible %.2f\n", wrong.score, seed.score);

  // What the model missed, and what it must not batch: two independent reads
  // in separate batches, and two writes to one file in the same batch.
  // [batching-report]
  volley::trace t;
  t.push_back(trace_event::call("r1", "read_file"));
  t.push_back(trace_event::response("r1"));
  t.push_back(trace_event::assistant_message());
  t.push_back(trace_event::call("r2", "read_file"));
  t.push_back(trace_event::call("w1", "write_file"));
  t.push_back(trace_event::call("w2", "write_file"));
  t.push_back(trace_event::response("r2"));
  t.push_back(trace_event::response("w1"));
  t.push_back(trace_event::response("w2"));
  t.push_back(trace_event::assistant_message());
  volley::batching_inputs inputs;
  inputs.effects = {{"read_file", volley::effect::read_only}, {"write_file", volley::effect::mutating}};
  inputs.resources = {{0, {"a.txt"}}, {3, {"b.txt"}}, {4, {"out.txt"}}, {5, {"out.txt"}}};
  auto batching = volley::analyze_batching(t, inputs);
  // [batching-report]
  std::printf("batching: actual rounds %zu, ideal rounds %zu, missed parallelism %zu, unsafe batches %zu\n",
              batching.actual_rounds, batching.ideal_rounds, batching.missed_parallelism, batching.unsafe_batches.size());

  // Traces with problems are reported, not miscounted.
  volley::trace broken;
  broken.push_back(trace_event::call("a", "search"));
  broken.push_back(trace_event::response("zzz"));
  for (const auto& d : volley::validate(broken)) std::printf("diagnostic at event %zu: %s\n", d.event_index, d.message.c_str());
  return 0;
}
