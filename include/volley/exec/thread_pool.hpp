// volley/exec/thread_pool.hpp: real-time executor with n worker threads and timers.
#pragma once

#include <atomic>
#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <mutex>
#include <stdexcept>
#include <stop_token>
#include <thread>
#include <vector>

#include "volley/core/time.hpp"
#include "volley/exec/detail/sleep_awaiter.hpp"
#include "volley/exec/detail/timer_queue.hpp"

namespace volley {

// A fixed set of worker threads that resume coroutines, plus one timer
// thread for every sleep (no thread per timer). Satisfies volley::Executor.
//
// When to use: running tools for real. Size it for what the tools do between
// suspensions: tools that wait on I/O or sleep through their call_context
// need few threads; CPU-bound tools need up to the core count.
//
//   good: volley::thread_pool pool{4};
//         auto results = volley::sync_wait(volley::parallel_batch(pool, tools, calls));
//   bad:  calling pool.schedule() from a coroutine that then blocks the worker
//         with std::this_thread::sleep_for: the pool loses a thread for that long.
//
// Destruction: queued work still runs, pending sleeps fire at once (as if
// their time had come), then the threads are joined; it neither hangs on a
// far timer nor leaves a frame behind. Nothing outside the pool may schedule
// on it once its destructor has started.
class thread_pool {
 public:
  explicit thread_pool(std::size_t threads = std::thread::hardware_concurrency()) {
    if (threads == 0) threads = 1;
    m_workers.reserve(threads);
    try {
      for (std::size_t i = 0; i < threads; ++i) m_workers.emplace_back([this] { work(); });
      m_timer_thread = std::thread([this] { run_timers(); });
    } catch (...) {
      shut_down();
      throw;
    }
  }
  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;
  ~thread_pool() { shut_down(); }

  std::size_t thread_count() const noexcept { return m_workers.size(); }

  class schedule_awaiter {
   public:
    explicit schedule_awaiter(thread_pool& pool) noexcept : m_pool(&pool) {}
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> awaiting) noexcept {
      m_node.handle = awaiting;
      m_pool->enqueue(m_node);
    }
    void await_resume() const noexcept {}

   private:
    thread_pool* m_pool;
    detail::ready_node m_node;
  };

  // `co_await pool.schedule()` continues the coroutine on a worker thread.
  schedule_awaiter schedule() noexcept { return schedule_awaiter{*this}; }

  using sleep_awaiter = detail::sleep_awaiter<thread_pool>;

  // Continues on a worker after `d`, or as soon as `token` is stopped.
  sleep_awaiter sleep_for(duration d, std::stop_token token = {}) { return sleep_until(now() + d, std::move(token)); }
  sleep_awaiter schedule_after(duration d, std::stop_token token = {}) { return sleep_for(d, std::move(token)); }
  sleep_awaiter sleep_until(time_point deadline, std::stop_token token = {}) {
    return sleep_awaiter{*this, deadline, std::move(token)};
  }

  time_point now() const noexcept { return std::chrono::time_point_cast<duration>(clock::now()); }

  // Sleeps waiting for their deadline right now (a diagnostic).
  std::size_t pending_timers() const {
    std::lock_guard lock{m_timer_mutex};
    return m_timers.size();
  }


  // The timer side, used by sleep_awaiter.
  bool arm_timer(detail::timer_entry& entry, time_point deadline) {
    std::unique_lock lock{m_timer_mutex};
    if (entry.stop_requested || m_timers_stopping) return false;
    m_timers.insert(entry, deadline);
    const bool earliest = m_timers.earliest() == deadline;
    lock.unlock();
    if (earliest) m_timer_cv.notify_one();
    return true;
  }
  void cancel_timer(detail::timer_entry& entry) noexcept {
    std::lock_guard lock{m_timer_mutex};
    if (m_timers.remove(entry)) {
      enqueue(entry.node);
    } else {
      entry.stop_requested = true;
    }
  }

 private:
  void enqueue(detail::ready_node& node) noexcept {
    bool wake = false;
    {
      std::lock_guard lock{m_mutex};
      node.next = nullptr;
      if (m_tail) m_tail->next = &node;
      else m_head = &node;
      m_tail = &node;
      m_queued.fetch_add(1, std::memory_order_relaxed);
      wake = m_sleeping > 0;
    }
    if (wake) m_cv.notify_one();
  }

  void work() {
    std::unique_lock lock{m_mutex};
    for (;;) {
      if (!m_head && !m_stopping) {
        // Look again for a moment before sleeping: work that comes in bursts
        // (one batch of tool calls) then costs no futex wake per item. Yield,
        // not spin: the thread feeding the queue may need this core.
        lock.unlock();
        for (int i = 0; i < 64 && m_queued.load(std::memory_order_relaxed) == 0; ++i) std::this_thread::yield();
        lock.lock();
      }
      while (!m_head && !m_stopping) {
        ++m_sleeping;
        m_cv.wait(lock);
        --m_sleeping;
      }
      if (!m_head) return;  // stopping and nothing left to run
      detail::ready_node* node = m_head;
      m_head = node->next;
      if (!m_head) m_tail = nullptr;
      // relaxed: a hint for the look-again loop above; the mutex orders the queue.
      m_queued.fetch_sub(1, std::memory_order_relaxed);
      lock.unlock();
      // The node lives in the coroutine's frame: read the handle, then let go of it.
      node->handle.resume();
      lock.lock();
    }
  }

  void run_timers() {
    std::unique_lock lock{m_timer_mutex};
    for (;;) {
      if (m_timers_stopping) {
        // Shutting down: every pending sleep ends now.
        while (!m_timers.empty()) enqueue(m_timers.pop()->node);
        return;
      }
      if (m_timers.empty()) {
        m_timer_cv.wait(lock);
      } else if (m_timers.earliest() <= now()) {
        enqueue(m_timers.pop()->node);
      } else {
        m_timer_cv.wait_until(lock, m_timers.earliest());
      }
    }
  }

  void shut_down() noexcept {
    {
      std::lock_guard lock{m_timer_mutex};
      m_timers_stopping = true;
    }
    m_timer_cv.notify_all();
    if (m_timer_thread.joinable()) m_timer_thread.join();
    {
      std::lock_guard lock{m_mutex};
      m_stopping = true;
    }
    m_cv.notify_all();
    for (auto& worker : m_workers) {
      if (worker.joinable()) worker.join();
    }
  }

  // Ready queue: an intrusive FIFO of nodes that live in the waiting frames.
  std::mutex m_mutex;
  std::condition_variable m_cv;
  detail::ready_node* m_head = nullptr;
  detail::ready_node* m_tail = nullptr;
  std::atomic<std::size_t> m_queued{0};
  std::size_t m_sleeping = 0;
  bool m_stopping = false;
  std::vector<std::thread> m_workers;

  // Timers: one thread waits for the earliest deadline and queues what is due.
  mutable std::mutex m_timer_mutex;
  std::condition_variable m_timer_cv;
  detail::timer_queue m_timers;
  bool m_timers_stopping = false;
  std::thread m_timer_thread;
};

}  // namespace volley
