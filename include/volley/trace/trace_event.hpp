// volley/trace/trace_event.hpp: the events of an agent's tool trace.
//
// Pure layer: standard library only. The shape is the seed's: a tool_call
// carries its own `id`, a tool_response names the call it answers in
// `call_id`, an assistant_message closes a batch of calls.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace volley {

enum class event_type { tool_call, tool_response, assistant_message };

constexpr std::string_view to_string(event_type t) noexcept {
  switch (t) {
    case event_type::tool_call: return "tool_call";
    case event_type::tool_response: return "tool_response";
    case event_type::assistant_message: return "assistant_message";
  }
  return "unknown";
}

// When to use: build traces from logs or adapters and hand them to the
// graders in volley/grade. Times are optional; graders that need none ignore them.
//
//   good: trace.push_back(volley::trace_event::call("c1", "search"));
//   bad:  a tool_response with its id in `id` instead of `call_id`: the
//         graders read `call_id` of responses and report the response as
//         answering an unknown call.
struct trace_event {
  event_type type = event_type::tool_call;
  std::string id;       // of a tool_call
  std::string call_id;  // of a tool_response: the id of the call it answers
  std::string name;     // the tool's name (of a tool_call; optional on a response)
  std::optional<std::chrono::nanoseconds> at;

  static trace_event call(std::string id, std::string name = {},
                          std::optional<std::chrono::nanoseconds> at = {}) {
    return {event_type::tool_call, std::move(id), {}, std::move(name), at};
  }
  static trace_event response(std::string call_id, std::string name = {},
                              std::optional<std::chrono::nanoseconds> at = {}) {
    return {event_type::tool_response, {}, std::move(call_id), std::move(name), at};
  }
  static trace_event assistant_message(std::optional<std::chrono::nanoseconds> at = {}) {
    return {event_type::assistant_message, {}, {}, {}, at};
  }

  friend bool operator==(const trace_event&, const trace_event&) = default;
};

// A whole trace, in the order the events happened.
using trace = std::vector<trace_event>;

}  // namespace volley
