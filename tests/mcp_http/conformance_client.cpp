// The MCP conformance suite's client under test: volley's MCP client over
// Streamable HTTP. The suite runs `conformance_client URL` with the
// scenario's name in MCP_CONFORMANCE_SCENARIO and judges what it saw:
//   initialize   initialize, notifications/initialized, tools/list
//   tools_call   ... and a call of add_numbers
//   sse-retry    ... and a call of test_reconnection, whose SSE stream the
//                server closes early: the answer must come on the resumed stream
// Exit 0 when the client did its part; 1 with the reason on stderr.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "volley/asio/asio.hpp"
#include "volley/core/sync_wait.hpp"
#include "volley/mcp/http_transport.hpp"
#include "volley/mcp/mcp.hpp"

namespace mcp = volley::mcp;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: conformance_client SERVER_URL (scenario in MCP_CONFORMANCE_SCENARIO)\n");
    return 2;
  }
  const std::string url = argv[argc - 1];
  const char* scenario_env = std::getenv("MCP_CONFORMANCE_SCENARIO");
  const std::string scenario = scenario_env ? scenario_env : "initialize";

  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread runner([&io] { io.run(); });
  int status = 0;
  try {
    volley::asio_executor executor{io.get_executor()};
    mcp::client_options options;
    options.client = {"volley-conformance-client", "0.1.0"};
    mcp::http_server server;
    server.url = url;
    server.name = "conformance " + scenario;
    auto client = volley::sync_wait(
        mcp::client::connect(executor, mcp::http_transport(io.get_executor(), std::move(server)), std::move(options)));
    std::fprintf(stderr, "connected to %s (%s), %zu tools\n", client.server().implementation.name.c_str(),
                 client.server().protocol_version.c_str(), client.tools().size());
    if (scenario == "tools_call") {
      auto result = volley::sync_wait(client.call_tool("add_numbers", {{"a", 5}, {"b", 7}}));
      std::fprintf(stderr, "add_numbers: %s\n", result.text().c_str());
      if (result.is_error || result.text().find("12") == std::string::npos) status = 1;
    } else if (scenario == "sse-retry") {
      auto result = volley::sync_wait(client.call_tool("test_reconnection", nlohmann::json::object()));
      std::fprintf(stderr, "test_reconnection: %s\n", result.text().c_str());
      if (result.is_error) status = 1;
    }
    client.close();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "conformance_client (%s): %s\n", scenario.c_str(), e.what());
    status = 1;
  }
  // Let the DELETE that ends the session go out before the loop stops.
  work.reset();
  runner.join();
  return status;
}
