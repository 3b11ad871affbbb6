// The frame pool behind every volley coroutine frame: reuse on one thread,
// magazines moving between threads through the depot, thread exit, frames
// too large to pool, and a cross-thread stress for ThreadSanitizer.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <atomic>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "volley/core/detail/frame_pool.hpp"
#include "volley/core/sync_wait.hpp"
#include "volley/core/task.hpp"
#include "volley/core/when_all.hpp"
#include "volley/exec/thread_pool.hpp"
#include "volley_catch.hpp"

namespace {

using volley::detail::allocate_frame;
using volley::detail::deallocate_frame;

// Fills the whole block: under the sanitizers a block smaller than asked for is caught.
void* touched_frame(std::size_t size) {
  void* p = allocate_frame(size);
  std::memset(p, 0xab, size);
  return p;
}

volley::task<int> hop(volley::thread_pool& pool, int value) {
  co_await pool.schedule();
  co_return value;
}

volley::task<long> hop_many(volley::thread_pool& pool, int n) {
  std::vector<volley::task<int>> tasks;
  for (int i = 0; i < n; ++i) tasks.push_back(hop(pool, i));
  auto values = co_await volley::when_all(std::move(tasks));
  long sum = 0;
  for (int v : values) sum += v;
  co_return sum;
}

}  // namespace

TEST_CASE("a freed frame serves the next frame of its size class on the same thread", "[frame_pool]") {
  if (!VOLLEY_FRAME_POOL) {
    SUCCEED("frame pool disabled in this build (AddressSanitizer): frames go to operator new");
    return;
  }
  void* first = touched_frame(100);
  deallocate_frame(first, 100);
  void* second = touched_frame(110);  // 97..112 bytes share a class
  CHECK(second == first);
  deallocate_frame(second, 110);
}

TEST_CASE("frames larger than the largest class and tiny frames work", "[frame_pool]") {
  for (std::size_t size : {std::size_t{1}, std::size_t{31}, std::size_t{32}, std::size_t{33}, std::size_t{1024},
                           std::size_t{1025}, std::size_t{64 * 1024}}) {
    void* p = touched_frame(size);
    REQUIRE(p != nullptr);
    deallocate_frame(p, size);
  }
}

TEST_CASE("frames freed on another thread come back through the depot", "[frame_pool]") {
  constexpr std::size_t size = 200;
  constexpr std::size_t count = 5000;
  std::vector<void*> frames(count);
  for (auto& f : frames) f = touched_frame(size);
  std::thread other([&] {
    for (void* f : frames) deallocate_frame(f, size);
  });
  other.join();
  if (VOLLEY_FRAME_POOL) {
    // The other thread kept at most two magazines and handed the rest on,
    // as far as the depot takes them; its exit handed on the rest.
    CHECK(volley::detail::frame_depot::instance().magazines((size - 1) / volley::detail::frame_granularity) >= 1);
  }
  // Allocating them again on this thread works and gives distinct blocks.
  for (auto& f : frames) f = touched_frame(size);
  std::vector<void*> sorted = frames;
  std::sort(sorted.begin(), sorted.end());
  CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
  for (void* f : frames) deallocate_frame(f, size);
}

TEST_CASE("threads exchanging frames at random keep every block distinct", "[frame_pool]") {
  volley_test::watchdog dog{"frame pool stress", std::chrono::seconds{120}};
  constexpr int threads = 4;
  const int rounds = volley_test::scaled(20'000);
  std::mutex shared_mutex;
  struct block {
    void* memory;
    std::size_t size;
    unsigned char pattern;
  };
  // Whether a block still holds its owner's pattern: a block handed out twice is overwritten.
  const auto intact = [](const block& b) {
    const auto* bytes = static_cast<const unsigned char*>(b.memory);
    return std::all_of(bytes, bytes + b.size, [&](unsigned char c) { return c == b.pattern; });
  };
  std::vector<block> shared;  // blocks in transit between threads
  std::atomic<int> damaged{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t) * 7919u + 1);
      std::vector<block> mine;
      for (int r = 0; r < rounds; ++r) {
        const auto choice = rng() % 4;
        if (choice == 0 || mine.empty()) {
          const std::size_t size = 16 + rng() % 900;
          const auto pattern = static_cast<unsigned char>(rng());
          void* p = touched_frame(size);
          std::memset(p, pattern, size);
          mine.push_back(block{p, size, pattern});
        } else if (choice == 1) {
          std::lock_guard lock{shared_mutex};
          shared.push_back(mine.back());
          mine.pop_back();
        } else if (choice == 2) {
          std::lock_guard lock{shared_mutex};
          if (!shared.empty()) {
            mine.push_back(shared.back());
            shared.pop_back();
          }
        } else {
          const block b = mine.back();
          mine.pop_back();
          if (!intact(b)) damaged.fetch_add(1);
          deallocate_frame(b.memory, b.size);
        }
      }
      for (const block& b : mine) {
        if (!intact(b)) damaged.fetch_add(1);
        deallocate_frame(b.memory, b.size);
      }
    });
  }
  for (auto& w : workers) w.join();
  for (const block& b : shared) {
    if (!intact(b)) damaged.fetch_add(1);
    deallocate_frame(b.memory, b.size);
  }
  CHECK(damaged.load() == 0);
}

TEST_CASE("coroutine frames made on one thread and freed on pool workers are reused", "[frame_pool]") {
  volley_test::watchdog dog{"frame pool hops", std::chrono::seconds{120}};
  volley::thread_pool pool{2};
  const int n = volley_test::scaled(1000);
  const long expected = static_cast<long>(n) * (n - 1) / 2;
  for (int round = 0; round < 20; ++round) CHECK(volley::sync_wait(hop_many(pool, n)) == expected);
}
