// volley/mcp/add_tools.hpp: an MCP server's tools as entries of a tool_registry.
#pragma once

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "volley/core/task.hpp"
#include "volley/effect.hpp"
#include "volley/io/tool_definitions.hpp"
#include "volley/mcp/client.hpp"
#include "volley/mcp/detail/argument_values.hpp"
#include "volley/mcp/detail/path_keys.hpp"
#include "volley/mcp/mcp_error.hpp"
#include "volley/mcp/tool_policy.hpp"
#include "volley/tool/call_context.hpp"
#include "volley/tool/tool_error.hpp"
#include "volley/tool/tool_registry.hpp"

namespace volley::mcp {

// A call's arguments as the model wrote them: a JSON object.
struct remote_arguments {
  nlohmann::json value = nlohmann::json::object();
};

namespace detail {

// What one registered MCP tool needs, shared by the copies the registry keeps.
struct remote_tool_data {
  std::shared_ptr<client_state> client;
  std::string tool_name;      // the server's name for it
  std::string registry_name;  // prefix + tool_name
  std::optional<tool_rule> rule;
  std::string key_namespace;
  std::filesystem::path base_directory;
  std::function<void(const call_progress&)> on_progress;
  std::optional<duration> call_timeout;
  bool append_structured_content = false;
  // The rule's pointers, split into tokens once.
  std::vector<std::vector<std::string>> pointer_tokens;
};

// The text a model is shown for a result.
inline std::string result_text(const tool_result& result, bool append_structured_content) {
  std::string text = result.text();
  if (append_structured_content && !result.structured_content.is_null() && !result.content.empty()) {
    std::string structured = result.structured_content.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (text.find(structured) == std::string::npos) text += "\n" + structured;
  }
  return text;
}

inline task<std::string> run_remote_tool(std::shared_ptr<const remote_tool_data> data, const remote_arguments& arguments,
                                         call_context& ctx) {
  call_options options;
  options.stop = ctx.stop_token();
  options.call_id = ctx.id();  // the scheduler's record of the call outlives it
  options.timeout = data->call_timeout;
  if (data->on_progress) {
    options.on_progress = [data, id = std::string(ctx.id())](const progress& update) {
      data->on_progress(call_progress{id, data->registry_name, update});
    };
  }
  tool_result result = co_await client::call_tool_on(data->client, data->tool_name, arguments.value, std::move(options));
  std::string text = result_text(result, data->append_structured_content);
  if (result.is_error) {
    // The TypeScript SDK reports arguments that fail the tool's input
    // schema as an error result "MCP error -32602: ...".
    const errc code = text.starts_with("MCP error -32602") ? errc::invalid_arguments : errc::tool_failed;
    throw volley::tool_error(code, data->client->link->description() + ": " +
                                       describe_request("tools/call", data->tool_name, ctx.id()) +
                                       " reported an error: " + text);
  }
  co_return text;
}

}  // namespace detail

// One tool of an MCP server, as a volley Tool: its calls go to the server
// through the client, with the effect and the resources its policy gives.
// add_tools makes these; you rarely name the type.
class remote_tool {
 public:
  using args_type = remote_arguments;
  using result_type = std::string;

  remote_tool(std::shared_ptr<const detail::remote_tool_data> data, volley::effect e, const io::tool_definition& listed)
      : name(data->registry_name),
        effect(e),
        description(listed.description),
        input_schema(listed.input_schema.is_null()
                         ? std::string{}
                         : listed.input_schema.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)),
        m_data(std::move(data)) {}

  std::string name;
  volley::effect effect;
  std::string description;   // as the server lists it
  std::string input_schema;  // the server's inputSchema, as JSON text

  // The arguments text must be a JSON object; empty text is {}.
  remote_arguments parse_args(std::string_view text) const {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    nlohmann::json value;
    try {
      value = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      throw std::invalid_argument(std::string("the arguments are not JSON: ") + e.what());
    }
    if (!value.is_object()) {
      throw std::invalid_argument(std::string("the arguments must be a JSON object, not ") + value.type_name());
    }
    return {std::move(value)};
  }

  // The keys the call touches under the policy; none (= everything) when
  // the policy has no rule for the tool or a required argument is missing.
  std::vector<std::string> resources(const remote_arguments& arguments) const {
    const detail::remote_tool_data& data = *m_data;
    std::vector<std::string> keys;
    if (!data.rule || !data.rule->resources) return keys;
    const auto& rule_arguments = *data.rule->resources;
    std::vector<std::string> values;
    for (std::size_t i = 0; i < rule_arguments.size(); ++i) {
      values.clear();
      detail::collect_values(arguments.value, data.pointer_tokens[i], 0, values);
      if (values.empty() && rule_arguments[i].required) return {};
      for (const auto& v : values) keys.push_back(key_for(v, rule_arguments[i].kind));
    }
    for (const auto& fixed : data.rule->fixed_keys) keys.push_back(data.key_namespace + ":" + fixed);
    return keys;
  }

  task<std::string> operator()(const remote_arguments& arguments, call_context& ctx) const {
    return detail::run_remote_tool(m_data, arguments, ctx);
  }

  const std::string& server_tool_name() const noexcept { return m_data->tool_name; }

 private:
  std::string key_for(const std::string& value, key_kind kind) const {
    switch (kind) {
      case key_kind::value: return m_data->key_namespace + ":" + value;
      case key_kind::file: return detail::file_key(detail::normal_path(value, m_data->base_directory));
      case key_kind::directory_entries: return detail::entries_key(detail::normal_path(value, m_data->base_directory));
      case key_kind::parent_entries:
        return detail::entries_key(detail::normal_path(value, m_data->base_directory).parent_path());
    }
    return value;
  }

  std::shared_ptr<const detail::remote_tool_data> m_data;
};

// Adds every tool the client listed (or those policy.include accepts) to
// `registry` as prefix + name, with effects and resources from the policy;
// returns the names added. The entries work with parallel_batch, session,
// run_rounds and run_dataflow as they are, and keep the client's
// connection alive. A tool's own failure (isError) is its call's
// `tool_failed` error (`invalid_arguments` for the SDK's schema check),
// with the server's text; a lost server, a timeout or a stop fail the
// calls in flight with the reason.
//
// When to use: after connect, and again into a new registry after the
// server's tool list changed (client::tools_generation): a registry must
// not change while a batch runs.
//
//   good: volley::tool_registry tools;
//         volley::mcp::add_tools(tools, fs, volley::mcp::filesystem_policy(root, "fs."));
//         volley::mcp::add_tools(tools, memory, {.prefix = "memory."});
//   bad:  two servers with the same prefix: a name both list throws
//         std::invalid_argument, and nothing of the second is added.
//
// Throws std::invalid_argument when a name is already in the registry (and
// then adds nothing) or a rule's pointer is malformed.
inline std::vector<std::string> add_tools(tool_registry& registry, const client& source, tool_policy policy = {}) {
  std::vector<io::tool_definition> listed = source.tools();
  std::vector<std::string> added;
  std::vector<remote_tool> made;
  const std::string key_namespace =
      policy.key_namespace.empty() ? source.server().implementation.name : policy.key_namespace;
  for (const auto& tool : listed) {
    if (policy.include && !policy.include(tool)) continue;
    auto data = std::make_shared<detail::remote_tool_data>();
    data->client = source.state();
    data->tool_name = tool.name;
    data->registry_name = policy.prefix + tool.name;
    if (auto rule = policy.tools.find(tool.name); rule != policy.tools.end()) {
      data->rule = rule->second;
      if (rule->second.resources) {
        for (const auto& argument : *rule->second.resources) {
          data->pointer_tokens.push_back(detail::pointer_tokens(argument.pointer));
        }
      }
    }
    data->key_namespace = key_namespace;
    data->base_directory = policy.base_directory;
    data->on_progress = policy.on_progress;
    data->call_timeout = policy.call_timeout;
    data->append_structured_content = policy.append_structured_content;
    const bool listed_twice = std::any_of(made.begin(), made.end(),
                                          [&](const remote_tool& t) { return t.name == data->registry_name; });
    if (registry.contains(data->registry_name) || listed_twice) {
      throw std::invalid_argument("volley::mcp::add_tools: the registry already has a tool named '" +
                                  data->registry_name + "' (" + source.description() +
                                  " lists it too); give the server a prefix");
    }
    const volley::effect e = policy.effect_of(tool);
    made.emplace_back(std::move(data), e, tool);
  }
  for (auto& tool : made) {
    added.push_back(tool.name);
    registry.add(std::move(tool));
  }
  return added;
}

}  // namespace volley::mcp
