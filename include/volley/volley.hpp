// volley/volley.hpp: every layer of volley but the optional io/ adapters.
#pragma once

#include "volley/effect.hpp"

#include "volley/core/async_semaphore.hpp"
#include "volley/core/awaitable_traits.hpp"
#include "volley/core/outcome.hpp"
#include "volley/core/sync_wait.hpp"
#include "volley/core/task.hpp"
#include "volley/core/time.hpp"
#include "volley/core/when_all.hpp"

#include "volley/exec/executor.hpp"
#include "volley/exec/simulation.hpp"
#include "volley/exec/thread_pool.hpp"

#include "volley/tool/call_context.hpp"
#include "volley/tool/make_tool.hpp"
#include "volley/tool/tool.hpp"
#include "volley/tool/tool_call.hpp"
#include "volley/tool/tool_error.hpp"
#include "volley/tool/tool_registry.hpp"

#include "volley/run/batch_options.hpp"
#include "volley/run/parallel_batch.hpp"
#include "volley/run/session.hpp"
#include "volley/run/call_specs.hpp"
#include "volley/run/dataflow_call.hpp"
#include "volley/run/run_dataflow.hpp"
#include "volley/run/run_rounds.hpp"

#include "volley/plan/plan_rounds.hpp"
#include "volley/trace/trace_recorder.hpp"
