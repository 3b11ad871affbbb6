// volley/io/message_format.hpp: which provider's format a conversation is in.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "volley/io/anthropic.hpp"
#include "volley/io/detail/json_access.hpp"
#include "volley/io/openai.hpp"
#include "volley/trace/trace_event.hpp"

namespace volley::io {

// The two message formats volley reads.
enum class message_format { openai, anthropic };

constexpr std::string_view to_string(message_format format) noexcept {
  return format == message_format::openai ? std::string_view{"openai"} : std::string_view{"anthropic"};
}

// "openai" or "anthropic" → the format; anything else → nullopt.
inline std::optional<message_format> message_format_from_string(std::string_view name) noexcept {
  if (name == "openai") return message_format::openai;
  if (name == "anthropic") return message_format::anthropic;
  return std::nullopt;
}

// When to use: reading files whose provider you don't know. The signs: an
// OpenAI conversation has a `tool` message or an assistant `tool_calls`
// member; an Anthropic one has a `tool_use` or `tool_result` content block.
// A conversation with neither made no calls and reads the same in both
// formats; it is reported as openai. One with both is a format_error (name the
// format explicitly if you really mean one of them). Not an array: openai
// (the importer then reports what is wrong with it).
//
//   good: auto format = volley::io::detect_message_format(record["traj"], "traj");
//   bad:  guessing from the first message only: system and user messages look
//         the same in both formats.
inline message_format detect_message_format(const nlohmann::json& messages,
                                            std::string_view messages_path = "messages") {
  using volley::io::detail::json;
  if (!messages.is_array()) return message_format::openai;
  std::optional<std::size_t> openai_sign;
  std::optional<std::size_t> anthropic_sign;
  for (std::size_t i = 0; i < messages.size() && !(openai_sign && anthropic_sign); ++i) {
    const json& message = messages[i];
    if (!message.is_object()) continue;
    if (!openai_sign) {
      const auto role = message.find("role");
      const bool tool_role = role != message.end() && role->is_string() && role->get_ref<const std::string&>() == "tool";
      if (tool_role || volley::io::detail::find_member(message, "tool_calls") != nullptr) openai_sign = i;
    }
    if (!anthropic_sign) {
      const auto content = message.find("content");
      if (content == message.end() || !content->is_array()) continue;
      for (const json& block : *content) {
        if (!block.is_object()) continue;
        const auto type = block.find("type");
        if (type == block.end() || !type->is_string()) continue;
        const std::string& name = type->get_ref<const std::string&>();
        if (name == "tool_use" || name == "tool_result") {
          anthropic_sign = i;
          break;
        }
      }
    }
  }
  if (openai_sign && anthropic_sign) {
    const volley::io::detail::json_path root{messages_path};
    const volley::io::detail::json_path openai_message = root[*openai_sign];
    const volley::io::detail::json_path anthropic_message = root[*anthropic_sign];
    volley::io::detail::fail(root, "mixes formats: " + openai_message.str() + " is OpenAI tool use, " +
                                       anthropic_message.str() + " is Anthropic tool use; name the format explicitly");
  }
  return anthropic_sign ? message_format::anthropic : message_format::openai;
}

// When to use: import a conversation whose format you know (or just detected).
//
//   good: volley::io::trace_from_messages(messages, volley::io::detect_message_format(messages))
//   bad:  forcing message_format::openai on Anthropic data: its tool_use blocks
//         are not read and the trace has no calls.
inline volley::trace trace_from_messages(const nlohmann::json& messages, message_format format,
                                         std::string_view messages_path = "messages") {
  return format == message_format::openai ? openai::trace_from_messages(messages, messages_path)
                                          : anthropic::trace_from_messages(messages, messages_path);
}

}  // namespace volley::io
