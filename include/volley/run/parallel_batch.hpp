// volley/run/parallel_batch.hpp: run one model turn's tool calls at once, safely.
#pragma once

#include "volley/detail/concat.hpp"

#include <cstddef>
#include <memory>
#include <ranges>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "volley/core/outcome.hpp"
#include "volley/core/task.hpp"
#include "volley/exec/executor.hpp"
#include "volley/run/batch_options.hpp"
#include "volley/run/detail/scheduler.hpp"
#include "volley/tool/tool.hpp"
#include "volley/tool/tool_call.hpp"
#include "volley/tool/tool_registry.hpp"

namespace volley {

namespace detail {
template <Executor E>
task<std::vector<call_result>> run_parallel_batch(std::shared_ptr<scheduler<E>> batch) {
  batch->submit_staged();
  auto results = co_await batch->drain_staged();
  batch->end_turn();
  co_return results;
}
}  // namespace detail

// Runs the calls of one model turn concurrently where that is safe and in
// program order where it is not: a call that conflicts with an earlier one
// (one of them mutating, their resources overlapping, no resources meaning
// everything) starts only after that one has finished. The outcome equals
// running the calls one by one in order, only faster. result[i] answers
// calls[i]; every failure (unknown tool, bad arguments, a throwing tool, a
// timeout, a stop) is that call's outcome, never an exception.
//
// When to use: every time a model emits several tool calls in one turn.
//
//   good: auto results = co_await volley::parallel_batch(pool, tools, turn.tool_calls,
//                                                        {.max_concurrency = 10});
//   bad:  for (auto& c : turn.tool_calls) co_await run_one(c);   // one by one:
//         the latencies add up
//   bad:  when_all over the calls: write_file and read_file of one path race.
//
// The calls are read when parallel_batch is called: their ids, names and
// arguments are copied (moved, from an rvalue vector), so the range need not
// outlive the returned task. Nothing runs until it is awaited; then each
// call's tool is looked up and its arguments parsed (a failure becomes that
// call's outcome) a chunk at a time, so that the first calls run while later
// ones are being prepared. A batch with no mutating call cannot conflict:
// it skips the conflict index, and (without max_concurrency) each call is
// parsed where it runs, on the executor, so a tool's parse_args and
// resources may run on any of its threads at once.
template <Executor E, std::ranges::input_range Calls>
  requires std::convertible_to<std::ranges::range_reference_t<Calls>, tool_call>
task<std::vector<call_result>> parallel_batch(E& executor, const tool_registry& tools, Calls&& calls,
                                              batch_options options = {}) {
  auto batch = detail::scheduler<E>::make(executor, tools, std::move(options), false);
  constexpr bool move_calls =
      std::is_same_v<std::remove_cvref_t<Calls>, std::vector<tool_call>> && !std::is_lvalue_reference_v<Calls>;
  batch->stage_all(calls, move_calls);
  return detail::run_parallel_batch(std::move(batch));
}

// ---- the typed form ---------------------------------------------------------

// One call of a tool known at compile time, for the typed parallel_batch.
template <Tool T>
struct typed_call {
  T tool;
  typename T::args_type arguments;
  std::string id;
};

// Pairs a tool with its (already typed) arguments.
//
//   good: volley::call(read_file{}, std::string{"a.txt"})
//   bad:  volley::call(read_file{}, R"({"path":"a.txt"})") when args_type is
//         a struct: the typed form takes arguments, not text.
template <Tool T>
typed_call<std::remove_cvref_t<T>> call(T&& tool, typename std::remove_cvref_t<T>::args_type arguments,
                                        std::string id = {}) {
  return {std::forward<T>(tool), std::move(arguments), std::move(id)};
}

namespace detail {

template <class T>
task<outcome<std::string>> run_typed_call(T& tool, const typename T::args_type& arguments,
                                          outcome<typename T::result_type>& slot, call_context& ctx) {
  error failure{errc::tool_failed, {}};
  try {
    slot = co_await tool(arguments, ctx);
    co_return std::string{};
  } catch (...) {
    failure = current_tool_failure(std::string_view(tool.name), ctx);
  }
  co_return failure;
}

template <class T>
void submit_typed(auto& batch, typed_call<T>& c, outcome<typename T::result_type>& slot, std::size_t position) {
  std::string id = c.id.empty() ? concat({"call_", std::to_string(position)}) : c.id;
  std::string name{std::string_view(c.tool.name)};
  batch.submit_job(tool_call{std::move(id), std::move(name), {}}, c.tool.effect,
                   tool_resources(c.tool, c.arguments), [&c, &slot](call_context& ctx) {
                     return run_typed_call(c.tool, c.arguments, slot, ctx);
                   });
}

template <Executor E, class... T>
task<std::tuple<outcome<typename T::result_type>...>> run_typed_batch(E& executor, batch_options options,
                                                                      typed_call<T>... calls) {
  static const tool_registry no_tools;
  auto batch = scheduler<E>::make(executor, no_tools, std::move(options), false);
  std::tuple<outcome<typename T::result_type>...> slots{
      outcome<typename T::result_type>(make_error(errc::cancelled, "not run"))...};
  auto all = std::forward_as_tuple(calls...);
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (submit_typed(*batch, std::get<I>(all), std::get<I>(slots), I), ...);
  }(std::index_sequence_for<T...>{});
  auto results = co_await batch->drain();
  batch->end_turn();
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((results[I].result.has_value() ? void() : void(std::get<I>(slots) = results[I].result.error())), ...);
  }(std::index_sequence_for<T...>{});
  co_return slots;
}

}  // namespace detail

// The typed form: tools known at compile time, arguments already typed,
// results typed: std::tuple<outcome<R1>, outcome<R2>, ...>. The same
// semantics as the text form (hazards from each tool's effect and resources,
// options, policies).
//
//   good: auto [file, hits] = co_await volley::parallel_batch(pool, {},
//             volley::call(read_file{}, "a.txt"), volley::call(search{}, "returns"));
template <Executor E, class... T>
  requires(sizeof...(T) > 0)
task<std::tuple<outcome<typename T::result_type>...>> parallel_batch(E& executor, batch_options options,
                                                                    typed_call<T>... calls) {
  return detail::run_typed_batch(executor, std::move(options), std::move(calls)...);
}

}  // namespace volley
