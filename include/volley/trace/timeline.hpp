// volley/trace/timeline.hpp: tool calls placed in time, one row (slot) per
// concurrent call — what the Chrome-trace and text exports draw.
//
// Pure layer: standard library only.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "volley/trace/call_span.hpp"
#include "volley/trace/detail/slot_assignment.hpp"
#include "volley/trace/trace_event.hpp"

namespace volley {

// One call on a timeline.
struct timeline_call {
  std::string id;
  std::string name;
  std::size_t event_index = 0;               // index of its tool_call in the trace / recorder events
  std::chrono::nanoseconds issued{};         // when it was issued
  std::optional<std::chrono::nanoseconds> started;   // when it began to run, if known
  std::optional<std::chrono::nanoseconds> finished;  // empty: never answered
  bool ok = true;                            // false: finished with an error
  std::string error;
  std::size_t slot = 0;                      // its row: overlapping calls never share one

  // Where its bar begins: when it started, or when it was issued if the start is unknown.
  [[nodiscard]] std::chrono::nanoseconds begin() const { return started.value_or(issued); }
  [[nodiscard]] bool answered() const { return finished.has_value(); }
};

// When to use: build one with `make_timeline` from a recorder's spans (best:
// start times and errors) or from a plain trace whose events carry times, then
// hand it to `to_chrome_trace` or `to_text_timeline`.
//
//   good: auto t = volley::make_timeline(recorder.spans(), recorder.events());
//   bad:  make_timeline(trace) on a trace without times: nothing can be placed;
//         every call ends up in `untimed_calls` and the drawing is empty.
//
// A call that was never answered occupies its slot from its begin to the end
// of the timeline (`last`): it was in flight when the trace ended. Slots are
// assigned greedily by begin time (lowest free slot first), so `slot_count`
// is the largest number of calls in flight at one instant.
struct timeline {
  std::vector<timeline_call> calls;                       // placed calls, in issue order
  std::vector<std::chrono::nanoseconds> assistant_messages;  // times of assistant messages, in order
  std::size_t slot_count = 0;
  std::chrono::nanoseconds first{};  // earliest time on the timeline (0 when empty)
  std::chrono::nanoseconds last{};   // latest time on the timeline (0 when empty)
  // Event indices of tool_calls that could not be placed: no time on the call,
  // or an answer without a time (the end is unknown). Reported, not drawn.
  std::vector<std::size_t> untimed_calls;
  // Event indices of tool_responses that answer no earlier call.
  std::vector<std::size_t> unmatched_responses;
};

namespace detail {

inline void finish_timeline(timeline& result) {
  bool any = false;
  auto see = [&](std::chrono::nanoseconds t) {
    if (!any) {
      result.first = result.last = t;
      any = true;
    } else {
      result.first = std::min(result.first, t);
      result.last = std::max(result.last, t);
    }
  };
  for (const timeline_call& call : result.calls) {
    see(call.issued);
    if (call.started) see(*call.started);
    if (call.finished) see(*call.finished);
  }
  for (auto t : result.assistant_messages) see(t);

  std::vector<time_interval> intervals;
  intervals.reserve(result.calls.size());
  for (const timeline_call& call : result.calls) {
    intervals.push_back({call.begin(), call.finished.value_or(result.last)});
  }
  const std::vector<std::size_t> slots = assign_slots(intervals, result.slot_count);
  for (std::size_t i = 0; i < result.calls.size(); ++i) result.calls[i].slot = slots[i];
}

}  // namespace detail

// From a recorder's spans; `events` (optional, e.g. recorder.events()) supplies
// the times of assistant messages and is otherwise ignored.
inline timeline make_timeline(std::span<const call_span> spans, std::span<const trace_event> events = {}) {
  timeline result;
  result.calls.reserve(spans.size());
  for (const call_span& span : spans) {
    timeline_call call;
    call.id = span.id;
    call.name = span.name;
    call.event_index = span.event_index;
    call.issued = span.issued;
    call.started = span.started;
    call.finished = span.finished;
    call.ok = span.finished ? span.ok : true;
    call.error = span.error;
    result.calls.push_back(std::move(call));
  }
  for (const trace_event& event : events) {
    if (event.type == event_type::assistant_message && event.at) result.assistant_messages.push_back(*event.at);
  }
  detail::finish_timeline(result);
  return result;
}

// From a plain trace with times: a tool_call's `at` is its issue time, the
// matching tool_response's `at` its finish (no start times, no errors). A
// response answers the most recent unanswered call with its `call_id` (the
// graders' rule). Calls without a time, or answered by a response without a
// time, go to `untimed_calls`; responses that answer nothing go to
// `unmatched_responses`; assistant messages without a time are skipped.
inline timeline make_timeline(std::span<const trace_event> trace) {
  timeline result;
  // Per id, the trace indices of unanswered calls, oldest first.
  std::map<std::string_view, std::vector<std::size_t>> open;
  std::vector<std::optional<std::size_t>> answer_of(trace.size());
  for (std::size_t i = 0; i < trace.size(); ++i) {
    const trace_event& event = trace[i];
    if (event.type == event_type::tool_call) {
      open[event.id].push_back(i);
    } else if (event.type == event_type::tool_response) {
      auto it = open.find(event.call_id);
      if (it == open.end() || it->second.empty()) {
        result.unmatched_responses.push_back(i);
      } else {
        answer_of[it->second.back()] = i;
        it->second.pop_back();
      }
    } else if (event.at) {
      result.assistant_messages.push_back(*event.at);
    }
  }
  for (std::size_t i = 0; i < trace.size(); ++i) {
    const trace_event& event = trace[i];
    if (event.type != event_type::tool_call) continue;
    const std::optional<std::size_t> answer = answer_of[i];
    if (!event.at || (answer && !trace[*answer].at)) {
      result.untimed_calls.push_back(i);
      continue;
    }
    timeline_call call;
    call.id = event.id;
    call.name = event.name;
    call.event_index = i;
    call.issued = *event.at;
    if (answer) call.finished = trace[*answer].at;
    result.calls.push_back(std::move(call));
  }
  detail::finish_timeline(result);
  return result;
}

}  // namespace volley
