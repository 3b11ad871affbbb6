// volley/core/awaitable_traits.hpp: what can be co_awaited, and what it yields.
#pragma once

#include <concepts>
#include <coroutine>
#include <type_traits>
#include <utility>

namespace volley {

namespace detail {
template <class T>
concept is_coroutine_handle = requires { requires std::is_same_v<T, std::coroutine_handle<>> ||
                                                   std::is_convertible_v<T, std::coroutine_handle<>>; };

template <class T>
concept valid_await_suspend_result = std::is_void_v<T> || std::is_same_v<T, bool> || is_coroutine_handle<T>;
}  // namespace detail

// A type with await_ready / await_suspend / await_resume.
template <class A>
concept awaiter = requires(A& a, std::coroutine_handle<> h) {
  { a.await_ready() } -> std::convertible_to<bool>;
  requires detail::valid_await_suspend_result<decltype(a.await_suspend(h))>;
  a.await_resume();
};

namespace detail {
template <class A>
decltype(auto) get_awaiter(A&& a) {
  if constexpr (requires { std::forward<A>(a).operator co_await(); }) {
    return std::forward<A>(a).operator co_await();
  } else if constexpr (requires { operator co_await(std::forward<A>(a)); }) {
    return operator co_await(std::forward<A>(a));
  } else {
    return std::forward<A>(a);
  }
}
}  // namespace detail

// Anything `co_await` accepts in a volley task: an awaiter, or a type with
// operator co_await (member or free). volley's algorithms take any of them.
//
//   good: volley::when_all(pool.schedule(), some_task())
//   bad:  volley::when_all(std::suspend_always{}): awaitable, but nothing ever resumes it.
template <class A>
concept awaitable = requires(A&& a) {
  { detail::get_awaiter(std::forward<A>(a)) } -> awaiter;
};

// The type `co_await a` yields.
template <awaitable A>
using await_result_t = decltype(detail::get_awaiter(std::declval<A>()).await_resume());

}  // namespace volley
