// volley/volley.hpp: every public header of every layer but the optional ones
// (io/, asio/, serve/, mcp/: each has its own target and its own headers).
// tests/public_headers.py checks this list against include/volley/, so a new
// header cannot be left out.
#pragma once

#include "volley/effect.hpp"

// core/: the coroutine vocabulary: task, when_all, sync_wait, outcome, time
#include "volley/core/async_semaphore.hpp"
#include "volley/core/awaitable_traits.hpp"
#include "volley/core/outcome.hpp"
#include "volley/core/sync_wait.hpp"
#include "volley/core/task.hpp"
#include "volley/core/time.hpp"
#include "volley/core/when_all.hpp"

// exec/: executors: the concept, a thread pool, a deterministic simulation
#include "volley/exec/executor.hpp"
#include "volley/exec/simulation.hpp"
#include "volley/exec/thread_pool.hpp"

// tool/: tools and their registry
#include "volley/tool/call_context.hpp"
#include "volley/tool/make_tool.hpp"
#include "volley/tool/tool.hpp"
#include "volley/tool/tool_call.hpp"
#include "volley/tool/tool_error.hpp"
#include "volley/tool/tool_registry.hpp"

// run/: running calls: parallel_batch, session, run_rounds, run_dataflow
#include "volley/run/batch_options.hpp"
#include "volley/run/call_specs.hpp"
#include "volley/run/dataflow_call.hpp"
#include "volley/run/parallel_batch.hpp"
#include "volley/run/run_dataflow.hpp"
#include "volley/run/run_rounds.hpp"
#include "volley/run/session.hpp"

// plan/: planning calls with dependencies into rounds
#include "volley/plan/call_spec.hpp"
#include "volley/plan/dependency_graph.hpp"
#include "volley/plan/hazard_tracker.hpp"
#include "volley/plan/plan.hpp"
#include "volley/plan/plan_error.hpp"
#include "volley/plan/plan_rounds.hpp"

// trace/: recording what ran, timelines, Chrome traces
#include "volley/trace/call_span.hpp"
#include "volley/trace/chrome_trace.hpp"
#include "volley/trace/text_timeline.hpp"
#include "volley/trace/timeline.hpp"
#include "volley/trace/trace_event.hpp"
#include "volley/trace/trace_recorder.hpp"

// grade/: grading traces by how well they parallelize
#include "volley/grade/analyze_parallelization.hpp"
#include "volley/grade/batching_report.hpp"
#include "volley/grade/count_sequential_rounds.hpp"
#include "volley/grade/diagnostic.hpp"
#include "volley/grade/latency_aware_grader.hpp"
#include "volley/grade/validate.hpp"
