// volley/mcp/mcp_error.hpp: why a request to an MCP server failed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "volley/core/outcome.hpp"
#include "volley/tool/tool_error.hpp"

namespace volley::mcp {

// What went wrong between the client and the server.
enum class failure_kind {
  rpc_error,     // the server answered with a JSON-RPC error
  tool_error,    // tools/call answered with isError: true
  timeout,       // no answer within the request's time limit
  cancelled,     // the caller stopped the request (notifications/cancelled was sent)
  disconnected,  // the server exited or closed its stream, or the client closed
  bad_reply,     // the server's answer was not what the protocol says
};

constexpr std::string_view to_string(failure_kind kind) noexcept {
  switch (kind) {
    case failure_kind::rpc_error: return "rpc_error";
    case failure_kind::tool_error: return "tool_error";
    case failure_kind::timeout: return "timeout";
    case failure_kind::cancelled: return "cancelled";
    case failure_kind::disconnected: return "disconnected";
    case failure_kind::bad_reply: return "bad_reply";
  }
  return "unknown";
}

// The code a tool call ends with when its MCP request fails this way:
// a JSON-RPC "invalid params" (-32602) is the arguments' fault, a timeout
// and a cancellation keep their names, the rest is the tool's failure.
constexpr errc call_code(failure_kind kind, std::optional<std::int64_t> rpc_code) noexcept {
  switch (kind) {
    case failure_kind::rpc_error: return rpc_code == -32602 ? errc::invalid_arguments : errc::tool_failed;
    case failure_kind::timeout: return errc::timeout;
    case failure_kind::cancelled: return errc::cancelled;
    default: return errc::tool_failed;
  }
}

// Thrown by the client's requests. The message names the server, the
// request (with the tool call's id for tools/call) and the cause: the
// JSON-RPC error's code and message, the exit status and the end of the
// server's stderr, the time limit. As a volley::tool_error it ends a tool
// call with call_code(kind, rpc_code).
//
// When to use: catch it around client calls made outside a batch; inside a
// batch it is already that call's error.
//
//   good: try { co_await client.ping(); } catch (const volley::mcp::mcp_error& e) { if (e.kind() == volley::mcp::failure_kind::disconnected) reconnect(); }
//   bad:  parsing e.what() for the JSON-RPC code: use rpc_code().
class mcp_error : public volley::tool_error {
 public:
  mcp_error(failure_kind kind, const std::string& message, std::optional<std::int64_t> rpc_code = std::nullopt)
      : volley::tool_error(call_code(kind, rpc_code), message), m_kind(kind), m_rpc_code(rpc_code) {}

  failure_kind kind() const noexcept { return m_kind; }
  // The JSON-RPC error code, for rpc_error.
  std::optional<std::int64_t> rpc_code() const noexcept { return m_rpc_code; }

 private:
  failure_kind m_kind;
  std::optional<std::int64_t> m_rpc_code;
};

}  // namespace volley::mcp
