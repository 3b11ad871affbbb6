// volley/asio/asio_executor.hpp: volley's Executor on a Boost.Asio executor.
#pragma once

#include <chrono>
#include <coroutine>
#include <stop_token>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "volley/asio/use_task.hpp"
#include "volley/core/time.hpp"

namespace volley {

// Runs volley coroutines on an Asio executor: an io_context that the program
// already runs (on one thread or several), or a strand of one. Satisfies
// volley::Executor, so parallel_batch, session and call_context work on it,
// and tools can await Asio operations (volley::use_task) on the same threads.
//
//   - `co_await ex.schedule()` posts the coroutine to the executor
//     (boost::asio::post: never resumed inline, even from one of its threads);
//   - `co_await ex.sleep_for(d, token)` waits on a steady_timer of the
//     executor and resumes on it when the time is up or, earlier, when
//     `token` is stopped: the stop (from any thread) emits cancellation on the
//     executor, and the coroutine resumes exactly once either way. Already
//     stopped, it does not suspend. A sleep never throws for a stop;
//   - `now()` is std::chrono::steady_clock, the clock Asio's steady_timer uses.
//
// Copies are cheap and equal: each holds the Asio executor. Whoever runs the
// io_context must keep running it until every coroutine it resumes is done:
// an io_context that stops or dies with work queued drops that work, and the
// coroutines waiting in it are never resumed.
//
// When to use: an agent that already has an io_context (an HTTP client, a
// server) runs its tool calls on the same threads instead of a second pool.
//
//   good: boost::asio::io_context io;  // run by two threads
//         volley::asio_executor executor{io.get_executor()};
//         auto results = co_await volley::parallel_batch(executor, tools, calls);
//   bad:  volley::sync_wait(...) on one of the io_context's own threads: it
//         blocks the thread that would resume the work it waits for.
class asio_executor {
 public:
  using executor_type = boost::asio::any_io_executor;

  explicit asio_executor(executor_type executor) noexcept : m_executor(std::move(executor)) {}
  explicit asio_executor(boost::asio::io_context& io) : m_executor(io.get_executor()) {}

  const executor_type& get_executor() const noexcept { return m_executor; }

  class schedule_awaiter {
   public:
    explicit schedule_awaiter(const executor_type& executor) noexcept : m_executor(&executor) {}
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> awaiting) const {
      boost::asio::post(*m_executor, resume_handler{awaiting});
    }
    void await_resume() const noexcept {}

   private:
    struct resume_handler {
      std::coroutine_handle<> awaiting;
      void operator()() const { awaiting.resume(); }
    };
    const executor_type* m_executor;
  };

  // Continues the awaiting coroutine on the executor.
  schedule_awaiter schedule() const noexcept { return schedule_awaiter{m_executor}; }

  class sleep_awaiter {
   public:
    sleep_awaiter(const executor_type& executor, time_point deadline, std::stop_token token)
        : m_timer(executor, deadline), m_wait(m_timer.async_wait(use_outcome(std::move(token)))) {}
    sleep_awaiter(const sleep_awaiter&) = delete;
    sleep_awaiter& operator=(const sleep_awaiter&) = delete;

    bool await_ready() { return m_wait.await_ready(); }
    bool await_suspend(std::coroutine_handle<> awaiting) { return m_wait.await_suspend(awaiting); }
    // operation_aborted (the stop) and success are both the end of the sleep.
    void await_resume() { (void)m_wait.await_resume(); }

   private:
    using wait_awaiter = decltype(std::declval<boost::asio::steady_timer&>().async_wait(
        std::declval<stoppable_task_token<detail::outcome_errors, detail::stop_kind::on_initiation_executor>>()));
    boost::asio::steady_timer m_timer;
    wait_awaiter m_wait;
  };

  // Continues on the executor after `d`, or as soon as `token` is stopped.
  sleep_awaiter sleep_for(duration d, std::stop_token token = {}) const {
    return sleep_until(now() + d, std::move(token));
  }
  sleep_awaiter schedule_after(duration d, std::stop_token token = {}) const { return sleep_for(d, std::move(token)); }
  sleep_awaiter sleep_until(time_point deadline, std::stop_token token = {}) const {
    return sleep_awaiter{m_executor, deadline, std::move(token)};
  }

  time_point now() const noexcept { return std::chrono::time_point_cast<duration>(clock::now()); }

  friend bool operator==(const asio_executor&, const asio_executor&) = default;

 private:
  executor_type m_executor;
};

}  // namespace volley
