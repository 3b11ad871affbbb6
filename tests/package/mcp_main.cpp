// The MCP client, as a downstream project would use it: a stdio server (here
// `cat`, which echoes each message back) behind a transport, and the
// filesystem policy's effects.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>

#include <volley/mcp/mcp.hpp>

int main() {
  const auto policy = volley::mcp::filesystem_policy("/tmp");
  volley::io::tool_definition write;
  write.name = "write_file";
  if (policy.effect_of(write) != volley::effect::mutating) return 1;

  std::mutex mutex;
  std::condition_variable arrived;
  std::string echoed;
  volley::mcp::stdio_transport transport{{.command = {"cat"}}};
  volley::mcp::transport_events events;
  events.message = [&](std::string message) {
    std::lock_guard lock{mutex};
    echoed = std::move(message);
    arrived.notify_all();
  };
  transport.start(std::move(events));
  transport.send(R"({"jsonrpc":"2.0","method":"ping"})");
  std::unique_lock lock{mutex};
  arrived.wait_for(lock, std::chrono::seconds(10), [&] { return !echoed.empty(); });
  std::printf("echoed: %s\n", echoed.c_str());
  return echoed.find("ping") != std::string::npos ? 0 : 1;
}
