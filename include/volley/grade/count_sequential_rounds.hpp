// volley/grade/count_sequential_rounds.hpp: how many back-and-forth rounds
// with the tools a trace took — the seed's latency measure.
//
// Pure layer: standard library and volley/trace only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "volley/grade/detail/call_matcher.hpp"
#include "volley/trace/trace_event.hpp"

namespace volley {

namespace detail {

// The counting pass, after `match_calls` ran on the same trace.
inline std::size_t count_rounds_after_matching(std::span<const trace_event> trace, const call_matcher& matcher) {
  std::size_t rounds = 0;
  std::size_t outstanding = 0;         // calls issued, answered later, not yet answered
  std::size_t never_answered_open = 0;  // never-answered calls since the last assistant message
  for (std::size_t i = 0; i < trace.size(); ++i) {
    switch (matcher.kind(i)) {
      case event_type::tool_call:
        if (matcher.partner(i) != no_event) {
          ++outstanding;
        } else {
          ++never_answered_open;
        }
        break;
      case event_type::tool_response:
        if (matcher.partner(i) != no_event) {
          --outstanding;
          if (outstanding == 0 && never_answered_open == 0) ++rounds;
        }
        break;
      case event_type::assistant_message:
        if (never_answered_open > 0) {
          never_answered_open = 0;
          if (outstanding == 0) ++rounds;
        }
        break;
    }
  }
  if (never_answered_open > 0) ++rounds;
  return rounds;
}

}  // namespace detail

// When to use: as the latency term of a reward, or to monitor whether a
// policy learns to batch: fewer rounds = fewer waits for tools.
//
//   good: auto rounds = volley::count_sequential_rounds(trace);  // 2 for the seed's fine-tuned example
//   bad:  using it as the number of assistant turns: calls issued in one turn
//         but answered one after the other with new calls in between can
//         make one round, and a turn whose calls are answered, then more calls
//         issued before the model speaks, makes two.
//
// The seed's definition, exactly on well-formed traces (every response
// answers an earlier unanswered call, every call is answered, no id is
// reused while its call is unanswered): a round ends each time a response
// leaves no call outstanding. Assistant messages and times are ignored.
//
// Every other case, and how it differs from the seed's Python:
// - Response to an unknown id (no earlier unanswered call with that call_id,
//   including a second response to an answered call): ignored, as in the seed.
//   (The seed's indentation is lost; if its `if not current_round_calls` sits
//   outside the membership test, it counts a round for such a response when
//   nothing is outstanding. volley never does.) `validate` reports
//   response_to_unknown_call / duplicate_response.
// - Id reused after its call was answered: a new call, counted as the seed
//   does. `validate` notes call_id_reused.
// - Id reused while its earlier call is unanswered: both are calls (the seed's
//   set keeps one and closes the round at the first response); each response
//   answers the most recent unanswered call with its id, and the round ends
//   when both are answered. `validate` warns reused_while_outstanding.
// - Call never answered: the seed keeps it outstanding forever, so no later
//   round is ever counted (a trace can score 0 rounds). volley instead closes
//   it at the next assistant message (the model went on without its result):
//   if nothing else is outstanding there, that ends a round; if the trace ends
//   with never-answered calls still open, that open round counts too. Thus a
//   never-answered call costs at most the round it was issued in, and never
//   hides later rounds. `validate` warns call_never_answered.
// - Trailing calls after the last assistant message: counted like any other
//   (rounds do not depend on assistant messages).
//
// Speed: one pass over the trace and one over a compact per-event array; no
// allocation per event (the matching table is reused per thread and holds
// only the calls in flight).
inline std::size_t count_sequential_rounds(std::span<const trace_event> trace) {
  detail::call_matcher& matcher = detail::thread_call_matcher();
  detail::match_calls(trace, matcher, detail::call_matcher::memory::outstanding_only);
  const std::size_t rounds = detail::count_rounds_after_matching(trace, matcher);
  matcher.finish();
  return rounds;
}

}  // namespace volley
