// volley/exec/simulation.hpp: a one-thread executor in virtual time.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <stop_token>
#include <type_traits>
#include <utility>

#include "volley/core/awaitable_traits.hpp"
#include "volley/core/detail/config.hpp"
#include "volley/core/detail/result_coroutine.hpp"
#include "volley/core/time.hpp"
#include "volley/exec/detail/sleep_awaiter.hpp"
#include "volley/exec/detail/timer_queue.hpp"

namespace volley {

// Runs coroutines on the calling thread in virtual time. Satisfies volley::Executor.
//
// When to use: tests, demos, benchmarks and what-if studies of tool latency.
// `co_await sim.sleep_for(2s)` costs no wall time: when nothing is ready to
// run, the clock jumps to the earliest timer. Ready coroutines run in FIFO
// order and timers fire in deadline order, ties in the order they were set,
// so the same program gives the same event order on every run.
//
//   good: volley::simulation sim;
//         auto results = sim.run(volley::parallel_batch(sim, tools, calls));
//         // sim.now() - volley::time_point{} == the batch's virtual latency
//   bad:  sync_wait(... on sim ...) or resuming the simulation's coroutines
//         from other threads: a simulation is driven by run() on one thread.
//
// run() throws std::logic_error when the awaited work can make no progress:
// nothing is ready, no timer is pending and it has not finished (it waits on
// something outside the simulation).
class simulation {
 public:
  simulation() = default;
  explicit simulation(time_point start) : m_start(start), m_now(start.time_since_epoch().count()) {}
  simulation(const simulation&) = delete;
  simulation& operator=(const simulation&) = delete;

  class schedule_awaiter {
   public:
    explicit schedule_awaiter(simulation& sim) noexcept : m_sim(&sim) {}
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> awaiting) noexcept {
      m_node.handle = awaiting;
      std::lock_guard lock{m_sim->m_mutex};
      m_sim->enqueue_locked(m_node);
    }
    void await_resume() const noexcept {}

   private:
    simulation* m_sim;
    detail::ready_node m_node;
  };

  // Yields: the coroutine goes to the back of the ready queue.
  schedule_awaiter schedule() noexcept { return schedule_awaiter{*this}; }

  using sleep_awaiter = detail::sleep_awaiter<simulation>;

  sleep_awaiter sleep_for(duration d, std::stop_token token = {}) { return sleep_until(now() + d, std::move(token)); }
  sleep_awaiter schedule_after(duration d, std::stop_token token = {}) { return sleep_for(d, std::move(token)); }
  sleep_awaiter sleep_until(time_point deadline, std::stop_token token = {}) {
    return sleep_awaiter{*this, deadline, std::move(token)};
  }

  // Virtual time: starts at time_point{} (or the constructor's start).
  // (No lock: the clock only moves inside step(), and every call reads it.)
  time_point now() const noexcept { return time_point{duration{m_now.load(std::memory_order_acquire)}}; }
  // Virtual time since the simulation started.
  duration elapsed() const noexcept { return now() - m_start; }

  // Drives `a` to completion on this thread and returns its result by value
  // (or rethrows). Other coroutines scheduled meanwhile run too.
  template <awaitable A>
  auto run(A&& a) {
    auto driver = detail::make_result_coroutine<detail::driven_result_t<await_result_t<A>>>(std::forward<A>(a));
    driver.start();
    while (!driver.done()) {
      if (!step()) {
        throw std::logic_error(
            "volley::simulation::run: the awaited work cannot progress (no ready coroutine, no pending timer): "
            "it waits on something that is not scheduled on this simulation");
      }
    }
    return driver.take();
  }

  // Runs until nothing is ready and no timer is pending.
  void run_until_idle() {
    while (step()) {
    }
  }

  // One step: resume the next ready coroutine, or advance the clock to the
  // earliest timer and make every timer due then ready. False when idle.
  bool step() {
    std::unique_lock lock{m_mutex};
    if (!m_head) {
      if (m_timers.empty()) return false;
      const time_point now = m_timers.earliest();
      m_now.store(now.time_since_epoch().count(), std::memory_order_release);
      while (!m_timers.empty() && m_timers.earliest() <= now) enqueue_locked(m_timers.pop()->node);
    }
    detail::ready_node* node = m_head;
    m_head = node->next;
    if (!m_head) m_tail = nullptr;
    ++m_resumptions;
    lock.unlock();
    node->handle.resume();
    return true;
  }

  // How many coroutine resumptions the simulation has made (a cost measure).
  std::uint64_t resumptions() const noexcept {
    std::lock_guard lock{m_mutex};
    return m_resumptions;
  }
  std::size_t pending_timers() const noexcept {
    std::lock_guard lock{m_mutex};
    return m_timers.size();
  }

  // The timer side, used by sleep_awaiter.
  bool arm_timer(detail::timer_entry& entry, time_point deadline) {
    std::lock_guard lock{m_mutex};
    if (entry.stop_requested) return false;
    const time_point now = this->now();
    m_timers.insert(entry, deadline < now ? now : deadline);
    return true;
  }
  void cancel_timer(detail::timer_entry& entry) noexcept {
    std::lock_guard lock{m_mutex};
    if (m_timers.remove(entry)) {
      enqueue_locked(entry.node);
    } else {
      entry.stop_requested = true;
    }
  }

 private:
  void enqueue_locked(detail::ready_node& node) noexcept {
    node.next = nullptr;
    if (m_tail) m_tail->next = &node;
    else m_head = &node;
    m_tail = &node;
  }

  // The lock only guards against misuse from a stop request on another
  // thread; a simulation runs on one thread.
  mutable std::mutex m_mutex;
  time_point m_start{};
  // Virtual now, in ticks: written under the lock, read without it
  // (release/acquire: a reader on another thread sees a settled value).
  std::atomic<duration::rep> m_now{0};
  detail::ready_node* m_head = nullptr;
  detail::ready_node* m_tail = nullptr;
  detail::timer_queue m_timers;
  std::uint64_t m_resumptions = 0;
};

}  // namespace volley
