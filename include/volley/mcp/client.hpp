// volley/mcp/client.hpp: a connection to one MCP server, initialized, with its tools.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "volley/core/task.hpp"
#include "volley/core/time.hpp"
#include "volley/exec/executor.hpp"
#include "volley/io/format_error.hpp"
#include "volley/io/tool_definitions.hpp"
#include "volley/mcp/detail/connection.hpp"
#include "volley/mcp/detail/executor_binding.hpp"
#include "volley/mcp/mcp_error.hpp"
#include "volley/mcp/protocol.hpp"
#include "volley/mcp/stdio_transport.hpp"
#include "volley/mcp/tool_result.hpp"
#include "volley/mcp/transport.hpp"

namespace volley::mcp {

using namespace std::chrono_literals;

// How a client introduces itself and how long it waits.
struct client_options {
  implementation_info client{"volley", "0.1.0"};
  // The version asked for in initialize; the server may answer with any of
  // supported_protocol_versions (another answer fails the connection).
  std::string protocol_version{supported_protocol_versions.front()};
  // How long initialize may take (a server that never answers it).
  duration initialize_timeout = 30s;
  // The limit for every request but tools/call (tools/list, ping).
  std::optional<duration> request_timeout = duration{60s};
  // The limit for tools/call when the caller gives none; none by default
  // (a batch's per-call timeout is the usual limit).
  std::optional<duration> call_timeout{};
  // Keep tools() current: after notifications/tools/list_changed the client
  // lists the tools again in the background, then calls on_tools_changed.
  bool refresh_tools_on_change = true;
  // Called on the transport's or the executor's thread; keep them short.
  std::function<void(const std::vector<io::tool_definition>&)> on_tools_changed{};
  std::function<void(const log_message&)> on_log{};
};

// How one tools/call runs.
struct call_options {
  std::stop_token stop{};               // a stop sends notifications/cancelled; the call ends `cancelled`
  std::optional<duration> timeout{};    // default: client_options::call_timeout
  std::function<void(const progress&)> on_progress{};  // asks for progress notifications
  // The tool call's id, for error messages; read when call_tool is called.
  // (A view, not a std::string: see the g++ 12 note at client.)
  std::string_view call_id{};
};

namespace detail {

// What a client shares with the tools it put in registries and with the
// background refresh: they keep it alive as long as they exist.
struct client_state {
  std::shared_ptr<connection> link;
  client_options options;
  server_info server;
  mutable std::mutex tools_mutex;
  std::vector<io::tool_definition> tools;  // guarded by tools_mutex
  std::uint64_t tools_generation = 0;      // guarded by tools_mutex
  std::uint64_t tools_listed_by = 0;       // the tools/list that gave `tools` (guarded by tools_mutex)
  std::atomic<std::uint64_t> tools_lists_started{0};
  // Set just before notifications/initialized is sent: list changes before
  // it are covered by connect's own tools/list, and the server may announce
  // one in answer to it (the everything server does).
  std::atomic<bool> initialized{false};
  // One refresh at a time: changes announced while one runs ask for one
  // more, not one each (a server registering seven tools sends seven).
  bool refresh_running = false;  // guarded by tools_mutex
  bool refresh_wanted = false;   // guarded by tools_mutex
};

inline std::string describe_request(std::string_view method, std::string_view tool, std::string_view call_id) {
  std::string label(method);
  if (!tool.empty()) label.append(" '").append(tool).append("'");
  if (!call_id.empty()) label.append(" for call '").append(call_id).append("'");
  return label;
}

}  // namespace detail

// A client of one MCP server: initialize done, tools listed, many requests
// in flight at once over one connection, each answer matched to its
// request by id (a server may answer in any order).
//
// When to use: one per server an agent uses; hand its tools to a registry
// with add_tools and run them through parallel_batch or a session.
// Replies arrive on the transport's thread and resume their awaiters on the
// client's executor, which must outlive the client and run in real time (a
// thread_pool or an asio_executor: a simulation cannot wait for a process).
//
//   good: auto fs = co_await volley::mcp::client::connect(pool, volley::mcp::stdio_server{
//             .command = {"mcp-server-filesystem", root}, .name = "filesystem"});
//         auto text = (co_await fs.call_tool("read_text_file", {{"path", "a.txt"}})).text();
//   bad:  volley::sync_wait(fs.call_tool(...)) on one of the pool's own
//         threads: the reply is resumed on the pool, which that thread blocks.
//
// g++ 12: an aggregate with a std::string member, made as a temporary in an
// expression that co_awaits (`co_await connect(pool, stdio_server{.name =
// "fs", ...})`), is moved into the coroutine frame bit by bit and crashes
// when destroyed (clang is fine). Name it first: `stdio_server fs_server{...};
// co_await connect(pool, std::move(fs_server));`. The defaults are
// overloads, not default arguments, so calls without options are safe.
//
// Errors: connect throws mcp_error (or std::system_error when the server
// cannot be started); requests throw mcp_error naming the server, the
// request and the cause. Destroying or closing the client fails every
// request still in flight and stops the server.
class client {
 public:
  client() = default;
  client(client&&) noexcept = default;
  client& operator=(client&& other) noexcept {
    if (this != &other) {
      close();
      m_state = std::move(other.m_state);
    }
    return *this;
  }
  client(const client&) = delete;
  client& operator=(const client&) = delete;
  ~client() { close(); }

  // Starts the transport, initializes (protocol version negotiation,
  // notifications/initialized) and lists the tools, every page.
  template <Executor E, transport T>
  static task<client> connect(E& executor, T transport) {
    return connect(executor, std::move(transport), client_options{});
  }
  template <Executor E, transport T>
  static task<client> connect(E& executor, T transport, client_options options) {
    auto state = std::make_shared<detail::client_state>();
    state->options = std::move(options);
    detail::connection::callbacks callbacks;
    std::weak_ptr<detail::client_state> weak = state;
    callbacks.tools_changed = [weak] {
      if (auto s = weak.lock()) tools_changed(s);
    };
    callbacks.log = state->options.on_log;
    state->link = std::make_shared<detail::connection>(detail::any_transport(std::move(transport)),
                                                       detail::executor_binding(executor), std::move(callbacks));
    client result{state};
    state->link->start();
    co_await result.initialize();
    co_await result.list_tools();
    co_return result;
  }

  // The same for a server started as a subprocess.
  template <Executor E>
  static task<client> connect(E& executor, stdio_server server) {
    return connect(executor, stdio_transport(std::move(server)), client_options{});
  }
  template <Executor E>
  static task<client> connect(E& executor, stdio_server server, client_options options) {
    return connect(executor, stdio_transport(std::move(server)), std::move(options));
  }

  bool connected() const { return m_state && !m_state->link->closed(); }
  const server_info& server() const { return m_state->server; }
  // "MCP server 'filesystem' (pid 4242)".
  const std::string& description() const { return m_state->link->description(); }

  // The tools as last listed (by connect, list_tools or a refresh).
  std::vector<io::tool_definition> tools() const {
    std::lock_guard lock{m_state->tools_mutex};
    return m_state->tools;
  }
  // Counts tool lists received; changes when tools() does.
  std::uint64_t tools_generation() const {
    std::lock_guard lock{m_state->tools_mutex};
    return m_state->tools_generation;
  }

  // tools/list, every page (following nextCursor); updates tools().
  task<std::vector<io::tool_definition>> list_tools(std::stop_token stop = {}) { return list_tools_of(m_state, stop); }

  // tools/call. A result with isError is returned (is_error set), not
  // thrown: the caller decides what a tool's own failure means. Throws
  // mcp_error for a JSON-RPC error, a timeout, a stop, a lost server or an
  // answer that is not a CallToolResult.
  task<tool_result> call_tool(std::string name, nlohmann::json arguments) const {
    return call_tool_on(m_state, std::move(name), std::move(arguments), call_options{});
  }
  task<tool_result> call_tool(std::string name, nlohmann::json arguments, call_options options) const {
    return call_tool_on(m_state, std::move(name), std::move(arguments), std::move(options));
  }

  task<> ping(std::stop_token stop = {}) const { return ping_on(m_state, stop); }

  // What the connection noticed that no request was told about.
  connection_diagnostics diagnostics() const { return m_state->link->diagnostics(); }

  // Fails the requests in flight, closes the connection and stops the
  // server (stdio: its stdin closed, then SIGTERM, then SIGKILL). Blocks
  // until the server is gone; idempotent.
  void close() {
    if (m_state) m_state->link->close(m_state->link->description() + " was closed by the client");
  }

  // For add_tools: the shared state its tools keep.
  const std::shared_ptr<detail::client_state>& state() const noexcept { return m_state; }

  // The call behind call_tool, on a state (what a registered tool holds).
  // Reads `options` now (its call_id may be a view of a temporary); the
  // returned task runs the request when awaited.
  static task<tool_result> call_tool_on(std::shared_ptr<detail::client_state> state, std::string name,
                                        nlohmann::json arguments, call_options options) {
    detail::request_limits limits;
    limits.stop = std::move(options.stop);
    limits.timeout = options.timeout ? options.timeout : state->options.call_timeout;
    limits.on_progress = std::move(options.on_progress);
    std::string label = detail::describe_request("tools/call", name, options.call_id);
    if (arguments.is_null()) arguments = nlohmann::json::object();
    nlohmann::json params = {{"name", std::move(name)}, {"arguments", std::move(arguments)}};
    return run_tool_call(std::move(state), std::move(params), std::move(limits), std::move(label));
  }

 private:
  explicit client(std::shared_ptr<detail::client_state> state) : m_state(std::move(state)) {}

  task<> initialize() {
    detail::client_state& s = *m_state;
    nlohmann::json client_info = {{"name", s.options.client.name}, {"version", s.options.client.version}};
    if (!s.options.client.title.empty()) client_info["title"] = s.options.client.title;
    nlohmann::json params = {{"protocolVersion", s.options.protocol_version},
                             {"capabilities", nlohmann::json::object()},
                             {"clientInfo", std::move(client_info)}};
    detail::request_limits limits;
    limits.timeout = s.options.initialize_timeout;
    limits.cancellable = false;
    nlohmann::json answer;
    try {
      answer = co_await s.link->request("initialize", std::move(params), std::move(limits));
    } catch (const mcp_error& e) {
      s.link->close(e.what());
      throw;
    }
    std::string problem = read_server_info(s, answer);
    if (!problem.empty()) {
      const std::string message = s.link->description() + ": " + problem;
      s.link->close(message);
      throw mcp_error(failure_kind::bad_reply, message);
    }
    s.link->transport().protocol_negotiated(s.server.protocol_version);
    s.initialized.store(true, std::memory_order_release);  // release: the server info above, to the refresher
    s.link->notify("notifications/initialized");
  }

  // Reads the InitializeResult; an empty string when it is acceptable.
  static std::string read_server_info(detail::client_state& s, const nlohmann::json& answer) {
    if (!answer.is_object()) return "the answer to initialize is not an object";
    const auto version = answer.find("protocolVersion");
    if (version == answer.end() || !version->is_string()) return "the answer to initialize has no protocolVersion";
    s.server.protocol_version = version->get<std::string>();
    if (!is_supported_protocol_version(s.server.protocol_version)) {
      std::string offered;
      for (auto v : supported_protocol_versions) offered.append(offered.empty() ? "" : ", ").append(v);
      return "the server speaks protocol version " + s.server.protocol_version + ", which this client does not (" +
             offered + ")";
    }
    if (auto info = answer.find("serverInfo"); info != answer.end() && info->is_object()) {
      s.server.implementation.name = info->value("name", std::string{});
      s.server.implementation.version = info->value("version", std::string{});
      s.server.implementation.title = info->value("title", std::string{});
    }
    if (auto caps = answer.find("capabilities"); caps != answer.end() && caps->is_object()) {
      s.server.capabilities = *caps;
      if (auto tools = caps->find("tools"); tools != caps->end() && tools->is_object()) {
        s.server.tools_list_changed = tools->value("listChanged", false);
      }
    }
    if (auto text = answer.find("instructions"); text != answer.end() && text->is_string()) {
      s.server.instructions = text->get<std::string>();
    }
    return {};
  }

  static task<std::vector<io::tool_definition>> list_tools_of(std::shared_ptr<detail::client_state> state,
                                                             std::stop_token stop) {
    std::vector<io::tool_definition> tools;
    std::string cursor;
    // relaxed: only orders lists against each other, under tools_mutex below.
    const std::uint64_t listing = state->tools_lists_started.fetch_add(1, std::memory_order_relaxed) + 1;
    for (int page = 1;; ++page) {
      detail::request_limits limits;
      limits.timeout = state->options.request_timeout;
      limits.stop = stop;
      nlohmann::json params = nlohmann::json::object();
      if (!cursor.empty()) params["cursor"] = cursor;
      const std::string label = page == 1 ? std::string("tools/list") : "tools/list (page " + std::to_string(page) + ")";
      nlohmann::json answer = co_await state->link->request("tools/list", std::move(params), std::move(limits), label);
      const auto list = answer.is_object() ? answer.find("tools") : answer.end();
      if (list == answer.end() || !list->is_array()) {
        throw mcp_error(failure_kind::bad_reply,
                        state->link->description() + ": the answer to " + label + " has no 'tools' array");
      }
      try {
        for (auto& tool : io::read_tool_definitions(nlohmann::json{{"tools", *list}})) tools.push_back(std::move(tool));
      } catch (const io::format_error& e) {
        throw mcp_error(failure_kind::bad_reply,
                        state->link->description() + ": the answer to " + label + " lists a bad tool: " + e.what());
      }
      const auto next = answer.find("nextCursor");
      if (next == answer.end() || !next->is_string() || next->get_ref<const std::string&>().empty()) break;
      if (next->get_ref<const std::string&>() == cursor) {
        throw mcp_error(failure_kind::bad_reply,
                        state->link->description() + ": tools/list returned the same cursor twice");
      }
      cursor = next->get<std::string>();
    }
    {
      // A list asked for later may have been answered first: keep the newest.
      std::lock_guard lock{state->tools_mutex};
      if (listing > state->tools_listed_by) {
        state->tools = tools;
        state->tools_listed_by = listing;
        ++state->tools_generation;
      }
    }
    co_return tools;
  }

  static task<> ping_on(std::shared_ptr<detail::client_state> state, std::stop_token stop) {
    detail::request_limits limits;
    limits.timeout = state->options.request_timeout;
    limits.stop = std::move(stop);
    co_await state->link->request("ping", nullptr, std::move(limits));
  }

  // Lists the tools until no change was announced during the last listing.
  static task<> refresh_tools(std::shared_ptr<detail::client_state> state) {
    for (;;) {
      {
        std::lock_guard lock{state->tools_mutex};
        state->refresh_wanted = false;
      }
      try {
        auto tools = co_await list_tools_of(state, {});
        if (state->options.on_tools_changed) state->options.on_tools_changed(tools);
      } catch (...) {
        // The connection is going away, or the server answers badly: tools()
        // keeps the last good list, and the calls themselves will say why.
        std::lock_guard lock{state->tools_mutex};
        state->refresh_running = false;
        co_return;
      }
      std::lock_guard lock{state->tools_mutex};
      if (!state->refresh_wanted) {
        state->refresh_running = false;
        co_return;
      }
    }
  }

  // notifications/tools/list_changed, on the transport's thread.
  static void tools_changed(const std::shared_ptr<detail::client_state>& state) {
    // acquire: pairs with initialize's release.
    if (!state->initialized.load(std::memory_order_acquire)) return;
    if (!state->options.refresh_tools_on_change) {
      if (state->options.on_tools_changed) {
        std::vector<io::tool_definition> tools;
        {
          std::lock_guard lock{state->tools_mutex};
          tools = state->tools;
        }
        state->options.on_tools_changed(tools);
      }
      return;
    }
    {
      std::lock_guard lock{state->tools_mutex};
      state->refresh_wanted = true;
      if (state->refresh_running) return;  // it lists once more when done
      state->refresh_running = true;
    }
    std::weak_ptr<detail::client_state> weak = state;
    state->link->executor().soon([weak]() -> task<> {
      auto s = weak.lock();
      if (!s) return []() -> task<> { co_return; }();
      return refresh_tools(std::move(s));
    });
  }

  static task<tool_result> run_tool_call(std::shared_ptr<detail::client_state> state, nlohmann::json params,
                                         detail::request_limits limits, std::string label) {
    nlohmann::json answer = co_await state->link->request("tools/call", std::move(params), std::move(limits), label);
    co_return read_tool_result(*state, std::move(answer), label);
  }

  static tool_result read_tool_result(const detail::client_state& s, nlohmann::json answer, const std::string& label) {
    if (!answer.is_object()) {
      throw mcp_error(failure_kind::bad_reply, s.link->description() + ": the answer to " + label + " is not an object");
    }
    tool_result result;
    if (auto content = answer.find("content"); content != answer.end()) {
      if (!content->is_array()) {
        throw mcp_error(failure_kind::bad_reply,
                        s.link->description() + ": the answer to " + label + " has a 'content' that is not an array");
      }
      result.content = std::move(*content);
    } else if (!answer.contains("structuredContent")) {
      throw mcp_error(failure_kind::bad_reply,
                      s.link->description() + ": the answer to " + label + " has no 'content'");
    }
    if (auto structured = answer.find("structuredContent"); structured != answer.end()) {
      result.structured_content = std::move(*structured);
    }
    if (auto flag = answer.find("isError"); flag != answer.end() && flag->is_boolean()) result.is_error = flag->get<bool>();
    return result;
  }

  std::shared_ptr<detail::client_state> m_state;
};

}  // namespace volley::mcp
