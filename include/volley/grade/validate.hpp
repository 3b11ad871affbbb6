// volley/grade/validate.hpp: everything odd about a trace, with event indices,
// so that no round count is silently wrong.
//
// Pure layer: standard library and volley/trace only.
#pragma once

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "volley/grade/detail/call_matcher.hpp"
#include "volley/grade/diagnostic.hpp"
#include "volley/trace/trace_event.hpp"

namespace volley {

namespace detail {

// Builds a diagnostic's message in one allocation: text pieces and numbers
// (event indices) appended to a reserved string, no temporaries.
class message_builder {
 public:
  message_builder& operator<<(std::string_view text) {
    m_text += text;
    return *this;
  }
  message_builder& operator<<(std::size_t number) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, number).ptr;
    m_text.append(digits, end);
    return *this;
  }
  message_builder& operator<<(std::int64_t number) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, number).ptr;
    m_text.append(digits, end);
    return *this;
  }
  // `text` in single quotes.
  message_builder& quoted(std::string_view text) {
    m_text += '\'';
    m_text += text;
    m_text += '\'';
    return *this;
  }
  std::string take() { return std::move(m_text); }

 private:
  std::string m_text = [] {
    std::string text;
    text.reserve(160);
    return text;
  }();
};

inline bool diagnostic_before(const diagnostic& a, const diagnostic& b) {
  if (a.event_index != b.event_index) return a.event_index < b.event_index;
  return static_cast<int>(a.kind) < static_cast<int>(b.kind);
}

}  // namespace detail

// When to use: before grading traces you did not produce (logs, other
// frameworks' exports, real data sets), and in tests of a recorder. Unless the
// list holds reused_while_outstanding, call_never_answered or
// trailing_batch_without_assistant_message, count_sequential_rounds and
// analyze_parallelization equal the seed's functions on this trace (for
// response_to_unknown_call / duplicate_response, under the reading of the
// seed's lost indentation where only a known response can end a round).
//
//   good: auto problems = volley::validate(trace);
//         if (!problems.empty()) log(problems.front().message);
//   bad:  dropping traces with any diagnostic: call_id_reused is a note —
//         real traces (tau-bench) reuse ids after the first call is answered,
//         and volley counts such a call correctly as a new one.
//
// Returns diagnostics ordered by event_index (for one event, in the order of
// the diagnostic_kind list): see diagnostic_kind for each kind's meaning and
// what the graders do about it. Matching rule (shared with the graders): a
// tool_response answers the most recent earlier unanswered tool_call with its
// call_id. Kinds and where they point:
// - response_to_unknown_call, duplicate_response, response_name_mismatch: the response;
//   related_event_index = the most recent earlier call with that id (if any).
// - call_id_reused, reused_while_outstanding: the later call; related = the earlier call.
// - call_never_answered: the call; related = the assistant message that closes
//   its round for count_sequential_rounds (none: the end of the trace does).
// - trailing_batch_without_assistant_message: the first call after the last
//   assistant message (one diagnostic for the whole batch).
// - empty_id: the call or response; time_went_backwards: the later event,
//   related = the earlier event with the later time.
inline std::vector<diagnostic> validate(std::span<const trace_event> trace) {
  using detail::no_event;
  using message = detail::message_builder;
  std::vector<diagnostic> out;
  auto report = [&](diagnostic_kind kind, std::size_t index, std::optional<std::size_t> related,
                    std::string_view id, message& text) {
    out.push_back({kind, severity_of(kind), index, related, std::string{id}, text.take()});
  };
  auto related_of = [](std::uint32_t index) -> std::optional<std::size_t> {
    if (index == no_event) return std::nullopt;
    return std::size_t{index};
  };

  detail::call_matcher& matcher = detail::thread_call_matcher();
  matcher.reset(trace, detail::call_matcher::memory::full_history);
  // Plain indices with a sentinel (not std::optional: g++ -O3 warns falsely about it here).
  constexpr std::size_t none = static_cast<std::size_t>(-1);
  std::size_t latest_time_index = none;
  std::size_t last_assistant = none;
  std::size_t first_call_after_last_assistant = none;
  std::size_t calls_after_last_assistant = 0;
  // One event's diagnostics are emitted in diagnostic_kind order, so `out`
  // stays sorted and only the never-answered and trailing ones need merging.
  for (std::size_t i = 0; i < trace.size(); ++i) {
    const trace_event& event = trace[i];
    const auto index = static_cast<std::uint32_t>(i);
    switch (event.type) {
      case event_type::tool_call: {
        const auto seen = matcher.on_call(index);
        if (seen.unanswered != no_event) {
          message text;
          text << "tool_call at event " << i << " reuses id ";
          text.quoted(event.id) << " while the call at event " << std::size_t{seen.unanswered}
                                << " is unanswered; both count as calls, each response answers the most recent "
                                   "unanswered call with this id";
          report(diagnostic_kind::reused_while_outstanding, i, related_of(seen.unanswered), event.id, text);
        } else if (seen.previous != no_event) {
          message text;
          text << "tool_call at event " << i << " reuses id ";
          text.quoted(event.id) << " of the call at event " << std::size_t{seen.previous}
                                << ", which was answered at event " << std::size_t{matcher.partner(seen.previous)}
                                << "; counted as a new call";
          report(diagnostic_kind::call_id_reused, i, related_of(seen.previous), event.id, text);
        }
        if (event.id.empty()) {
          message text;
          text << "tool_call at event " << i << " has an empty id; it is matched like any other id";
          report(diagnostic_kind::empty_id, i, std::nullopt, {}, text);
        }
        if (first_call_after_last_assistant == none) first_call_after_last_assistant = i;
        ++calls_after_last_assistant;
        break;
      }
      case event_type::tool_response: {
        const auto seen = matcher.on_response(index);
        if (seen.answered == no_event && seen.previous != no_event) {
          message text;
          text << "tool_response at event " << i << " answers ";
          text.quoted(event.call_id) << ", but the call at event " << std::size_t{seen.previous}
                                     << " with that id was already answered at event "
                                     << std::size_t{matcher.partner(seen.previous)} << "; ignored by the counts";
          report(diagnostic_kind::duplicate_response, i, related_of(seen.previous), event.call_id, text);
        } else if (seen.answered == no_event) {
          message text;
          text << "tool_response at event " << i << " answers ";
          text.quoted(event.call_id) << ", but no earlier tool_call has that id; ignored by the counts";
          report(diagnostic_kind::response_to_unknown_call, i, std::nullopt, event.call_id, text);
        }
        if (event.call_id.empty()) {
          message text;
          text << "tool_response at event " << i << " has an empty call_id; it is matched like any other id";
          report(diagnostic_kind::empty_id, i, std::nullopt, {}, text);
        }
        if (seen.answered != no_event) {
          const trace_event& call = trace[seen.answered];
          if (!event.name.empty() && !call.name.empty() && event.name != call.name) {
            message text;
            text << "tool_response at event " << i << " names tool ";
            text.quoted(event.name) << " but answers the call at event " << std::size_t{seen.answered}
                                    << " of tool ";
            text.quoted(call.name) << " (same id ";
            text.quoted(event.call_id) << "); counted as its answer";
            report(diagnostic_kind::response_name_mismatch, i, std::size_t{seen.answered}, event.call_id, text);
          }
        }
        break;
      }
      case event_type::assistant_message:
        matcher.on_other(index);
        last_assistant = i;
        first_call_after_last_assistant = none;
        calls_after_last_assistant = 0;
        break;
    }
    if (event.at) {
      if (latest_time_index != none && *event.at < *trace[latest_time_index].at) {
        message text;
        text << "event " << i << " is at " << std::int64_t{event.at->count()} << " ns, earlier than event "
             << latest_time_index << " at " << std::int64_t{trace[latest_time_index].at->count()}
             << " ns; counts ignore times, but a timeline of this trace will look wrong";
        report(diagnostic_kind::time_went_backwards, i, latest_time_index, {}, text);
      } else {
        latest_time_index = i;
      }
    }
  }
  const std::size_t sorted_until = out.size();

  // Never-answered calls: known only once the whole trace has been matched.
  std::size_t next_assistant = none;
  for (std::size_t i = trace.size(); i-- > 0;) {
    const event_type type = matcher.kind(i);
    if (type == event_type::assistant_message) {
      next_assistant = i;
    } else if (type == event_type::tool_call && matcher.partner(i) == no_event) {
      message text;
      text << "tool_call at event " << i << " (id ";
      text.quoted(trace[i].id) << ", tool ";
      text.quoted(trace[i].name) << ") is never answered; count_sequential_rounds closes its round ";
      if (next_assistant != none) {
        text << "at the next assistant message (event " << next_assistant << ")";
      } else {
        text << "at the end of the trace";
      }
      report(diagnostic_kind::call_never_answered, i,
             next_assistant != none ? std::optional<std::size_t>{next_assistant} : std::nullopt, trace[i].id, text);
    }
  }
  std::reverse(out.begin() + static_cast<std::ptrdiff_t>(sorted_until), out.end());

  if (first_call_after_last_assistant != none) {
    const std::size_t first = first_call_after_last_assistant;
    const bool any_assistant = last_assistant != none;
    message text;
    text << calls_after_last_assistant << " tool call(s) from event " << first;
    if (any_assistant) {
      text << " on come after the last assistant message (event " << last_assistant << ")";
    } else {
      text << " on come with no assistant message at all";
    }
    text << "; analyze_parallelization counts them as a last batch, the seed's code drops them";
    report(diagnostic_kind::trailing_batch_without_assistant_message, first,
           any_assistant ? std::optional<std::size_t>{last_assistant} : std::nullopt, trace[first].id, text);
  }

  // The late part: never-answered calls ascending, then the trailing batch's
  // diagnostic moved to its place among them; then merge both sorted parts.
  if (first_call_after_last_assistant != none) {
    const auto late_begin = out.begin() + static_cast<std::ptrdiff_t>(sorted_until);
    const auto place = std::upper_bound(late_begin, out.end() - 1, out.back(), detail::diagnostic_before);
    std::rotate(place, out.end() - 1, out.end());
  }
  std::inplace_merge(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(sorted_until), out.end(),
                     detail::diagnostic_before);
  matcher.finish();
  return out;
}

}  // namespace volley
