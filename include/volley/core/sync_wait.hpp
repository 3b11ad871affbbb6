// volley/core/sync_wait.hpp: block a plain thread until an awaitable completes.
#pragma once

#include <utility>

#include "volley/core/awaitable_traits.hpp"
#include "volley/core/detail/result_coroutine.hpp"

namespace volley {

// Blocks the calling thread until `a` completes; returns its value by value
// or rethrows its exception.
//
// When to use: at the edge of your program (main, a test, a plain-thread
// callback) to enter the coroutine world. Never inside a coroutine or on an
// executor's own thread: it blocks that thread, and work queued behind it on
// the same thread can never run.
//
//   good: int main() { auto results = volley::sync_wait(agent_turn(pool)); }
//   bad:  volley::task<> step() { volley::sync_wait(other()); co_return; }
//   bad:  volley::sync_wait(sim.sleep_for(2s)): a simulation's timers fire
//         only inside sim.run(); use sim.run(...) for simulated work.
template <awaitable A>
auto sync_wait(A&& a) -> detail::driven_result_t<await_result_t<A>> {
  auto coroutine = detail::make_result_coroutine<detail::driven_result_t<await_result_t<A>>>(std::forward<A>(a));
  detail::completion_event event;
  coroutine.start(&event);
  event.wait();
  return coroutine.take();
}

}  // namespace volley
