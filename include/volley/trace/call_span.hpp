// volley/trace/call_span.hpp: one tool call's life on the executor's clock.
//
// Pure layer: standard library only.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace volley {

// When to use: read it from `trace_recorder::spans()` to see when each call
// was issued, started and finished; hand a list of them to
// `make_timeline`, `to_chrome_trace` or `to_text_timeline` to look at it.
// `trace_event`s say what happened in which order; a span says how long.
//
//   good: for (auto& s : recorder.spans()) if (s.finished) total += *s.finished - s.issued;
//   bad:  reading `ok` of a span whose `finished` is empty: the call never
//         finished, so `ok` is false and means nothing yet.
struct call_span {
  std::string id;                                // the call's id (ids may repeat across turns)
  std::string name;                              // the tool's name
  std::chrono::nanoseconds issued{};             // when the model's call reached the runtime
  std::optional<std::chrono::nanoseconds> started;   // when the tool began to run
  std::optional<std::chrono::nanoseconds> finished;  // when its response was ready
  bool ok = false;                               // finished with a value (false: an error, or not finished)
  std::string error;                             // the error text when finished and not ok
  std::size_t event_index = 0;                   // index of the call's tool_call in the recorder's events()

  friend bool operator==(const call_span&, const call_span&) = default;
};

}  // namespace volley
