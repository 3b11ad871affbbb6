// volley-grade: one graded trace, as a text line or a JSON object, and its
// timeline on the logical clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "volley/grade/analyze_parallelization.hpp"
#include "volley/grade/diagnostic.hpp"
#include "volley/io/conversation_reader.hpp"
#include "volley/trace/timeline.hpp"

namespace volley_grade {

// What volley-grade found about one conversation.
struct graded_trace {
  std::size_t number = 0;  // 1-based, across all files, graded traces only
  std::string file;
  const volley::io::conversation_record* record = nullptr;
  std::size_t rounds = 0;
  volley::parallelization_report report;
  std::vector<volley::diagnostic> diagnostics;
};

// "1,1,4,2" with runs of three or more equal values written "1x8".
inline std::string compact_list(const std::vector<std::size_t>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size();) {
    std::size_t run = 1;
    while (i + run < values.size() && values[i + run] == values[i]) ++run;
    if (!out.empty()) out += ',';
    if (run >= 3) {
      out += std::to_string(values[i]) + "x" + std::to_string(run);
      i += run;
    } else {
      out += std::to_string(values[i]);
      ++i;
    }
  }
  return out.empty() ? "-" : out;
}

inline std::string format_reward(double reward) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", reward);
  return text;
}

// "#3  data.json:40  task_id=2 trial=0  rounds 7  batches 7 [1x7]  max 1  calls 7  reward 1  2 notes"
// then one indented line per diagnostic.
inline std::string trace_text(const graded_trace& g) {
  const volley::io::conversation_record& r = *g.record;
  std::string out = "#" + std::to_string(g.number) + "  " + g.file + ":" + std::to_string(r.line);
  if (!r.label.empty()) out += "  " + r.label;
  out += "  rounds " + std::to_string(g.rounds);
  out += "  batches " + std::to_string(g.report.num_batches) + " [" + compact_list(g.report.calls_per_batch) + "]";
  out += "  max " + std::to_string(g.report.max_parallelism);
  out += "  calls " + std::to_string(g.report.total_calls);
  if (r.reward) out += "  reward " + format_reward(*r.reward);
  std::size_t by_severity[3] = {0, 0, 0};
  for (const volley::diagnostic& d : g.diagnostics) ++by_severity[static_cast<int>(d.severity)];
  const char* names[3] = {"note", "warning", "error"};
  for (int s = 2; s >= 0; --s) {
    if (by_severity[s] == 0) continue;
    out += "  " + std::to_string(by_severity[s]) + " " + names[s] + (by_severity[s] == 1 ? "" : "s");
  }
  out += "\n";
  for (const volley::diagnostic& d : g.diagnostics) {
    out += "    " + std::string(volley::to_string(d.severity)) + " " + std::string(volley::to_string(d.kind)) + ": " +
           d.message + "\n";
  }
  return out;
}

inline nlohmann::json trace_json(const graded_trace& g) {
  const volley::io::conversation_record& r = *g.record;
  nlohmann::json diagnostics = nlohmann::json::array();
  for (const volley::diagnostic& d : g.diagnostics) {
    nlohmann::json item{{"kind", volley::to_string(d.kind)},
                        {"severity", volley::to_string(d.severity)},
                        {"event_index", d.event_index},
                        {"id", d.id},
                        {"message", d.message}};
    if (d.related_event_index) item["related_event_index"] = *d.related_event_index;
    diagnostics.push_back(std::move(item));
  }
  return nlohmann::json{{"trace", g.number},
                        {"file", g.file},
                        {"line", r.line},
                        {"index", r.index},
                        {"label", r.label},
                        {"format", volley::io::to_string(r.format)},
                        {"events", r.trace.size()},
                        {"rounds", g.rounds},
                        {"batches", g.report.num_batches},
                        {"calls_per_batch", g.report.calls_per_batch},
                        {"max_parallelism", g.report.max_parallelism},
                        {"total_calls", g.report.total_calls},
                        {"reward", r.reward ? nlohmann::json(*r.reward) : nlohmann::json(nullptr)},
                        {"diagnostics", std::move(diagnostics)}};
}

inline nlohmann::json skipped_json(const std::string& file, const volley::io::conversation_record& r) {
  return nlohmann::json{{"skipped", true}, {"file", file}, {"line", r.line}, {"index", r.index}, {"error", r.error}};
}

// The logical clock: event i of the trace happens at i ms (real transcripts
// carry no times; the order of events is all there is).
inline volley::trace on_logical_clock(const volley::trace& trace) {
  volley::trace timed = trace;
  for (std::size_t i = 0; i < timed.size(); ++i) timed[i].at = std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(i));
  return timed;
}

inline std::string describe(const graded_trace& g) {
  std::string text = "trace #" + std::to_string(g.number) + " (" + g.file + ":" + std::to_string(g.record->line);
  if (!g.record->label.empty()) text += ", " + g.record->label;
  return text + ")";
}

}  // namespace volley_grade
