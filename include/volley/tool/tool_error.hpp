// volley/tool/tool_error.hpp: a tool's own failure, with the code it ends its call with.
#pragma once

#include <stdexcept>
#include <string>

#include "volley/core/outcome.hpp"

namespace volley {

// Thrown by a tool to end its call with a code of its choosing rather than
// `tool_failed`: `timeout` when a deadline of its own ran out,
// `invalid_arguments` when the service behind it rejected the arguments,
// `cancelled` when the service gave up on the call. The message is the
// call's error message, after "tool 'NAME' failed: ".
//
// When to use: a tool that fronts another system (an MCP server, an HTTP
// API) and knows why a call failed. Anything else a tool throws ends the
// call `tool_failed` (or `cancelled` once its stop was requested).
//
//   good: throw volley::tool_error(volley::errc::timeout, "the server did not answer within 30 s");
//   bad:  throw volley::tool_error(volley::errc::unknown_tool, ...) from a
//         registered tool: the registry found it; say why it failed instead.
class tool_error : public std::runtime_error {
 public:
  tool_error(errc code, const std::string& message) : std::runtime_error(message), m_code(code) {}
  errc code() const noexcept { return m_code; }

 private:
  errc m_code;
};

}  // namespace volley
