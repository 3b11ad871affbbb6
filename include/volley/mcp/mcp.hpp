// volley/mcp/mcp.hpp: the MCP client: every public header of include/volley/mcp/
// but http_transport.hpp, which needs volley::asio (include it on its own).
#pragma once

#include "volley/mcp/add_tools.hpp"
#include "volley/mcp/client.hpp"
#include "volley/mcp/mcp_error.hpp"
#include "volley/mcp/protocol.hpp"
#include "volley/mcp/stdio_transport.hpp"
#include "volley/mcp/tool_policy.hpp"
#include "volley/mcp/tool_result.hpp"
#include "volley/mcp/transport.hpp"
