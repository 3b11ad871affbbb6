#include <stdexcept>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "volley/core/sync_wait.hpp"
#include "volley/core/task.hpp"
#include "volley/core/when_all.hpp"
#include "volley/exec/thread_pool.hpp"
#include "volley_catch.hpp"

namespace {

volley::task<int> value(int v) { co_return v; }
volley::task<std::string> text(std::string s) { co_return s; }
volley::task<> nothing() { co_return; }
volley::task<int> fails(std::string what) {
  throw std::runtime_error(what);
  co_return 0;
}
volley::task<int> on_pool(volley::thread_pool& pool, int v) {
  co_await pool.schedule();
  co_return v;
}

struct stopwatch_flag {
  std::atomic<int> finished{0};
};
volley::task<int> counts(volley::thread_pool& pool, stopwatch_flag& flag, int v) {
  co_await pool.schedule();
  flag.finished.fetch_add(1, std::memory_order_relaxed);
  co_return v;
}

}  // namespace

TEST_CASE("when_all over different awaitables returns a tuple in argument order", "[when_all]") {
  auto [a, b, c] = volley::sync_wait(volley::when_all(value(1), text("two"), nothing()));
  CHECK(a == 1);
  CHECK(b == "two");
  CHECK(std::is_same_v<decltype(c), std::monostate>);
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("when_all over a vector keeps input order whatever order tasks finish in", "[when_all]") {
  volley_test::watchdog dog{"when_all on a pool", std::chrono::seconds{60}};
  volley::thread_pool pool{2};
  std::vector<volley::task<int>> tasks;
  for (int i = 0; i < 1000; ++i) tasks.push_back(on_pool(pool, i));
  auto results = volley::sync_wait(volley::when_all(std::move(tasks)));
  REQUIRE(results.size() == 1000);
  for (int i = 0; i < 1000; ++i) CHECK(results[static_cast<std::size_t>(i)] == i);
}

TEST_CASE("when_all of an empty vector completes at once", "[when_all]") {
  auto results = volley::sync_wait(volley::when_all(std::vector<volley::task<int>>{}));
  CHECK(results.empty());
  volley::sync_wait(volley::when_all(std::vector<volley::task<>>{}));
}

TEST_CASE("when_all runs every child to completion, then rethrows the first failure in input order", "[when_all]") {
  volley_test::watchdog dog{"when_all exceptions", std::chrono::seconds{60}};
  volley::thread_pool pool{2};
  stopwatch_flag flag;
  std::vector<volley::task<int>> tasks;
  tasks.push_back(counts(pool, flag, 1));
  tasks.push_back(fails("first"));
  tasks.push_back(counts(pool, flag, 2));
  tasks.push_back(fails("second"));
  tasks.push_back(counts(pool, flag, 3));
  CHECK_THROWS_WITH(volley::sync_wait(volley::when_all(std::move(tasks))), "first");
  CHECK(flag.finished.load() == 3);
  CHECK_THROWS_WITH(volley::sync_wait(volley::when_all(value(1), fails("tuple"), value(2))), "tuple");
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("when_all with many synchronously completing children does not recurse", "[when_all][stack]") {
  std::vector<volley::task<int>> tasks;
  for (int i = 0; i < 200'000; ++i) tasks.push_back(value(1));
  auto results = volley::sync_wait(volley::when_all(std::move(tasks)));
  long total = 0;
  for (int r : results) total += r;
  CHECK(total == 200'000);
}
