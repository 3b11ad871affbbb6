// A peer's misbehaviour is an error on the calls it touches, named and
// bounded in time: real servers behind tests/mcp/peers/fault_proxy.js.
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "mcp_test_support.hpp"
#include "volley/volley.hpp"

using namespace std::chrono_literals;
using volley_test::mcp::temporary_directory;
namespace mcp = volley::mcp;

namespace {

std::string error_text(const volley::call_result& r) { return r.result ? std::string{} : r.result.error().message; }

volley::task<volley::outcome<mcp::tool_result>> try_call(const mcp::client& c, std::string name, nlohmann::json args) {
  try {
    co_return co_await c.call_tool(std::move(name), std::move(args));
  } catch (const mcp::mcp_error& e) {
    co_return volley::make_error(e.code(), e.what());
  }
}

}  // namespace

TEST_CASE("mcp faults: a server killed mid-call fails every call in flight within a second") {
  VOLLEY_REQUIRE_MCP_PEERS();
  volley_test::watchdog dog{"mcp killed server", 60s};
  volley::thread_pool pool{2};
  temporary_directory root;
  auto everything = volley::sync_wait(mcp::client::connect(pool, volley_test::mcp::everything_server()));
  volley::tool_registry tools;
  mcp::add_tools(tools, everything);
  std::vector<volley::tool_call> calls;
  for (int i = 0; i < 4; ++i) {
    calls.push_back({"long_" + std::to_string(i), "trigger-long-running-operation", R"({"duration": 30, "steps": 2})"});
  }
  std::chrono::steady_clock::time_point killed;
  std::thread killer([&] {
    std::this_thread::sleep_for(500ms);
    killed = std::chrono::steady_clock::now();
    // The stdio transport gives the server a process group of its own.
    auto pid = std::stoi(everything.description().substr(everything.description().find("(pid ") + 5));
    ::kill(pid, SIGKILL);
  });
  auto results = volley::sync_wait(volley::parallel_batch(pool, tools, calls));
  const auto ended = std::chrono::steady_clock::now();
  killer.join();
  CHECK(ended - killed < 1s);
  for (const auto& r : results) {
    REQUIRE_FALSE(r.result);
    CHECK(r.result.error().code == volley::errc::tool_failed);
    CHECK(error_text(r).find("was killed by signal 9") != std::string::npos);
    CHECK(error_text(r).find("for call '" + r.id + "'") != std::string::npos);
  }
  CHECK_FALSE(everything.connected());
}

TEST_CASE("mcp faults: garbage on the server's stdout is reported, and the good messages still count") {
  VOLLEY_REQUIRE_MCP_PEERS();
  volley_test::watchdog dog{"mcp garbage", 60s};
  volley::thread_pool pool{2};
  temporary_directory root;
  volley_test::mcp::write_text(root.path() / "a.txt", "alpha");
  for (std::string mode : {"garbage-first", "garbage-each"}) {
    auto fs = volley::sync_wait(
        mcp::client::connect(pool, volley_test::mcp::faulty(volley_test::mcp::filesystem_server(root.path()), mode)));
    auto r = volley::sync_wait(fs.call_tool("read_text_file", {{"path", (root.path() / "a.txt").string()}}));
    CHECK(r.text() == "alpha");
    const auto seen = fs.diagnostics();
    CHECK(seen.malformed_messages >= 1);
    CHECK(seen.last_malformed.find("(not JSON)") != std::string::npos);
  }
}

TEST_CASE("mcp faults: a server that never answers initialize is a timeout, and its process is stopped") {
  VOLLEY_REQUIRE_MCP_PEERS();
  volley_test::watchdog dog{"mcp silent", 60s};
  volley::thread_pool pool{2};
  temporary_directory root;
  const auto start = std::chrono::steady_clock::now();
  try {
    volley::sync_wait(mcp::client::connect(
        pool, volley_test::mcp::faulty(volley_test::mcp::filesystem_server(root.path()), "silent"),
        {.initialize_timeout = std::chrono::duration_cast<volley::duration>(500ms)}));
    FAIL("connect must throw");
  } catch (const mcp::mcp_error& e) {
    CHECK(e.kind() == mcp::failure_kind::timeout);
    CHECK(std::string(e.what()).find("initialize got no answer within 0.5 s") != std::string::npos);
  }
  CHECK(std::chrono::steady_clock::now() - start < 5s);
}

TEST_CASE("mcp faults: a server that exits, truncates or oversizes its answer to a call") {
  VOLLEY_REQUIRE_MCP_PEERS();
  volley_test::watchdog dog{"mcp bad answers", 60s};
  volley::thread_pool pool{2};
  temporary_directory root;
  volley_test::mcp::write_text(root.path() / "a.txt", "alpha");
  const nlohmann::json args = {{"path", (root.path() / "a.txt").string()}};

  SECTION("exit on the call: the status and the end of stderr are in the error") {
    auto fs = volley::sync_wait(mcp::client::connect(
        pool, volley_test::mcp::faulty(volley_test::mcp::filesystem_server(root.path()), "exit-on-call")));
    auto r = volley::sync_wait(try_call(fs, "read_text_file", args));
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("exited with status 7") != std::string::npos);
    CHECK(r.error().message.find("exiting on the first tools/call") != std::string::npos);
  }
  SECTION("half a message, then exit") {
    auto fs = volley::sync_wait(mcp::client::connect(
        pool, volley_test::mcp::faulty(volley_test::mcp::filesystem_server(root.path()), "truncate-on-call")));
    auto r = volley::sync_wait(try_call(fs, "read_text_file", args));
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("exited with status 9") != std::string::npos);
    CHECK(r.error().message.find("unfinished message of") != std::string::npos);
  }
  SECTION("an answer over the size limit fails that call only") {
    auto server = volley_test::mcp::faulty(volley_test::mcp::filesystem_server(root.path()), "oversized-call:300000");
    server.max_message_bytes = 100000;
    auto fs = volley::sync_wait(mcp::client::connect(pool, server));
    auto r = volley::sync_wait(try_call(fs, "read_text_file", args));
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("failed: a message of 300000 bytes, over the limit of 100000, was dropped") !=
          std::string::npos);
    auto again = volley::sync_wait(fs.call_tool("read_text_file", args));  // the connection goes on
    CHECK(again.text() == "alpha");
  }
}

TEST_CASE("mcp faults: a hanging call is cancelled by the batch's stop and times out by its timeout") {
  VOLLEY_REQUIRE_MCP_PEERS();
  volley_test::watchdog dog{"mcp hanging call", 60s};
  volley::thread_pool pool{2};
  temporary_directory root;
  volley_test::mcp::write_text(root.path() / "a.txt", "alpha");
  auto fs = volley::sync_wait(mcp::client::connect(
      pool, volley_test::mcp::faulty(volley_test::mcp::filesystem_server(root.path()), "hang-calls")));
  volley::tool_registry tools;
  mcp::add_tools(tools, fs, mcp::filesystem_policy(root.path()));
  const std::string read = R"({"path": "a.txt"})";

  SECTION("timeout") {
    auto results = volley::sync_wait(volley::parallel_batch(
        pool, tools, std::vector<volley::tool_call>{{"r1", "read_text_file", read}},
        {.timeout = std::chrono::duration_cast<volley::duration>(300ms)}));
    REQUIRE_FALSE(results[0].result);
    CHECK(results[0].result.error().code == volley::errc::timeout);
  }
  SECTION("stop") {
    std::stop_source stop;
    std::thread stopper([&] {
      std::this_thread::sleep_for(300ms);
      stop.request_stop();
    });
    auto results = volley::sync_wait(volley::parallel_batch(
        pool, tools, std::vector<volley::tool_call>{{"r1", "read_text_file", read}, {"r2", "read_text_file", read}},
        {.stop = stop.get_token()}));
    stopper.join();
    for (const auto& r : results) {
      REQUIRE_FALSE(r.result);
      CHECK(r.result.error().code == volley::errc::cancelled);
    }
  }
  CHECK(fs.diagnostics().unmatched_responses == 0);
}

TEST_CASE("mcp: two clients on one executor, one registry") {
  VOLLEY_REQUIRE_MCP_PEERS();
  volley_test::watchdog dog{"mcp two clients", 60s};
  volley::thread_pool pool{2};
  temporary_directory root;
  volley_test::mcp::write_text(root.path() / "a.txt", "alpha");
  auto fs = volley::sync_wait(mcp::client::connect(pool, volley_test::mcp::filesystem_server(root.path())));
  auto memory = volley::sync_wait(mcp::client::connect(pool, volley_test::mcp::memory_server(root.path() / "memory.jsonl")));
  volley::tool_registry tools;
  mcp::add_tools(tools, fs, mcp::filesystem_policy(root.path(), "fs."));
  mcp::add_tools(tools, memory, {.prefix = "memory."});
  CHECK(tools.contains("fs.read_text_file"));
  CHECK(tools.contains("memory.create_entities"));
  // The server's description and input schema travel with the entry.
  CHECK(tools.find("fs.read_text_file")->description().find("Read the complete contents") == 0);
  CHECK(nlohmann::json::parse(tools.find("fs.read_text_file")->input_schema())["properties"].contains("path"));
  CHECK_THROWS_AS(mcp::add_tools(tools, memory, {.prefix = "memory."}), std::invalid_argument);

  std::vector<volley::tool_call> calls{
      {"c1", "memory.create_entities", R"({"entities":[{"name":"Ada","entityType":"person","observations":["wrote notes"]}]})"},
      {"c2", "fs.read_text_file", R"({"path":"a.txt"})"},
      {"c3", "memory.read_graph", "{}"},
      {"c4", "fs.read_text_file", R"({"path":"missing.txt"})"},
      {"c5", "nobody.knows", "{}"},
      {"c6", "fs.read_text_file", "not json"},
  };
  auto results = volley::sync_wait(volley::parallel_batch(pool, tools, calls));
  REQUIRE(results[0].result);
  REQUIRE(results[1].result);
  CHECK(*results[1].result == "alpha");
  REQUIRE(results[2].result);
  CHECK(results[2].result->find("Ada") != std::string::npos);  // after c1: both mutate-or-touch everything
  REQUIRE_FALSE(results[3].result);
  CHECK(results[3].result.error().code == volley::errc::tool_failed);
  CHECK(results[3].result.error().message.find("ENOENT") != std::string::npos);
  CHECK(results[4].result.error().code == volley::errc::unknown_tool);
  CHECK(results[5].result.error().code == volley::errc::invalid_arguments);
  CHECK(results[5].result.error().message.find("the arguments are not JSON") != std::string::npos);
}
