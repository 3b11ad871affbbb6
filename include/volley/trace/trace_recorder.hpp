// volley/trace/trace_recorder.hpp: the thread-safe log a scheduler writes
// while it runs tool calls.
//
// Pure layer: standard library only.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "volley/trace/call_span.hpp"
#include "volley/trace/trace_event.hpp"

namespace volley {

// When to use: give one to the runtime (the options of parallel_batch,
// run_rounds, run_dataflow) to get the trace a model-driven loop would log,
// with times, and grade it (volley/grade) or look at it (chrome_trace.hpp,
// text_timeline.hpp). Every member may be called from any thread; a mutex
// guards the log (the recorder is off the hot path: one lock per event).
//
//   good: volley::trace_recorder rec;  /* runtime fills it */
//         auto rounds = volley::count_sequential_rounds(rec.events());
//   bad:  one recorder shared by two unrelated agents: their events interleave
//         into one trace and the round count means nothing.
//
// Times are nanoseconds on the executor's clock (the runtime passes
// time_since_epoch()). Call ids may repeat across turns: `call_started` and
// `call_finished` apply to the most recent issued call with that id that has
// not finished. A start or finish that matches no unfinished call is kept out
// of the spans and listed in `problems()` (a finish is still logged as a
// tool_response event, so `volley::validate` reports it too); the recorder
// never throws for a mismatched id.
class trace_recorder {
 public:
  trace_recorder() = default;
  trace_recorder(const trace_recorder&) = delete;
  trace_recorder& operator=(const trace_recorder&) = delete;

  // The model issued call `id` of tool `name`: appends a tool_call event and opens a span.
  void call_issued(std::string_view id, std::string_view name, std::chrono::nanoseconds at) {
    std::lock_guard lock{m_mutex};
    m_events.push_back(trace_event::call(std::string{id}, std::string{name}, at));
    call_span span;
    span.id = std::string{id};
    span.name = std::string{name};
    span.issued = at;
    span.event_index = m_events.size() - 1;
    m_spans.push_back(std::move(span));
    open_calls_for(id).push_back(m_spans.size() - 1);
  }

  // The tool began to run (no trace event: the seed's trace has none).
  void call_started(std::string_view id, std::chrono::nanoseconds at) {
    std::lock_guard lock{m_mutex};
    call_span* span = most_recent_open(id);
    if (span == nullptr) {
      note_problem("call_started", id, at, "matches no unfinished call; ignored");
    } else if (span->started) {
      note_problem("call_started", id, at, "the call had already started; the first start is kept");
    } else {
      span->started = at;
    }
  }

  // The call's response is ready: appends a tool_response event and closes the span.
  void call_finished(std::string_view id, std::chrono::nanoseconds at, bool ok, std::string_view error_text) {
    std::lock_guard lock{m_mutex};
    auto open = m_open.find(id);
    if (open == m_open.end() || open->second.empty()) {
      m_events.push_back(trace_event::response(std::string{id}, {}, at));
      note_problem("call_finished", id, at, "matches no unfinished call; logged as a response to an unknown call");
      return;
    }
    call_span& span = m_spans[open->second.back()];
    open->second.pop_back();
    span.finished = at;
    span.ok = ok;
    span.error = ok ? std::string{} : std::string{error_text};
    m_events.push_back(trace_event::response(std::string{id}, span.name, at));
  }

  // The model spoke (a turn boundary): appends an assistant_message event.
  void assistant_message(std::chrono::nanoseconds at) {
    std::lock_guard lock{m_mutex};
    m_events.push_back(trace_event::assistant_message(at));
  }

  // A copy of the events so far, in the order they were recorded.
  [[nodiscard]] volley::trace events() const {
    std::lock_guard lock{m_mutex};
    return m_events;
  }

  // One span per issued call, in issue order.
  [[nodiscard]] std::vector<call_span> spans() const {
    std::lock_guard lock{m_mutex};
    return m_spans;
  }

  // Starts and finishes that matched no unfinished call, one sentence each.
  [[nodiscard]] std::vector<std::string> problems() const {
    std::lock_guard lock{m_mutex};
    return m_problems;
  }

  // Forgets everything recorded so far.
  void clear() {
    std::lock_guard lock{m_mutex};
    m_events.clear();
    m_spans.clear();
    m_open.clear();
    m_problems.clear();
  }

 private:
  std::vector<std::size_t>& open_calls_for(std::string_view id) {
    auto it = m_open.find(id);
    if (it == m_open.end()) it = m_open.emplace(std::string{id}, std::vector<std::size_t>{}).first;
    return it->second;
  }

  call_span* most_recent_open(std::string_view id) {
    auto it = m_open.find(id);
    if (it == m_open.end() || it->second.empty()) return nullptr;
    return &m_spans[it->second.back()];
  }

  void note_problem(std::string_view what, std::string_view id, std::chrono::nanoseconds at, std::string_view why) {
    std::string text{what};
    text += "(id '";
    text += id;
    text += "') at ";
    text += std::to_string(at.count());
    text += " ns ";
    text += why;
    m_problems.push_back(std::move(text));
  }

  mutable std::mutex m_mutex;
  volley::trace m_events;
  std::vector<call_span> m_spans;
  // Per id, the indices into m_spans of its unfinished calls, oldest first.
  std::map<std::string, std::vector<std::size_t>, std::less<>> m_open;
  std::vector<std::string> m_problems;
};

}  // namespace volley
