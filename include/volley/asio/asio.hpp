// volley/asio/asio.hpp: the optional Asio bridge (Boost 1.81 Asio and Beast, OpenSSL).
// Link volley::asio; volley/volley.hpp does not include it.
#pragma once

#include "volley/asio/asio_executor.hpp"
#include "volley/asio/http_client.hpp"
#include "volley/asio/http_client_options.hpp"
#include "volley/asio/http_error.hpp"
#include "volley/asio/http_message.hpp"
#include "volley/asio/http_response_stream.hpp"
#include "volley/asio/sse_parser.hpp"
#include "volley/asio/use_task.hpp"
