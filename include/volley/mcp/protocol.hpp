// volley/mcp/protocol.hpp: the parts of the MCP protocol a client sees.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace volley::mcp {

// The protocol versions this client speaks, newest first. The first is the
// one it asks for; it accepts any of them in the server's answer.
inline constexpr std::array<std::string_view, 4> supported_protocol_versions{"2025-11-25", "2025-06-18",
                                                                            "2025-03-26", "2024-11-05"};

inline bool is_supported_protocol_version(std::string_view version) noexcept {
  for (auto v : supported_protocol_versions) {
    if (v == version) return true;
  }
  return false;
}

// A client's or a server's name and version ("clientInfo", "serverInfo").
struct implementation_info {
  std::string name;
  std::string version;
  std::string title{};
};

// What initialize told the client about the server.
struct server_info {
  implementation_info implementation;
  std::string protocol_version;  // the negotiated one
  nlohmann::json capabilities = nlohmann::json::object();
  std::string instructions;
  // The server announced notifications/tools/list_changed.
  bool tools_list_changed = false;
};

// A notifications/progress for one request.
struct progress {
  double value = 0;
  std::optional<double> total;
  std::string message;
};

// A notifications/message (the server's log).
struct log_message {
  std::string level;   // "debug" ... "emergency"
  std::string logger;  // may be empty
  nlohmann::json data;
};

}  // namespace volley::mcp
