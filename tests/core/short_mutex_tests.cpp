#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "volley/core/detail/short_mutex.hpp"
#include "volley_catch.hpp"

using namespace std::chrono_literals;

TEST_CASE("short_mutex: excludes, under contention, with sleepers and spinners", "[core][mutex]") {
  volley::detail::short_mutex mutex;
  long counter = 0;  // not atomic: only the lock guards it (TSan checks)
  int inside = 0;
  bool overlapped = false;
  constexpr int threads = 4;
  constexpr int rounds = 20'000;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < rounds; ++i) {
        std::lock_guard lock{mutex};
        if (++inside != 1) overlapped = true;
        ++counter;
        // Now and then hold it long enough that waiters pass their spin and sleep.
        if ((i + t) % 5'000 == 0) std::this_thread::sleep_for(200us);
        --inside;
      }
    });
  }
  for (auto& worker : workers) worker.join();
  CHECK_FALSE(overlapped);
  CHECK(counter == long{threads} * rounds);
}

TEST_CASE("short_mutex: try_lock fails while held and succeeds once released", "[core][mutex]") {
  volley::detail::short_mutex mutex;
  mutex.lock();
  std::atomic<bool> got{true};
  std::thread other([&] { got = mutex.try_lock(); });
  other.join();
  CHECK_FALSE(got);
  mutex.unlock();
  CHECK(mutex.try_lock());
  mutex.unlock();
}
