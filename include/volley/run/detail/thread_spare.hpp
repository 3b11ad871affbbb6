// One spare object per thread, for objects that are expensive to make and
// cheap to empty (the scheduler behind a batch).
#pragma once

#include <utility>

namespace volley::detail {

// Holds at most one T per thread, owned (deleted when the thread exits).
// give() keeps an emptied object; take() hands it back out on the same
// thread. Nothing is shared between threads: no lock, no atomic.
template <class T>
class thread_spare {
 public:
  // This thread's spare, or null.
  static T* take() noexcept {
    if (gone()) return nullptr;
    return std::exchange(slot().held, nullptr);
  }

  // Keeps `spare` (already emptied by the caller) when this thread holds
  // none and is not exiting; false when the caller must delete it.
  static bool give(T* spare) noexcept {
    if (gone()) return false;
    holder& mine = slot();
    if (mine.held) return false;
    mine.held = spare;
    return true;
  }

 private:
  struct holder {
    T* held = nullptr;
    holder() = default;
    holder(const holder&) = delete;
    holder& operator=(const holder&) = delete;
    ~holder() {
      gone() = true;
      delete held;
    }
  };
  // Trivially destructible: still readable while the thread's other
  // thread_locals (the holder among them) are being destroyed.
  static bool& gone() noexcept {
    thread_local bool thread_exiting = false;
    return thread_exiting;
  }
  static holder& slot() noexcept {
    thread_local holder mine;
    return mine;
  }
};

}  // namespace volley::detail
