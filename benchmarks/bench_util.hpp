// Small helpers shared by volley's benchmark programs: timing and a table.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>
#include <string>
#include <utility>
#include <vector>

namespace bench {

// Best of `repeats` runs of fn(), in nanoseconds per `items`.
template <class F>
double best_ns_per_item(int repeats, double items, F&& fn) {
  double best = 1e300;
  for (int r = 0; r < repeats; ++r) {
    auto start = std::chrono::steady_clock::now();
    fn();
    auto stop = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double, std::nano>(stop - start).count() / items);
  }
  return best;
}

// The best of `repeats` runs of each of two functions, in nanoseconds per
// `items`, taken in turns (a, b, b, a, a, b, ...): a shared machine's slow
// spells then fall on both sides alike, instead of on whichever ran during
// them.
template <class A, class B>
std::pair<double, double> best_ns_per_item_interleaved(int repeats, double items, A&& a, B&& b) {
  double best_a = 1e300, best_b = 1e300;
  const auto time = [items](auto& fn, double& best) {
    auto start = std::chrono::steady_clock::now();
    fn();
    auto stop = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double, std::nano>(stop - start).count() / items);
  };
  for (int r = 0; r < repeats; ++r) {
    if (r % 2 == 0) {
      time(a, best_a);
      time(b, best_b);
    } else {
      time(b, best_b);
      time(a, best_a);
    }
  }
  return {best_a, best_b};
}

inline std::string machine_name() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown CPU";
}

inline const char* compiler_name() {
#if defined(__clang__)
  return "clang " __clang_version__;
#elif defined(__GNUC__)
  return "g++ " __VERSION__;
#else
  return "unknown compiler";
#endif
}

inline void print_header(const char* title) {
  std::printf("%s\nmachine: %s, %u hardware threads; compiler: %s\n\n", title, machine_name().c_str(),
              std::max(1u, std::thread::hardware_concurrency()), compiler_name());
}

}  // namespace bench
