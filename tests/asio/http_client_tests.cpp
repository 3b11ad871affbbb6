// http_client against real loopback servers: plain requests, keep-alive,
// bodies of every framing, limits, timeouts, stops, streams and SSE, TLS;
// and a tool making real requests in a parallel_batch on an asio_executor.
#include <chrono>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "asio_test_support.hpp"
#include "http_test_support.hpp"
#include "volley/asio/asio.hpp"
#include "volley/detail/concat.hpp"
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
#if VOLLEY_SYMMETRIC_TRANSFER
  CHECK(io.is_io_thread(result.thread));
#else
  // g++: volley's task ends with a handshake, so a request that completes
  // before its awaiter finished suspending continues on the awaiting thread.
  CHECK((io.is_io_thread(result.thread) || result.thread == std::this_thread::get_id()));
#endif
  CHECK(volley_test::live_frames() == 0);
}

namespace {

volley::http_error expect_http_error(const volley::http_client& client, volley::http_request request,
                                     std::stop_token stop = {}) {
  try {
    (void)volley::sync_wait(client.request(std::move(request), std::move(stop)));
  } catch (const volley::http_error& e) {
    return e;
  }
  FAIL("the request did not fail");
  throw std::logic_error("unreachable");
}

volley::task<> stop_after(volley::asio_executor executor, std::stop_source& source, volley::duration d) {
  co_await executor.sleep_for(d);
  source.request_stop();
}

volley::task<volley::http_error> failing(const volley::http_client& client, volley::http_request request,
                                         std::stop_token stop) {
  try {
    (void)co_await client.request(std::move(request), std::move(stop));
  } catch (const volley::http_error& e) {
    co_return e;
  }
  throw std::logic_error("the request did not fail");
}

// The number in "name=<n>" of a /count answer.
int count_field(const std::string& body, const std::string& name) {
  const auto at = body.find(name + "=");
  return at == std::string::npos ? -1 : std::stoi(body.substr(at + name.size() + 1));
}

}  // namespace

TEST_CASE("http_client: a POST with headers and a body; Host, User-Agent and Content-Length are set", "[asio][http]") {
  ASIO_TEST_SERVERS(servers);
  volley_test::watchdog dog{"http post", std::chrono::seconds{60}};
  asio_test::io_threads io{2};
  volley::http_client client{io.context().get_executor()};
  volley::http_request request;
  request.method = "POST";
  request.url = servers->http("/echo?x=1#fragment");
  request.headers.emplace_back("Content-Type", "application/json");
  request.headers.emplace_back("X-Custom", "value with spaces");
  request.body = R"({"jsonrpc":"2.0"})";
  auto response = volley::sync_wait(client.request(std::move(request)));
  CHECK(response.status == 200);
  CHECK(response.body.starts_with("POST /echo?x=1\n"));
  CHECK(response.body.find(volley::detail::concat({"\nhost: 127.0.0.1:", std::to_string(servers->http_port()), "\n"})) !=
        std::string::npos);
  CHECK(response.body.find("\nuser-agent: volley\n") != std::string::npos);
  CHECK(response.body.find("\ncontent-length: 17\n") != std::string::npos);
  CHECK(response.body.find("\nx-custom: value with spaces\n") != std::string::npos);
  CHECK(response.body.ends_with("\n\n{\"jsonrpc\":\"2.0\"}"));
}

TEST_CASE("http_client: an error status is a response, not an exception", "[asio][http]") {
  ASIO_TEST_SERVERS(servers);
  volley_test::watchdog dog{"http status", std::chrono::seconds{60}};
  asio_test::io_threads io{2};
  volley::http_client client{io.context().get_executor()};
  auto response = volley::sync_wait(client.request(get(servers->http("/status/503"))));
  CHECK(response.status == 503);
  CHECK(response.header("x-status") == std::optional<std::string_view>{"503"});
  CHECK(response.body == "status 503");
}

TEST_CASE("http_client: keep-alive: sequential requests reuse one connection; concurrent ones get their own",
          "[asio][http][pool]") {
  ASIO_TEST_SERVERS(servers);
  volley_test::watchdog dog{"http keep-alive", std::chrono::seconds{60}};
  asio_test::io_threads io{2};
  volley::http_client client{io.context().get_executor()};
  int connection = -1;
  for (int i = 1; i <= 5; ++i) {
    auto response = volley::sync_wait(client.request(get(servers->http("/count"))));
    if (i == 1) connection = count_field(response.body, "connection");
    CHECK(count_field(response.body, "connection") == connection);
    CHECK(count_field(response.body, "uses") == i);
  }
  CHECK(client.idle_connections() == 1);
  // Eight at once: each on its own connection, all kept (max_idle_per_host is 8).
  std::vector<volley::task<volley::http_response>> batch;
  for (int i = 0; i < 8; ++i) batch.push_back(client.request(get(servers->http("/slow?ms=50"))));
  auto responses = volley::sync_wait(volley::when_all(std::move(batch)));
  for (auto& r : responses) CHECK(r.body == "slow");
  CHECK(client.idle_connections() == 8);
  client.close_idle_connections();
  CHECK(client.idle_connections() == 0);
  auto fresh = volley::sync_wait(client.request(get(servers->http("/count"))));
  CHECK(count_field(fresh.body, "uses") == 1);
  // A response with Connection: close is not pooled (it took the idle one, and closed it).
  (void)volley::sync_wait(client.request(get(servers->http("/close"))));
  CHECK(client.idle_connections() == 0);
}

TEST_CASE("http_client: a pooled connection the server closed is noticed; the request goes on a new one",
          "[asio][http][pool]") {
  ASIO_TEST_SERVERS(servers);
  volley_test::watchdog dog{"http stale", std::chrono::seconds{60}};
  asio_test::io_threads io{2};
  volley::http_client client{io.context().get_executor()};
  auto first = volley::sync_wait(client.request(get(servers->raw("/short-keepalive"))));
  CHECK(first.body == "ok");
  CHECK(client.idle_connections() == 1);
  std::this_thread::sleep_for(300ms);  // the server closes its side after 100 ms
  auto second = volley::sync_wait(client.request(get(servers->raw("/short-keepalive"))));
  CHECK(second.body == "ok");
}

TEST_CASE("http_client: bodies: chunked, large, until the close; interim 1xx skipped", "[asio][http][body]") {
  ASIO_TEST_SERVERS(servers);
  volley_test::watchdog dog{"http bodies", std::chrono::seconds{60}};
  asio_test::io_threads io{2};
  volley::http_client client{io.context().get_executor()};
  auto chunked = volley::sync_wait(client.request(get(servers->http("/chunked?pieces=4&size=3"))));
  CHECK(chunked.body == "aaabbbcccddd");
  CHECK(chunked.header("transfer-encoding") == std::optional<std::string_view>{"chunked"});
  auto large = volley::sync_wait(client.request(get(servers->http("/large?bytes=3000000"))));
  REQUIRE(large.body.size() == 3'000'000);
  bool pattern = true;
  for (std::size_t i = 0; i < large.body.size(); ++i) pattern = pattern && static_cast<unsigned char>(large.body[i]) == i % 256;
  CHECK(pattern);
  auto until_close = volley::sync_wait(client.request(get(servers->raw("/until-close"))));
  CHECK(until_close.body == "body until the close");
  auto interim = volley::sync_wait(client.request(get(servers->raw("/interim"))));
  CHECK(interim.status == 200);
  CHECK(interim.body == "final");
  volley::http_request head = get(servers->http("/large?bytes=1000"));
  head.method = "HEAD";
  auto headed = volley::sync_wait(client.request(std::move(head)));
  CHECK(headed.status == 200);
  CHECK(headed.body.empty());
}

TEST_CASE("http_client: limits on the body and the header are http_phase::limit", "[asio][http][limits]") {
  ASIO_TEST_SERVERS(servers);
  volley_test::watchdog dog{"http limits", std::chrono::seconds{60}};
  asio_test::io_threads io{2};
  volley::http_client client{io.context().get_executor(), {.max_body_bytes = 1000, .max_header_bytes = 4096}};
  auto body = expect_http_error(client, get(servers->http("/large?bytes=5000")));
  CHECK(body.phase() == volley::http_phase::limit);
  CHECK(body.during() == volley::http_phase::read_body);
  CHECK(std::string(body.what()).find("max_body_bytes (1000)") != std::string::npos);
  auto chunked = expect_http_error(client, get(servers->http("/chunked?pieces=20&size=100")));
  CHECK(chunked.phase() == volley::http_phase::limit);
  auto header = expect_http_error(client, get(servers->raw("/huge-header")));
  CHECK(header.phase() == volley::http_phase::limit);
  CHECK(header.during() == volley::http_phase::read_header);
}

TEST_CASE("http_client: a peer that misbehaves is an error named with its phase and URL", "[asio][http][errors]") {
  ASIO_TEST_SERVERS(servers);
  volley_test::watchdog dog{"http errors", std::chrono::seconds{60}};
  asio_test::io_threads io{2};
  volley::http_client client{io.context().get_executor()};
  auto garbage = expect_http_error(client, get(servers->raw("/garbage")));
  CHECK(garbage.phase() == volley::http_phase::read_header);
  CHECK(garbage.url() == servers->raw("/garbage"));
  CHECK(std::string(garbage.what()).find(volley::detail::concat({"GET ", servers->raw("/garbage"), ": read_header"})) !=
        std::string::npos);
  auto silent = expect_http_error(client, get(servers->raw("/no-answer")));
  CHECK(silent.phase() == volley::http_phase::read_header);
  CHECK(std::string(silent.what()).find("closed the connection without answering") != std::string::npos);
  auto short_body = expect_http_error(client, get(servers->raw("/short-body")));
  CHECK(short_body.phase() == volley::http_phase::read_body);
  auto dropped = expect_http_error(client, get(servers->http("/drop")));
  CHECK(dropped.phase() == volley::http_phase::read_body);
  // Nothing listens on a port just released.
  std::string closed_port;
  {
    boost::asio::ip::tcp::acceptor acceptor{io.context(), {boost::asio::ip::address_v4::loopback(), 0}};
    closed_port = std::to_string(acceptor.local_endpoint().port());
  }
  auto refused = expect_http_error(client, get("http://127.0.0.1:" + closed_port + "/"));
  CHECK(refused.phase() == volley::http_phase::connect);
  CHECK(refused.code() == boost::asio::error::connection_refused);
  auto unknown = expect_http_error(client, get("http://no-such-host.invalid/"));
  CHECK(unknown.phase() == volley::http_phase::resolve);
  CHECK(client.idle_connections() == 0);
}

TEST_CASE("http_client: requests HTTP cannot carry are refused before anything is sent", "[asio][http][errors]") {
  volley_test::watchdog dog{"http invalid", std::chrono::seconds{60}};
  asio_test::io_threads io{1};
  volley::http_client client{io.context().get_executor()};
  for (const char* url : {"ftp://127.0.0.1/", "127.0.0.1/x", "http://[::1/", "http://host:99999/", "http://user@host/",
                          "http:///path", "http://host/a b"}) {
    INFO(url);
    CHECK(expect_http_error(client, get(url)).phase() == volley::http_phase::invalid_request);
  }
  volley::http_request injected = get("http://127.0.0.1:9/");
  injected.headers.emplace_back("X-Evil", "a\r\nInjected: yes");
  CHECK(expect_http_error(client, std::move(injected)).phase() == volley::http_phase::invalid_request);
  volley::http_request bad_method = get("http://127.0.0.1:9/");
  bad_method.method = "GET /x";
  CHECK(expect_http_error(client, std::move(bad_method)).phase() == volley::http_phase::invalid_request);
}

TEST_CASE("http_client: URLs: names, IPv4, IPv6 in brackets, default ports, Host headers", "[asio][http][url]") {
  std::string why;
  auto v6 = volley::detail::parse_http_url("http://[::1]:8080/p?q=1", why);
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == "8080");
  CHECK(v6->target == "/p?q=1");
  CHECK(v6->host_header == "[::1]:8080");
  CHECK(v6->host_is_address);
  auto named = volley::detail::parse_http_url("HTTPS://Example.COM?x", why);
  REQUIRE(named);
  CHECK(named->tls);
  CHECK(named->port == "443");
  CHECK(named->target == "/?x");
  CHECK(named->host_header == "Example.COM");
  CHECK(named->origin == "https://example.com:443");
  CHECK_FALSE(named->host_is_address);
  auto v4 = volley::detail::parse_http_url("http://10.0.0.1", why);
  REQUIRE(v4);
  CHECK(v4->host_is_address);
  CHECK(v4->target == "/");
  CHECK(v4->host_header == "10.0.0.1");
}

TEST_CASE("http_client: timeouts: whole request, idle read, and what they say", "[asio][http][timeout]") {
  ASIO_TEST_SERVERS(servers);
  volley_test::watchdog dog{"http timeouts", std::chrono::seconds{60}};
  asio_test::io_threads io{2};
  volley::http_client client{io.context().get_executor(), {.io_timeout = 2s}};
  volley::http_request never = get(servers->http("/never"));
  never.timeout = 200ms;
  const auto start = std::chrono::steady_clock::now();
  auto whole = expect_http_error(client, std::move(never));
  CHECK(std::chrono::steady_clock::now() - start < 2s);
  CHECK(whole.phase() == volley::http_phase::timeout);
  CHECK(whole.during() == volley::http_phase::read_header);
  CHECK(std::string(whole.what()).find("the request's timeout of 200 ms ran out") != std::string::npos);

  volley::http_client impatient{io.context().get_executor(), {.io_timeout = 300ms}};
  auto idle = expect_http_error(impatient, get(servers->http("/slow-body?ms=5000")));
  CHECK(idle.phase() == volley::http_phase::timeout);
  CHECK(idle.during() == volley::http_phase::read_body);
  CHECK(std::string(idle.what()).find("no progress for 300 ms (io_timeout)") != std::string::npos);
  // A body that keeps coming within the idle limit is not cut.
  auto steady = volley::sync_wait(impatient.request(get(servers->http("/chunked?pieces=40&size=10"))));
  CHECK(steady.body.size() == 400);
  CHECK(client.idle_connections() == 0);
}

TEST_CASE("http_client: a stop cancels a request in flight promptly, from another thread; stopped before, it is not sent",
          "[asio][http][stop]") {
  ASIO_TEST_SERVERS(servers);
  volley_test::watchdog dog{"http stop", std::chrono::seconds{60}};
  asio_test::io_threads io{2};
  volley::asio_executor executor{io.context()};
  volley::http_client client{io.context().get_executor()};
  for (int round = 0; round < 5; ++round) {
    std::stop_source source;
    const auto start = std::chrono::steady_clock::now();
    auto [error, ignored] = volley::sync_wait(
        volley::when_all(failing(client, get(servers->http("/never")), source.get_token()),
                         stop_after(executor, source, std::chrono::milliseconds{20 + 10 * round})));
    (void)ignored;
    CHECK(std::chrono::steady_clock::now() - start < 2s);
    CHECK(error.phase() == volley::http_phase::cancelled);
    CHECK(error.during() == volley::http_phase::read_header);
  }
  std::stop_source already;
  already.request_stop();
  auto before = expect_http_error(client, get(servers->http("/count")), already.get_token());
  CHECK(before.phase() == volley::http_phase::cancelled);
  // The cancelled requests' connections were closed, not pooled.
  CHECK(client.idle_connections() == 0);
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("http_client: open() streams a chunked body piece by piece; the connection is reused after a clean end",
          "[asio][http][stream]") {
  ASIO_TEST_SERVERS(servers);
  volley_test::watchdog dog{"http stream", std::chrono::seconds{60}};
  asio_test::io_threads io{2};
  volley::http_client client{io.context().get_executor()};
  auto stream = volley::sync_wait(client.open(get(servers->http("/chunked?pieces=6&size=4"))));
  CHECK(stream.status() == 200);
  CHECK(stream.header("Transfer-Encoding") == std::optional<std::string_view>{"chunked"});
  std::string body;
  int pieces = 0;
  for (;;) {
    auto piece = volley::sync_wait(stream.read_some());
    if (!piece) break;
    body += *piece;
    ++pieces;
  }
  CHECK(body == "aaaabbbbccccddddeeeeffff");
  CHECK(pieces >= 2);  // the server flushes each piece 5 ms apart
  CHECK(stream.done());
  CHECK(client.idle_connections() == 1);
  CHECK_FALSE(volley::sync_wait(stream.read_some()).has_value());
  CHECK_THROWS_AS(stream.next_event(), std::logic_error);
}

TEST_CASE("http_client: a stream destroyed before the end of its body closes its connection", "[asio][http][stream]") {
  ASIO_TEST_SERVERS(servers);
  volley_test::watchdog dog{"http stream destroyed", std::chrono::seconds{60}};
  asio_test::io_threads io{2};
  volley::http_client client{io.context().get_executor()};
  {
    auto stream = volley::sync_wait(client.open(get(servers->http("/slow-body?ms=2000"))));
    auto first = volley::sync_wait(stream.read_some());
    REQUIRE(first);
    CHECK(*first == "first");
  }
  CHECK(client.idle_connections() == 0);
  auto dropped = volley::sync_wait(client.open(get(servers->http("/drop"))));
  std::string got;
  try {
    for (;;) {
      auto piece = volley::sync_wait(dropped.read_some());
      if (!piece) break;
      got += *piece;
    }
    FAIL("a dropped body ended cleanly");
  } catch (const volley::http_error& e) {
    CHECK(e.phase() == volley::http_phase::read_body);
  }
  CHECK(got == "partial body");
  CHECK_THROWS_AS(volley::sync_wait(dropped.read_some()), volley::http_error);  // and it stays failed
  CHECK(client.idle_connections() == 0);
}

TEST_CASE("http_client: Server-Sent Events, read incrementally: ids, retry, comments, partial flushes", "[asio][http][sse]") {
  ASIO_TEST_SERVERS(servers);
  volley_test::watchdog dog{"http sse", std::chrono::seconds{60}};
  asio_test::io_threads io{2};
  volley::http_client client{io.context().get_executor()};
  volley::http_request request = get(servers->http("/sse"));
  request.headers.emplace_back("Accept", "text/event-stream");
  auto stream = volley::sync_wait(client.open(std::move(request)));
  CHECK(stream.header("content-type") == std::optional<std::string_view>{"text/event-stream"});
  std::vector<volley::sse_event> events;
  for (;;) {
    auto event = volley::sync_wait(stream.next_event());
    if (!event) break;
    events.push_back(std::move(*event));
  }
  REQUIRE(events.size() == 4);
  CHECK(events[0].event == "greet");
  CHECK(events[0].data == "hello");
  CHECK(events[0].id == "1");
  CHECK(events[0].retry == std::optional{2500ms});
  CHECK(events[1].event == "message");
  CHECK(events[1].data == "line one\nline two");
  CHECK(events[1].id == "1");
  CHECK(events[2].data == "no-space");
  CHECK(events[2].id == "2");
  CHECK(events[3].data == R"({"jsonrpc":"2.0","id":3})");
  CHECK(stream.last_event_id() == "2");
  CHECK(stream.retry() == std::optional{2500ms});
  CHECK_THROWS_AS(stream.read_some(), std::logic_error);
  CHECK(client.idle_connections() == 1);
}

TEST_CASE("http_client: an SSE event over the limit is http_phase::limit", "[asio][http][sse][limits]") {
  ASIO_TEST_SERVERS(servers);
  volley_test::watchdog dog{"http sse limit", std::chrono::seconds{60}};
  asio_test::io_threads io{2};
  volley::http_client client{io.context().get_executor(), {.max_event_line_bytes = 8}};
  auto stream = volley::sync_wait(client.open(get(servers->http("/sse"))));
  try {
    for (;;) {
      auto event = volley::sync_wait(stream.next_event());
      if (!event) break;
    }
    FAIL("an over-long SSE line was accepted");
  } catch (const volley::http_error& e) {
    CHECK(e.phase() == volley::http_phase::limit);
    CHECK(std::string(e.what()).find("a line of more than 8 bytes") != std::string::npos);
  }
  CHECK(client.idle_connections() == 0);
}

TEST_CASE("http_client: TLS: the certificate is checked by name and by address; verification can be turned off",
          "[asio][http][tls]") {
  ASIO_TEST_SERVERS(servers);
  volley_test::watchdog dog{"http tls", std::chrono::seconds{60}};
  asio_test::io_threads io{2};
  volley::http_client trusting{io.context().get_executor(), {.tls_ca_file = servers->ca_file()}};
  auto by_name = volley::sync_wait(trusting.request(get(servers->tls("/plain"))));
  CHECK(by_name.body == "hello");
  auto again = volley::sync_wait(trusting.request(get(servers->tls("/count"))));
  auto reused = volley::sync_wait(trusting.request(get(servers->tls("/count"))));
  CHECK(count_field(reused.body, "connection") == count_field(again.body, "connection"));
  auto by_address = volley::sync_wait(trusting.request(get(servers->tls_by_address("/plain"))));
  CHECK(by_address.body == "hello");
  auto stream = volley::sync_wait(trusting.open(get(servers->tls("/sse"))));
  int events = 0;
  for (;;) {
    auto event = volley::sync_wait(stream.next_event());
    if (!event) break;
    ++events;
  }
  CHECK(events == 4);

  volley::http_client strict{io.context().get_executor()};  // default roots: the self-signed certificate is unknown
  auto untrusted = expect_http_error(strict, get(servers->tls("/plain")));
  CHECK(untrusted.phase() == volley::http_phase::tls_handshake);
  CHECK(std::string(untrusted.what()).find("certificate verify failed") != std::string::npos);
  volley::http_client careless{io.context().get_executor(), {.tls_verify_peer = false}};
  CHECK(volley::sync_wait(careless.request(get(servers->tls("/plain")))).body == "hello");
  CHECK_THROWS_AS(volley::http_client(io.context().get_executor(), {.tls_ca_file = "/no/such/ca.pem"}),
                  std::invalid_argument);
}

namespace {

// The HTTP tool: GETs the URL it is given, stopping with its call.
volley::task<std::string> fetch_text(const volley::http_client* client, std::string url, volley::call_context& ctx) {
  auto response = co_await client->request(get(std::move(url)), ctx.stop_token());
  co_return std::to_string(response.status) + " " + response.body;
}

}  // namespace

TEST_CASE("a tool makes a real HTTP request to a loopback server while the batch's other calls run",
          "[asio][batch][http]") {
  ASIO_TEST_SERVERS(servers);
  volley_test::watchdog dog{"http tool in a batch", std::chrono::seconds{60}};
  asio_test::io_threads io{2};
  volley::asio_executor executor{io.context()};
  volley::http_client client{io.context().get_executor()};
  auto tools = asio_test::sleeping_tools();
  tools.add(volley::make_tool(
      "fetch", volley::effect::read_only,
      [client = &client](const std::string& url, volley::call_context& ctx) { return fetch_text(client, url, ctx); },
      [](const std::string& url) { return std::vector<std::string>{"web:" + url}; }));
  for (int round = 0; round < 3; ++round) {
    std::vector<volley::tool_call> calls{{"f1", "fetch", servers->http("/slow?ms=150")},
                                         {"s1", "sleep", "150"},
                                         {"f2", "fetch", servers->http("/plain")},
                                         {"w1", "write", "50"},
                                         {"f3", "fetch", servers->http("/status/404")},
                                         {"w2", "write", "50"},
                                         {"f4", "fetch", servers->http("/never")}};
    const auto start = executor.now();
    auto results = volley::sync_wait(volley::parallel_batch(executor, tools, calls, {.timeout = 1s}));
    const auto took = executor.now() - start;
    REQUIRE(results.size() == calls.size());
    CHECK(*results[0].result == "200 slow");
    CHECK(*results[1].result == "slept 150");
    CHECK(*results[2].result == "200 hello");
    CHECK(*results[3].result == "wrote 50");
    CHECK(*results[4].result == "404 status 404");
    CHECK(*results[5].result == "wrote 50");
    // The server never answers: the call's timeout stops its request, and the batch ends.
    REQUIRE_FALSE(results[6].result);
    CHECK(results[6].result.error().code == volley::errc::timeout);
    CHECK(took >= 1s);
    CHECK(took < 3s);
    // The fetches, the sleep and the first write ran at once; the two writes
    // conflict, so the second started after the first had finished.
    CHECK(results[1].started < results[0].finished);
    CHECK(results[3].started < results[0].finished);
    CHECK(results[6].started < results[0].finished);
    CHECK(results[5].started >= results[3].finished);
  }
  CHECK(volley_test::live_frames() == 0);
}
