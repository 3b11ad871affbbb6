// volley/tool/make_tool.hpp: a tool from a function, no struct needed.
#pragma once

#include <coroutine>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "volley/core/awaitable_traits.hpp"
#include "volley/core/task.hpp"
#include "volley/effect.hpp"
#include "volley/tool/call_context.hpp"
#include "volley/tool/tool.hpp"

namespace volley {

namespace detail {

// The argument type of fn(args, ctx), read off a non-generic callable.
template <class F>
struct callable_args : callable_args<decltype(&F::operator())> {};
template <class R, class A>
struct callable_args<R (*)(A, call_context&)> {
  using type = std::remove_cvref_t<A>;
};
template <class R, class A>
struct callable_args<R(A, call_context&)> {
  using type = std::remove_cvref_t<A>;
};
template <class C, class R, class A>
struct callable_args<R (C::*)(A, call_context&) const> {
  using type = std::remove_cvref_t<A>;
};
template <class C, class R, class A>
struct callable_args<R (C::*)(A, call_context&)> {
  using type = std::remove_cvref_t<A>;
};

template <class Fn, class Args>
using callable_result_t = std::invoke_result_t<const Fn&, const Args&, call_context&>;

template <class Fn, class Args>
struct function_tool_result {
  using returned = callable_result_t<Fn, Args>;
  using type = std::remove_cvref_t<typename decltype([] {
    if constexpr (awaitable<returned>) {
      return std::type_identity<await_result_t<returned>>{};
    } else {
      return std::type_identity<returned>{};
    }
  }())::type>;
};

template <class Result, class Fn, class Args>
task<Result> call_function_tool(const Fn& fn, const Args& args, call_context& ctx) {
  using returned = callable_result_t<Fn, Args>;
  if constexpr (awaitable<returned>) {
    if constexpr (std::is_void_v<Result>) {
      co_await fn(args, ctx);
    } else {
      co_return co_await fn(args, ctx);
    }
  } else if constexpr (std::is_void_v<Result>) {
    fn(args, ctx);
    co_return;
  } else {
    co_return fn(args, ctx);
  }
}

struct no_resources {};

// What a synchronous function's tool call returns: the value, already there
// (no coroutine frame for a function that never waits).
template <class T>
struct ready_value {
  T value;
  bool await_ready() const noexcept { return true; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  T await_resume() { return std::move(value); }
};

}  // namespace detail

// A tool made by make_tool: a name, an effect, a function and, optionally, a
// function that names the resources a call touches.
template <class Args, class Fn, class ResourcesFn = detail::no_resources>
class function_tool {
 public:
  using args_type = Args;
  using result_type = typename detail::function_tool_result<Fn, Args>::type;

  function_tool(std::string name, volley::effect effect, Fn fn, ResourcesFn resources_fn = {})
      : name(std::move(name)), effect(effect), m_fn(std::move(fn)), m_resources(std::move(resources_fn)) {}

  std::string name;
  volley::effect effect;
  // For the model and for MCP (see the Tool concept); empty: none given.
  std::string description{};
  std::string input_schema{};  // JSON Schema text

  // Sets the description and, optionally, the JSON Schema of the arguments.
  //   good: tools.add(volley::make_tool("search", volley::effect::read_only, search_fn)
  //                       .describe("Searches the web", R"({"type":"object","properties":{"q":{"type":"string"}}})"));
  function_tool&& describe(std::string what, std::string schema = {}) && {
    description = std::move(what);
    input_schema = std::move(schema);
    return std::move(*this);
  }

  auto operator()(const Args& args, call_context& ctx) const {
    using returned = detail::callable_result_t<Fn, Args>;
    if constexpr (awaitable<returned> || std::is_void_v<result_type>) {
      return detail::call_function_tool<result_type>(m_fn, args, ctx);
    } else {
      // Runs now, in the caller (a throw is the caller's to catch).
      return detail::ready_value<result_type>{m_fn(args, ctx)};
    }
  }

  std::vector<std::string> resources(const Args& args) const
    requires(!std::is_same_v<ResourcesFn, detail::no_resources>)
  {
    if constexpr (std::is_same_v<std::invoke_result_t<const ResourcesFn&, const Args&>, std::vector<std::string>>) {
      return m_resources(args);
    } else {
      std::vector<std::string> keys;
      for (auto&& key : m_resources(args)) keys.emplace_back(key);
      return keys;
    }
  }

 private:
  Fn m_fn;
  ResourcesFn m_resources;
};

// Makes a tool from fn(args, ctx), which returns a value or an awaitable of
// one. The argument type is read off fn's first parameter: std::string (the
// raw text the model wrote) unless you write a struct tool with parse_args.
//
// When to use: small tools, tests, demos. The function object lives in the
// registry for as long as the registry does, so its captures may be used by
// the calls; it must not itself be a coroutine lambda with captures (return
// a task from a separate function instead).
//
//   good: tools.add(volley::make_tool("search", volley::effect::read_only,
//             [](const std::string& q, volley::call_context& ctx) { return search(q, ctx); }));
//   good: tools.add(volley::make_tool("write", volley::effect::mutating, write_fn,
//             [](const std::string& path) { return std::vector<std::string>{path}; }));
//   bad:  [&db](const std::string& q, volley::call_context& ctx) -> volley::task<std::string>
//         { co_return co_await db.query(q); }   // a capturing coroutine lambda
template <class Fn>
auto make_tool(std::string name, volley::effect effect, Fn fn) {
  using args = typename detail::callable_args<std::remove_cvref_t<Fn>>::type;
  return function_tool<args, std::remove_cvref_t<Fn>>(std::move(name), effect, std::move(fn));
}

template <class Fn, class ResourcesFn>
auto make_tool(std::string name, volley::effect effect, Fn fn, ResourcesFn resources_fn) {
  using args = typename detail::callable_args<std::remove_cvref_t<Fn>>::type;
  return function_tool<args, std::remove_cvref_t<Fn>, std::remove_cvref_t<ResourcesFn>>(
      std::move(name), effect, std::move(fn), std::move(resources_fn));
}

}  // namespace volley
