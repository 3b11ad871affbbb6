// volley/core/when_all.hpp: await several awaitables at once, results in input order.
#pragma once

#include <cstddef>
#include <exception>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "volley/core/awaitable_traits.hpp"
#include "volley/core/detail/when_all_child.hpp"
#include "volley/core/task.hpp"

namespace volley {

namespace detail {
// void results become std::monostate in when_all's tuple; references stay references;
// rvalue references become values.
template <class T>
using when_all_element_t =
    std::conditional_t<std::is_void_v<T>, std::monostate,
                       std::conditional_t<std::is_rvalue_reference_v<T>, std::remove_cvref_t<T>, T>>;
template <class T>
using when_all_child_result_t = std::conditional_t<std::is_rvalue_reference_v<T>, std::remove_cvref_t<T>, T>;

template <class T>
when_all_element_t<T> take_element(result_slot<T>& slot) {
  if constexpr (std::is_void_v<T>) {
    slot.take();
    return std::monostate{};
  } else {
    return slot.take();
  }
}

template <class... A>
task<std::tuple<when_all_element_t<await_result_t<A>>...>> when_all_tuple(A... awaitables) {
  auto children = std::tuple{make_when_all_child<when_all_child_result_t<await_result_t<A>>>(awaitables)...};
  when_all_counter counter{sizeof...(A)};
  std::apply([&](auto&... child) { (child.start(counter), ...); }, children);
  co_await when_all_wait{counter};
  // Every child ran to completion; the first exception in input order wins.
  std::exception_ptr first;
  std::apply([&](auto&... child) { ((first = first ? first : child.result().exception()), ...); }, children);
  if (first) std::rethrow_exception(first);
  co_return std::apply(
      [](auto&... child) {
        return std::tuple<when_all_element_t<await_result_t<A>>...>{take_element(child.result())...};
      },
      children);
}
}  // namespace detail

// Runs every awaitable concurrently and completes when all have; returns
// their results as a tuple in argument order (void becomes std::monostate).
//
// When to use: a fixed set of independent steps of different types. Every
// child runs to completion even when one throws; then the first exception in
// argument order is rethrown. For tool calls use parallel_batch, which keeps
// each failure as that call's outcome instead.
//
//   good: auto [weather, news] = co_await volley::when_all(get_weather(), get_news());
//   bad:  co_await volley::when_all(write_a(), read_a()): when_all knows no
//         hazards; conflicting steps race. parallel_batch orders them.
template <awaitable... A>
  requires(sizeof...(A) > 0)
auto when_all(A&&... awaitables) {
  return detail::when_all_tuple<std::remove_cvref_t<A>...>(std::forward<A>(awaitables)...);
}

// Runs every task of the vector concurrently; the results come back in input
// order (for task<void>, nothing). The same exception rule as above.
//
//   good: std::vector<volley::task<int>> jobs = ...; auto values = co_await volley::when_all(std::move(jobs));
//   bad:  when_all(jobs) with jobs an lvalue: tasks are move-only; move them in.
template <class T>
task<std::conditional_t<std::is_void_v<T>, void, std::vector<detail::when_all_element_t<T>>>> when_all(
    std::vector<task<T>> tasks) {
  using child_result = detail::when_all_child_result_t<T>;
  std::vector<detail::when_all_child<child_result>> children;
  children.reserve(tasks.size());
  for (auto& t : tasks) children.push_back(detail::make_when_all_child<child_result>(t));
  detail::when_all_counter counter{children.size()};
  for (auto& child : children) child.start(counter);
  co_await detail::when_all_wait{counter};
  for (auto& child : children) {
    if (child.result().has_exception()) std::rethrow_exception(child.result().exception());
  }
  if constexpr (!std::is_void_v<T>) {
    std::vector<detail::when_all_element_t<T>> results;
    results.reserve(children.size());
    for (auto& child : children) results.push_back(child.result().take());
    co_return results;
  }
}

}  // namespace volley
