// core overhead: one co_await of a task that completes at once, and when_all
// over 1,000 trivial tasks inline and hopping onto a 2-thread pool, each
// against a baseline in the same process.
#include <coroutine>
#include <cstdio>
#include <exception>
#include <utility>
#include <vector>

#include "bench_util.hpp"
#include "volley/core/sync_wait.hpp"
#include "volley/core/task.hpp"
#include "volley/core/when_all.hpp"
#include "volley/exec/thread_pool.hpp"

namespace minimal {
// The smallest correct lazy task: symmetric transfer, no exception storage.
// It is the baseline a general task is measured against.
template <class T>
struct task {
  struct promise_type {
    T value{};
    std::coroutine_handle<> continuation;
    task get_return_object() { return task{std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct final_awaiter {
      bool await_ready() noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        return h.promise().continuation;
      }
      void await_resume() noexcept {}
    };
    final_awaiter final_suspend() noexcept { return {}; }
    void return_value(T v) { value = v; }
    void unhandled_exception() { std::terminate(); }
  };
  explicit task(std::coroutine_handle<promise_type> h) : handle(h) {}
  task(task&& o) noexcept : handle(std::exchange(o.handle, {})) {}
  ~task() {
    if (handle) handle.destroy();
  }
  bool await_ready() { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> c) {
    handle.promise().continuation = c;
    return handle;
  }
  T await_resume() { return handle.promise().value; }
  std::coroutine_handle<promise_type> handle;
};
}  // namespace minimal

namespace {

volatile int sink_value = 1;

minimal::task<int> minimal_leaf() { co_return sink_value; }
volley::task<int> volley_leaf() { co_return sink_value; }

// The loops are volley tasks in both cases so only the awaited task differs.
// (Short loops: the minimal task relies on tail calls, and 1,000 awaits keep
// it safe at any optimization level.)
volley::task<long> await_minimal(int n) {
  long s = 0;
  for (int i = 0; i < n; ++i) s += co_await minimal_leaf();
  co_return s;
}
volley::task<long> await_volley(int n) {
  long s = 0;
  for (int i = 0; i < n; ++i) s += co_await volley_leaf();
  co_return s;
}

volley::task<int> hop(volley::thread_pool& pool) {
  co_await pool.schedule();
  co_return sink_value;
}

volley::task<long> sequential_leaves(int n) {
  long s = 0;
  for (int i = 0; i < n; ++i) s += co_await volley_leaf();
  co_return s;
}
volley::task<long> when_all_leaves(int n) {
  std::vector<volley::task<int>> tasks;
  tasks.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) tasks.push_back(volley_leaf());
  auto values = co_await volley::when_all(std::move(tasks));
  long s = 0;
  for (int v : values) s += v;
  co_return s;
}
volley::task<long> sequential_hops(volley::thread_pool& pool, int n) {
  long s = 0;
  for (int i = 0; i < n; ++i) s += co_await hop(pool);
  co_return s;
}
volley::task<long> when_all_hops(volley::thread_pool& pool, int n) {
  std::vector<volley::task<int>> tasks;
  tasks.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) tasks.push_back(hop(pool));
  auto values = co_await volley::when_all(std::move(tasks));
  long s = 0;
  for (int v : values) s += v;
  co_return s;
}

}  // namespace

int main() {
  bench::print_header("volley core overhead (best of 20 runs)");
  constexpr int awaits = 1000;
  const int outer = 200;
  double minimal_ns = bench::best_ns_per_item(20, double(awaits) * outer, [&] {
    for (int r = 0; r < outer; ++r) volley::sync_wait(await_minimal(awaits));
  });
  double volley_ns = bench::best_ns_per_item(20, double(awaits) * outer, [&] {
    for (int r = 0; r < outer; ++r) volley::sync_wait(await_volley(awaits));
  });

  constexpr int tasks = 1000;
  double seq_ns = bench::best_ns_per_item(20, double(tasks) * 50, [&] {
    for (int r = 0; r < 50; ++r) volley::sync_wait(sequential_leaves(tasks));
  });
  double all_ns = bench::best_ns_per_item(20, double(tasks) * 50, [&] {
    for (int r = 0; r < 50; ++r) volley::sync_wait(when_all_leaves(tasks));
  });
  volley::thread_pool pool{2};
  double seq_hop_ns = bench::best_ns_per_item(20, double(tasks) * 20, [&] {
    for (int r = 0; r < 20; ++r) volley::sync_wait(sequential_hops(pool, tasks));
  });
  double all_hop_ns = bench::best_ns_per_item(20, double(tasks) * 20, [&] {
    for (int r = 0; r < 20; ++r) volley::sync_wait(when_all_hops(pool, tasks));
  });

  std::printf("%-52s %12s %12s %8s %8s\n", "measure", "baseline ns", "volley ns", "ratio", "goal");
  std::printf("%-52s %12.1f %12.1f %8.2f %8s\n", "co_await of a task that completes at once (per await)",
              minimal_ns, volley_ns, volley_ns / minimal_ns, "<= 40");
  std::printf("%-52s %12.1f %12.1f %8.2f %8s\n", "when_all of 1,000 trivial tasks, inline (per task)", seq_ns,
              all_ns, all_ns / seq_ns, "<= 120");
  std::printf("%-52s %12.1f %12.1f %8.2f %8s\n", "when_all of 1,000 tasks hopping to 2-thread pool (per task)",
              seq_hop_ns, all_hop_ns, all_hop_ns / seq_hop_ns, "<= 250");
  std::printf("\nbaselines: a minimal symmetric-transfer task; awaiting the same tasks one by one.\n");
  return 0;
}
