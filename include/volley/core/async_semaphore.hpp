// volley/core/async_semaphore.hpp: an awaitable counting semaphore.
#pragma once

#include <coroutine>
#include <cstddef>
#include <mutex>
#include <optional>
#include <stop_token>

#include "volley/core/detail/resume_trampoline.hpp"

namespace volley {

// A counting semaphore whose acquire is a co_await: FIFO-fair, and a waiter
// whose std::stop_token is stopped gives up its place (acquire yields false).
// release() hands the permit straight to the longest waiter and resumes it
// after letting go of the lock.
//
// When to use: one limit shared by many batches or rollouts, such as a tool
// server's "at most 10 concurrent requests" (pass it as batch_options::limiter).
//
//   good: volley::async_semaphore server_limit{10};
//         if (co_await server_limit.acquire(token)) { ...; server_limit.release(); }
//   bad:  ignoring acquire's result: false means no permit was taken, and a
//         release() after it would create one out of thin air.
class async_semaphore {
 public:
  explicit async_semaphore(std::size_t permits) noexcept : m_available(permits) {}
  async_semaphore(const async_semaphore&) = delete;
  async_semaphore& operator=(const async_semaphore&) = delete;

  class acquire_awaiter {
   public:
    acquire_awaiter(async_semaphore& semaphore, std::stop_token token) noexcept
        : m_semaphore(&semaphore), m_token(std::move(token)) {}
    acquire_awaiter(const acquire_awaiter&) = delete;
    acquire_awaiter& operator=(const acquire_awaiter&) = delete;
    acquire_awaiter(acquire_awaiter&& other) noexcept
        : m_semaphore(other.m_semaphore), m_token(std::move(other.m_token)) {}

    bool await_ready() noexcept {
      if (m_token.stop_requested()) {
        m_acquired = false;
        return true;
      }
      return m_semaphore->try_acquire();
    }

    bool await_suspend(std::coroutine_handle<> awaiting) {
      m_handle = awaiting;
      // Registered before queueing: once queued, a release() on another thread
      // may resume this coroutine at any moment. A callback that runs before
      // the waiter is queued only marks it, and the check below sees the mark.
      if (m_token.stop_possible()) m_callback.emplace(m_token, on_stop{this});
      std::lock_guard lock{m_semaphore->m_mutex};
      if (m_stop_seen) {
        m_acquired = false;
        return false;
      }
      if (m_semaphore->m_available > 0) {
        --m_semaphore->m_available;
        return false;
      }
      m_semaphore->push_back_locked(*this);
      return true;
    }

    // True: a permit is held (release it). False: stopped while waiting.
    bool await_resume() const noexcept { return m_acquired; }

   private:
    friend class async_semaphore;
    struct on_stop {
      acquire_awaiter* self;
      void operator()() const noexcept { self->m_semaphore->abandon(*self); }
    };

    async_semaphore* m_semaphore;
    std::stop_token m_token;
    std::coroutine_handle<> m_handle;
    acquire_awaiter* m_next = nullptr;
    acquire_awaiter* m_previous = nullptr;
    bool m_queued = false;
    bool m_stop_seen = false;
    bool m_acquired = true;
    std::optional<std::stop_callback<on_stop>> m_callback;
  };

  // Awaits a permit; false when `token` was stopped first.
  acquire_awaiter acquire(std::stop_token token = {}) noexcept { return acquire_awaiter{*this, std::move(token)}; }

  bool try_acquire() noexcept {
    std::lock_guard lock{m_mutex};
    if (m_available == 0) return false;
    --m_available;
    return true;
  }

  // Returns one permit: to the longest waiter if there is one.
  void release() {
    acquire_awaiter* next = nullptr;
    {
      std::lock_guard lock{m_mutex};
      next = m_head;
      if (next) {
        unlink_locked(*next);
        next->m_acquired = true;
      } else {
        ++m_available;
      }
    }
    if (next) detail::resume_without_recursion(next->m_handle);
  }

  // Permits free right now (a diagnostic: it may change at once).
  std::size_t available() const {
    std::lock_guard lock{m_mutex};
    return m_available;
  }

 private:
  void push_back_locked(acquire_awaiter& waiter) noexcept {
    waiter.m_previous = m_tail;
    waiter.m_next = nullptr;
    if (m_tail) m_tail->m_next = &waiter;
    else m_head = &waiter;
    m_tail = &waiter;
    waiter.m_queued = true;
  }
  void unlink_locked(acquire_awaiter& waiter) noexcept {
    if (waiter.m_previous) waiter.m_previous->m_next = waiter.m_next;
    else m_head = waiter.m_next;
    if (waiter.m_next) waiter.m_next->m_previous = waiter.m_previous;
    else m_tail = waiter.m_previous;
    waiter.m_queued = false;
  }
  void abandon(acquire_awaiter& waiter) {
    {
      std::lock_guard lock{m_mutex};
      // Not queued: still inside await_suspend (which sees the mark), or
      // already handed a permit by release() (which resumes it).
      if (!waiter.m_queued) {
        waiter.m_stop_seen = true;
        return;
      }
      unlink_locked(waiter);
      waiter.m_acquired = false;
    }
    detail::resume_without_recursion(waiter.m_handle);
  }

  mutable std::mutex m_mutex;
  std::size_t m_available;
  acquire_awaiter* m_head = nullptr;
  acquire_awaiter* m_tail = nullptr;
};

}  // namespace volley
