// Import-and-grade throughput on real traces: tau-bench's gpt-4o airline file
// (4.1 MB, 200 trajectories), read into memory once. The baseline in the same
// process is nlohmann::json::parse of the same bytes alone, so the ratio is
// what volley's import (JSON paths, format detection, trace building) and
// grading (rounds, batches, validate) add on top of parsing.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "bench_util.hpp"
#include "volley/grade/analyze_parallelization.hpp"
#include "volley/grade/count_sequential_rounds.hpp"
#include "volley/grade/validate.hpp"
#include "volley/io/conversation_reader.hpp"

namespace {

volatile std::size_t sink = 0;

std::size_t parse_only(const std::string& text) {
  const nlohmann::json document = nlohmann::json::parse(text);
  return document.size();
}

std::size_t import_only(const std::string& text) {
  volley::io::conversation_reader reader{text};
  std::size_t events = 0;
  while (auto record = reader.next()) events += record->trace.size();
  return events;
}

std::size_t import_and_grade(const std::string& text) {
  volley::io::conversation_reader reader{text};
  std::size_t total = 0;
  while (auto record = reader.next()) {
    total += volley::count_sequential_rounds(record->trace);
    total += volley::analyze_parallelization(record->trace).total_calls;
    total += volley::validate(record->trace).size();
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  // The file: the first argument, else $VOLLEY_SHARED_DATA_DIR/tau-bench/..., else
  // ../shared/data next to the project (found from this source file's path).
  std::string path;
  if (argc > 1) {
    path = argv[1];
  } else if (const char* dir = std::getenv("VOLLEY_SHARED_DATA_DIR")) {
    path = std::string(dir) + "/tau-bench/gpt-4o-airline.json";
  } else {
    std::string project = __FILE__;  // <project>/benchmarks/io/grade_tau_bench.cpp
    for (int up = 0; up < 3 && project.find('/') != std::string::npos; ++up) project.erase(project.rfind('/'));
    path = project + "/../shared/data/tau-bench/gpt-4o-airline.json";
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::printf("tau-bench file not found (%s); pass its path as the first argument\n", path.c_str());
    return 0;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  const double bytes = double(text.size());

  bench::print_header("volley-grade import-and-grade throughput on tau-bench gpt-4o-airline (best of 15 runs)");
  std::size_t traces = 0, rounds = 0;
  {
    volley::io::conversation_reader reader{text};
    while (auto record = reader.next()) {
      ++traces;
      rounds += volley::count_sequential_rounds(record->trace);
    }
  }
  std::printf("input: %s, %.2f MB, %zu traces, %zu rounds in all\n\n", path.c_str(), bytes / 1e6, traces, rounds);

  constexpr int repeats = 15;
  const double parse_ns = bench::best_ns_per_item(repeats, bytes, [&] { sink = sink + parse_only(text); });
  const double import_ns = bench::best_ns_per_item(repeats, bytes, [&] { sink = sink + import_only(text); });
  const double grade_ns = bench::best_ns_per_item(repeats, bytes, [&] { sink = sink + import_and_grade(text); });

  auto megabytes_per_second = [](double ns_per_byte) { return 1e3 / ns_per_byte; };
  std::printf("%-58s %10s %12s\n", "measure", "MB/s", "time ratio");
  std::printf("%-58s %10.1f %12.2f\n", "baseline: nlohmann::json::parse of the bytes", megabytes_per_second(parse_ns), 1.0);
  std::printf("%-58s %10.1f %12.2f\n", "volley: import (parse + traces of all 200 trajectories)",
              megabytes_per_second(import_ns), import_ns / parse_ns);
  std::printf("%-58s %10.1f %12.2f\n", "volley: import + grade (rounds, batches, validate)",
              megabytes_per_second(grade_ns), grade_ns / parse_ns);
  std::printf("\ntime ratio: time of the row / time of the baseline (1.00 = no overhead over parsing).\n");
  return 0;
}
