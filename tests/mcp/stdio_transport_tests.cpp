// The stdio transport's process handling, with plain programs as servers:
// start, exit status and stderr, closing (stdin, SIGTERM, SIGKILL), no
// zombie and no descriptor left behind.
#include <sys/wait.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "mcp_test_support.hpp"

using namespace std::chrono_literals;
namespace mcp = volley::mcp;

namespace {

// Collects what a transport reports.
struct recorder {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> messages;
  std::vector<std::string> faults;
  std::optional<std::string> closed;

  mcp::transport_events events() {
    mcp::transport_events e;
    e.message = [this](std::string m) {
      std::lock_guard lock{mutex};
      messages.push_back(std::move(m));
      changed.notify_all();
    };
    e.fault = [this](std::string problem, std::string) {
      std::lock_guard lock{mutex};
      faults.push_back(std::move(problem));
      changed.notify_all();
    };
    e.closed = [this](std::string reason) {
      std::lock_guard lock{mutex};
      closed = std::move(reason);
      changed.notify_all();
    };
    return e;
  }
  template <class Predicate>
  bool wait(Predicate done, std::chrono::milliseconds limit = 5000ms) {
    std::unique_lock lock{mutex};
    return changed.wait_for(lock, limit, [&] { return done(*this); });
  }
};

bool process_exists(pid_t pid) { return ::kill(pid, 0) == 0; }

}  // namespace

TEST_CASE("stdio transport: lines both ways, in order, in any chunking") {
  volley_test::watchdog dog{"stdio echo", 30s};
  const auto before = volley_test::mcp::open_descriptors();
  recorder seen;
  {
    // `cat` echoes each line: the simplest server that speaks lines.
    mcp::stdio_transport transport{{.command = {"cat"}}};
    transport.start(seen.events());
    std::string big(200000, 'b');
    CHECK(transport.send("first"));
    CHECK(transport.send(big));
    CHECK(transport.send("third\r"));  // a trailing CR is dropped
    CHECK(seen.wait([](recorder& r) { return r.messages.size() == 3; }));
    transport.close();
  }
  REQUIRE(seen.messages.size() == 3);
  CHECK(seen.messages[0] == "first");
  CHECK(seen.messages[1].size() == 200000);
  CHECK(seen.messages[2] == "third");
  REQUIRE(seen.closed);
  CHECK(seen.closed->find("exited with status 0 after the client closed the connection") != std::string::npos);
  CHECK(volley_test::mcp::open_descriptors() == before);
}

TEST_CASE("stdio transport: a server that exits is reported at once, with its status and stderr") {
  volley_test::watchdog dog{"stdio exit", 30s};
  recorder seen;
  mcp::stdio_transport transport{
      {.command = {"sh", "-c", "read line; echo \"bad things: $line\" >&2; exit 3"}, .name = "dying"}};
  const pid_t pid = transport.pid();
  transport.start(seen.events());
  const auto sent = std::chrono::steady_clock::now();
  CHECK(transport.send("hello"));
  REQUIRE(seen.wait([](recorder& r) { return r.closed.has_value(); }));
  CHECK(std::chrono::steady_clock::now() - sent < 1s);
  CHECK(seen.closed->find("MCP server 'dying' (pid " + std::to_string(pid) + ") exited with status 3") == 0);
  CHECK(seen.closed->find("the end of its stderr: bad things: hello") != std::string::npos);
  CHECK_FALSE(transport.send("after the end"));
  transport.close();
  // Reaped: no zombie of it remains.
  CHECK_FALSE(process_exists(pid));
  CHECK(::waitpid(pid, nullptr, WNOHANG) == -1);
}

TEST_CASE("stdio transport: closing escalates from stdin to SIGTERM to SIGKILL") {
  volley_test::watchdog dog{"stdio close", 30s};
  SECTION("a server that ignores the end of stdin gets SIGTERM") {
    recorder seen;
    mcp::stdio_transport transport{{.command = {"sh", "-c", "exec sleep 30"}, .exit_grace = 100ms}};
    const pid_t pid = transport.pid();
    transport.start(seen.events());
    const auto start = std::chrono::steady_clock::now();
    transport.close();
    CHECK(std::chrono::steady_clock::now() - start < 2s);
    CHECK_FALSE(process_exists(pid));
    REQUIRE(seen.closed);
    CHECK(seen.closed->find("killed by signal 15") != std::string::npos);
  }
  SECTION("a server that ignores SIGTERM gets SIGKILL") {
    recorder seen;
    mcp::stdio_transport transport{
        {.command = {"sh", "-c", "trap '' TERM; while true; do sleep 0.05; done"},
         .exit_grace = 100ms, .terminate_grace = 200ms}};
    const pid_t pid = transport.pid();
    transport.start(seen.events());
    const auto start = std::chrono::steady_clock::now();
    transport.close();
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    CHECK_FALSE(process_exists(pid));
    REQUIRE(seen.closed);
    CHECK(seen.closed->find("killed by signal 9") != std::string::npos);
  }
  SECTION("closed before it was started") {
    mcp::stdio_transport transport{{.command = {"cat"}}};
    const pid_t pid = transport.pid();
    transport.close();
    CHECK_FALSE(process_exists(pid));
  }
}

TEST_CASE("stdio transport: bad servers and bad commands") {
  volley_test::watchdog dog{"stdio bad", 30s};
  SECTION("a program that does not exist") {
    try {
      mcp::stdio_transport transport{{.command = {"/no/such/mcp-server"}}};
      FAIL("constructing must throw");
    } catch (const std::system_error& e) {
      CHECK(std::string(e.what()).find("cannot start '/no/such/mcp-server'") != std::string::npos);
    }
  }
  SECTION("a working directory that does not exist") {
    CHECK_THROWS_AS((mcp::stdio_transport{{.command = {"cat"}, .working_directory = "/no/such/dir"}}),
                    std::system_error);
  }
  SECTION("environment and working directory reach the server") {
    volley_test::mcp::temporary_directory dir;
    recorder seen;
    mcp::stdio_transport transport{{.command = {"sh", "-c", "echo \"$VOLLEY_TEST_VALUE $(pwd)\""},
                                    .extra_environment = {"VOLLEY_TEST_VALUE=forty-two"},
                                    .working_directory = dir.path()}};
    transport.start(seen.events());
    REQUIRE(seen.wait([](recorder& r) { return r.closed.has_value(); }));
    REQUIRE(seen.messages.size() == 1);
    CHECK(seen.messages[0] == "forty-two " + dir.path().string());
  }
  SECTION("a message over the limit is dropped and reported; the next one arrives") {
    recorder seen;
    mcp::stdio_transport transport{
        {.command = {"sh", "-c", "head -c 5000 /dev/zero | tr '\\0' x; echo; echo '{\"after\":1}'; sleep 5"},
         .max_message_bytes = 1000}};
    transport.start(seen.events());
    REQUIRE(seen.wait([](recorder& r) { return !r.messages.empty(); }));
    transport.close();
    REQUIRE(seen.faults.size() == 1);
    CHECK(seen.faults[0].find("a message of 5000 bytes, over the limit of 1000, was dropped") == 0);
    CHECK(seen.messages == std::vector<std::string>{R"({"after":1})"});
  }
  SECTION("a server that floods stderr keeps only the tail") {
    recorder seen;
    mcp::stdio_transport transport{
        {.command = {"sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' e >&2; echo the last words >&2; exit 1"},
         .stderr_tail_bytes = 100}};
    transport.start(seen.events());
    REQUIRE(seen.wait([](recorder& r) { return r.closed.has_value(); }));
    CHECK(seen.closed->find("...eeee") != std::string::npos);
    CHECK(seen.closed->find("the last words") != std::string::npos);
    CHECK(seen.closed->size() < 400);
  }
  SECTION("a server that never reads its stdin does not block send()") {
    recorder seen;
    mcp::stdio_transport transport{{.command = {"sh", "-c", "exec sleep 30"},
                                    .max_queued_bytes = std::size_t{1} << 20,
                                    .exit_grace = 50ms}};
    transport.start(seen.events());
    std::string chunk(64 << 10, 'q');
    int accepted = 0;
    for (int i = 0; i < 100; ++i) accepted += transport.send(chunk) ? 1 : 0;
    CHECK(accepted < 100);  // refused once a MiB waits: the server is stuck
    CHECK(accepted >= 10);
    transport.close();
  }
}
