// The MCP client over Streamable HTTP, against the reference "everything"
// server run as an HTTP service on loopback.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "../mcp/mcp_test_support.hpp"
#include "volley/asio/asio.hpp"
#include "volley/mcp/http_transport.hpp"
#include "volley/volley.hpp"

using namespace std::chrono_literals;
namespace mcp = volley::mcp;
using volley_test::mcp::everything_http_server;

namespace {

// An io_context run by two threads for the test's life. At the end it runs
// until its work is done, not stopped: a closed transport still finishes
// its DELETE and the cancellation of its streams there, and an io_context
// stopped under them would leave their coroutines suspended forever
// (AddressSanitizer reports them as leaks).
struct io_threads {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::thread a{[this] { io.run(); }};
  std::thread b{[this] { io.run(); }};
  ~io_threads() {
    work.reset();
    a.join();
    b.join();
  }
};

}  // namespace

TEST_CASE("mcp over Streamable HTTP: session, tools, calls, progress, cancellation, the listen stream") {
  VOLLEY_REQUIRE_MCP_PEERS();
  volley_test::watchdog dog{"mcp http", 120s};
  everything_http_server server;
  io_threads threads;
  volley::asio_executor executor{threads.io.get_executor()};
  std::atomic<int> logs{0};
  mcp::client_options options;
  options.on_log = [&](const mcp::log_message&) { ++logs; };
  mcp::http_transport transport{threads.io.get_executor(), {.url = server.url(), .name = "everything-http"}};
  auto client = volley::sync_wait(mcp::client::connect(executor, std::move(transport), std::move(options)));

  CHECK(client.server().protocol_version == "2025-11-25");
  CHECK(client.description() == "MCP server 'everything-http' at " + server.url());
  CHECK_FALSE(client.tools().empty());

  SECTION("calls, many at once") {
    volley::tool_registry tools;
    mcp::add_tools(tools, client);
    std::vector<volley::tool_call> calls;
    for (int i = 0; i < 40; ++i) {
      calls.push_back({"echo_" + std::to_string(i), "echo", R"({"message":"hello )" + std::to_string(i) + R"("})"});
    }
    auto results = volley::sync_wait(volley::parallel_batch(executor, tools, calls));
    for (int i = 0; i < 40; ++i) {
      REQUIRE(results[i].result);
      CHECK(results[i].result->find("hello " + std::to_string(i)) != std::string::npos);
    }
  }
  SECTION("progress over the request's SSE stream") {
    std::atomic<int> updates{0};
    mcp::call_options call;
    call.on_progress = [&](const mcp::progress&) { ++updates; };
    auto result = volley::sync_wait(
        client.call_tool("trigger-long-running-operation", {{"duration", 0.3}, {"steps", 3}}, std::move(call)));
    CHECK_FALSE(result.is_error);
    CHECK(updates.load() == 3);
  }
  SECTION("a stopped call is cancelled at once") {
    std::stop_source stop;
    std::thread stopper([&] {
      std::this_thread::sleep_for(300ms);
      stop.request_stop();
    });
    const auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(volley::sync_wait(client.call_tool("trigger-long-running-operation",
                                                       {{"duration", 30}, {"steps", 3}}, {.stop = stop.get_token()})),
                    mcp::mcp_error);
    stopper.join();
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    auto echo = volley::sync_wait(client.call_tool("echo", {{"message", "after"}}));
    CHECK(echo.text().find("after") != std::string::npos);
  }
  SECTION("the listen stream brings the server's own messages (its log)") {
    auto started = volley::sync_wait(client.call_tool("toggle-simulated-logging", nlohmann::json::object()));
    CHECK(started.text().find("Started simulated") != std::string::npos);
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (logs.load() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
    CHECK(logs.load() >= 1);
    volley::sync_wait(client.call_tool("toggle-simulated-logging", nlohmann::json::object()));
  }
  SECTION("a server that is gone fails the calls with the reason") {
    server.process().signal_group(SIGKILL);
    server.process().wait_until(std::chrono::steady_clock::now() + 5s);
    try {
      volley::sync_wait(client.call_tool("echo", {{"message", "anyone?"}}));
      FAIL("a call to a dead server must throw");
    } catch (const mcp::mcp_error& e) {
      CHECK(std::string(e.what()).find("tools/call 'echo' failed") != std::string::npos);
      CHECK(std::string(e.what()).find(server.url()) != std::string::npos);
    }
  }
  client.close();
}
