// volley/trace/chrome_trace.hpp: export a timeline in the Chrome Trace Event
// JSON format, to open in Perfetto (ui.perfetto.dev) or chrome://tracing.
//
// Pure layer: standard library only (the JSON is written by hand).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "volley/detail/concat.hpp"
#include "volley/trace/detail/json_text.hpp"
#include "volley/trace/timeline.hpp"

namespace volley {

struct chrome_trace_options {
  std::string process_name = "volley";  // the name of the one process row
  int process_id = 1;                   // "pid" of every event
  bool start_at_zero = true;            // shift times so the timeline begins at ts 0
};

// When to use: to look at a parallel trace as a picture — one row per
// concurrency slot, one bar per call. Write the string to a .json file and
// open it in Perfetto or chrome://tracing.
//
//   good: std::ofstream{"run.json"} << volley::to_chrome_trace(volley::make_timeline(rec.spans(), rec.events()));
//   bad:  exporting make_timeline(trace) of a trace without times: the file is
//         valid but holds no bars (every call is listed in otherData.untimed_calls).
//
// What it writes (JSON object format, times in microseconds with ns precision):
// - metadata: the process name, and a name "slot N" and sort index per row;
// - per answered call, a complete event: "ph":"X", "ts" = its begin (start, or
//   issue if the start is unknown), "dur" = finish - begin (0 if the clock went
//   backwards), "tid" = slot + 1 (calls that overlap never share a tid), "cat"
//   "tool_call", "name" = the tool's name (its id when the name is empty), args
//   {id, ok, error (only when not ok), queued_us (start - issue, when the start
//   is known), event_index};
// - per never-answered call, an instant event on its row ("ph":"i", "s":"t")
//   at its begin, named "<name> (never answered)", args {id, never_answered: true, event_index};
// - per assistant message, a process-wide instant event ("ph":"i", "s":"p",
//   "cat" "turn", "name" "assistant message");
// - "otherData": {calls, slots, untimed_calls: [event indices], unmatched_responses: [event indices]}
//   for what could not be drawn.
inline std::string to_chrome_trace(const timeline& timeline, const chrome_trace_options& options = {}) {
  const std::chrono::nanoseconds origin = options.start_at_zero ? timeline.first : std::chrono::nanoseconds{0};
  const std::string pid = std::to_string(options.process_id);
  std::string out;
  out.reserve(256 + timeline.calls.size() * 160);
  bool first_event = true;
  auto open_event = [&] {
    out += first_event ? "\n  {" : ",\n  {";
    first_event = false;
  };
  auto append_common = [&](std::string_view ph, std::size_t tid) {
    out += "\"ph\":\"";
    out += ph;
    out += "\",\"pid\":";
    out += pid;
    out += ",\"tid\":";
    out += std::to_string(tid);
  };
  auto append_ts = [&](std::chrono::nanoseconds at) {
    out += ",\"ts\":";
    detail::append_microseconds(out, at - origin);
  };

  out += "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[";
  open_event();
  out += "\"name\":\"process_name\",";
  append_common("M", 0);
  out += ",\"args\":{\"name\":";
  detail::append_json_string(out, options.process_name);
  out += "}}";
  for (std::size_t slot = 0; slot < timeline.slot_count; ++slot) {
    const std::string tid = std::to_string(slot + 1);
    open_event();
    out += "\"name\":\"thread_name\",";
    append_common("M", slot + 1);
    out += ",\"args\":{\"name\":\"slot ";
    out += tid;
    out += "\"}}";
    open_event();
    out += "\"name\":\"thread_sort_index\",";
    append_common("M", slot + 1);
    out += ",\"args\":{\"sort_index\":";
    out += tid;
    out += "}}";
  }

  for (const timeline_call& call : timeline.calls) {
    const std::string_view label = call.name.empty() ? std::string_view{call.id} : std::string_view{call.name};
    open_event();
    out += "\"name\":";
    if (call.answered()) {
      detail::append_json_string(out, label);
      out += ",\"cat\":\"tool_call\",";
      append_common("X", call.slot + 1);
      append_ts(call.begin());
      out += ",\"dur\":";
      const auto duration = *call.finished - call.begin();
      detail::append_microseconds(out, duration.count() < 0 ? std::chrono::nanoseconds{0} : duration);
      out += ",\"args\":{\"id\":";
      detail::append_json_string(out, call.id);
      out += call.ok ? ",\"ok\":true" : ",\"ok\":false,\"error\":";
      if (!call.ok) detail::append_json_string(out, call.error);
      if (call.started) {
        out += ",\"queued_us\":";
        detail::append_microseconds(out, *call.started - call.issued);
      }
    } else {
      detail::append_json_string(out, detail::concat({label, " (never answered)"}));
      out += ",\"cat\":\"tool_call\",";
      append_common("i", call.slot + 1);
      out += ",\"s\":\"t\"";
      append_ts(call.begin());
      out += ",\"args\":{\"id\":";
      detail::append_json_string(out, call.id);
      out += ",\"never_answered\":true";
    }
    out += ",\"event_index\":";
    out += std::to_string(call.event_index);
    out += "}}";
  }

  for (auto at : timeline.assistant_messages) {
    open_event();
    out += "\"name\":\"assistant message\",\"cat\":\"turn\",";
    append_common("i", 1);
    out += ",\"s\":\"p\"";
    append_ts(at);
    out += '}';
  }

  auto append_indices = [&](const std::vector<std::size_t>& indices) {
    out += '[';
    for (std::size_t i = 0; i < indices.size(); ++i) {
      if (i > 0) out += ',';
      out += std::to_string(indices[i]);
    }
    out += ']';
  };
  out += "\n],\"otherData\":{\"calls\":";
  out += std::to_string(timeline.calls.size());
  out += ",\"slots\":";
  out += std::to_string(timeline.slot_count);
  out += ",\"untimed_calls\":";
  append_indices(timeline.untimed_calls);
  out += ",\"unmatched_responses\":";
  append_indices(timeline.unmatched_responses);
  out += "}}\n";
  return out;
}

}  // namespace volley
