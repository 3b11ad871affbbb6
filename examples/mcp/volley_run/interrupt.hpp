// volley-run: Ctrl-C cancels the calls; a second one ends the program.
#pragma once

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <stop_token>
#include <thread>

namespace volley_run {

// Turns SIGINT and SIGTERM into a stop request: the first one stops the
// batch (calls not started end `cancelled`, calls in flight are cancelled
// at their server), so the results are still printed; the second ends the
// process at once with status 130.
//
// Make it first in main, before any thread starts: the signals are blocked
// in this thread and every thread made after it, and one thread of its own
// takes them with sigwait (no handler runs on an arbitrary thread).
// Children get their own mask (the stdio transport clears it).
class interrupt_watcher {
 public:
  interrupt_watcher() {
    sigemptyset(&m_signals);
    sigaddset(&m_signals, SIGINT);
    sigaddset(&m_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &m_signals, nullptr);
    m_thread = std::thread([this] { watch(); });
  }
  interrupt_watcher(const interrupt_watcher&) = delete;
  interrupt_watcher& operator=(const interrupt_watcher&) = delete;
  ~interrupt_watcher() {
    m_done.store(true, std::memory_order_release);  // release: seen by the watcher once its sigwait returns
    pthread_kill(m_thread.native_handle(), SIGTERM);
    m_thread.join();
  }

  std::stop_token token() const { return m_stop.get_token(); }
  bool interrupted() const { return m_interrupted.load(std::memory_order_acquire); }  // acquire: pairs with watch()

 private:
  void watch() {
    for (int count = 0;;) {
      int signal_number = 0;
      if (sigwait(&m_signals, &signal_number) != 0) continue;
      if (m_done.load(std::memory_order_acquire)) return;  // acquire: pairs with the destructor
      if (++count == 1) {
        m_interrupted.store(true, std::memory_order_release);  // release: before the stop the batch sees
        std::fputs("volley-run: interrupted: cancelling the calls (once more to quit at once)\n", stderr);
        m_stop.request_stop();
      } else {
        ::_exit(130);
      }
    }
  }

  sigset_t m_signals{};
  std::stop_source m_stop;
  std::atomic<bool> m_done{false};
  std::atomic<bool> m_interrupted{false};
  std::thread m_thread;
};

}  // namespace volley_run
