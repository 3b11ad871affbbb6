// The one header volley's tests include for Catch2: v3 where it is installed,
// v2.13 (Debian's) otherwise. Tests use only macros both versions share.
#pragma once

#if __has_include(<catch2/catch_test_macros.hpp>)
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#define VOLLEY_CATCH_VERSION 3
#else
#include <catch2/catch.hpp>
#define VOLLEY_CATCH_VERSION 2
#endif

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

namespace volley_test {

// How many iterations a property test runs: the full count in the optimized,
// uninstrumented build, a tenth under sanitizers and at -O0.
constexpr int scaled(int full) {
#if defined(VOLLEY_TEST_FULL_SCALE)
  return full;
#else
  return full / 10 > 0 ? full / 10 : 1;
#endif
}

// Where ../shared/data is, or an empty path when it is absent (a user's checkout).
inline std::filesystem::path shared_data_dir() {
  if (const char* env = std::getenv("VOLLEY_SHARED_DATA_DIR")) return env;
#if defined(VOLLEY_SHARED_DATA_DIR)
  std::filesystem::path p = VOLLEY_SHARED_DATA_DIR;
  std::error_code ec;
  if (std::filesystem::is_directory(p, ec)) return std::filesystem::canonical(p, ec);
#endif
  return {};
}

// Aborts the process with a message when a test section that could hang
// outlives its limit. Put one at the top of every test that waits on threads.
//
//   volley_test::watchdog dog{"thread_pool stress", std::chrono::seconds{60}};
class watchdog {
 public:
  watchdog(std::string what, std::chrono::seconds limit)
      : m_what(std::move(what)), m_thread([this, limit] { watch(limit); }) {}
  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;
  ~watchdog() {
    {
      std::lock_guard lock{m_mutex};
      m_done = true;
    }
    m_cv.notify_one();
    m_thread.join();
  }

 private:
  void watch(std::chrono::seconds limit) {
    std::unique_lock lock{m_mutex};
    if (!m_cv.wait_for(lock, limit, [this] { return m_done; })) {
      std::fprintf(stderr, "watchdog: '%s' did not finish within %lld s; aborting\n",
                   m_what.c_str(), static_cast<long long>(limit.count()));
      std::fflush(stderr);
      std::abort();
    }
  }

  std::string m_what;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_done = false;
  std::thread m_thread;
};

}  // namespace volley_test

#include "volley/core/detail/config.hpp"

namespace volley_test {
// Live volley coroutine frames right now (tests build with VOLLEY_DEBUG_FRAME_COUNT).
inline long live_frames() { return volley::detail::live_frame_count().load(std::memory_order_relaxed); }
}  // namespace volley_test
