// volley-grade: what all graded traces add up to, as text (with histograms) or JSON.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "volley/grade/analyze_parallelization.hpp"
#include "volley/grade/diagnostic.hpp"

namespace volley_grade {

// Counts of each value (rounds of a trace, calls of a batch).
using histogram = std::map<std::size_t, std::size_t>;

// One histogram as text bars, a row per value (or per range of values when
// the values span more than 30), bars scaled to the largest count.
inline std::string histogram_bars(const histogram& counts, std::size_t bar_width = 40) {
  if (counts.empty()) return "  (none)\n";
  const std::size_t largest_value = counts.rbegin()->first;
  const std::size_t smallest_value = counts.begin()->first;
  const std::size_t span = largest_value - smallest_value + 1;
  const std::size_t bin = span <= 30 ? 1 : (span + 19) / 20;
  std::map<std::size_t, std::size_t> binned;  // first value of the bin -> count
  for (std::size_t v = smallest_value - smallest_value % bin; v <= largest_value; v += bin) binned[v] = 0;
  for (const auto& [value, count] : counts) binned[value - value % bin] += count;
  std::size_t largest_count = 0;
  for (const auto& [value, count] : binned) largest_count = std::max(largest_count, count);
  std::string out;
  for (const auto& [value, count] : binned) {
    std::string label = std::to_string(value);
    if (bin > 1) label += "-" + std::to_string(value + bin - 1);
    const std::size_t length = largest_count == 0 ? 0 : (count * bar_width + largest_count - 1) / largest_count;
    char row[64];
    std::snprintf(row, sizeof row, "  %9s | ", label.c_str());
    out += row;
    out += std::string(length, '#');
    out += std::string(bar_width - length, ' ');
    out += "  " + std::to_string(count) + "\n";
  }
  return out;
}

inline nlohmann::json histogram_json(const histogram& counts) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [value, count] : counts) out[std::to_string(value)] = count;
  return out;
}

// Everything the summary reports, accumulated trace by trace.
struct summary {
  std::size_t files = 0;
  std::size_t unreadable_files = 0;
  std::size_t traces = 0;
  std::size_t skipped = 0;
  std::size_t traces_with_calls = 0;
  std::size_t traces_with_parallel_batch = 0;  // some batch of 2 calls or more
  std::size_t total_rounds = 0;
  std::size_t total_calls = 0;
  std::size_t total_batches = 0;
  std::size_t max_rounds = 0;
  std::size_t max_parallelism = 0;
  std::size_t rewarded = 0;
  double reward_sum = 0;
  histogram rounds;
  histogram calls_per_batch;
  std::map<volley::diagnostic_kind, std::size_t> diagnostics;
  std::map<volley::diagnostic_severity, std::size_t> severities;

  void add(std::size_t trace_rounds, const volley::parallelization_report& report,
           const std::vector<volley::diagnostic>& found, std::optional<double> reward) {
    ++traces;
    total_rounds += trace_rounds;
    max_rounds = std::max(max_rounds, trace_rounds);
    ++rounds[trace_rounds];
    total_calls += report.total_calls;
    total_batches += report.num_batches;
    max_parallelism = std::max(max_parallelism, report.max_parallelism);
    for (std::size_t n : report.calls_per_batch) ++calls_per_batch[n];
    traces_with_calls += report.total_calls > 0 ? 1 : 0;
    traces_with_parallel_batch += report.max_parallelism >= 2 ? 1 : 0;
    if (reward) {
      ++rewarded;
      reward_sum += *reward;
    }
    for (const volley::diagnostic& d : found) {
      ++diagnostics[d.kind];
      ++severities[d.severity];
    }
  }

  static double ratio(double part, double whole) { return whole == 0 ? 0.0 : part / whole; }

  std::string text() const {
    std::string out;
    char line[256];
    std::snprintf(line, sizeof line, "summary: %zu trace(s) graded from %zu file(s)", traces, files);
    out += line;
    if (skipped > 0) out += ", " + std::to_string(skipped) + " malformed entr" + (skipped == 1 ? "y" : "ies") + " skipped";
    if (unreadable_files > 0) out += ", " + std::to_string(unreadable_files) + " file(s) unreadable";
    out += "\n";
    std::snprintf(line, sizeof line, "  rounds per trace:      mean %.2f, max %zu (total %zu)\n",
                  ratio(double(total_rounds), double(traces)), max_rounds, total_rounds);
    out += line;
    std::snprintf(line, sizeof line, "  calls per batch:       mean %.2f, max %zu (%zu calls in %zu batches)\n",
                  ratio(double(total_calls), double(total_batches)), max_parallelism, total_calls, total_batches);
    out += line;
    std::snprintf(line, sizeof line, "  calls per trace:       mean %.2f; %zu trace(s) made no call\n",
                  ratio(double(total_calls), double(traces)), traces - traces_with_calls);
    out += line;
    std::snprintf(line, sizeof line,
                  "  any parallel batch:    %zu of %zu traces (%.1f%%; %.1f%% of the %zu traces that made calls)\n",
                  traces_with_parallel_batch, traces, 100 * ratio(double(traces_with_parallel_batch), double(traces)),
                  100 * ratio(double(traces_with_parallel_batch), double(traces_with_calls)), traces_with_calls);
    out += line;
    if (rewarded > 0) {
      std::snprintf(line, sizeof line, "  reward:                mean %.3f over %zu trace(s) with a reward\n",
                    reward_sum / double(rewarded), rewarded);
      out += line;
    }
    out += "  diagnostics:           ";
    if (diagnostics.empty()) {
      out += "none\n";
    } else {
      bool first = true;
      for (const auto& [kind, count] : diagnostics) {
        out += (first ? "" : ", ") + std::to_string(count) + " " + std::string(volley::to_string(kind)) + " (" +
               std::string(volley::to_string(volley::severity_of(kind))) + ")";
        first = false;
      }
      out += "\n";
    }
    out += "\nrounds per trace (traces)\n" + histogram_bars(rounds);
    out += "\ncalls per batch (batches)\n" + histogram_bars(calls_per_batch);
    return out;
  }

  nlohmann::json json() const {
    nlohmann::json kinds = nlohmann::json::object();
    for (const auto& [kind, count] : diagnostics) kinds[std::string(volley::to_string(kind))] = count;
    nlohmann::json levels = nlohmann::json::object();
    for (const auto& [severity, count] : severities) levels[std::string(volley::to_string(severity))] = count;
    nlohmann::json out{{"files", files},
                       {"unreadable_files", unreadable_files},
                       {"traces", traces},
                       {"skipped", skipped},
                       {"total_rounds", total_rounds},
                       {"mean_rounds", ratio(double(total_rounds), double(traces))},
                       {"max_rounds", max_rounds},
                       {"total_calls", total_calls},
                       {"total_batches", total_batches},
                       {"mean_calls_per_batch", ratio(double(total_calls), double(total_batches))},
                       {"max_parallelism", max_parallelism},
                       {"traces_with_calls", traces_with_calls},
                       {"traces_with_parallel_batch", traces_with_parallel_batch},
                       {"share_with_parallel_batch", ratio(double(traces_with_parallel_batch), double(traces))},
                       {"rounds_histogram", histogram_json(rounds)},
                       {"calls_per_batch_histogram", histogram_json(calls_per_batch)},
                       {"diagnostics", kinds},
                       {"diagnostics_by_severity", levels}};
    if (rewarded > 0) {
      out["rewarded_traces"] = rewarded;
      out["mean_reward"] = reward_sum / double(rewarded);
    } else {
      out["mean_reward"] = nullptr;
    }
    return nlohmann::json{{"summary", std::move(out)}};
  }
};

}  // namespace volley_grade
