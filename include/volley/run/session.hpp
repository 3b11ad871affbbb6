// volley/run/session.hpp: start each tool call the moment it is written.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <vector>

#include "volley/exec/executor.hpp"
#include "volley/run/batch_options.hpp"
#include "volley/run/detail/scheduler.hpp"
#include "volley/tool/tool_call.hpp"
#include "volley/tool/tool_registry.hpp"

namespace volley {

// A stream of tool calls for one rollout: submit(call) starts the call as
// soon as its hazards against every call submitted before it allow (program
// order is submission order), and hands back a handle to co_await its
// result. parallel_batch, run_rounds and run_dataflow are built on this
// same mechanism.
//
// When to use: an agent loop that parses a model's streamed output and wants
// each tool running while the model is still writing the rest of its turn;
// one session per rollout (calls of different sessions never conflict: each
// rollout has its own sandbox), many sessions on one executor and limiter.
//
//   good: volley::session s{pool, tools, {.limiter = &server_limit}};
//         for (auto& call : stream_calls(model)) handles.push_back(s.submit(call));
//         s.end_turn();
//         auto results = co_await s.drain();
//   bad:  submitting turn 2's calls before turn 1's: program order is
//         submission order, so hazards would be resolved backwards.
//
// Thread safety: submit, submit_after, end_turn, request_stop and drain may
// be called from any thread, also while calls complete (a streaming
// parser's thread beside the executor's). Submissions from two threads at
// once are ordered by whichever takes the session's lock first. On a
// simulation everything must happen on the simulation's thread.
//
// Lifetime: the executor and the registry must outlive every call. A
// session destroyed with calls outstanding stops them: calls not started end
// `cancelled`, calls in flight see the stop; they finish on their own and
// free everything; nothing waits in the destructor.
template <Executor E>
class session {
  using scheduler = detail::scheduler<E>;

 public:
  session(E& executor, const tool_registry& tools, batch_options options = {})
      : m_scheduler(scheduler::make(executor, tools, std::move(options))) {}
  session(session&&) noexcept = default;
  session& operator=(session&&) noexcept = default;
  session(const session&) = delete;
  session& operator=(const session&) = delete;
  ~session() {
    if (m_scheduler) m_scheduler->request_stop();
  }

  // One submitted call: `co_await handle` gives its call_result (a copy),
  // once it has finished. Await it before drain(), which moves results out.
  class call_handle {
   public:
    std::uint32_t index() const noexcept { return m_index; }
    auto operator co_await() const { return m_scheduler->await_call(m_index); }

   private:
    friend class session;
    call_handle(std::shared_ptr<scheduler> owner, std::uint32_t index) : m_scheduler(std::move(owner)), m_index(index) {}
    std::shared_ptr<scheduler> m_scheduler;
    std::uint32_t m_index;
  };

  // Starts the call as soon as its hazards allow. Never throws for a bad
  // call: an unknown tool or malformed arguments is that call's result.
  call_handle submit(tool_call call) { return {m_scheduler, m_scheduler->submit(std::move(call))}; }

  // Like submit, and the call also waits for `dependencies` (earlier calls
  // whose results it needs); a failed dependency makes it `skipped`.
  // Throws std::invalid_argument for a handle of another session.
  call_handle submit_after(tool_call call, std::span<const call_handle> dependencies) {
    std::vector<std::uint32_t> indices;
    indices.reserve(dependencies.size());
    for (const auto& dependency : dependencies) {
      if (dependency.m_scheduler != m_scheduler) {
        throw std::invalid_argument("volley::session::submit_after: call '" + call.id +
                                    "' depends on a call of another session");
      }
      indices.push_back(dependency.index());
    }
    return {m_scheduler, m_scheduler->submit(std::move(call), indices)};
  }

  // Marks the end of one model turn in the recorded trace (an assistant_message).
  void end_turn() { m_scheduler->end_turn(); }

  // Awaits every call submitted so far; returns the results of the calls
  // submitted since the previous drain, in submission order.
  auto drain() { return m_scheduler->drain(); }

  // Stops the session: calls not started end `cancelled`; calls in flight see it.
  void request_stop() noexcept { m_scheduler->request_stop(); }

  std::size_t submitted() const { return m_scheduler->submitted(); }

 private:
  std::shared_ptr<scheduler> m_scheduler;
};

}  // namespace volley
