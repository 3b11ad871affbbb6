// Recycles the memory of volley's coroutine frames.
//
// A batch of tool calls allocates and frees a few frames per call, often a
// thousand at once and often on different threads (a frame made by the
// submitting thread dies on a pool worker). malloc's per-thread cache holds
// only a handful of blocks per size, so most of those frames went through its
// locked arena. Here each thread keeps two "magazines" of free frames per
// size class (Bonwick's magazine allocator): it touches the shared depot only
// once per full magazine, and the depot moves whole magazines between threads.
#pragma once

#include <cstddef>
#include <mutex>
#include <new>
#include <utility>

// VOLLEY_FRAME_POOL=0 gives every frame straight to operator new/delete (and
// stops a thread keeping a spare batch scheduler, run/detail/scheduler.hpp). It is
// off under AddressSanitizer, which must see each frame die to catch a use
// after free.
#if !defined(VOLLEY_FRAME_POOL)
#if defined(__SANITIZE_ADDRESS__)
#define VOLLEY_FRAME_POOL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VOLLEY_FRAME_POOL 0
#endif
#endif
#endif
#if !defined(VOLLEY_FRAME_POOL)
#define VOLLEY_FRAME_POOL 1
#endif

namespace volley::detail {

inline constexpr std::size_t frame_granularity = 16;    // bytes between size classes (malloc's own step)
inline constexpr std::size_t frame_classes = 64;        // pooled frames are at most 1 KiB
inline constexpr std::size_t frame_magazine_size = 64;  // frames moved to or from the depot at once
inline constexpr std::size_t frame_depot_bytes = 4u << 20;   // the most the depot keeps, all classes together

// A free frame's first bytes link it into a magazine; a magazine in the depot
// links to the next magazine through its first frame.
struct free_frame {
  free_frame* next;
  free_frame* next_magazine;
};
static_assert(sizeof(free_frame) <= frame_granularity);

struct frame_magazine {
  free_frame* head = nullptr;
  std::size_t count = 0;
};

// A hint to bring `address`'s cache line in for writing (no effect where the
// compiler has no such builtin; never faults, even on null).
inline void prefetch_for_write([[maybe_unused]] const void* address) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(address, 1);
#endif
}

inline void free_frames(free_frame* head) noexcept {
  while (head) ::operator delete(std::exchange(head, head->next));
}

// Full magazines shared by every thread, frame_depot_bytes at most. Created once
// and never destroyed: threads hand their magazines back when they exit,
// which can be after static destruction has begun.
class frame_depot {
 public:
  static frame_depot& instance() {
    static frame_depot* depot = new frame_depot;
    return *depot;
  }

  // A full magazine, or an empty one when the depot has none.
  frame_magazine take(std::size_t size_class) noexcept {
    std::lock_guard lock{m_mutex};
    free_frame* head = m_magazines[size_class];
    if (!head) return {};
    m_magazines[size_class] = head->next_magazine;
    --m_counts[size_class];
    m_bytes -= magazine_bytes(size_class);
    return {head, frame_magazine_size};
  }

  // Keeps a full magazine; false (and the caller frees it) when the depot is full.
  bool give(std::size_t size_class, frame_magazine magazine) noexcept {
    const std::size_t bytes = magazine_bytes(size_class);
    std::lock_guard lock{m_mutex};
    if (m_bytes + bytes > frame_depot_bytes) return false;
    magazine.head->next_magazine = m_magazines[size_class];
    m_magazines[size_class] = magazine.head;
    ++m_counts[size_class];
    m_bytes += bytes;
    return true;
  }

  // Full magazines held for a size class (a diagnostic for tests).
  std::size_t magazines(std::size_t size_class) {
    std::lock_guard lock{m_mutex};
    return m_counts[size_class];
  }

 private:
  frame_depot() = default;
  static constexpr std::size_t magazine_bytes(std::size_t size_class) noexcept {
    return frame_magazine_size * (size_class + 1) * frame_granularity;
  }
  std::mutex m_mutex;
  std::size_t m_bytes = 0;
  free_frame* m_magazines[frame_classes] = {};
  std::size_t m_counts[frame_classes] = {};
};

// One thread's free frames: per size class a loaded magazine it allocates
// from and frees into, and a previous one, so that a thread alternating
// between allocating and freeing at a magazine boundary does not go to the
// depot every time.
class frame_cache {
 public:
  frame_cache() noexcept { state() = thread_state::alive; }
  frame_cache(const frame_cache&) = delete;
  frame_cache& operator=(const frame_cache&) = delete;
  ~frame_cache() {
    state() = thread_state::gone;
    for (std::size_t c = 0; c < frame_classes; ++c) {
      release(c, m_loaded[c]);
      release(c, m_previous[c]);
    }
  }

  // Once this thread's cache is gone (thread exit), frames go straight to
  // operator new and delete; touching the cache then would construct it again.
  enum class thread_state : unsigned char { unborn, alive, gone };
  static thread_state& state() noexcept {
    thread_local thread_state current = thread_state::unborn;
    return current;
  }
  static bool usable() noexcept { return state() != thread_state::gone; }

  void* allocate(std::size_t size_class) {
    frame_magazine& loaded = m_loaded[size_class];
    if (loaded.count == 0) {
      if (m_previous[size_class].count != 0) {
        std::swap(loaded, m_previous[size_class]);
      } else {
        loaded = frame_depot::instance().take(size_class);
        if (loaded.count == 0) return ::operator new((size_class + 1) * frame_granularity);
      }
    }
    free_frame* frame = loaded.head;
    loaded.head = frame->next;
    --loaded.count;
    // The next frame was most likely freed on another thread, so its link is
    // not in this core's cache: fetch it now, while this frame is being used,
    // or the next allocation stalls on that load.
    prefetch_for_write(loaded.head);
    return frame;
  }

  void deallocate(void* memory, std::size_t size_class) noexcept {
    frame_magazine& loaded = m_loaded[size_class];
    if (loaded.count == frame_magazine_size) {
      frame_magazine& previous = m_previous[size_class];
      if (previous.count != 0 && !frame_depot::instance().give(size_class, previous)) free_frames(previous.head);
      previous = std::exchange(loaded, frame_magazine{});
    }
    auto* frame = static_cast<free_frame*>(memory);
    frame->next = loaded.head;
    loaded.head = frame;
    ++loaded.count;
  }

 private:
  static void release(std::size_t size_class, frame_magazine magazine) noexcept {
    if (magazine.count == frame_magazine_size && frame_depot::instance().give(size_class, magazine)) return;
    free_frames(magazine.head);
  }

  frame_magazine m_loaded[frame_classes];
  frame_magazine m_previous[frame_classes];
};

inline frame_cache& this_thread_frame_cache() {
  thread_local frame_cache cache;
  return cache;
}

// Size classes are multiples of frame_granularity; a frame of class c is
// always (c + 1) * frame_granularity bytes, so any frame of a class serves any
// request of that class.
inline void* allocate_frame(std::size_t size) {
#if VOLLEY_FRAME_POOL
  const std::size_t size_class = (size - 1) / frame_granularity;
  if (size != 0 && size_class < frame_classes) {
    if (frame_cache::usable()) return this_thread_frame_cache().allocate(size_class);
    return ::operator new((size_class + 1) * frame_granularity);
  }
#endif
  return ::operator new(size);
}

inline void deallocate_frame(void* memory, [[maybe_unused]] std::size_t size) noexcept {
#if VOLLEY_FRAME_POOL
  const std::size_t size_class = (size - 1) / frame_granularity;
  if (size != 0 && size_class < frame_classes) {
    if (frame_cache::usable()) return this_thread_frame_cache().deallocate(memory, size_class);
    return ::operator delete(memory);
  }
#endif
  ::operator delete(memory);
}

}  // namespace volley::detail
