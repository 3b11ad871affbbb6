#include <atomic>
#include <chrono>
#include <stop_token>
#include <string>
#include <vector>

#include "volley/core/async_semaphore.hpp"
#include "volley/core/sync_wait.hpp"
#include "volley/core/task.hpp"
#include "volley/core/when_all.hpp"
#include "volley/exec/simulation.hpp"
#include "volley/exec/thread_pool.hpp"
#include "volley_catch.hpp"

using namespace std::chrono_literals;

namespace {

volley::task<> take(volley::simulation& sim, volley::async_semaphore& s, std::vector<int>& order, int id,
                    volley::duration hold) {
  const bool got = co_await s.acquire();
  if (!got) co_return;
  order.push_back(id);
  co_await sim.sleep_for(hold);
  s.release();
}

volley::task<bool> take_or_give_up(volley::async_semaphore& s, std::stop_token token) {
  const bool got = co_await s.acquire(token);
  if (got) s.release();
  co_return got;
}

volley::task<> stop_later(volley::simulation& sim, std::stop_source& source) {
  co_await sim.sleep_for(1s);
  source.request_stop();
}

volley::task<> hammer(volley::thread_pool& pool, volley::async_semaphore& s, std::atomic<int>& inside, std::atomic<int>& peak) {
  for (int i = 0; i < 200; ++i) {
    co_await pool.schedule();
    const bool got = co_await s.acquire();
    if (!got) co_return;
    int now = inside.fetch_add(1) + 1;
    int seen = peak.load();
    while (now > seen && !peak.compare_exchange_weak(seen, now)) {
    }
    inside.fetch_sub(1);
    s.release();
  }
}

}  // namespace

TEST_CASE("async_semaphore: waiters get permits first come, first served", "[semaphore]") {
  volley::simulation sim;
  volley::async_semaphore s{1};
  std::vector<int> order;
  sim.run(volley::when_all(take(sim, s, order, 1, 1s), take(sim, s, order, 2, 1s), take(sim, s, order, 3, 1s),
                           take(sim, s, order, 4, 1s)));
  CHECK(order == std::vector<int>{1, 2, 3, 4});
  CHECK(sim.elapsed() == 4s);
  CHECK(s.available() == 1);
}

TEST_CASE("async_semaphore: a stopped waiter gives up its place and takes no permit", "[semaphore][stop]") {
  volley::simulation sim;
  volley::async_semaphore s{0};
  std::stop_source source;
  auto [got, ignored] = sim.run(volley::when_all(take_or_give_up(s, source.get_token()), stop_later(sim, source)));
  (void)ignored;
  CHECK_FALSE(got);
  CHECK(s.available() == 0);
  std::stop_source already;
  already.request_stop();
  CHECK_FALSE(volley::sync_wait(take_or_give_up(s, already.get_token())));
  s.release();
  CHECK(volley::sync_wait(take_or_give_up(s, {})));
  CHECK(s.available() == 1);
}

TEST_CASE("async_semaphore: never more holders than permits under contention", "[semaphore][threads]") {
  volley_test::watchdog dog{"semaphore contention", std::chrono::seconds{120}};
  volley::thread_pool pool{2};
  volley::async_semaphore s{3};
  std::atomic<int> inside{0}, peak{0};
  std::vector<volley::task<>> tasks;
  for (int i = 0; i < 16; ++i) tasks.push_back(hammer(pool, s, inside, peak));
  volley::sync_wait(volley::when_all(std::move(tasks)));
  CHECK(peak.load() <= 3);
  CHECK(s.available() == 3);
}
