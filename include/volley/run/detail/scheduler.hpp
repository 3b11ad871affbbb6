// The one scheduler behind session, parallel_batch, run_rounds and run_dataflow.
//
// Calls arrive one at a time in program order (submit). Each becomes a node
// of a graph whose edges are the hazards the hazard_tracker reports (plus
// explicit dependencies for dataflow); a node whose predecessors have all
// finished is ready, and a ready call starts as soon as the concurrency cap
// and the shared limiter allow. Everything about the graph is guarded by one
// mutex, held only for bookkeeping: tools run, and awaiters are resumed,
// outside it. (The hazard tracker is touched only by whoever submits: under
// the mutex for a session, whose calls may come from any thread; outside it
// for a staged batch, which has one submitter.)
#pragma once

#include "volley/detail/concat.hpp"

#include <algorithm>
#include <array>
#include <coroutine>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <ranges>
#include <span>
#include <stop_token>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "volley/core/detail/frame_pool.hpp"
#include "volley/core/detail/resume_trampoline.hpp"
#include "volley/core/detail/short_mutex.hpp"
#include "volley/core/outcome.hpp"
#include "volley/core/task.hpp"
#include "volley/core/when_all.hpp"
#include "volley/exec/executor.hpp"
#include "volley/plan/hazard_tracker.hpp"
#include "volley/run/batch_options.hpp"
#include "volley/run/detail/call_errors.hpp"
#include "volley/run/detail/detached.hpp"
#include "volley/run/detail/resume_list.hpp"
#include "volley/run/detail/stable_vector.hpp"
#include "volley/run/detail/thread_spare.hpp"
#include "volley/tool/call_context.hpp"
#include "volley/tool/tool_call.hpp"
#include "volley/tool/tool_registry.hpp"

namespace volley::detail {

inline constexpr std::uint32_t no_index = std::numeric_limits<std::uint32_t>::max();

// One submitted call. Lives in a stable_vector: its address never changes.
struct call_record {
  // The call's id and name (moved in from its tool_call: held once), then its
  // outcome and times once settled; it lives in the scheduler's result
  // storage and never moves while the call can run. The arguments text is not
  // kept once parsed into `arguments`: before the record is made (submit), or
  // from the result's outcome, where a staged call's text waits (see
  // stage_one; by its driver when parse_when_started).
  call_result* result = nullptr;
  const std::string& id() const noexcept { return result->id; }
  const std::string& name() const noexcept { return result->name; }
  const registered_tool* tool = nullptr;
  // What few calls need, kept out of line so a plain call's record stays small.
  struct extras {
    // A call with no registered tool behind it (the typed parallel_batch):
    // it runs this instead, with the effect and resources given at submission.
    std::function<task<outcome<std::string>>(call_context&)> job;
    // Dataflow: the arguments are written from the dependencies' results
    // (in dependency order) just before the call runs.
    std::function<outcome<std::string>(std::span<const call_result* const>)> bind_arguments;
    std::vector<std::uint32_t> inputs;
  };
  std::unique_ptr<extras> more;
  extras& more_or_new() {
    if (!more) more = std::make_unique<extras>();
    return *more;
  }
  prepared_arguments arguments;
  // Its graph node; none when it never entered the graph (rejected), or when
  // its batch needs no graph (no call of it can conflict: see submit_staged).
  std::uint32_t node = no_index;
  bool settled = false;
  // Its arguments text waits in its result until its driver parses it
  // (a staged batch that cannot conflict: see submit_staged).
  bool parse_when_started = false;
  std::coroutine_handle<> awaiting;  // one co_await of its handle
};

// A graph node: a call, or a join the hazard tracker made (never a tool call).
struct graph_node {
  // Unfinished predecessors, plus one held while the node is being wired up.
  std::uint32_t waiting = 1;
  std::uint32_t call = no_index;  // no_index for a join
  bool finished = false;
  bool failed = false;             // a call that ended in an error; a join with a failed conflict predecessor
  bool conflict_failed = false;    // a conflict predecessor failed (matters under skip_dependents)
  bool dependency_failed = false;  // a dependency (after-edge) failed: no result to build on
  std::uint32_t culprit = no_index;  // the call whose failure reached this node first
  // Successor node ids; the top bit marks a dependency edge (else a conflict edge).
  std::vector<std::uint32_t> successors;
};

inline constexpr std::uint32_t dependency_edge_bit = 1u << 31;

// A FIFO of call indices that allocates nothing until used (std::deque
// allocates a 512-byte chunk up front, per session).
class index_fifo {
 public:
  bool empty() const noexcept { return m_head == m_items.size(); }
  std::uint32_t front() const noexcept { return m_items[m_head]; }
  void push_back(std::uint32_t index) { m_items.push_back(index); }
  void pop_front() {
    if (++m_head == m_items.size()) {
      m_items.clear();
      m_head = 0;
    } else if (m_head >= 1024 && m_head * 2 >= m_items.size()) {
      m_items.erase(m_items.begin(), m_items.begin() + static_cast<std::ptrdiff_t>(m_head));
      m_head = 0;
    }
  }

 private:
  std::vector<std::uint32_t> m_items;
  std::size_t m_head = 0;
};

// What the scheduler must do once it lets go of its lock: start calls,
// resume awaiters, stop the batch (stop callbacks may resume coroutines that
// take the lock again).
struct deferred_actions {
  std::vector<call_record*> to_start;
  resume_list to_resume;
  bool request_stop = false;
};

template <Executor E>
class scheduler : public std::enable_shared_from_this<scheduler<E>> {
 public:
  // `owner_can_stop`: whether request_stop() may be called (a session). When
  // it may not, and neither the options' stop token nor cancel_all can stop
  // the batch, the batch has no stop state at all: nothing to allocate, and
  // the tokens its calls copy cost no atomic reference count.
  //
  // Made through make(), which may hand out a scheduler this thread used
  // before (see recycle()).
  static std::shared_ptr<scheduler> make(E& executor, const tool_registry& tools, batch_options options,
                                         bool owner_can_stop = true) {
    scheduler* made = take_spare();
    if (!made) made = new scheduler;
    made->start(executor, tools, std::move(options), owner_can_stop);
    // (Should the control block fail to allocate, the recycler takes `made` back.)
    return std::shared_ptr<scheduler>(made, recycler{});
  }
  scheduler(const scheduler&) = delete;
  scheduler& operator=(const scheduler&) = delete;

  const batch_options& options() const noexcept { return m_options; }
  E& executor() noexcept { return *m_executor; }

  // Submits the next call in program order; `dependencies` are indices of
  // earlier calls whose results it needs (dataflow). Returns its index.
  //
  // With `bind_arguments`, the call's arguments are written from its
  // dependencies' results just before it runs; until then its resources are
  // unknown, so it counts as touching everything.
  std::uint32_t submit(tool_call call, std::span<const std::uint32_t> dependencies = {},
                       std::function<outcome<std::string>(std::span<const call_result* const>)> bind_arguments = {}) {
    deferred_actions actions;
    std::uint32_t index;
    prepared_call prepared = prepare_call(call, static_cast<bool>(bind_arguments));
    {
      std::lock_guard lock{m_mutex};
      index = submit_locked(std::move(call), std::move(prepared), dependencies, actions, std::move(bind_arguments));
    }
    carry_out(actions);
    actions.to_resume.resume_all();
    return index;
  }

  // Submits a call that runs `job` instead of a registered tool.
  std::uint32_t submit_job(tool_call call, effect call_effect, std::vector<std::string> resources,
                           std::function<task<outcome<std::string>>(call_context&)> job) {
    deferred_actions actions;
    std::uint32_t index;
    {
      std::lock_guard lock{m_mutex};
      index = static_cast<std::uint32_t>(m_records.size());
      call_record& record = new_record_locked(std::move(call));
      record.more_or_new().job = std::move(job);
      record.arguments.resources = std::move(resources);
      enter_graph_locked(index, call_effect, {}, actions);
    }
    carry_out(actions);
    actions.to_resume.resume_all();
    return index;
  }

  // Records a call that will never run, with its error (dataflow input the
  // planner rejected: an unknown dependency, a cycle). Calls that depend on
  // it are skipped.
  std::uint32_t submit_failed(tool_call call, error reason) {
    deferred_actions actions;
    std::uint32_t index;
    {
      std::lock_guard lock{m_mutex};
      index = static_cast<std::uint32_t>(m_records.size());
      new_record_locked(std::move(call));
      settle_locked(index, std::move(reason), actions);
    }
    carry_out(actions);
    actions.to_resume.resume_all();
    return index;
  }

  // Stages a whole batch before it starts (parallel_batch): for each call,
  // its record, with its id and name moved or copied into its result, and
  // its arguments text. The range is not read again, so it need not outlive
  // the batch. Only on a scheduler nothing has been submitted to yet; nothing
  // runs until submit_staged(). With `move_calls`, the calls' strings are
  // moved out of the range.
  // (No lock: nothing else has the scheduler yet, and what staging writes
  // reaches the threads that run the calls through the executor's queue.)
  template <std::ranges::input_range Range>
  void stage_all(Range& calls, bool move_calls) {
    if constexpr (std::ranges::sized_range<Range>) {
      const auto n = static_cast<std::size_t>(std::ranges::size(calls));
      m_batch_results.reserve(n);
    }
    for (auto&& item : calls) {
      if constexpr (std::is_same_v<std::remove_cvref_t<decltype(item)>, tool_call>) {
        if (move_calls) stage_one(std::move(item));
        else stage_one(std::as_const(item));
      } else {
        stage_one(tool_call(item));
      }
    }
    // The results vector is complete and will not grow again: its elements
    // stay where they are until drain() moves the whole vector out.
    for (std::size_t i = 0; i < m_batch_results.size(); ++i) m_records[i].result = &m_batch_results[i];
  }

  // Starts the staged calls in program order, a chunk at a time: each
  // chunk's arguments are parsed and its hazards found (outside the lock:
  // nothing else touches records not yet issued, nor the tracker of a
  // staged batch), then it enters the graph under the lock, then its calls
  // start. On a thread pool the workers run one chunk while this thread
  // prepares the next.
  //
  // A batch with no mutating call cannot conflict (reads never wait for
  // reads), so it skips the hazard index and the graph: its calls wait for
  // nothing but a slot under max_concurrency. Uncapped, its calls are also
  // parsed by their drivers, on the executor, as they start: this thread
  // only issues them. (Under max_concurrency a call may wait for a slot
  // before its driver exists; it is parsed here, so that bad arguments are
  // reported at once, not when a slot frees.)
  void submit_staged() {
    constexpr std::size_t chunk = 32;
    // Fixed since staging: nothing else adds calls, and only drain() moves
    // the results out, after every call has settled.
    const std::size_t staged = m_batch_results.size();
    const bool conflict_free = look_up_staged_tools(staged);
    const bool parse_in_drivers = conflict_free && m_options.max_concurrency == 0;
    if (!conflict_free) {
      m_hazards.reserve(staged);
      m_nodes.reserve(staged);
    }
    deferred_actions& actions = m_staged_actions;  // (kept with a recycled scheduler: no allocation next time)
    std::array<staged_wiring, chunk> wiring;  // the chunk's hazards, found before it enters the graph
    for (std::size_t next = 0; next < staged;) {
      const std::size_t stop = std::min(staged, next + chunk);
      m_chunk_predecessors.clear();
      m_chunk_joins.clear();
      for (std::size_t i = next; i < stop; ++i) {
        call_record& record = m_records[i];
        if (!conflict_free) {
          prepare_staged(record);
          wiring[i - next] = find_hazards_staged(record);
        } else if (record.tool && parse_in_drivers) {
          record.parse_when_started = true;
        } else {
          prepare_staged(record);
        }
      }
      {
        std::lock_guard lock{m_mutex};
        for (std::size_t k = 0; next < stop; ++next, ++k) {
          if (conflict_free) issue_independent_locked(static_cast<std::uint32_t>(next), actions);
          else issue_staged_locked(static_cast<std::uint32_t>(next), wiring[k], actions);
        }
      }
      if (actions.to_start.size() > 1) {
        // The chunk's drivers are made on the executor, by one coroutine
        // that hops there first: their frames are allocated, and their hops
        // queued, by a worker while this thread prepares the next chunk.
        if (actions.request_stop) m_stop.request_stop();
        start_on_executor(this, std::exchange(actions.to_start, {}));
      } else {
        carry_out(actions);
      }
      actions.to_resume.resume_all();
      actions.to_start.clear();
      actions.to_resume.clear();
      actions.request_stop = false;
    }
  }

  // Records a turn boundary (an assistant_message) in the trace.
  void end_turn() {
    if (m_options.recorder) m_options.recorder->assistant_message(now_ns());
  }

  // Stops everything: calls not started end cancelled; calls in flight see it.
  // (Only for a scheduler made with owner_can_stop.)
  void request_stop() noexcept { m_stop.request_stop(); }
  std::stop_token stop_token() const noexcept { return m_stop.get_token(); }

  std::size_t submitted() const {
    std::lock_guard lock{m_mutex};
    return m_records.size();
  }

  // ---- awaiting one call ----------------------------------------------------
  class call_awaiter {
   public:
    call_awaiter(std::shared_ptr<scheduler> owner, std::uint32_t index) noexcept
        : m_owner(std::move(owner)), m_index(index) {}
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> awaiting) {
      std::lock_guard lock{m_owner->m_mutex};
      call_record& record = m_owner->m_records[m_index];
      if (record.settled) return false;
      record.awaiting = awaiting;
      return true;
    }
    call_result await_resume() {
      std::lock_guard lock{m_owner->m_mutex};
      return *m_owner->m_records[m_index].result;
    }

   private:
    std::shared_ptr<scheduler> m_owner;
    std::uint32_t m_index;
  };

  // ---- awaiting every call submitted so far -----------------------------------
  class drain_awaiter {
   public:
    explicit drain_awaiter(std::shared_ptr<scheduler> owner) noexcept : m_owner(std::move(owner)) {}
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> awaiting) { return m_owner->wait_for_unfinished(awaiting); }
    // The results of the calls submitted since the last drain, in submission
    // order, moved out.
    std::vector<call_result> await_resume() {
      std::lock_guard lock{m_owner->m_mutex};
      auto& records = m_owner->m_records;
      const std::size_t first = std::exchange(m_owner->m_drained, records.size());
      std::vector<call_result> results;
      results.reserve(records.size() - first);
      for (std::size_t i = first; i < records.size(); ++i) results.push_back(std::move(*records[i].result));
      return results;
    }

   private:
    std::shared_ptr<scheduler> m_owner;
  };

  // ---- awaiting a staged batch ------------------------------------------------
  // For the batch's owner, which holds the scheduler across the co_await,
  // after submit_staged(): no reference to take, and the results are read
  // without the lock (see await_resume).
  class staged_drain_awaiter {
   public:
    explicit staged_drain_awaiter(scheduler& owner) noexcept : m_owner(&owner) {}
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> awaiting) { return m_owner->wait_for_unfinished(awaiting); }
    // Every call has settled, each under the lock, and the last settler let
    // go of the lock before resuming this (or await_suspend saw the count
    // reach zero under it); no call is added after staging. So the results
    // are complete, and nothing else touches them any more.
    std::vector<call_result> await_resume() noexcept { return std::move(m_owner->m_batch_results); }

   private:
    scheduler* m_owner;
  };

  call_awaiter await_call(std::uint32_t index) { return call_awaiter{this->shared_from_this(), index}; }
  drain_awaiter drain() { return drain_awaiter{this->shared_from_this()}; }
  staged_drain_awaiter drain_staged() noexcept { return staged_drain_awaiter{*this}; }

 private:
  struct forward_stop {
    scheduler* self;
    void operator()() const noexcept { self->m_stop.request_stop(); }
  };

  scheduler() = default;

  // Sets up a new or recycled scheduler for a batch.
  void start(E& executor, const tool_registry& tools, batch_options options, bool owner_can_stop) {
    m_executor = &executor;
    m_tools = &tools;
    m_options = std::move(options);
    m_stop = owner_can_stop || m_options.stop.stop_possible() || m_options.policy == on_error::cancel_all
                 ? std::stop_source{}
                 : std::stop_source{std::nostopstate};
    if (m_options.stop.stop_possible()) m_outer_stop.emplace(m_options.stop, forward_stop{this});
  }

  // ---- recycling ------------------------------------------------------------
  // A batch's fixed cost is mostly allocation: the scheduler, its first
  // record block, its node and hazard arrays. So when the last owner lets go,
  // a scheduler that ran a small batch is emptied (keeping that memory) and
  // kept as this thread's spare, and make() on this thread reuses it. One
  // spare per thread and executor type; off where frames are not pooled
  // either (under AddressSanitizer, which must see each scheduler die).
  static constexpr std::size_t recycle_at_most = 256;  // calls: keeps what a thread holds small

  struct recycler {
    void operator()(scheduler* done) const noexcept { done->recycle(); }
  };
  static scheduler* take_spare() noexcept {
#if VOLLEY_FRAME_POOL
    return thread_spare<scheduler>::take();
#else
    return nullptr;
#endif
  }

  // The last owner let go: no driver runs, no awaiter waits.
  void recycle() noexcept {
#if VOLLEY_FRAME_POOL
    if (m_records.size() <= recycle_at_most) {
      clear_for_reuse();
      if (thread_spare<scheduler>::give(this)) return;
    }
#endif
    delete this;
  }

  // Back to the state of a new scheduler, keeping reserved memory.
  void clear_for_reuse() noexcept {
    m_outer_stop.reset();  // (it points at m_stop)
    m_stop = std::stop_source{std::nostopstate};
    m_options = batch_options{};
    m_executor = nullptr;
    m_tools = nullptr;
    m_records.clear();
    m_batch_results.clear();
    m_streamed_results.reset();
    m_worklist.clear();
    m_nodes.clear();
    m_hazards.clear();
    m_predecessors.clear();
    m_joins.clear();
    m_chunk_predecessors.clear();
    m_chunk_joins.clear();
    m_staged_actions.to_start.clear();
    m_staged_actions.to_resume.clear();
    m_waiting_for_slot = index_fifo{};
    m_in_flight = 0;
    m_alive_while_running.reset();
    m_unfinished_calls = 0;
    m_drained = 0;
    m_drain_waiter = {};
  }

  // A drainer suspends until the last unfinished call settles (false: none left).
  bool wait_for_unfinished(std::coroutine_handle<> awaiting) {
    std::lock_guard lock{m_mutex};
    if (m_unfinished_calls == 0) return false;
    m_drain_waiter = awaiting;
    return true;
  }

  std::chrono::nanoseconds now_ns() const { return m_executor->now().time_since_epoch(); }

  // What can be worked out about a call before taking the lock: its tool and
  // its parsed arguments (the registry does not change while calls run).
  struct prepared_call {
    const registered_tool* tool = nullptr;
    outcome<prepared_arguments> arguments;  // unset for an unknown tool or arguments bound later
  };
  prepared_call prepare_call(const tool_call& call, bool arguments_bound_later) const {
    prepared_call prepared;
    prepared.tool = m_tools->find(call.name);
    if (prepared.tool && !arguments_bound_later) prepared.arguments = prepared.tool->prepare(call.arguments);
    return prepared;
  }

  // `call` is a tool_call to move from or a const one to copy: it goes
  // straight into the record, with no copy on the way.
  template <class Call>
  std::uint32_t submit_locked(
      Call&& call, prepared_call&& prepared, std::span<const std::uint32_t> dependencies, deferred_actions& actions,
      std::function<outcome<std::string>(std::span<const call_result* const>)> bind_arguments = {}) {
    const auto index = static_cast<std::uint32_t>(m_records.size());
    call_record& record = new_record_locked(std::forward<Call>(call));
    record.tool = prepared.tool;
    if (!record.tool) {
      settle_locked(index, unknown_tool_error(*m_tools, record.id(), record.name()), actions);
      return index;
    }
    if (bind_arguments) {
      record.more_or_new().bind_arguments = std::move(bind_arguments);
      record.more->inputs.assign(dependencies.begin(), dependencies.end());
      enter_graph_locked(index, record.tool->effect(), dependencies, actions);
      return index;
    }
    if (!prepared.arguments) {
      settle_locked(index, invalid_arguments_error(record.id(), prepared.arguments.error()), actions);
      return index;
    }
    record.arguments = std::move(*prepared.arguments);
    enter_graph_locked(index, record.tool->effect(), dependencies, actions);
    return index;
  }

  template <class Call>
  call_record& new_record_locked(Call&& call) {
    call_record& record = m_records.emplace_back();
    if (!m_streamed_results) m_streamed_results = std::make_unique<stable_vector<call_result>>();
    record.result = &m_streamed_results->emplace_back();
    record.result->id = std::forward<Call>(call).id;
    record.result->name = std::forward<Call>(call).name;
    issue_locked(record);
    return record;
  }

  // A call enters the batch's accounting and its trace.
  void issue_locked(const call_record& record) {
    ++m_unfinished_calls;
    if (m_options.recorder) m_options.recorder->call_issued(record.id(), record.name(), now_ns());
  }

  // A staged call: its record and its result, with its id and name. Until
  // they are parsed (by submit_staged(), or by the call's driver), the call's
  // arguments text waits in its result's outcome (a string, unused until the
  // call settles): no array of its own to allocate.
  template <class Call>
  void stage_one(Call&& call) {
    m_records.emplace_back();
    call_result& result = m_batch_results.emplace_back();  // (the record points at it once all are staged)
    result.id = std::forward<Call>(call).id;
    result.name = std::forward<Call>(call).name;
    *result.result = std::forward<Call>(call).arguments;  // (a new outcome holds an empty string)
  }

  // Where a staged call goes in the graph, worked out before the lock is
  // taken: its node, and its predecessors and joins in m_chunk_predecessors
  // and m_chunk_joins. No node for a call rejected while being prepared.
  // (No member initializers: submit_staged keeps a chunk's worth on the
  // stack, and find_hazards_staged sets every field.)
  struct staged_wiring {
    std::uint32_t node;
    std::uint32_t first_predecessor, predecessor_count;
    std::uint32_t first_join, join_count;
  };

  // Looks up every staged call's tool (consecutive calls often name one
  // tool: it is looked up once). Returns whether no call is mutating, so
  // that no two calls can conflict. (An unknown tool never runs.)
  bool look_up_staged_tools(std::size_t staged) {
    const std::string* last_name = nullptr;
    const registered_tool* last_tool = nullptr;
    bool conflict_free = true;
    for (std::size_t i = 0; i < staged; ++i) {
      call_record& record = m_records[i];
      const std::string& name = record.name();
      if (!last_name || *last_name != name) {
        last_tool = m_tools->find(name);
        if (last_tool && last_tool->effect() == effect::mutating) conflict_free = false;
      }
      last_name = &name;
      record.tool = last_tool;
    }
    return conflict_free;
  }

  // A staged call's parsed arguments. A call rejected here keeps its error
  // in its result until it is issued (or, parsed by its driver, until its
  // driver completes it); an accepted one leaves an empty string there.
  // Returns whether it was accepted.
  bool prepare_staged(call_record& record) {
    call_result& result = *record.result;
    if (!record.tool) {
      result.result = unknown_tool_error(*m_tools, result.id, result.name);
      return false;
    }
    auto parsed = record.tool->prepare_into(*result.result, record.arguments);
    if (!parsed) {
      result.result = invalid_arguments_error(result.id, parsed.error());
      return false;
    }
    std::string{}.swap(*result.result);  // parsed: the text (and its buffer, if any) goes
    return true;
  }

  // The hazards of a staged call. Outside the lock: in a staged batch only
  // the submitting thread uses the tracker (completions never touch it).
  staged_wiring find_hazards_staged(const call_record& record) {
    staged_wiring wiring{no_index, 0, 0, 0, 0};
    if (!record.result->result.has_value()) return wiring;
    wiring.first_join = static_cast<std::uint32_t>(m_chunk_joins.size());
    wiring.node = m_hazards.add_call(record.tool->effect(), record.arguments.resources, m_predecessors, m_chunk_joins);
    wiring.join_count = static_cast<std::uint32_t>(m_chunk_joins.size()) - wiring.first_join;
    wiring.first_predecessor = static_cast<std::uint32_t>(m_chunk_predecessors.size());
    wiring.predecessor_count = static_cast<std::uint32_t>(m_predecessors.size());
    m_chunk_predecessors.insert(m_chunk_predecessors.end(), m_predecessors.begin(), m_predecessors.end());
    return wiring;
  }

  // A staged call rejected while being prepared carries its error in its
  // result: settles it with that error. Returns whether it was rejected.
  bool settle_if_rejected_locked(call_record& record, deferred_actions& actions) {
    if (record.result->result.has_value()) return false;
    outcome<std::string> rejected = std::move(record.result->result);
    settle_locked(record, std::move(rejected), actions, m_executor->now(), false);
    return true;
  }

  // Issues a call of a batch that cannot conflict: no graph node, nothing
  // to wait for but a slot under max_concurrency.
  void issue_independent_locked(std::uint32_t index, deferred_actions& actions) {
    call_record& record = m_records[index];
    issue_locked(record);
    if (!settle_if_rejected_locked(record, actions)) start_or_hold_locked(record, index, actions);
  }

  void issue_staged_locked(std::uint32_t index, const staged_wiring& wiring, deferred_actions& actions) {
    call_record& record = m_records[index];
    issue_locked(record);
    if (settle_if_rejected_locked(record, actions)) return;
    wire_locked(index, wiring.node,
                std::span{m_chunk_predecessors}.subspan(wiring.first_predecessor, wiring.predecessor_count),
                std::span{m_chunk_joins}.subspan(wiring.first_join, wiring.join_count), {}, actions);
  }

  // Finds the call's hazards and wires it (and any joins the tracker made
  // for it) into the graph. Under the lock: a session's calls may be
  // submitted from any thread.
  void enter_graph_locked(std::uint32_t index, effect call_effect, std::span<const std::uint32_t> dependencies,
                          deferred_actions& actions) {
    m_joins.clear();
    const auto node_id =
        m_hazards.add_call(call_effect, m_records[index].arguments.resources, m_predecessors, m_joins);
    wire_locked(index, node_id, m_predecessors, m_joins, dependencies, actions);
  }

  // Adds the call's node, and the joins made for it, with their edges.
  void wire_locked(std::uint32_t index, std::uint32_t node_id, std::span<const hazard_tracker::node_id> predecessors,
                   std::span<const hazard_tracker::join> joins, std::span<const std::uint32_t> dependencies,
                   deferred_actions& actions) {
    call_record& record = m_records[index];
    for (const auto& join : joins) {
      add_node_locked(join.id, no_index);
      for (auto predecessor : join.predecessors) add_edge_locked(predecessor, join.id, false);
      release_node_locked(join.id, actions);
    }
    add_node_locked(node_id, index);
    record.node = node_id;
    for (auto predecessor : predecessors) add_edge_locked(predecessor, node_id, false);
    for (auto dependency : dependencies) {
      const call_record& needed = m_records[dependency];
      if (needed.node == no_index) {
        // The dependency never entered the graph (unknown tool, bad
        // arguments): it has failed already.
        inherit_failure_locked(m_nodes[node_id], dependency, true);
      } else {
        add_edge_locked(needed.node, node_id, true);
      }
    }
    release_node_locked(node_id, actions);
  }

  void add_node_locked(std::uint32_t id, std::uint32_t call) {
    if (id == m_nodes.size()) m_nodes.emplace_back();  // ids come in order: the usual case
    else if (id > m_nodes.size()) m_nodes.resize(id + 1);
    m_nodes[id].call = call;
  }

  void inherit_failure_locked(graph_node& node, std::uint32_t culprit, bool dependency) {
    if (dependency) node.dependency_failed = true;
    else node.conflict_failed = true;
    if (node.culprit == no_index) node.culprit = culprit;
  }

  void add_edge_locked(std::uint32_t from, std::uint32_t to, bool dependency) {
    graph_node& predecessor = m_nodes[from];
    if (predecessor.finished) {
      if (predecessor.failed) inherit_failure_locked(m_nodes[to], culprit_of(from), dependency);
      return;
    }
    predecessor.successors.push_back(to | (dependency ? dependency_edge_bit : 0u));
    ++m_nodes[to].waiting;
  }

  // Whose failure a failed node passes on: a join's culprit; a skipped
  // call's culprit; otherwise the call itself.
  std::uint32_t culprit_of(std::uint32_t id) const {
    const graph_node& node = m_nodes[id];
    if (node.call == no_index) return node.culprit;
    const auto& result = m_records[node.call].result->result;
    if (!result.has_value() && result.error().code == errc::skipped && node.culprit != no_index) return node.culprit;
    return node.call;
  }

  // Drops one wait; a node with none left is ready: a join finishes at once,
  // a call is skipped, cancelled or admitted.
  void release_node_locked(std::uint32_t id, deferred_actions& actions) {
    if (--m_nodes[id].waiting != 0) return;
    become_ready_locked(id, m_worklist, actions);
    finish_nodes_locked(m_worklist, actions);
  }

  void become_ready_locked(std::uint32_t id, std::vector<std::uint32_t>& finished_now, deferred_actions& actions) {
    graph_node& node = m_nodes[id];
    if (node.call == no_index) {
      node.failed = node.conflict_failed;
      finished_now.push_back(id);
      return;
    }
    const std::uint32_t index = node.call;
    if (node.dependency_failed) {
      settle_locked(index, make_error(errc::skipped, skip_message(index, node.culprit, "needs the result of")),
                    actions);
      finished_now.push_back(id);
    } else if (node.conflict_failed && m_options.policy == on_error::skip_dependents) {
      settle_locked(index, make_error(errc::skipped, skip_message(index, node.culprit, "is ordered after")),
                    actions);
      finished_now.push_back(id);
    } else if (!start_or_hold_locked(m_records[index], index, actions)) {
      finished_now.push_back(id);
    }
  }

  // A ready call gets a driver, or waits for a slot under max_concurrency.
  // Returns false when the batch is stopped: the call is cancelled instead.
  bool start_or_hold_locked(call_record& record, std::uint32_t index, deferred_actions& actions) {
    if (m_stop.stop_requested()) {
      settle_locked(record, cancelled_before_start(record), actions, m_executor->now(), false);
      return false;
    }
    if (m_options.max_concurrency == 0 || m_in_flight < m_options.max_concurrency) {
      count_driver_locked();
      actions.to_start.push_back(&record);
    } else {
      m_waiting_for_slot.push_back(index);
    }
    return true;
  }

  static error cancelled_before_start(const call_record& record) {
    return make_error(errc::cancelled, "call '" + record.id() + "' was cancelled before it started");
  }

  std::string skip_message(std::uint32_t index, std::uint32_t culprit, const char* relation) const {
    std::string message = "call '" + m_records[index].id() + "' was skipped: it " + relation;
    if (culprit != no_index) {
      const auto& failed = m_records[culprit];
      message += " call '" + failed.id() + "' (" + failed.name() + "), which failed";
      if (!failed.result->result.has_value()) {
        message += ": ";
        message += to_string(failed.result->result.error().code);
      }
    } else {
      message += " a call that failed";
    }
    return message;
  }

  // Finishes nodes and everything that becomes ready and finishes because of
  // them (joins, skipped and cancelled calls), with an explicit worklist.
  void finish_nodes_locked(std::vector<std::uint32_t>& worklist, deferred_actions& actions) {
    while (!worklist.empty()) {
      const std::uint32_t id = worklist.back();
      worklist.pop_back();
      finish_node_locked(id, worklist, actions);
    }
  }

  // Finishes one node: its successors lose a wait, and those left with none
  // become ready (the ones that finish at once go onto the worklist).
  void finish_node_locked(std::uint32_t id, std::vector<std::uint32_t>& worklist, deferred_actions& actions) {
    graph_node& node = m_nodes[id];
    node.finished = true;
    if (node.call != no_index) node.failed = !m_records[node.call].result->result.has_value();
    if (node.successors.empty()) return;  // most calls: nothing waits for them
    const std::uint32_t culprit = node.failed ? culprit_of(id) : no_index;
    auto successors = std::move(node.successors);
    node.successors.clear();
    for (std::uint32_t edge : successors) {
      const std::uint32_t next = edge & ~dependency_edge_bit;
      graph_node& successor = m_nodes[next];
      if (node.failed) inherit_failure_locked(successor, culprit, (edge & dependency_edge_bit) != 0);
      if (--successor.waiting == 0) become_ready_locked(next, worklist, actions);
    }
  }

  // Records a call's final result; wakes its awaiter and, after the last
  // call, the drainer. Failures trigger cancel_all.
  void settle_locked(std::uint32_t index, outcome<std::string>&& result, deferred_actions& actions) {
    settle_locked(m_records[index], std::move(result), actions, m_executor->now(), false);
  }
  // `ran`: its tool began to run, and its start time is set already (a call
  // that never ran starts and finishes at `now`).
  void settle_locked(call_record& record, outcome<std::string>&& result, deferred_actions& actions,
                     time_point now, bool ran) {
    if (!ran) record.result->started = now;
    record.result->finished = now;
    record.result->result = std::move(result);
    record.settled = true;
    const bool ok = record.result->result.has_value();
    if (m_options.recorder) {
      m_options.recorder->call_finished(record.id(), now.time_since_epoch(), ok,
                                        ok ? std::string_view{} : std::string_view{record.result->result.error().message});
    }
    if (!ok && m_options.policy == on_error::cancel_all) actions.request_stop = true;
    if (record.awaiting) actions.to_resume.push_back(std::exchange(record.awaiting, {}));
    if (--m_unfinished_calls == 0 && m_drain_waiter) actions.to_resume.push_back(std::exchange(m_drain_waiter, {}));
  }

  // A call's driver is done with it: it ran (started is set; the result
  // includes a timeout verdict) or it never started (stopped while waiting
  // for the limiter). Returns the awaiters to resume once the driver is gone.
  resume_list complete(call_record& record, outcome<std::string>&& result, std::optional<time_point> started) {
    const time_point finished = m_executor->now();  // read before locking: a clock read can be slow
    // Declared first, destroyed last: when this was the last driver, the
    // scheduler may die with it, after everything below is done with it.
    std::shared_ptr<scheduler> last_reference;
    deferred_actions actions;
    {
      std::lock_guard lock{m_mutex};
      if (started) record.result->started = *started;
      settle_locked(record, std::move(result), actions, finished, started.has_value());
      --m_in_flight;
      if (record.node != no_index) {
        finish_node_locked(record.node, m_worklist, actions);
        finish_nodes_locked(m_worklist, actions);
      }
      admit_waiting_locked(actions);
      if (m_in_flight == 0) {
        last_reference = std::move(m_alive_while_running);
      } else if (actions.request_stop) {
        // carry_out() stops the batch after the lock is let go; by then the
        // other drivers may all have finished and the owner let go, so hold
        // the scheduler for it (a failure under cancel_all: rare).
        last_reference = m_alive_while_running;
      }
    }
    carry_out(actions);
    return std::move(actions.to_resume);
  }

  // A call gets a driver: the first one of a busy period takes a reference
  // that keeps the scheduler alive until the last driver completes.
  void count_driver_locked() {
    if (m_in_flight++ == 0) m_alive_while_running = this->shared_from_this();
  }

  void admit_waiting_locked(deferred_actions& actions) {
    std::vector<std::uint32_t>& finished_now = m_worklist;
    while (!m_waiting_for_slot.empty() && m_in_flight < m_options.max_concurrency) {
      const std::uint32_t index = m_waiting_for_slot.front();
      m_waiting_for_slot.pop_front();
      if (m_stop.stop_requested()) {
        settle_locked(index, cancelled_before_start(m_records[index]), actions);
        if (m_records[index].node != no_index) finished_now.push_back(m_records[index].node);
        continue;
      }
      count_driver_locked();
      actions.to_start.push_back(&m_records[index]);
    }
    if (!finished_now.empty()) {
      finish_nodes_locked(finished_now, actions);
      if (!m_waiting_for_slot.empty() && m_in_flight < m_options.max_concurrency) admit_waiting_locked(actions);
    }
  }

  // Starts the calls and stops the batch as decided under the lock.
  void carry_out(deferred_actions& actions) {
    if (actions.request_stop) m_stop.request_stop();
    if (actions.to_start.empty()) return;
    scheduler* self = this;  // kept alive by m_alive_while_running until the last driver completes
    if (drivers_run_tools_directly()) {
      for (call_record* record : actions.to_start) run_call<true>(self, record);
    } else {
      for (call_record* record : actions.to_start) run_call<false>(self, record);
    }
  }

  // Starts drivers from the executor: each hops as usual, onto this
  // worker's own queue, where an idle peer steals them. `self` is kept
  // alive by the drivers counted for these calls until the last completes.
  static detached start_on_executor(scheduler* self, std::vector<call_record*> records) {
    co_await self->m_executor->schedule();
    if (self->drivers_run_tools_directly()) {
      for (call_record* record : records) run_call<true>(self, record);
    } else {
      for (call_record* record : records) run_call<false>(self, record);
    }
    co_return {};
  }

  // ---- running one call ---------------------------------------------------------
  static task<outcome<std::string>> invoke(call_record& record, call_context& ctx) {
    return record.more && record.more->job ? record.more->job(ctx) : record.tool->invoke(record.arguments, ctx);
  }

  static task<outcome<std::string>> invoke_and_signal(call_record& record, call_context& ctx, std::stop_source& done) {
    auto result = co_await invoke(record, ctx);
    done.request_stop();
    co_return result;
  }

  static task<bool> watch_deadline(E& executor, time_point deadline, std::stop_token done, std::stop_source& call_stop) {
    co_await executor.sleep_until(deadline, done);
    if (done.stop_requested()) co_return false;
    call_stop.request_stop();
    co_return true;
  }

  struct forward_to_source {
    std::stop_source* target;
    void operator()() const noexcept { target->request_stop(); }
  };

  // Writes a dataflow call's arguments from its inputs' results; an error
  // when they do not bind or parse.
  outcome<void> bind_arguments(call_record& record) {
    // The inputs have all finished: their results are settled and nobody
    // writes them any more; the lock only guards the growing record table.
    std::vector<const call_result*> inputs;
    inputs.reserve(record.more->inputs.size());
    {
      std::lock_guard lock{m_mutex};
      for (auto input : record.more->inputs) inputs.push_back(m_records[input].result);
    }
    auto bound = record.more->bind_arguments(inputs);
    auto prepared = bound ? record.tool->prepare(*bound) : outcome<prepared_arguments>(bound.error());
    if (!prepared) {
      return invalid_arguments_error(record.id(), prepared.error());
    }
    record.arguments = std::move(*prepared);
    return {};
  }

  // The context of a call with no timeout: the batch's stop, no deadline.
  static call_context context_without_deadline(scheduler& self, const call_record& record) {
    return call_context{record.id(), record.name(), self.m_stop.get_token(), std::nullopt,
                        executor_ref{*self.m_executor}};
  }

  // Runs the tool, under the per-call timeout when there is one. A frame of
  // its own, for the drivers that can wait long before the tool runs: a call
  // waiting for the limiter then keeps only the small driver frame.
  static task<outcome<std::string>> run_tool(scheduler& self, call_record& record, time_point started) {
    E& executor = *self.m_executor;
    const batch_options& options = self.m_options;
    if (!options.timeout) {
      call_context ctx = context_without_deadline(self, record);
      co_return co_await invoke(record, ctx);
    }
    // The call's own stop: the batch's, or its deadline passing.
    const time_point deadline = started + *options.timeout;
    std::stop_source call_stop;
    std::stop_callback<forward_to_source> link{self.m_stop.get_token(), forward_to_source{&call_stop}};
    std::stop_source done;
    call_context ctx{record.id(), record.name(), call_stop.get_token(), deadline, executor_ref{executor}};
    auto [value, timed_out] = co_await when_all(invoke_and_signal(record, ctx, done),
                                                watch_deadline(executor, deadline, done.get_token(), call_stop));
    if (!timed_out) co_return std::move(value);
    co_return make_error(errc::timeout, "call '" + record.id() + "' (" + record.name() +
                                            ") did not finish within its timeout of " +
                                            std::to_string(std::chrono::duration<double>(*options.timeout).count()) +
                                            " s");
  }

  // A driver's parse of its call's arguments (parse_when_started). (Out of
  // run_call, so that its locals do not enlarge every driver's frame.)
  bool parse_in_driver(call_record& record) {
    if (!prepare_staged(record)) return false;
    // Its resources were checked (a throwing resources() rejects the call),
    // but a batch that cannot conflict has no index to put them in: freed
    // on the thread that made them.
    std::vector<std::string>{}.swap(record.arguments.resources);
    return true;
  }
  resume_list complete_rejected(call_record& record) {
    outcome<std::string> rejected = std::move(record.result->result);
    return complete(record, std::move(rejected), std::nullopt);
  }

  // Whether a call's driver can run its tool itself (run_call<true>): with
  // no limiter to wait for and no timeout to watch, the driver frame never
  // waits long before the tool runs, so it may hold the call's context, and
  // the call costs one frame less.
  bool drivers_run_tools_directly() const noexcept { return !m_options.limiter && !m_options.timeout; }

  // One started call: hop onto the executor, take a limiter permit, bind
  // its arguments, run it, report. Every path ends in complete().
  template <bool RunsToolDirectly>
  static detached run_call(scheduler* self, call_record* record) {
    co_await self->m_executor->schedule();
    // Parsed before the limiter is asked: a call it rejects takes no permit.
    if (record->parse_when_started && !self->parse_in_driver(*record)) co_return self->complete_rejected(*record);
    async_semaphore* limiter = self->m_options.limiter;
    if constexpr (!RunsToolDirectly) {
      // (Two statements, not `if (!co_await ...) co_return`: g++ 12 at -O0
      // miscompiles that shape in some coroutines and resumes a dead state.)
      bool permitted = true;
      if (limiter) permitted = co_await limiter->acquire(self->m_stop.get_token());
      if (!permitted) {
        co_return self->complete(*record,
                                 make_error(errc::cancelled, "call '" + record->id() +
                                                                 "' was cancelled while waiting for the limiter"),
                                 std::nullopt);
      }
    }
    outcome<void> ready;
    if (self->m_stop.stop_requested()) {
      ready = cancelled_before_start(*record);
    } else if (record->more && record->more->bind_arguments) {
      ready = self->bind_arguments(*record);
    }
    if (!ready) {
      if (limiter) limiter->release();
      co_return self->complete(*record, ready.error(), std::nullopt);
    }
    const time_point started = self->m_executor->now();
    if (self->m_options.recorder) self->m_options.recorder->call_started(record->id(), started.time_since_epoch());
    outcome<std::string> result;
    if constexpr (RunsToolDirectly) {
      call_context ctx = context_without_deadline(*self, *record);
      result = co_await invoke(*record, ctx);
    } else {
      result = co_await run_tool(*self, *record, started);
    }
    if (limiter) limiter->release();
    co_return self->complete(*record, std::move(result), started);
  }

  E* m_executor = nullptr;
  const tool_registry* m_tools = nullptr;
  batch_options m_options;
  std::stop_source m_stop{std::nostopstate};
  std::optional<std::stop_callback<forward_stop>> m_outer_stop;

  mutable short_mutex m_mutex;
  stable_vector<call_record> m_records;
  // Where results live: a batch staged whole keeps them in the very vector
  // drain() returns; calls submitted one by one (a session) in blocks that
  // never move, since their calls run while more are added.
  std::vector<call_result> m_batch_results;
  std::unique_ptr<stable_vector<call_result>> m_streamed_results;  // made by the first streamed call
  std::vector<std::uint32_t> m_worklist;  // scratch for finish_nodes_locked
  std::vector<graph_node> m_nodes;
  hazard_tracker m_hazards;
  std::vector<hazard_tracker::node_id> m_predecessors;  // scratch for add_call
  std::vector<hazard_tracker::join> m_joins;           // scratch for add_call
  // A staged chunk's predecessors and joins, found before its calls enter the graph.
  std::vector<hazard_tracker::node_id> m_chunk_predecessors;
  std::vector<hazard_tracker::join> m_chunk_joins;
  deferred_actions m_staged_actions;  // submit_staged's, cleared after each chunk
  index_fifo m_waiting_for_slot;  // ready, held back by max_concurrency
  std::size_t m_in_flight = 0;  // calls with a driver (started or waiting for the limiter)
  // Owns the scheduler while any driver runs (drivers hold a plain pointer:
  // one reference count per busy period, not two atomic updates per call).
  std::shared_ptr<scheduler> m_alive_while_running;
  std::size_t m_unfinished_calls = 0;
  std::size_t m_drained = 0;
  std::coroutine_handle<> m_drain_waiter;
};

}  // namespace volley::detail
