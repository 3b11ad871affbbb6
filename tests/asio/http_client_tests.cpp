// http_client against real loopback servers: plain requests, keep-alive,
// bodies of every framing, limits, timeouts, stops, streams and SSE, TLS.
#include <chrono>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "asio_test_support.hpp"
#include "http_test_support.hpp"
#include "volley/asio/asio.hpp"
#include "volley/volley.hpp"
#include "volley_catch.hpp"

using namespace std::chrono_literals;

namespace {

struct fetched {
  volley::http_response response;
  std::thread::id thread;
};

volley::task<fetched> fetch(const volley::http_client& client, volley::http_request request, std::stop_token stop = {}) {
  fetched out;
  out.response = co_await client.request(std::move(request), std::move(stop));
  out.thread = std::this_thread::get_id();
  co_return out;
}

volley::http_request get(std::string url) {
  volley::http_request request;
  request.url = std::move(url);
  return request;
}

}  // namespace

TEST_CASE("http_client: a GET, its status, headers and body, resumed on the client's executor", "[asio][http]") {
  ASIO_TEST_SERVERS(servers);
  volley_test::watchdog dog{"http get", std::chrono::seconds{60}};
  asio_test::io_threads io{2};
  volley::http_client client{io.context().get_executor()};
  auto result = volley::sync_wait(fetch(client, get(servers->http("/plain"))));
  CHECK(result.response.status == 200);
  CHECK(result.response.reason == "OK");
  CHECK(result.response.body == "hello");
  REQUIRE(result.response.header("content-type"));
  CHECK(result.response.header("CONTENT-TYPE")->starts_with("text/plain"));
  CHECK_FALSE(result.response.header("x-missing"));
  CHECK(io.is_io_thread(result.thread));
  CHECK(volley_test::live_frames() == 0);
}
