// volley/io/openai.hpp: the OpenAI chat-completions message format, both directions.
//
// Needs nlohmann/json (CMake target volley::io). Every function throws only
// volley::io::format_error (naming the JSON path of the field at fault) or
// std::bad_alloc.
//
// The format: a conversation is an array of messages (or an object holding
// them under "messages"); an `assistant` message may carry
// `tool_calls: [{id, type: "function", function: {name, arguments}}]`, and each
// answer is a `tool` message with `tool_call_id` (and optionally `name`).
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "volley/io/detail/json_access.hpp"
#include "volley/io/detail/result_text.hpp"
#include "volley/io/format_error.hpp"
#include "volley/tool/tool_call.hpp"
#include "volley/trace/trace_event.hpp"

namespace volley::io::openai {

namespace detail {

using volley::io::detail::json;
using volley::io::detail::json_path;

// One validated entry of `tool_calls`, referring into the message.
struct call_view {
  const std::string& id;
  const std::string& name;
  const json& arguments;  // a string, or an object some providers send instead
};

inline call_view read_call(const json& entry, const json_path& path) {
  using namespace volley::io::detail;
  require_object(entry, path);
  if (const json* type = find_member(entry, "type")) {
    const json_path type_path = path / "type";
    const std::string& kind = require_string(*type, type_path);
    if (kind != "function") fail(type_path, "unsupported tool call type \"" + kind + "\" (expected \"function\")");
  }
  const std::string& id = require_string_member(entry, "id", path);
  const json& function = require_member(entry, "function", path, "object");
  const json_path function_path = path / "function";
  require_object(function, function_path);
  const std::string& name = require_string_member(function, "name", function_path);
  const json& arguments = require_member(function, "arguments", function_path, "string or object");
  if (!arguments.is_string() && !arguments.is_object()) {
    const json_path arguments_path = function_path / "arguments";
    fail(arguments_path, expected_got("string or object", arguments));
  }
  return {id, name, arguments};
}

// Calls `visit(call_view)` for each entry of the message's tool_calls (none
// when it has no tool_calls or they are null).
template <class Visit>
void for_each_call(const json& message, const json_path& message_path, Visit&& visit) {
  using namespace volley::io::detail;
  const json* calls = find_member(message, "tool_calls");
  if (calls == nullptr) return;
  const json_path calls_path = message_path / "tool_calls";
  require_array(*calls, calls_path);
  for (std::size_t i = 0; i < calls->size(); ++i) {
    const json_path call_path = calls_path[i];
    visit(read_call((*calls)[i], call_path));
  }
}

}  // namespace detail

// When to use: turn a recorded OpenAI conversation (an array of messages) into
// the trace volley's graders read. `messages_path` names the array in error
// messages ("messages", or "traj" for a tau-bench record).
//
// Where the events go: every assistant message becomes one assistant_message
// event, emitted BEFORE the tool_call events of its tool_calls; each tool
// message becomes a tool_response (its name taken from the message's "name",
// else from the latest call with that id). So an assistant message that calls
// tools starts a batch, and the batch is closed by the next assistant message,
// which is the seed's definition (a batch = the calls between two
// assistant_message events). A conversation that ends on tool results leaves
// its last batch open; volley's graders report that rather than drop it.
// system, user, developer and other roles add no events. The legacy
// single `function_call` field (no ids) is not read.
//
//   good: auto t = volley::io::openai::trace_from_messages(record["traj"], "traj");
//   bad:  a trace built by hand with the assistant_message after the calls:
//         the seed's batch counting would then put each call in the batch
//         before it.
inline volley::trace trace_from_messages(const nlohmann::json& messages,
                                         std::string_view messages_path = "messages") {
  using namespace volley::io::detail;
  const json_path root{messages_path};
  require_array(messages, root);
  volley::trace events;
  events.reserve(messages.size() + messages.size() / 2);
  std::unordered_map<std::string_view, std::string_view> name_of_call;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const json& message = messages[i];
    const json_path message_path = root[i];
    require_object(message, message_path);
    const std::string& role = require_string_member(message, "role", message_path);
    if (role == "assistant") {
      events.push_back(trace_event::assistant_message());
      detail::for_each_call(message, message_path, [&](const detail::call_view& call) {
        events.push_back(trace_event::call(call.id, call.name));
        name_of_call[call.id] = call.name;
      });
    } else if (role == "tool") {
      const std::string& call_id = require_string_member(message, "tool_call_id", message_path);
      std::string name;
      if (const json* given = find_member(message, "name")) {
        const json_path name_path = message_path / "name";
        name = require_string(*given, name_path);
      } else if (auto it = name_of_call.find(call_id); it != name_of_call.end()) {
        name = it->second;
      }
      events.push_back(trace_event::response(call_id, std::move(name)));
    }
  }
  return events;
}

// When to use: a whole conversation as stored: either the array of messages or
// an object holding it under "messages" (a request body, a log record). Error
// paths start at "messages" in both cases.
//
//   good: volley::io::openai::trace_from_conversation(request_body)
//   bad:  trace_from_conversation(record) for a tau-bench record: its messages
//         are under "traj"; use trace_from_messages(record["traj"], "traj").
inline volley::trace trace_from_conversation(const nlohmann::json& conversation) {
  using namespace volley::io::detail;
  if (conversation.is_array()) return trace_from_messages(conversation, "messages");
  if (conversation.is_object()) {
    const json_path root{""};
    return trace_from_messages(require_member(conversation, "messages", root, "array"), "messages");
  }
  fail(json_path{""}, expected_got("an array of messages or an object with \"messages\"", conversation));
}

// When to use: the conversation is still text (a file's contents, a request
// body). Not JSON is a format_error whose problem keeps nlohmann's line and column.
//
//   good: auto t = volley::io::openai::trace_from_json_text(body);
//   bad:  trace_from_conversation(nlohmann::json::parse(body)): a parse error
//         would escape as nlohmann's exception, not format_error.
inline volley::trace trace_from_json_text(std::string_view text) {
  const volley::io::detail::json_path root{""};
  return trace_from_conversation(volley::io::detail::parse_json(text, root));
}

// When to use: in an agent loop, right after the model answered: the calls to
// hand to volley::parallel_batch, in the order the model wrote them.
// `arguments` is the raw string the model wrote; a provider that sends an
// object instead gets it serialized compactly. A message without tool_calls
// (or with "tool_calls": null) gives none.
//
//   good: auto calls = volley::io::openai::tool_calls_from_message(response["choices"][0]["message"]);
//   bad:  tool_calls_from_message(response): the whole response is not a message;
//         it has no tool_calls member and gives no calls.
inline std::vector<tool_call> tool_calls_from_message(const nlohmann::json& assistant_message,
                                                      std::string_view message_path = "message") {
  using namespace volley::io::detail;
  const json_path root{message_path};
  require_object(assistant_message, root);
  std::vector<tool_call> calls;
  detail::for_each_call(assistant_message, root, [&](const detail::call_view& call) {
    calls.push_back(tool_call{call.id, call.name,
                              call.arguments.is_string() ? call.arguments.get<std::string>()
                                                         : serialize(call.arguments)});
  });
  return calls;
}

// When to use: after a batch ran: the `tool` messages to append to the
// conversation, one per result, in the results' order, each
// `{"role": "tool", "tool_call_id": id, "content": text}`. The text of a value
// is the value; an error reads "error (<code>): <message>" (for example
// "error (timeout): search took longer than 2s"), so the model sees why.
// Text that is not UTF-8 has those bytes replaced by U+FFFD.
//
//   good: for (auto& m : volley::io::openai::tool_messages_from_results(results)) messages.push_back(m);
//   bad:  one tool message per batch: the API wants one per tool_call_id.
inline nlohmann::json tool_messages_from_results(const std::vector<call_result>& results) {
  using namespace volley::io::detail;
  json messages = json::array();
  for (const call_result& result : results) {
    messages.push_back(json{{"role", "tool"}, {"tool_call_id", valid_utf8(result.id)}, {"content", result_text(result)}});
  }
  return messages;
}

// When to use: to write an assistant turn that makes these calls (tests,
// replays, simulated models): `{"role": "assistant", "content": null,
// "tool_calls": [{id, type: "function", function: {name, arguments}}]}`.
// tool_calls_from_message gives the calls back unchanged.
//
//   good: messages.push_back(volley::io::openai::assistant_message_from_tool_calls(calls));
//   bad:  using it to forward a real model turn: append the model's own message,
//         which also holds its text.
inline nlohmann::json assistant_message_from_tool_calls(const std::vector<tool_call>& calls) {
  using namespace volley::io::detail;
  json entries = json::array();
  for (const tool_call& call : calls) {
    entries.push_back(json{{"id", valid_utf8(call.id)},
                           {"type", "function"},
                           {"function", {{"name", valid_utf8(call.name)}, {"arguments", valid_utf8(call.arguments)}}}});
  }
  return json{{"role", "assistant"}, {"content", nullptr}, {"tool_calls", std::move(entries)}};
}

}  // namespace volley::io::openai
