#include <memory>
#include <stdexcept>
#include <string>

#include "volley/core/sync_wait.hpp"
#include "volley/core/task.hpp"
#include "volley_catch.hpp"

namespace {

volley::task<int> forty_two() { co_return 42; }
volley::task<> nothing() { co_return; }
volley::task<int> add_one(int x) { co_return co_await [](int v) -> volley::task<int> { co_return v + 1; }(x); }
volley::task<int> throws_before_suspending() {
  throw std::runtime_error("boom");
  co_return 0;
}
volley::task<int> rethrows() { co_return co_await throws_before_suspending(); }
volley::task<std::unique_ptr<int>> move_only() { co_return std::make_unique<int>(7); }

int global_value = 5;
volley::task<int&> reference() { co_return global_value; }

struct counted {
  static inline int alive = 0;
  counted() { ++alive; }
  counted(const counted&) { ++alive; }
  ~counted() { --alive; }
};
volley::task<int> holds(counted c) {
  (void)c;
  co_return 1;
}

volley::task<long> sum_synchronously(int n) {
  long total = 0;
  for (int i = 0; i < n; ++i) total += co_await forty_two();
  co_return total;
}

}  // namespace

TEST_CASE("task: a value, void and a move-only value come back by value", "[task]") {
  CHECK(volley::sync_wait(forty_two()) == 42);
  volley::sync_wait(nothing());
  CHECK(volley::sync_wait(add_one(1)) == 2);
  auto p = volley::sync_wait(move_only());
  REQUIRE(p);
  CHECK(*p == 7);
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("task: exceptions propagate to the awaiter, also from before the first suspension", "[task]") {
  CHECK_THROWS_WITH(volley::sync_wait(throws_before_suspending()), "boom");
  CHECK_THROWS_WITH(volley::sync_wait(rethrows()), "boom");
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("task<T&> returns the referent, not a copy", "[task]") {
  int& r = volley::sync_wait(reference());
  CHECK(&r == &global_value);
}

TEST_CASE("task: lazy; the frame and its parameters die with the task object", "[task]") {
  counted::alive = 0;
  {
    auto t = holds(counted{});
    CHECK(counted::alive == 1);     // the parameter copy lives in the frame
  }                                  // never awaited: destroyed unstarted
  CHECK(counted::alive == 0);
  CHECK(volley_test::live_frames() == 0);
  {
    auto t = holds(counted{});
    CHECK(volley::sync_wait(std::move(t)) == 1);
  }
  CHECK(counted::alive == 0);
  CHECK(volley_test::live_frames() == 0);
}

TEST_CASE("task: moved-from tasks are empty and harmless", "[task]") {
  auto a = forty_two();
  auto b = std::move(a);
  CHECK_FALSE(a.valid());
  CHECK(b.valid());
  a = std::move(b);
  CHECK(volley::sync_wait(std::move(a)) == 42);
}

// GCC 12 does not make symmetric transfer a tail call at -O0 or under ASan;
// volley's task must not grow the stack per synchronous completion anyway.
TEST_CASE("task: a million synchronously completing awaits in a loop do not overflow the stack", "[task][stack]") {
  constexpr int n = 1'000'000;
  CHECK(volley::sync_wait(sum_synchronously(n)) == 42L * n);
  CHECK(volley_test::live_frames() == 0);
}
