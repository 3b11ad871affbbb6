// volley/exec/executor.hpp: what volley needs of a place to run coroutines.
#pragma once

#include <concepts>
#include <stop_token>

#include "volley/core/awaitable_traits.hpp"
#include "volley/core/time.hpp"

namespace volley {

// An executor resumes coroutines and keeps time.
//   - `co_await ex.schedule()` resumes the awaiter on the executor;
//   - `co_await ex.sleep_for(d, token)` / `ex.sleep_until(t, token)` /
//     `ex.schedule_after(d, token)` resume it on the executor after d (or at
//     t) on the executor's clock, or earlier, exactly once, when `token` is
//     stopped; the token may be omitted;
//   - `ex.now()` is the executor's clock: real for thread_pool, virtual for simulation.
//
// When to use: constrain your own algorithms on it so that the same agent
// code runs in real time and in virtual time.
//
//   good: template <volley::Executor E> volley::task<> poll(E& ex) { co_await ex.sleep_for(1s); }
//   bad:  std::this_thread::sleep_for(1s) inside a tool: blocks a worker, and
//         a simulation cannot skip it.
template <class E>
concept Executor = requires(E& ex, duration d, time_point t, std::stop_token token) {
  { ex.schedule() } -> awaitable;
  { ex.sleep_for(d) } -> awaitable;
  { ex.sleep_for(d, token) } -> awaitable;
  { ex.sleep_until(t, token) } -> awaitable;
  { ex.schedule_after(d, token) } -> awaitable;
  { ex.now() } -> std::same_as<time_point>;
};

}  // namespace volley
