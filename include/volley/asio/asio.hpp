// volley/asio/asio.hpp: the optional Asio bridge (Boost 1.81 Asio and Beast, OpenSSL).
// Link volley::asio; volley/volley.hpp does not include it.
#pragma once

#include "volley/asio/asio_executor.hpp"
#include "volley/asio/use_task.hpp"
