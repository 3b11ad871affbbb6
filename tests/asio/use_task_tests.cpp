// volley::use_task and use_outcome: Asio operations awaited from volley
// tasks, with errors, stop tokens and the races between stop and completion.
#include <array>
#include <atomic>
#include <chrono>
#include <stop_token>
#include <string>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include "asio_test_support.hpp"
#include "volley/asio/asio.hpp"
#include "volley/volley.hpp"
#include "volley_catch.hpp"

using namespace std::chrono_literals;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

volley::task<std::size_t> read_some(tcp::socket& socket, std::array<char, 64>& buffer) {
  co_return co_await socket.async_read_some(net::buffer(buffer), volley::use_task);
}

volley::task<std::thread::id> wait_timer(net::steady_timer& timer) {
  co_await timer.async_wait(volley::use_task);
  co_return std::this_thread::get_id();
}

volley::task<std::tuple<boost::system::error_code, std::size_t>> read_as_tuple(tcp::socket& socket, std::array<char, 64>& buffer) {
  co_return co_await socket.async_read_some(net::buffer(buffer), net::as_tuple(volley::use_task));
}

volley::task<volley::outcome<std::size_t>> read_outcome(tcp::socket& socket, std::array<char, 64>& buffer) {
  co_return co_await socket.async_read_some(net::buffer(buffer), volley::use_outcome);
}

volley::task<volley::outcome<void>> wait_outcome(net::steady_timer& timer, std::stop_token stop) {
  co_return co_await timer.async_wait(volley::use_outcome(std::move(stop)));
}

// What a stoppable read ended with: bytes or the error it threw, and where it resumed.
struct read_report {
  std::size_t bytes = 0;
  boost::system::error_code error;
  std::thread::id thread;
};

volley::task<read_report> stoppable_read(tcp::socket& socket, std::array<char, 64>& buffer, std::stop_token stop) {
  read_report report;
  try {
    report.bytes = co_await socket.async_read_some(net::buffer(buffer), volley::use_task(std::move(stop)));
  } catch (const boost::system::system_error& e) {
    report.error = e.code();
  }
  report.thread = std::this_thread::get_id();
  co_return report;
}

// async_read (composed) of exactly `size` bytes, its stop emitted on the strand the socket runs on.
// (Not a template: g++ flags a template coroutine's frame of anonymous-namespace
// types when the file is compiled inside a unity build.)
volley::task<read_report> stoppable_read_exactly(tcp::socket& socket, std::array<char, 64>& buffer, std::size_t size,
                                                 std::stop_token stop, net::any_io_executor strand) {
  read_report report;
  try {
    report.bytes = co_await net::async_read(socket, net::buffer(buffer.data(), size), volley::use_task(std::move(stop), strand));
  } catch (const boost::system::system_error& e) {
    report.error = e.code();
  }
  co_return report;
}

volley::task<> request_stop_after(volley::asio_executor& executor, std::stop_source& source, volley::duration d) {
  co_await executor.sleep_for(d);
  source.request_stop();
}

volley::task<int> timer_race(net::steady_timer& timer, std::stop_token stop, std::atomic<int>& resumed) {
  auto result = co_await timer.async_wait(volley::use_outcome(std::move(stop)));
  resumed.fetch_add(1);
  co_return result ? 0 : 1;
}

}  // namespace

TEST_CASE("use_task: a timer wait and a socket read, awaited from volley tasks", "[asio][use_task]") {
  volley_test::watchdog dog{"use_task basics", std::chrono::seconds{30}};
  asio_test::io_threads io{2};
  net::steady_timer timer{io.context(), 5ms};
  CHECK(io.is_io_thread(volley::sync_wait(wait_timer(timer))));

  auto pair = asio_test::connected_pair(io.context().get_executor());
  net::write(pair.server, net::buffer(std::string{"hello"}));
  std::array<char, 64> buffer{};
  const std::size_t n = volley::sync_wait(read_some(pair.client, buffer));
  CHECK(std::string(buffer.data(), n) == "hello");
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("use_task: an error is thrown as system_error; as_tuple and use_outcome hand it back", "[asio][use_task][errors]") {
  volley_test::watchdog dog{"use_task errors", std::chrono::seconds{30}};
  asio_test::io_threads io{2};
  // A fresh pair each time: Asio 1.81 may not complete a second read after
  // an end of file it has already reported (its edge-triggered epoll saw it once).
  std::array<char, 64> buffer{};
  {
    auto pair = asio_test::connected_pair(io.context().get_executor());
    pair.server.close();
    try {
      volley::sync_wait(read_some(pair.client, buffer));
      FAIL("a read from a closed peer did not throw");
    } catch (const boost::system::system_error& e) {
      CHECK(e.code() == net::error::eof);
    }
  }
  {
    auto pair = asio_test::connected_pair(io.context().get_executor());
    pair.server.close();
    auto [error, n] = volley::sync_wait(read_as_tuple(pair.client, buffer));
    CHECK(error == net::error::eof);
    CHECK(n == 0);
  }
  auto pair = asio_test::connected_pair(io.context().get_executor());
  pair.server.close();
  auto outcome = volley::sync_wait(read_outcome(pair.client, buffer));
  REQUIRE_FALSE(outcome.has_value());
  CHECK(outcome.error().code == volley::errc::tool_failed);
  CHECK(outcome.error().message.find("End of file") != std::string::npos);
  CHECK(outcome.error().message.find("asio.misc:2") != std::string::npos);
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("use_task(stop): a read that would never complete is cancelled through its slot, on the io_context",
          "[asio][use_task][stop]") {
  volley_test::watchdog dog{"use_task stop", std::chrono::seconds{30}};
  asio_test::io_threads io{2};
  volley::asio_executor executor{io.context()};
  auto pair = asio_test::connected_pair(io.context().get_executor());
  std::array<char, 64> buffer{};
  for (int round = 0; round < 20; ++round) {
    std::stop_source source;
    const auto start = std::chrono::steady_clock::now();
    auto [report, ignored] = volley::sync_wait(volley::when_all(stoppable_read(pair.client, buffer, source.get_token()),
                                                                request_stop_after(executor, source, 2ms)));
    (void)ignored;
    CHECK(report.error == net::error::operation_aborted);
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    CHECK(io.is_io_thread(report.thread));
  }
  // The socket is still usable: the cancelled reads took nothing.
  net::write(pair.server, net::buffer(std::string{"after"}));
  auto report = volley::sync_wait(stoppable_read(pair.client, buffer, {}));
  CHECK(std::string(buffer.data(), report.bytes) == "after");
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("use_task(stop): stopped before it starts, nothing is started; stopped after it completed, the value stays",
          "[asio][use_task][stop]") {
  volley_test::watchdog dog{"use_task stop edges", std::chrono::seconds{30}};
  asio_test::io_threads io{2};
  auto pair = asio_test::connected_pair(io.context().get_executor());
  net::write(pair.server, net::buffer(std::string{"data"}));
  std::array<char, 64> buffer{};
  std::stop_source stopped;
  stopped.request_stop();
  auto report = volley::sync_wait(stoppable_read(pair.client, buffer, stopped.get_token()));
  CHECK(report.error == net::error::operation_aborted);
  CHECK(report.thread == std::this_thread::get_id());  // it never suspended
  // The data is still there: the read was never started.
  std::stop_source later;
  report = volley::sync_wait(stoppable_read(pair.client, buffer, later.get_token()));
  REQUIRE_FALSE(report.error);
  CHECK(std::string(buffer.data(), report.bytes) == "data");
  later.request_stop();  // after completion: nothing to do, nothing breaks
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("use_task(stop, strand): a composed async_read on a strand is cancelled mid-way", "[asio][use_task][stop][strand]") {
  volley_test::watchdog dog{"composed stop", std::chrono::seconds{30}};
  asio_test::io_threads io{2};
  volley::asio_executor executor{io.context()};
  auto strand = net::make_strand(io.context());
  auto pair = asio_test::connected_pair(strand);
  net::write(pair.server, net::buffer(std::string{"12345"}));  // half of what it waits for
  std::array<char, 64> buffer{};
  std::stop_source source;
  auto [report, ignored] = volley::sync_wait(volley::when_all(
      stoppable_read_exactly(pair.client, buffer, 10, source.get_token(), strand), request_stop_after(executor, source, 5ms)));
  (void)ignored;
  CHECK(report.error == net::error::operation_aborted);
  CHECK(report.bytes == 0);
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("use_outcome(stop): a cancelled timer wait is errc::cancelled", "[asio][use_task][stop]") {
  volley_test::watchdog dog{"use_outcome stop", std::chrono::seconds{30}};
  asio_test::io_threads io{2};
  volley::asio_executor executor{io.context()};
  net::steady_timer timer{io.context(), 10s};
  std::stop_source source;
  auto [result, ignored] =
      volley::sync_wait(volley::when_all(wait_outcome(timer, source.get_token()), request_stop_after(executor, source, 1ms)));
  (void)ignored;
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == volley::errc::cancelled);
}

TEST_CASE("use_task(stop): a stop from a plain thread racing the completion resumes exactly once", "[asio][use_task][stop]") {
  volley_test::watchdog dog{"use_task race", std::chrono::seconds{120}};
  asio_test::io_threads io{2};
  std::atomic<int> resumed{0};
  int cancelled = 0;
  const int rounds = volley_test::scaled(2000);
  for (int i = 0; i < rounds; ++i) {
    net::steady_timer timer{io.context(), std::chrono::microseconds{40}};
    std::stop_source source;
    auto waiter = timer_race(timer, source.get_token(), resumed);
    std::thread stopper([&source, i] {
      std::this_thread::sleep_for(std::chrono::microseconds{i % 80});
      source.request_stop();
    });
    cancelled += volley::sync_wait(std::move(waiter));
    stopper.join();
  }
  CHECK(resumed.load() == rounds);
  INFO(cancelled << " of " << rounds << " waits were cancelled");
  CHECK(volley_test::live_frames() == 0);
}
