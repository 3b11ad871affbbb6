// asio_executor on a real io_context run by two threads (and on a strand).
#include <atomic>
#include <chrono>
#include <stop_token>
#include <thread>
#include <vector>

#include <boost/asio/strand.hpp>

#include "asio_test_support.hpp"
#include "volley/asio/asio.hpp"
#include "volley/volley.hpp"
#include "volley_catch.hpp"

using namespace std::chrono_literals;

namespace {

volley::task<std::thread::id> hop(volley::asio_executor& executor) {
  co_await executor.schedule();
  co_return std::this_thread::get_id();
}

struct sleep_report {
  volley::duration slept{};
  std::thread::id thread;
};

volley::task<sleep_report> timed_sleep(volley::asio_executor& executor, volley::duration d, std::stop_token token,
                                       std::atomic<int>& resumed) {
  const auto start = executor.now();
  co_await executor.sleep_for(d, std::move(token));
  resumed.fetch_add(1);
  co_return sleep_report{executor.now() - start, std::this_thread::get_id()};
}

volley::task<> stop_after(volley::asio_executor& executor, std::stop_source& source, volley::duration d) {
  co_await executor.sleep_for(d);
  source.request_stop();
}

// Counts how many of these run at once on the executor.
volley::task<> overlap_probe(volley::asio_executor& executor, std::atomic<int>& inside, std::atomic<int>& peak) {
  for (int i = 0; i < 100; ++i) {
    co_await executor.schedule();
    const int now = inside.fetch_add(1) + 1;
    int seen = peak.load();
    while (now > seen && !peak.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::yield();
    inside.fetch_sub(1);
  }
}

}  // namespace

TEST_CASE("asio_executor: satisfies volley::Executor; copies compare equal", "[asio][executor]") {
  STATIC_REQUIRE(volley::Executor<volley::asio_executor>);
  boost::asio::io_context io;
  volley::asio_executor a{io}, b{io.get_executor()};
  CHECK(a == b);
  CHECK(a.get_executor() == io.get_executor());
}

TEST_CASE("asio_executor: schedule() continues on an io_context thread", "[asio][executor]") {
  volley_test::watchdog dog{"asio schedule", std::chrono::seconds{30}};
  asio_test::io_threads io{2};
  volley::asio_executor executor{io.context()};
  for (int i = 0; i < 100; ++i) CHECK(io.is_io_thread(volley::sync_wait(hop(executor))));
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("asio_executor: a sleep takes its time on the steady clock and resumes on the io_context", "[asio][executor][timer]") {
  volley_test::watchdog dog{"asio sleep", std::chrono::seconds{30}};
  asio_test::io_threads io{2};
  volley::asio_executor executor{io.context()};
  std::atomic<int> resumed{0};
  auto report = volley::sync_wait(timed_sleep(executor, 20ms, {}, resumed));
  CHECK(report.slept >= 20ms);
  CHECK(report.slept < 5s);
  CHECK(io.is_io_thread(report.thread));
  CHECK(resumed.load() == 1);
}

TEST_CASE("asio_executor: a stopped sleep resumes early, exactly once, on the io_context", "[asio][executor][timer][stop]") {
  volley_test::watchdog dog{"asio stopped sleep", std::chrono::seconds{60}};
  asio_test::io_threads io{2};
  volley::asio_executor executor{io.context()};
  for (int round = 0; round < 50; ++round) {
    std::stop_source source;
    std::atomic<int> resumed{0};
    auto [report, ignored] = volley::sync_wait(volley::when_all(timed_sleep(executor, 10s, source.get_token(), resumed),
                                                                stop_after(executor, source, std::chrono::milliseconds{round % 3})));
    (void)ignored;
    CHECK(resumed.load() == 1);
    CHECK(report.slept < 5s);
    CHECK(io.is_io_thread(report.thread));
  }
  // Stopped before it is awaited: it does not suspend at all.
  std::stop_source already;
  already.request_stop();
  std::atomic<int> resumed{0};
  auto report = volley::sync_wait(timed_sleep(executor, 10s, already.get_token(), resumed));
  CHECK(resumed.load() == 1);
  CHECK(report.slept < 1s);
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("asio_executor: a stop from a plain thread racing the deadline resumes exactly once", "[asio][executor][timer][stop]") {
  volley_test::watchdog dog{"asio timer race", std::chrono::seconds{120}};
  asio_test::io_threads io{2};
  volley::asio_executor executor{io.context()};
  std::atomic<int> resumed{0};
  const int rounds = volley_test::scaled(2000);
  for (int i = 0; i < rounds; ++i) {
    std::stop_source source;
    auto sleeper = timed_sleep(executor, std::chrono::microseconds{50}, source.get_token(), resumed);
    std::thread stopper([&source, i] {
      std::this_thread::sleep_for(std::chrono::microseconds{i % 100});
      source.request_stop();
    });
    volley::sync_wait(std::move(sleeper));
    stopper.join();
  }
  CHECK(resumed.load() == rounds);
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("asio_executor: on a strand, coroutines never run at once", "[asio][executor][strand]") {
  volley_test::watchdog dog{"asio strand", std::chrono::seconds{60}};
  asio_test::io_threads io{2};
  volley::asio_executor strand{boost::asio::make_strand(io.context())};
  std::atomic<int> inside{0}, peak{0};
  volley::sync_wait(volley::when_all(overlap_probe(strand, inside, peak), overlap_probe(strand, inside, peak),
                                     overlap_probe(strand, inside, peak), overlap_probe(strand, inside, peak)));
  CHECK(peak.load() == 1);
  CHECK(volley_test::live_frames() == 0);
}
