// volley/io/anthropic.hpp: the Anthropic messages format, both directions.
//
// Needs nlohmann/json (CMake target volley::io). Every function throws only
// volley::io::format_error (naming the JSON path of the field at fault) or
// std::bad_alloc.
//
// The format: a conversation is an array of messages (or an object holding
// them under "messages"), each `{role, content}` where content is a string or
// an array of blocks. An assistant's `tool_use` block `{id, name, input}` is a
// call; a user's `tool_result` block `{tool_use_id, content, is_error}` answers it.
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

namespace volley::io::anthropic {

namespace detail {

using volley::io::detail::json;
using volley::io::detail::json_path;

// Calls `visit(block, block_path, type)` for each content block of a message
// whose content is an array; a string content has no blocks.
template <class Visit>
void for_each_block(const json& message, const json_path& message_path, Visit&& visit) {
  using namespace volley::io::detail;
  const json& content = require_member(message, "content", message_path, "string or array");
  const json_path content_path = message_path / "content";
  if (content.is_string()) return;
  if (!content.is_array()) fail(content_path, expected_got("string or array", content));
  for (std::size_t i = 0; i < content.size(); ++i) {
    const json& block = content[i];
    const json_path block_path = content_path[i];
    require_object(block, block_path);
    const std::string& type = require_string_member(block, "type", block_path);
    visit(block, block_path, type);
  }
}

struct tool_use_view {
  const std::string& id;
  const std::string& name;
  const json& input;
};

inline tool_use_view read_tool_use(const json& block, const json_path& path) {
  using namespace volley::io::detail;
  const std::string& id = require_string_member(block, "id", path);
  const std::string& name = require_string_member(block, "name", path);
  const json& input = require_member(block, "input", path, "object");
  const json_path input_path = path / "input";
  require_object(input, input_path);
  return {id, name, input};
}

inline const std::string& read_tool_result(const json& block, const json_path& path) {
  using namespace volley::io::detail;
  const std::string& id = require_string_member(block, "tool_use_id", path);
  if (const json* is_error = find_member(block, "is_error"); is_error != nullptr && !is_error->is_boolean()) {
    const json_path flag_path = path / "is_error";
    fail(flag_path, expected_got("boolean", *is_error));
  }
  return id;
}

}  // namespace detail

// When to use: turn a recorded Anthropic conversation into the trace volley's
// graders read. `messages_path` names the array in error messages.
//
// Where the events go: every assistant message becomes one assistant_message
// event, emitted BEFORE the tool_call events of its tool_use blocks (in block
// order); every tool_result block of a user message becomes a tool_response
// (named after the latest call with that id). So an assistant message that
// uses tools starts a batch and the next assistant message closes it: the
// seed's definition of a batch. Other blocks (text, thinking, images,
// server-side tools) and other roles add no events.
//
//   good: auto t = volley::io::anthropic::trace_from_messages(request["messages"]);
//   bad:  reading tool_use blocks as OpenAI tool_calls: openai::trace_from_messages
//         sees no tool_calls member and reports no calls at all.
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
      detail::for_each_block(message, message_path, [&](const json& block, const json_path& block_path,
                                                        const std::string& type) {
        if (type != "tool_use") return;
        const detail::tool_use_view call = detail::read_tool_use(block, block_path);
        events.push_back(trace_event::call(call.id, call.name));
        name_of_call[call.id] = call.name;
      });
    } else if (role == "user") {
      detail::for_each_block(message, message_path, [&](const json& block, const json_path& block_path,
                                                        const std::string& type) {
        if (type != "tool_result") return;
        const std::string& call_id = detail::read_tool_result(block, block_path);
        std::string name;
        if (auto it = name_of_call.find(call_id); it != name_of_call.end()) name = it->second;
        events.push_back(trace_event::response(call_id, std::move(name)));
      });
    }
  }
  return events;
}

// When to use: a whole conversation as stored: the array of messages or an
// object holding it under "messages" (a request body; its "system" is not a
// message and adds nothing). Error paths start at "messages" in both cases.
//
//   good: volley::io::anthropic::trace_from_conversation(request_body)
//   bad:  trace_from_conversation(response): a response is one message, not a conversation.
inline volley::trace trace_from_conversation(const nlohmann::json& conversation) {
  using namespace volley::io::detail;
  if (conversation.is_array()) return trace_from_messages(conversation, "messages");
  if (conversation.is_object()) {
    const json_path root{""};
    return trace_from_messages(require_member(conversation, "messages", root, "array"), "messages");
  }
  fail(json_path{""}, expected_got("an array of messages or an object with \"messages\"", conversation));
}

// When to use: the conversation is still text. Not JSON is a format_error
// whose problem keeps nlohmann's line and column.
//
//   good: auto t = volley::io::anthropic::trace_from_json_text(body);
//   bad:  trace_from_conversation(nlohmann::json::parse(body)): a parse error
//         would escape as nlohmann's exception, not format_error.
inline volley::trace trace_from_json_text(std::string_view text) {
  const volley::io::detail::json_path root{""};
  return trace_from_conversation(volley::io::detail::parse_json(text, root));
}

// When to use: in an agent loop, on the assistant message of a response (its
// "content" blocks): the calls to hand to volley::parallel_batch, in block
// order, each `arguments` being the block's `input` serialized compactly.
//
//   good: auto calls = volley::io::anthropic::tool_calls_from_message(response);
//         (a Messages API response is itself the assistant message: role + content)
//   bad:  expecting calls from a message whose content is a plain string: it has none.
inline std::vector<tool_call> tool_calls_from_message(const nlohmann::json& assistant_message,
                                                      std::string_view message_path = "message") {
  using namespace volley::io::detail;
  const json_path root{message_path};
  require_object(assistant_message, root);
  std::vector<tool_call> calls;
  detail::for_each_block(assistant_message, root, [&](const json& block, const json_path& block_path,
                                                      const std::string& type) {
    if (type != "tool_use") return;
    const detail::tool_use_view call = detail::read_tool_use(block, block_path);
    calls.push_back(tool_call{call.id, call.name, serialize(call.input)});
  });
  return calls;
}

// When to use: after a batch ran: the one user message that answers every call
// of the turn, `{"role": "user", "content": [{"type": "tool_result",
// "tool_use_id": id, "content": text, "is_error": bool}, ...]}` in the results'
// order. The text of a value is the value; an error reads
// "error (<code>): <message>" with is_error true. Bytes that are not UTF-8
// become U+FFFD. With no results the content array is empty; don't send that.
//
//   good: messages.push_back(volley::io::anthropic::tool_result_message_from_results(results));
//   bad:  one user message per result: the API wants every tool_result of a
//         turn in the single user message that follows it.
inline nlohmann::json tool_result_message_from_results(const std::vector<call_result>& results) {
  using namespace volley::io::detail;
  json blocks = json::array();
  for (const call_result& result : results) {
    blocks.push_back(json{{"type", "tool_result"},
                          {"tool_use_id", valid_utf8(result.id)},
                          {"content", result_text(result)},
                          {"is_error", !result.result.has_value()}});
  }
  return json{{"role", "user"}, {"content", std::move(blocks)}};
}

// When to use: to write an assistant turn that makes these calls (tests,
// replays, simulated models): one tool_use block per call, `input` parsed from
// its arguments (empty arguments give {}). Arguments that are not a JSON
// object are a format_error at `tool_calls[i].arguments`.
//
//   good: messages.push_back(volley::io::anthropic::assistant_message_from_tool_calls(calls));
//   bad:  calls whose arguments are free text: Anthropic's input must be an object.
inline nlohmann::json assistant_message_from_tool_calls(const std::vector<tool_call>& calls) {
  using namespace volley::io::detail;
  const json_path root{"tool_calls"};
  json blocks = json::array();
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const tool_call& call = calls[i];
    const json_path call_path = root[i];
    const json_path arguments_path = call_path / "arguments";
    json input = call.arguments.empty() ? json::object() : parse_json(call.arguments, arguments_path);
    require_object(input, arguments_path);
    blocks.push_back(json{{"type", "tool_use"}, {"id", valid_utf8(call.id)}, {"name", valid_utf8(call.name)},
                          {"input", std::move(input)}});
  }
  return json{{"role", "assistant"}, {"content", std::move(blocks)}};
}

}  // namespace volley::io::anthropic
