// volley-run: the servers, connected, and their tools in one registry.
#pragma once

#include <chrono>
#include <exception>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "volley/core/task.hpp"
#include "volley/core/when_all.hpp"
#include "volley/exec/executor.hpp"
#include "volley/mcp/mcp.hpp"
#include "volley/tool/tool_registry.hpp"
#include "options.hpp"
#if defined(VOLLEY_RUN_HTTP)
#include "volley/mcp/http_transport.hpp"
#endif

namespace volley_run {

// One server of the command line, connected (or why not).
struct connected_server {
  const server_option* option = nullptr;
  volley::mcp::client client;
  std::string error;  // empty: connected, initialized, tools listed
  // The filesystem preset's base directory (empty: no preset for it).
  std::filesystem::path base_directory;
  bool filesystem_preset = false;
};

// "--mcp 'fs=node server.js /srv'" for messages.
inline std::string describe(const server_option& option) {
  return (option.url.empty() ? "--mcp '" : "--mcp-url '") + option.written + "'";
}

inline bool has_filesystem_preset(const options& o, const server_option& server) {
  for (const auto& preset : o.presets) {
    if (preset.server.empty() || preset.server == server.name) return true;
  }
  return false;
}

// The first directory of list_allowed_directories' answer
// ("Allowed directories:\n/srv\n/tmp"): the one the filesystem server
// resolves relative paths against.
inline std::filesystem::path first_allowed_directory(const std::string& answer) {
  std::string_view rest = answer;
  while (!rest.empty()) {
    const auto end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.starts_with('/')) return std::filesystem::path(line);
  }
  return {};
}

template <volley::Executor E>
volley::task<connected_server> connect_server(E& executor, const options& o, const server_option& option) {
  connected_server out;
  out.option = &option;
  out.filesystem_preset = has_filesystem_preset(o, option);
  // Every aggregate with a string is named before the co_await (g++ 12: see mcp::client).
  volley::mcp::client_options client_options;
  client_options.client.name = "volley-run";
  client_options.client.version = "0.1.0";
  client_options.initialize_timeout =
      std::chrono::duration_cast<volley::duration>(std::chrono::duration<double>(o.connect_timeout_seconds));
  try {
    if (option.url.empty()) {
      volley::mcp::stdio_server server;
      server.command = option.command;
      server.name = option.name;
      out.client = co_await volley::mcp::client::connect(executor, std::move(server), std::move(client_options));
    } else {
#if defined(VOLLEY_RUN_HTTP)
      if constexpr (requires { executor.get_executor(); }) {
        volley::mcp::http_server server;
        server.url = option.url;
        server.name = option.name;
        volley::mcp::http_transport transport{executor.get_executor(), std::move(server)};
        out.client = co_await volley::mcp::client::connect(executor, std::move(transport), std::move(client_options));
      } else {
        throw std::logic_error("an HTTP server needs an asio_executor");
      }
#else
      throw std::logic_error("this volley-run has no HTTP transport");
#endif
    }
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  if (!out.error.empty() || !out.filesystem_preset) co_return out;

  // The preset's base directory, from the server itself.
  bool listed = false;
  for (const auto& tool : out.client.tools()) listed = listed || tool.name == "list_allowed_directories";
  if (!listed) {
    out.error = "--preset filesystem: " + out.client.description() +
                " has no list_allowed_directories tool (is it the filesystem server?)";
    co_return out;
  }
  std::string answer;
  try {
    const volley::mcp::tool_result result =
        co_await out.client.call_tool("list_allowed_directories", nlohmann::json::object());
    answer = result.text();
    if (result.is_error) out.error = "--preset filesystem: list_allowed_directories failed: " + answer;
  } catch (const std::exception& e) {
    out.error = std::string("--preset filesystem: ") + e.what();
  }
  if (!out.error.empty()) co_return out;
  out.base_directory = first_allowed_directory(answer);
  if (out.base_directory.empty()) {
    out.error = "--preset filesystem: list_allowed_directories named no directory: '" + answer + "'";
  }
  co_return out;
}

// Connects every server at once; the results in command-line order.
template <volley::Executor E>
volley::task<std::vector<connected_server>> connect_servers(E& executor, const options& o) {
  std::vector<volley::task<connected_server>> connecting;
  for (const auto& option : o.servers) connecting.push_back(connect_server(executor, o, option));
  co_return co_await volley::when_all(std::move(connecting));
}

// Every server's tools, NAME.TOOL for a named server, under its policy.
// Throws std::invalid_argument when two servers list one name.
inline volley::tool_registry make_registry(const std::vector<connected_server>& servers) {
  volley::tool_registry tools;
  for (const auto& server : servers) {
    const std::string prefix = server.option->name.empty() ? std::string{} : server.option->name + ".";
    volley::mcp::tool_policy policy;
    if (server.filesystem_preset) {
      policy = volley::mcp::filesystem_policy(server.base_directory, prefix);
    } else {
      policy.prefix = prefix;
    }
    try {
      volley::mcp::add_tools(tools, server.client, std::move(policy));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(describe(*server.option) + ": " + e.what() + " (--mcp NAME=COMMAND)");
    }
  }
  return tools;
}

}  // namespace volley_run
