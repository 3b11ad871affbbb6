// volley/mcp/tool_policy.hpp: what an MCP tool's calls do to the state they touch.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "volley/core/time.hpp"
#include "volley/effect.hpp"
#include "volley/io/tool_definitions.hpp"
#include "volley/mcp/protocol.hpp"

namespace volley::mcp {

// How a value found in a call's arguments becomes a resource key.
enum class key_kind {
  value,              // the value as it is, under the policy's key namespace ("memory:Alice")
  file,               // a path: the contents of the file (or directory) there
  directory_entries,  // a path to a directory: the list of its entries
  parent_entries,     // a path: the list of entries of the directory holding it
                      // (a call that may create or remove the file there)
};

// One argument that names a resource: a JSON pointer into the call's
// arguments object, where a token "*" matches every array element or
// object member ("/path", "/paths/*", "/edits/*/file").
struct resource_argument {
  std::string pointer;
  key_kind kind = key_kind::value;
  // A call that lacks the argument touches everything (the server may read
  // a default we do not know). False: a missing argument adds no key.
  bool required = true;
};

// What one tool's calls touch. A call touches the keys its arguments give
// plus `fixed_keys`; a call for which `resources` is not set, or a required
// argument is missing, touches everything (the safe default: it then runs
// beside read-only calls only if it is read-only itself).
struct tool_rule {
  std::optional<volley::effect> effect{};  // replaces what the server's hints say
  std::optional<std::vector<resource_argument>> resources{};
  std::vector<std::string> fixed_keys{};  // under the key namespace, like key_kind::value
};

// A tools/call's progress, as a registered tool reports it.
struct call_progress {
  std::string call_id;  // the tool call's id in the batch
  std::string tool;     // the registry name
  progress update;
};

// How add_tools turns one server's tools into registry entries.
//
// Effects: a tool is read_only when its readOnlyHint is true, mutating
// otherwise (the specification's default). Hints come from the server and
// are not to be trusted blindly: a rule's `effect` replaces them, and
// `trust_read_only_hint = false` makes every tool without a rule mutating.
//
// Resources: without rules, every call touches everything, so a mutating
// call runs alone and read-only calls run together. That is what other
// clients do (Codex runs read-only MCP tools concurrently and the rest
// exclusively); rules that say which arguments name the state a call
// touches let a write to one file run beside reads of every other file.
//
// When to use: one per server given to add_tools; filesystem_policy() for
// the reference filesystem server; rules of your own for your servers.
//
//   good: auto policy = volley::mcp::tool_policy{.prefix = "memory."};
//         policy.tools["create_entities"] = {.resources = {{{"/entities/*/name"}}}};
//   bad:  marking a tool read_only because it "mostly reads": two calls of
//         it could then race with each other's writes.
struct tool_policy {
  // Registry names are prefix + the server's tool name, so several servers
  // share one registry ("fs.read_text_file", "memory.read_graph").
  std::string prefix{};
  // Keys of kind `value` are "NAMESPACE:VALUE"; default: the server's name.
  // (File keys are not namespaced: two servers on one file system share them.)
  std::string key_namespace{};
  std::map<std::string, tool_rule, std::less<>> tools{};
  bool trust_read_only_hint = true;
  // Relative paths in arguments are resolved against this directory (the
  // filesystem server resolves them against its first allowed directory);
  // empty: this process's working directory.
  std::filesystem::path base_directory{};
  // Which tools to add; null: every one.
  std::function<bool(const io::tool_definition&)> include{};
  // Asks for progress notifications and reports them (on the transport's thread).
  std::function<void(const call_progress&)> on_progress{};
  // A limit for every call of these tools, on top of the batch's timeout.
  std::optional<duration> call_timeout{};
  // Text blocks joined, other blocks summarized (tool_result::text); true:
  // structuredContent is appended as JSON text when the content does not
  // already hold it.
  bool append_structured_content = false;

  // The effect a tool's calls have under this policy.
  volley::effect effect_of(const io::tool_definition& tool) const {
    if (auto it = tools.find(tool.name); it != tools.end() && it->second.effect) return *it->second.effect;
    if (!trust_read_only_hint) return volley::effect::mutating;
    return io::effect_from_annotations(tool.annotations);
  }
};

// The policy for the reference filesystem server
// (@modelcontextprotocol/server-filesystem): every path argument is a
// resource, normalized as the server normalizes it (relative paths against
// `allowed_directory`, symbolic links resolved), so two spellings of one
// file conflict.
//   - read_text_file, read_file, read_media_file, read_multiple_files: the files;
//   - write_file, edit_file: the file and its directory's entries (it may
//     create the file, and sizes show in listings);
//   - list_directory, list_directory_with_sizes: the directory's entries;
//   - get_file_info: the file and, for a directory, its entries;
//   - create_directory, move_file: everything (they change the tree, which
//     every path below them depends on);
//   - directory_tree, search_files: everything, read-only (they read whole
//     subtrees): they wait for earlier writes, and later writes for them;
//   - list_allowed_directories: a key of its own (it reads nothing a tool changes).
// A tool this list does not name keeps the default (its hint, everything).
inline tool_policy filesystem_policy(std::filesystem::path allowed_directory, std::string prefix = {}) {
  tool_policy policy;
  policy.prefix = std::move(prefix);
  policy.key_namespace = "filesystem";
  policy.base_directory = std::move(allowed_directory);
  const tool_rule read_path{.effect = volley::effect::read_only, .resources = {{{"/path", key_kind::file}}}};
  const tool_rule write_path{.effect = volley::effect::mutating,
                             .resources = {{{"/path", key_kind::file}, {"/path", key_kind::parent_entries}}}};
  const tool_rule list_path{.effect = volley::effect::read_only,
                            .resources = {{{"/path", key_kind::directory_entries}}}};
  const tool_rule read_everything{.effect = volley::effect::read_only};
  const tool_rule change_everything{.effect = volley::effect::mutating};
  policy.tools = {
      {"read_text_file", read_path},
      {"read_file", read_path},
      {"read_media_file", read_path},
      {"read_multiple_files",
       {.effect = volley::effect::read_only, .resources = {{{"/paths/*", key_kind::file}}}}},
      {"write_file", write_path},
      {"edit_file", write_path},
      {"list_directory", list_path},
      {"list_directory_with_sizes", list_path},
      {"get_file_info",
       {.effect = volley::effect::read_only,
        .resources = {{{"/path", key_kind::file}, {"/path", key_kind::directory_entries}}}}},
      {"create_directory", change_everything},
      {"move_file", change_everything},
      {"directory_tree", read_everything},
      {"search_files", read_everything},
      {"list_allowed_directories",
       {.effect = volley::effect::read_only, .resources = std::vector<resource_argument>{},
        .fixed_keys = {"allowed-directories"}}},
  };
  return policy;
}

}  // namespace volley::mcp
