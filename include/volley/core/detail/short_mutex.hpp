// A mutex for critical sections of a few hundred instructions.
#pragma once

#include <atomic>

namespace volley::detail {

// std::mutex (pthread) costs ~50 instructions a lock and puts a thread to
// sleep at the first conflict. The scheduler holds its lock only for
// bookkeeping, so a waiter is better off spinning briefly: the holder is
// usually about to let go. Past the spin it sleeps on the state word
// (Drepper's three-state futex mutex, on C++20 atomic wait).
//
//   good: bookkeeping that never waits while holding it.
//   bad:  holding it across I/O or a resumed coroutine: waiters burn a core.
class short_mutex {
 public:
  void lock() noexcept {
    int state = unlocked;
    // acquire: what the previous holder wrote is visible once we hold it.
    if (m_state.compare_exchange_strong(state, locked, std::memory_order_acquire, std::memory_order_relaxed)) return;
    lock_contended(state);
  }
  bool try_lock() noexcept {
    int state = unlocked;
    return m_state.compare_exchange_strong(state, locked, std::memory_order_acquire, std::memory_order_relaxed);
  }
  void unlock() noexcept {
    // release: our writes are visible to the next holder; a sleeper is woken.
    if (m_state.exchange(unlocked, std::memory_order_release) == contended) m_state.notify_one();
  }

 private:
  static constexpr int unlocked = 0, locked = 1, contended = 2;

  void lock_contended(int state) noexcept {
    for (int spin = 0; spin < 128 && state != contended; ++spin) {
      pause();
      state = m_state.load(std::memory_order_relaxed);
      if (state == unlocked &&
          m_state.compare_exchange_weak(state, locked, std::memory_order_acquire, std::memory_order_relaxed)) {
        return;
      }
    }
    // Mark the lock contended, so the holder's unlock wakes a sleeper.
    while (m_state.exchange(contended, std::memory_order_acquire) != unlocked) {
      m_state.wait(contended, std::memory_order_relaxed);
    }
  }

  static void pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }

  std::atomic<int> m_state{unlocked};
};

}  // namespace volley::detail
