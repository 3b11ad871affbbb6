// volley/grade/diagnostic.hpp: what `volley::validate` says about a trace.
//
// Pure layer: standard library only.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace volley {

// What is odd about a trace. Each kind's comment says what the graders
// (count_sequential_rounds, analyze_parallelization) do about it.
enum class diagnostic_kind {
  // A tool_response whose call_id matches no earlier tool_call: ignored by the counts. (error)
  response_to_unknown_call,
  // A tool_response for an id whose earlier calls were all answered already:
  // ignored by the counts. (error)
  duplicate_response,
  // A tool_call reuses the id of an earlier call that was already answered:
  // it is a new call and counted as one (real traces do this). (note)
  call_id_reused,
  // A tool_call reuses the id of an earlier call that is still unanswered:
  // both count as calls; each response answers the most recent unanswered
  // call with its id. (warning: which response answers which is a guess)
  reused_while_outstanding,
  // A tool_call that no later tool_response answers: count_sequential_rounds
  // closes its round at the next assistant message, or at the end of the trace. (warning)
  call_never_answered,
  // Tool calls after the last assistant message: analyze_parallelization counts
  // them as a last batch; the seed's code drops them. (note)
  trailing_batch_without_assistant_message,
  // A tool_call with an empty id, or a tool_response with an empty call_id:
  // matched like any other id (the empty string). (warning)
  empty_id,
  // A tool_response whose name differs from the name of the call it answers
  // (both non-empty): a sign of mismatched ids. Counted as matched. (warning)
  response_name_mismatch,
  // An event whose time is earlier than an earlier event's: times do not
  // affect the counts, but timelines drawn from the trace will look wrong. (warning)
  time_went_backwards,
};

enum class diagnostic_severity { note, warning, error };

constexpr std::string_view to_string(diagnostic_kind kind) noexcept {
  switch (kind) {
    case diagnostic_kind::response_to_unknown_call: return "response_to_unknown_call";
    case diagnostic_kind::duplicate_response: return "duplicate_response";
    case diagnostic_kind::call_id_reused: return "call_id_reused";
    case diagnostic_kind::reused_while_outstanding: return "reused_while_outstanding";
    case diagnostic_kind::call_never_answered: return "call_never_answered";
    case diagnostic_kind::trailing_batch_without_assistant_message: return "trailing_batch_without_assistant_message";
    case diagnostic_kind::empty_id: return "empty_id";
    case diagnostic_kind::response_name_mismatch: return "response_name_mismatch";
    case diagnostic_kind::time_went_backwards: return "time_went_backwards";
  }
  return "unknown";
}

constexpr std::string_view to_string(diagnostic_severity severity) noexcept {
  switch (severity) {
    case diagnostic_severity::note: return "note";
    case diagnostic_severity::warning: return "warning";
    case diagnostic_severity::error: return "error";
  }
  return "unknown";
}

// The severity every diagnostic of `kind` carries (see diagnostic_kind).
constexpr diagnostic_severity severity_of(diagnostic_kind kind) noexcept {
  switch (kind) {
    case diagnostic_kind::response_to_unknown_call:
    case diagnostic_kind::duplicate_response: return diagnostic_severity::error;
    case diagnostic_kind::call_id_reused:
    case diagnostic_kind::trailing_batch_without_assistant_message: return diagnostic_severity::note;
    case diagnostic_kind::reused_while_outstanding:
    case diagnostic_kind::call_never_answered:
    case diagnostic_kind::empty_id:
    case diagnostic_kind::response_name_mismatch:
    case diagnostic_kind::time_went_backwards: return diagnostic_severity::warning;
  }
  return diagnostic_severity::error;
}

// When to use: read the list `volley::validate` returns before trusting a
// round count on traces you did not produce; print `message` to a human,
// switch on `kind` in code.
//
//   good: for (auto& d : volley::validate(trace))
//           if (d.severity == volley::diagnostic_severity::error) log(d.message);
//   bad:  matching on the text of `message`: it is for people and may change.
struct diagnostic {
  diagnostic_kind kind = diagnostic_kind::response_to_unknown_call;
  diagnostic_severity severity = diagnostic_severity::error;
  std::size_t event_index = 0;                     // the event the diagnostic is about
  std::optional<std::size_t> related_event_index;  // e.g. the earlier call with the same id
  std::string id;                                  // the call id involved (empty when none)
  std::string message;                             // one sentence: what, where, what the graders do

  friend bool operator==(const diagnostic&, const diagnostic&) = default;
};

}  // namespace volley
