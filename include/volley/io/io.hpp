// volley/io/io.hpp: the optional JSON adapters (nlohmann/json): provider
// message formats both ways, conversation files, tool definition lists.
// Link volley::io; volley/volley.hpp does not include it.
#pragma once

#include "volley/io/anthropic.hpp"
#include "volley/io/conversation_reader.hpp"
#include "volley/io/format_error.hpp"
#include "volley/io/message_format.hpp"
#include "volley/io/openai.hpp"
#include "volley/io/tool_definitions.hpp"
