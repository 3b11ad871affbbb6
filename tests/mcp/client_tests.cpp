// The MCP client against the reference servers: lifecycle, tools, calls,
// progress, cancellation, list changes.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "mcp_test_support.hpp"
#include "volley/volley.hpp"

using namespace std::chrono_literals;
using volley_test::mcp::temporary_directory;
namespace mcp = volley::mcp;

namespace {

const volley::io::tool_definition* find_tool(const std::vector<volley::io::tool_definition>& tools, std::string_view name) {
  for (const auto& t : tools) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

volley::task<std::vector<std::string>> read_many(const mcp::client& fs, std::vector<std::string> paths) {
  std::vector<volley::task<mcp::tool_result>> calls;
  for (const auto& p : paths) calls.push_back(fs.call_tool("read_text_file", {{"path", p}}));
  auto results = co_await volley::when_all(std::move(calls));
  std::vector<std::string> texts;
  for (auto& r : results) texts.push_back(r.text());
  co_return texts;
}

}  // namespace

TEST_CASE("mcp client: initialize, list and call the filesystem server's tools") {
  VOLLEY_REQUIRE_MCP_PEERS();
  volley_test::watchdog dog{"mcp filesystem basics", 60s};
  temporary_directory root;
  volley_test::mcp::write_text(root.path() / "a.txt", "alpha\n");
  volley::thread_pool pool{2};
  auto fs = volley::sync_wait(mcp::client::connect(pool, volley_test::mcp::filesystem_server(root.path())));

  CHECK(fs.connected());
  CHECK(fs.server().implementation.name == "secure-filesystem-server");
  CHECK(fs.server().protocol_version == "2025-11-25");
  CHECK(fs.description().find("MCP server 'filesystem' (pid ") == 0);
  const auto tools = fs.tools();
  const auto* read = find_tool(tools, "read_text_file");
  REQUIRE(read != nullptr);
  CHECK(read->annotations.read_only_hint == true);
  const auto* write = find_tool(tools, "write_file");
  REQUIRE(write != nullptr);
  CHECK(volley::io::effect_from_annotations(write->annotations) == volley::effect::mutating);
  CHECK(read->input_schema.is_object());

  auto result = volley::sync_wait(fs.call_tool("read_text_file", {{"path", (root.path() / "a.txt").string()}}));
  CHECK_FALSE(result.is_error);
  CHECK(result.text() == "alpha\n");

  SECTION("a tool's own failure is a result with is_error") {
    auto missing = volley::sync_wait(fs.call_tool("read_text_file", {{"path", (root.path() / "nope.txt").string()}}));
    CHECK(missing.is_error);
    CHECK(missing.text().find("ENOENT") != std::string::npos);
  }
  SECTION("many requests in flight on one connection, each answer to its request") {
    std::vector<std::string> paths;
    for (int i = 0; i < 40; ++i) {
      const auto file = root.path() / ("f" + std::to_string(i) + ".txt");
      volley_test::mcp::write_text(file, "contents " + std::to_string(i));
      paths.push_back(file.string());
    }
    auto texts = volley::sync_wait(read_many(fs, paths));
    REQUIRE(texts.size() == 40);
    for (int i = 0; i < 40; ++i) CHECK(texts[i] == "contents " + std::to_string(i));
  }
  SECTION("ping") { volley::sync_wait(fs.ping()); }
  SECTION("after close, calls fail at once naming the server") {
    fs.close();
    CHECK_FALSE(fs.connected());
    try {
      volley::sync_wait(fs.call_tool("read_text_file", {{"path", "a.txt"}}));
      FAIL("a call on a closed client must throw");
    } catch (const mcp::mcp_error& e) {
      CHECK(e.kind() == mcp::failure_kind::disconnected);
      CHECK(std::string(e.what()).find("closed by the client") != std::string::npos);
    }
  }
}

TEST_CASE("mcp client: protocol version negotiation") {
  VOLLEY_REQUIRE_MCP_PEERS();
  volley_test::watchdog dog{"mcp negotiation", 60s};
  temporary_directory root;
  volley::thread_pool pool{2};
  for (std::string version : {"2025-06-18", "2025-03-26"}) {
    auto fs = volley::sync_wait(
        mcp::client::connect(pool, volley_test::mcp::filesystem_server(root.path()), {.protocol_version = version}));
    CHECK(fs.server().protocol_version == version);
  }
}

TEST_CASE("mcp client: progress reaches the call; a stopped call sends notifications/cancelled") {
  VOLLEY_REQUIRE_MCP_PEERS();
  volley_test::watchdog dog{"mcp progress and cancellation", 90s};
  volley::thread_pool pool{2};
  auto everything = volley::sync_wait(mcp::client::connect(pool, volley_test::mcp::everything_server()));
  REQUIRE(find_tool(everything.tools(), "trigger-long-running-operation") != nullptr);

  SECTION("progress") {
    std::mutex mutex;
    std::vector<mcp::progress> seen;
    mcp::call_options options;
    options.on_progress = [&](const mcp::progress& p) {
      std::lock_guard lock{mutex};
      seen.push_back(p);
    };
    auto result = volley::sync_wait(everything.call_tool("trigger-long-running-operation",
                                                         {{"duration", 0.4}, {"steps", 4}}, std::move(options)));
    CHECK_FALSE(result.is_error);
    std::lock_guard lock{mutex};
    REQUIRE(seen.size() == 4);
    for (std::size_t i = 0; i < seen.size(); ++i) {
      CHECK(seen[i].value == static_cast<double>(i + 1));
      CHECK(seen[i].total == 4.0);
    }
  }
  SECTION("cancellation") {
    std::stop_source stop;
    std::thread stopper([&] {
      std::this_thread::sleep_for(300ms);
      stop.request_stop();
    });
    const auto start = std::chrono::steady_clock::now();
    try {
      volley::sync_wait(everything.call_tool("trigger-long-running-operation", {{"duration", 30}, {"steps", 3}},
                                             {.stop = stop.get_token(), .call_id = "long_1"}));
      FAIL("a stopped call must throw");
    } catch (const mcp::mcp_error& e) {
      CHECK(e.kind() == mcp::failure_kind::cancelled);
      CHECK(e.code() == volley::errc::cancelled);
      CHECK(std::string(e.what()).find("for call 'long_1'") != std::string::npos);
    }
    stopper.join();
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    // The connection goes on.
    auto echo = volley::sync_wait(everything.call_tool("echo", {{"message", "still here"}}));
    CHECK(echo.text().find("still here") != std::string::npos);
  }
  SECTION("a per-call timeout") {
    try {
      volley::sync_wait(everything.call_tool("trigger-long-running-operation", {{"duration", 30}, {"steps", 3}},
                                             {.timeout = duration_cast<volley::duration>(200ms)}));
      FAIL("a timed-out call must throw");
    } catch (const mcp::mcp_error& e) {
      CHECK(e.kind() == mcp::failure_kind::timeout);
      CHECK(e.code() == volley::errc::timeout);
      CHECK(std::string(e.what()).find("within 0.2 s") != std::string::npos);
    }
  }
}

TEST_CASE("mcp client: notifications/tools/list_changed refreshes the tool list") {
  VOLLEY_REQUIRE_MCP_PEERS();
  volley_test::watchdog dog{"mcp list_changed", 60s};
  volley::thread_pool pool{2};
  std::atomic<int> changes{0};
  std::atomic<bool> saw_late_tool{false};
  mcp::client_options options;
  options.on_tools_changed = [&](const std::vector<volley::io::tool_definition>& tools) {
    if (!tools.empty()) ++changes;
    for (const auto& tool : tools) {
      if (tool.name == "simulate-research-query") saw_late_tool = true;
    }
  };
  // The everything server registers more tools when it gets
  // notifications/initialized, announcing each: however fast the client
  // is, those announcements come after it counts itself initialized.
  auto everything = volley::sync_wait(mcp::client::connect(pool, volley_test::mcp::everything_server(), options));
  CHECK(everything.server().tools_list_changed);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!saw_late_tool.load() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  CHECK(changes.load() >= 1);
  CHECK(saw_late_tool.load());
  CHECK(everything.tools_generation() >= 2);
  bool listed = false;
  for (const auto& tool : everything.tools()) listed = listed || tool.name == "simulate-research-query";
  CHECK(listed);
}

TEST_CASE("mcp client: closing the client from its own callback ends it cleanly") {
  VOLLEY_REQUIRE_MCP_PEERS();
  volley_test::watchdog dog{"mcp close from a callback", 60s};
  volley::thread_pool pool{2};
  auto everything = volley::sync_wait(mcp::client::connect(pool, volley_test::mcp::everything_server()));
  const auto pid_text = everything.description().substr(everything.description().find("(pid ") + 5);
  const pid_t pid = std::stoi(pid_text);
  mcp::call_options options;
  // Runs on the transport's own thread: closing there must neither join
  // that thread nor leave the server running.
  options.on_progress = [&everything](const mcp::progress&) { everything.close(); };
  try {
    volley::sync_wait(everything.call_tool("trigger-long-running-operation", {{"duration", 5}, {"steps", 10}},
                                           std::move(options)));
    FAIL("the call must fail once the client is closed");
  } catch (const mcp::mcp_error& e) {
    CHECK(e.kind() == mcp::failure_kind::disconnected);
  }
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (::kill(pid, 0) == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  CHECK(::kill(pid, 0) != 0);
}

TEST_CASE("mcp client: a server made with the TypeScript SDK: pages, JSON-RPC errors, its own requests") {
  VOLLEY_REQUIRE_MCP_PEERS();
  volley_test::watchdog dog{"mcp sdk server", 60s};
  volley::thread_pool pool{2};
  auto paged = volley::sync_wait(mcp::client::connect(pool, volley_test::mcp::paged_server()));
  const auto tools = paged.tools();
  REQUIRE(tools.size() == 10);  // four pages of three
  CHECK(tools[0].name == "tool_0");
  CHECK(tools[9].name == "ask_ping");
  CHECK(tools[1].annotations.read_only_hint == false);

  SECTION("a JSON-RPC error names its code and is the arguments' fault for -32602") {
    try {
      volley::sync_wait(paged.call_tool("reject", nlohmann::json::object(), {.call_id = "r1"}));
      FAIL("a JSON-RPC error must throw");
    } catch (const mcp::mcp_error& e) {
      CHECK(e.kind() == mcp::failure_kind::rpc_error);
      CHECK(e.rpc_code() == -32602);
      CHECK(e.code() == volley::errc::invalid_arguments);
      CHECK(std::string(e.what()).find("tools/call 'reject' for call 'r1': JSON-RPC error -32602") != std::string::npos);
      CHECK(std::string(e.what()).find("reject wants nothing at all") != std::string::npos);
    }
  }
  SECTION("the server's ping is answered while its call waits") {
    auto result = volley::sync_wait(paged.call_tool("ask_ping", nlohmann::json::object()));
    CHECK(result.text() == "the client answered my ping");
  }
  SECTION("in a batch, through the registry") {
    volley::tool_registry registry;
    mcp::add_tools(registry, paged, {.prefix = "p."});
    auto results = volley::sync_wait(volley::parallel_batch(
        pool, registry,
        std::vector<volley::tool_call>{{"a", "p.tool_3", R"({"x":1})"}, {"b", "p.reject", "{}"}, {"c", "p.tool_4", ""}}));
    REQUIRE(results[0].result);
    CHECK(*results[0].result == R"(tool_3 ran with {"x":1})");
    REQUIRE_FALSE(results[1].result);
    CHECK(results[1].result.error().code == volley::errc::invalid_arguments);
    REQUIRE(results[2].result);
    CHECK(*results[2].result == "tool_4 ran with {}");
  }
}
