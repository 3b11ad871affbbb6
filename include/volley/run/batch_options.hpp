// volley/run/batch_options.hpp: how a batch (or a session) runs its calls.
#pragma once

#include <cstddef>
#include <optional>
#include <stop_token>
#include <string_view>

#include "volley/core/async_semaphore.hpp"
#include "volley/core/time.hpp"
#include "volley/trace/trace_recorder.hpp"

namespace volley {

// What happens to the other calls when one fails.
//
//   isolate (default): nothing; every other call runs as if nothing happened.
//     Other agent runtimes cancel every sibling when one parallel call
//     fails, and most of the errors their users see come from that cascade:
//     volley never does it unless asked.
//   skip_dependents: calls ordered after the failed one by a conflict are
//     `skipped`, transitively; independent calls still run.
//   cancel_all: the first failure stops the batch: calls not started end
//     `cancelled`, calls in flight see the stop through their call_context.
enum class on_error { isolate, skip_dependents, cancel_all };

constexpr std::string_view to_string(on_error policy) noexcept {
  switch (policy) {
    case on_error::isolate: return "isolate";
    case on_error::skip_dependents: return "skip_dependents";
    case on_error::cancel_all: return "cancel_all";
  }
  return "unknown";
}

// When to use: pass to parallel_batch, run_rounds, run_dataflow or a session.
//
//   good: {.max_concurrency = 10, .timeout = 30s, .stop = rollout.stop_token(),
//          .limiter = &tool_server_limit}
//   bad:  {.max_concurrency = 1} to "be safe": conflicting calls are already
//         kept in order; a cap of 1 only throws the parallelism away.
struct batch_options {
  // At most this many calls of the batch run at once; 0 = no cap.
  std::size_t max_concurrency = 0;
  // Per call, from the moment it starts. A call still running then is asked
  // to stop and ends `timeout`; the batch still waits for it to return.
  std::optional<duration> timeout{};
  // Stops the batch: calls not started end `cancelled` without running;
  // calls in flight see the request through their call_context.
  std::stop_token stop{};
  on_error policy = on_error::isolate;
  // A limit shared with other batches (one tool server's concurrency limit
  // across many rollouts); must outlive the batch.
  async_semaphore* limiter = nullptr;
  // Records the trace a model-driven loop would log; must outlive the batch.
  trace_recorder* recorder = nullptr;
};

}  // namespace volley
