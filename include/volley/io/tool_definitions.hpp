// volley/io/tool_definitions.hpp: tool definition lists in the four shapes agents send them.
// (Provisional: the headroom work brings the full reader; this has the same interface.)
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "volley/effect.hpp"
#include "volley/io/detail/json_access.hpp"
#include "volley/io/detail/json_path.hpp"
#include "volley/io/format_error.hpp"

namespace volley::io {

struct tool_annotations {
  std::optional<bool> read_only_hint, destructive_hint, idempotent_hint, open_world_hint;
};

struct tool_definition {
  std::string name;
  std::string title;
  std::string description;
  nlohmann::json input_schema;   // null when absent
  nlohmann::json output_schema;  // null when absent
  tool_annotations annotations;
};

enum class tool_list_format { chat_completions, responses, anthropic, mcp };

inline tool_definition read_tool_definition(const nlohmann::json& entry, const detail::json_path& path) {
  using namespace detail;
  require_object(entry, path);
  const nlohmann::json* body = &entry;
  detail::json_path function_path = path / "function";
  const bool nested = find_member(entry, "function") != nullptr;
  const detail::json_path& where = nested ? function_path : path;
  if (nested) body = &require_object(*find_member(entry, "function"), function_path);
  tool_definition out;
  out.name = require_string_member(*body, "name", where);
  if (const auto* v = find_member(*body, "title")) out.title = require_string(*v, where / "title");
  if (const auto* v = find_member(*body, "description")) out.description = require_string(*v, where / "description");
  for (const char* key : {"inputSchema", "parameters", "input_schema"}) {
    if (const auto* v = find_member(*body, key)) out.input_schema = *v;
  }
  if (const auto* v = find_member(*body, "outputSchema")) out.output_schema = *v;
  if (const auto* a = find_member(*body, "annotations")) {
    require_object(*a, where / "annotations");
    auto hint = [&](const char* key) -> std::optional<bool> {
      const auto* v = find_member(*a, key);
      if (!v) return std::nullopt;
      if (!v->is_boolean()) fail(where / "annotations" / key, expected_got("a boolean", *v));
      return v->get<bool>();
    };
    out.annotations.read_only_hint = hint("readOnlyHint");
    out.annotations.destructive_hint = hint("destructiveHint");
    out.annotations.idempotent_hint = hint("idempotentHint");
    out.annotations.open_world_hint = hint("openWorldHint");
  }
  return out;
}

inline std::vector<tool_definition> read_tool_definitions(const nlohmann::json& document) {
  using namespace detail;
  const detail::json_path root{"tools"};
  const nlohmann::json* list = &document;
  if (document.is_object()) {
    const auto* member = find_member(document, "tools");
    if (!member) fail(json_path{""}, "expected an array of tools or an object with a 'tools' array");
    list = member;
  }
  require_array(*list, root);
  std::vector<tool_definition> out;
  for (std::size_t i = 0; i < list->size(); ++i) out.push_back(read_tool_definition((*list)[i], root[i]));
  return out;
}

inline volley::effect effect_from_annotations(const tool_annotations& a) {
  return a.read_only_hint.value_or(false) ? volley::effect::read_only : volley::effect::mutating;
}

}  // namespace volley::io
