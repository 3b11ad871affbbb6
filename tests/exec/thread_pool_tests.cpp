#include <atomic>
#include <chrono>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

#include "volley/core/sync_wait.hpp"
#include "volley/core/task.hpp"
#include "volley/core/when_all.hpp"
#include "volley/exec/executor.hpp"
#include "volley/exec/thread_pool.hpp"
#include "volley_catch.hpp"

using namespace std::chrono_literals;

static_assert(volley::Executor<volley::thread_pool>);

namespace {

volley::task<int> hop_around(volley::thread_pool& a, volley::thread_pool& b, int hops) {
  int sum = 0;
  for (int i = 0; i < hops; ++i) {
    co_await (i % 2 ? a.schedule() : b.schedule());
    ++sum;
  }
  co_return sum;
}

struct timer_log {
  std::mutex mutex;
  std::vector<int> order;
};

volley::task<> sleeper(volley::thread_pool& pool, timer_log& log, int id, std::chrono::milliseconds d) {
  co_await pool.sleep_for(d);
  std::lock_guard lock{log.mutex};
  log.order.push_back(id);
}

volley::task<volley::duration> stoppable_sleep(volley::thread_pool& pool, std::stop_token token,
                                               std::atomic<int>& resumed) {
  auto start = pool.now();
  co_await pool.sleep_for(10s, token);
  resumed.fetch_add(1);
  co_return pool.now() - start;
}

volley::task<> stop_after(volley::thread_pool& pool, std::stop_source& source, std::chrono::milliseconds d) {
  co_await pool.sleep_for(d);
  source.request_stop();
}

volley::task<> forever(volley::thread_pool& pool, std::atomic<int>& resumed) {
  co_await pool.sleep_for(std::chrono::hours{24});
  resumed.fetch_add(1);
}

// Blocks its worker until `partner_count` tasks run at the same time: it can
// only finish when the pool spreads them over that many workers.
volley::task<> wait_for_partners(volley::thread_pool& pool, std::atomic<int>& arrived, int partner_count) {
  co_await pool.schedule();
  arrived.fetch_add(1);
  while (arrived.load() < partner_count) std::this_thread::yield();
}

// Starts the blocking tasks from a worker: they land on that worker's own
// queue, so the other workers must take them from there.
volley::task<> fan_out_from_a_worker(volley::thread_pool& pool, std::atomic<int>& arrived) {
  co_await pool.schedule();
  co_await volley::when_all(wait_for_partners(pool, arrived, 2), wait_for_partners(pool, arrived, 2));
}

// Keeps its worker busy with work of its own until `flag` is set.
volley::task<int> reschedule_until(volley::thread_pool& pool, std::atomic<bool>& flag) {
  int turns = 0;
  while (!flag.load()) {
    co_await pool.schedule();
    ++turns;
  }
  co_return turns;
}

volley::task<> set_flag(volley::thread_pool& pool, std::atomic<bool>& flag) {
  co_await pool.schedule();
  flag.store(true);
}

}  // namespace

TEST_CASE("thread_pool: a task continues on a worker thread", "[thread_pool]") {
  volley_test::watchdog dog{"thread_pool hop", std::chrono::seconds{30}};
  volley::thread_pool pool{2};
  auto caller = std::this_thread::get_id();
  auto on = volley::sync_wait([](volley::thread_pool& p) -> volley::task<std::thread::id> {
    co_await p.schedule();
    co_return std::this_thread::get_id();
  }(pool));
  CHECK(on != caller);
}

TEST_CASE("thread_pool stress: 100,000 tasks hopping between threads and pools", "[thread_pool][stress]") {
  volley_test::watchdog dog{"thread_pool stress", std::chrono::seconds{300}};
  volley::thread_pool a{2};
  volley::thread_pool b{2};
  const int tasks = 100'000;
  std::vector<volley::task<int>> work;
  work.reserve(static_cast<std::size_t>(tasks));
  for (int i = 0; i < tasks; ++i) work.push_back(hop_around(a, b, 4));
  auto results = volley::sync_wait(volley::when_all(std::move(work)));
  long total = 0;
  for (int r : results) total += r;
  CHECK(total == 4L * tasks);
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("thread_pool timers fire in deadline order", "[thread_pool][timer]") {
  volley_test::watchdog dog{"thread_pool timers", std::chrono::seconds{30}};
  volley::thread_pool pool{2};
  timer_log log;
  // Started in reverse order of their deadlines, 20 ms apart.
  volley::sync_wait(volley::when_all(sleeper(pool, log, 3, 60ms), sleeper(pool, log, 1, 20ms),
                                     sleeper(pool, log, 2, 40ms), sleeper(pool, log, 0, 1ms)));
  CHECK(log.order == std::vector<int>{0, 1, 2, 3});
}

TEST_CASE("thread_pool: a stopped timer resumes early and exactly once", "[thread_pool][timer][stop]") {
  volley_test::watchdog dog{"stopped timer", std::chrono::seconds{30}};
  volley::thread_pool pool{2};
  for (int round = 0; round < 50; ++round) {
    std::stop_source source;
    std::atomic<int> resumed{0};
    auto [slept, ignored] = volley::sync_wait(volley::when_all(
        stoppable_sleep(pool, source.get_token(), resumed), stop_after(pool, source, std::chrono::milliseconds{round % 3})));
    (void)ignored;
    CHECK(resumed.load() == 1);
    CHECK(slept < 5s);
  }
  // Stopped before it is even awaited: no suspension at all.
  std::stop_source already;
  already.request_stop();
  std::atomic<int> resumed{0};
  auto slept = volley::sync_wait(stoppable_sleep(pool, already.get_token(), resumed));
  CHECK(resumed.load() == 1);
  CHECK(slept < 1s);
}

TEST_CASE("thread_pool: a stop racing the deadline still resumes exactly once", "[thread_pool][timer][stop]") {
  volley_test::watchdog dog{"timer race", std::chrono::seconds{60}};
  volley::thread_pool pool{2};
  std::atomic<int> resumed{0};
  const int rounds = volley_test::scaled(2000);
  for (int i = 0; i < rounds; ++i) {
    std::stop_source source;
    auto t = [](volley::thread_pool& p, std::stop_token token, std::atomic<int>& r) -> volley::task<> {
      co_await p.sleep_for(std::chrono::microseconds{50}, token);
      r.fetch_add(1);
    }(pool, source.get_token(), resumed);
    std::thread stopper([&source] {
      std::this_thread::sleep_for(std::chrono::microseconds{45});
      source.request_stop();
    });
    volley::sync_wait(std::move(t));
    stopper.join();
  }
  CHECK(resumed.load() == rounds);
}

TEST_CASE("thread_pool: destruction with a far timer pending neither hangs nor leaks", "[thread_pool][shutdown]") {
  volley_test::watchdog dog{"pool destruction", std::chrono::seconds{30}};
  std::atomic<int> resumed{0};
  std::thread waiter;
  {
    volley::thread_pool pool{1};
    waiter = std::thread([&pool, &resumed] { volley::sync_wait(forever(pool, resumed)); });
    while (pool.pending_timers() == 0) std::this_thread::sleep_for(1ms);
    CHECK(resumed.load() == 0);
  }  // ~thread_pool fires the 24-hour timer at once and runs the task to its end
  waiter.join();
  CHECK(resumed.load() == 1);
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("thread_pool: work one worker schedules spreads to the idle workers", "[thread_pool][stealing]") {
  volley_test::watchdog dog{"work spreading over workers", std::chrono::seconds{60}};
  volley::thread_pool pool{2};
  for (int round = 0; round < volley_test::scaled(200); ++round) {
    std::atomic<int> arrived{0};
    volley::sync_wait(fan_out_from_a_worker(pool, arrived));
    REQUIRE(arrived.load() == 2);
  }
}

TEST_CASE("thread_pool: work from outside runs while a worker keeps rescheduling itself", "[thread_pool][fairness]") {
  volley_test::watchdog dog{"outside work not starved", std::chrono::seconds{60}};
  // One worker, busy with a coroutine that reschedules itself until a task
  // scheduled from outside runs: starving outside work would hang (and the
  // watchdog would fail the test).
  volley::thread_pool pool{1};
  long total_turns = 0;
  for (int round = 0; round < volley_test::scaled(50); ++round) {
    std::atomic<bool> flag{false};
    int turns = 0;
    std::thread busy([&] { turns = volley::sync_wait(reschedule_until(pool, flag)); });
    std::this_thread::sleep_for(1ms);
    volley::sync_wait(set_flag(pool, flag));
    busy.join();
    total_turns += turns;
  }
  // The busy coroutine really kept the worker busy in most rounds.
  CHECK(total_turns > 0);
}
