// volley/exec/thread_pool.hpp: real-time executor with n worker threads and timers.
#pragma once

#include <atomic>
#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <stop_token>
#include <thread>

#include "volley/core/time.hpp"
#include "volley/exec/detail/sleep_awaiter.hpp"
#include "volley/exec/detail/timer_queue.hpp"
#include "volley/exec/detail/work_queues.hpp"

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
// Scheduling: work scheduled from outside (the caller of a batch, the timer)
// goes onto a shared lock-free stack that idle workers drain in push order;
// work a worker schedules goes to its own queue, and an idle worker steals
// the older half of a busy one's. Each queue is FIFO and every queue is
// drained, so nothing scheduled waits forever; an idle worker looks for a
// while, yielding its core, before it sleeps.
//
// Destruction: queued work still runs, pending sleeps fire at once (as if
// their time had come), then the threads are joined; it neither hangs on a
// far timer nor leaves a frame behind. Nothing outside the pool may schedule
// on it once its destructor has started.
class thread_pool {
 public:
  explicit thread_pool(std::size_t threads = std::thread::hardware_concurrency()) {
    if (threads == 0) threads = 1;
    // Every worker exists before any thread starts: thieves look at all of them.
    m_workers = std::make_unique<worker[]>(threads);
    m_worker_count = threads;
    try {
      for (std::size_t i = 0; i < threads; ++i) {
        m_workers[i].pool = this;
        m_workers[i].index = i;
        m_workers[i].thread = std::thread([this, i] { work(m_workers[i]); });
      }
      m_timer_thread = std::thread([this] { run_timers(); });
    } catch (...) {
      shut_down();
      throw;
    }
  }
  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;
  ~thread_pool() { shut_down(); }

  std::size_t thread_count() const noexcept { return m_worker_count; }

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
  // One worker thread and its queue, on a cache line of its own.
  struct alignas(64) worker {
    detail::local_queue queue;
    thread_pool* pool = nullptr;
    std::size_t index = 0;
    unsigned turns = 0;  // only its thread touches it
    std::thread thread;
  };

  // m_state packs the two counts a producer looks at in one word, so one
  // load tells it whether to wake a worker:
  //   searching: workers looking for work (spinning) that have found none yet;
  //   sleeping:  workers that announced they park and hold no wake token.
  static constexpr std::uint64_t k_searching = 1;
  static constexpr std::uint64_t k_sleeping = std::uint64_t{1} << 32;
  static std::uint64_t searching(std::uint64_t state) noexcept { return state & 0xffff'ffffu; }
  static std::uint64_t sleeping(std::uint64_t state) noexcept { return state >> 32; }

  // How long an idle worker keeps looking before it parks, in yields: long
  // enough that work arriving in bursts (a batch of tool calls) finds a
  // searcher and costs no futex wake per item; yielding, not spinning, as the
  // thread feeding the pool may need this core.
  static constexpr int k_search_rounds = 64;
  // Every this many turns a worker looks at the injection stack before its own
  // queue, so work from outside is not starved by work the workers keep making.
  static constexpr unsigned k_inject_interval = 61;
  // At most this many nodes per steal: the thief walks them under the victim's lock.
  static constexpr std::size_t k_max_steal = 128;

  // The worker running on this thread, if any (of whichever pool).
  static inline thread_local worker* t_worker = nullptr;

  void enqueue(detail::ready_node& node) noexcept {
    // The node may be resumed, and its frame freed, as soon as it is pushed:
    // touch only the pool afterwards.
    if (worker* self = t_worker; self && self->pool == this) {
      // From one of our workers: its own queue, no shared cache line; an
      // idle peer still comes to steal when this worker stays busy.
      self->queue.push(node);
    } else {
      m_injected.push(node);
    }
    wake_if_idle();
  }

  // Wakes a parked worker when work may be waiting and nobody looks for it.
  void wake_if_idle() noexcept {
    // seq_cst: follows the push in the total order, against park's announce-then-look.
    const std::uint64_t state = m_state.load(std::memory_order_seq_cst);
    if (searching(state) == 0 && sleeping(state) > 0) wake_one();
  }

  // Turns one sleeper into a searcher and wakes it: at most one searcher is
  // woken at a time, and it wakes the next only when it finds work.
  void wake_one() noexcept {
    {
      std::lock_guard lock{m_park_mutex};
      // relaxed: a first guess; the CAS below rereads on failure.
      std::uint64_t state = m_state.load(std::memory_order_relaxed);
      do {
        if (searching(state) != 0 || sleeping(state) == 0) return;
        // seq_cst: one total order with the producers' looks and the workers' announcements.
      } while (!m_state.compare_exchange_weak(state, state - k_sleeping + k_searching, std::memory_order_seq_cst,
                                              std::memory_order_relaxed));
      ++m_wake_tokens;
    }
    m_park_cv.notify_one();
  }

  void work(worker& self) {
    t_worker = &self;
    bool is_searching = false;
    while (detail::ready_node* node = find_work(self, is_searching)) {
      if (is_searching) {
        is_searching = false;
        stop_searching(self);
      }
      // The node lives in the coroutine's frame: read the handle, then let go of it.
      node->handle.resume();
    }
    t_worker = nullptr;
  }

  // The next node to run, or null when the pool stops and this worker sees no work left.
  detail::ready_node* find_work(worker& self, bool& is_searching) {
    for (;;) {
      if (detail::ready_node* node = try_take(self)) return node;
      if (!is_searching) is_searching = start_searching();
      if (is_searching) {
        for (int round = 0; round < k_search_rounds; ++round) {
          std::this_thread::yield();
          if (detail::ready_node* node = try_take(self)) return node;
        }
        is_searching = false;
        // seq_cst: the look below follows it, so a push that saw this worker searching is found.
        m_state.fetch_sub(k_searching, std::memory_order_seq_cst);
        if (detail::ready_node* node = try_take(self)) return node;
      }
      switch (park()) {
        case wake_reason::woken: is_searching = true; break;  // the waker counted it as searching
        case wake_reason::work: break;
        case wake_reason::stopping: return try_take(self);
      }
    }
  }

  // At most half the workers (rounded up) search at once: more spinning
  // threads only take cores from the ones doing work.
  bool start_searching() noexcept {
    // relaxed: a first guess; the CAS below rereads on failure.
    std::uint64_t state = m_state.load(std::memory_order_relaxed);
    do {
      if (searching(state) > 0 && 2 * searching(state) >= m_worker_count) return false;
      // seq_cst: one total order with the producers' looks (see wake_if_idle).
    } while (!m_state.compare_exchange_weak(state, state + k_searching, std::memory_order_seq_cst,
                                            std::memory_order_relaxed));
    return true;
  }

  // A searcher found work. Producers that saw it searching woke nobody, so
  // the last searcher passes the search on when there is more work to share.
  void stop_searching(worker& self) noexcept {
    // seq_cst: ordered before the look at the queues below (the same pairing as in find_work).
    const std::uint64_t before = m_state.fetch_sub(k_searching, std::memory_order_seq_cst);
    if (searching(before) == 1 && (self.queue.size_hint() > 0 || !m_injected.empty())) wake_one();
  }

  detail::ready_node* try_take(worker& self) noexcept {
    if (++self.turns % k_inject_interval == 0) {
      if (detail::ready_node* node = take_injected(self)) return node;
    }
    if (detail::ready_node* node = self.queue.pop()) return node;
    if (detail::ready_node* node = take_injected(self)) return node;
    return steal(self);
  }

  // Takes the whole injection stack: runs its oldest node, queues the rest locally.
  detail::ready_node* take_injected(worker& self) noexcept {
    detail::ready_chain chain = m_injected.take_all();
    if (!chain.head) return nullptr;
    detail::ready_node* node = chain.pop_front();
    if (chain.head) {
      self.queue.push(chain);
      wake_if_idle();  // a peer can steal what this worker will not reach soon
    }
    return node;
  }

  detail::ready_node* steal(worker& self) noexcept {
    for (std::size_t i = 1; i < m_worker_count; ++i) {
      worker& victim = m_workers[(self.index + i) % m_worker_count];
      if (victim.queue.size_hint() == 0) continue;
      detail::ready_chain chain = victim.queue.steal(k_max_steal);
      if (!chain.head) continue;
      detail::ready_node* node = chain.pop_front();
      if (chain.head) {
        self.queue.push(chain);
        wake_if_idle();
      }
      return node;
    }
    return nullptr;
  }

  enum class wake_reason { woken, work, stopping };

  // Sleeps until a producer wakes this worker (it then searches), or returns
  // at once when work is already visible or the pool is stopping.
  // No lost wakeup: a producer pushes, then looks at m_state (seq_cst); this
  // worker announces itself in m_state, then looks at the queues (seq_cst).
  // In the single total order one of the two comes second and sees the other:
  // the work is found here, or the producer wakes a sleeper.
  wake_reason park() {
    std::unique_lock lock{m_park_mutex};
    // seq_cst: the announcement precedes the look at the queues (see above).
    m_state.fetch_add(k_sleeping, std::memory_order_seq_cst);
    for (;;) {
      if (m_wake_tokens > 0) {
        --m_wake_tokens;
        return wake_reason::woken;
      }
      if (m_stopping || work_visible()) {
        // seq_cst: as above.
        m_state.fetch_sub(k_sleeping, std::memory_order_seq_cst);
        return m_stopping ? wake_reason::stopping : wake_reason::work;
      }
      m_park_cv.wait(lock);
    }
  }

  // Work this worker can take: on the injection stack or in a peer's queue
  // (its own queue is empty: only it fills it, and it parks only when empty).
  bool work_visible() const noexcept {
    if (!m_injected.empty()) return true;
    for (std::size_t i = 0; i < m_worker_count; ++i) {
      if (!m_workers[i].queue.empty_before_parking()) return true;
    }
    return false;
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
    // Every node the timers had is queued by now. A worker leaves once it
    // sees the flag and finds no work; work still running on a peer only
    // queues onto that peer, which runs it before it leaves.
    {
      std::lock_guard lock{m_park_mutex};
      m_stopping = true;
    }
    m_park_cv.notify_all();
    for (std::size_t i = 0; i < m_worker_count; ++i) {
      if (m_workers[i].thread.joinable()) m_workers[i].thread.join();
    }
  }

  // Ready work: the injection stack, plus one queue per worker.
  detail::injection_stack m_injected;
  std::unique_ptr<worker[]> m_workers;
  std::size_t m_worker_count = 0;
  std::atomic<std::uint64_t> m_state{0};

  // Parking: a worker with nothing to do waits here for a wake token.
  std::mutex m_park_mutex;
  std::condition_variable m_park_cv;
  std::size_t m_wake_tokens = 0;
  bool m_stopping = false;

  // Timers: one thread waits for the earliest deadline and queues what is due.
  mutable std::mutex m_timer_mutex;
  std::condition_variable m_timer_cv;
  detail::timer_queue m_timers;
  bool m_timers_stopping = false;
  std::thread m_timer_thread;
};

}  // namespace volley
