// volley/tool/tool.hpp: the Tool concept and what volley detects on a tool.
#pragma once

#include <concepts>
#include <exception>
#include <ranges>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "volley/core/awaitable_traits.hpp"
#include "volley/core/outcome.hpp"
#include "volley/effect.hpp"
#include "volley/tool/call_context.hpp"
#include "volley/tool/tool_error.hpp"

namespace volley {

// A tool volley can run: a name, an effect, argument and result types, and a
// call operator `t(args, ctx)` returning an awaitable of the result.
// Optional, detected by the helpers below:
//   - resources(const args_type&): a range of std::string keys the call
//     touches (a path, a table, a URL). No resources = everything;
//   - parse_args(std::string_view) -> args_type, for the text a model writes
//     (throwing = invalid_arguments). Without it, args_type must be
//     constructible from std::string (the raw text is passed through);
//   - format_result(const result_type&) -> std::string. Without it the
//     result must convert to std::string or be arithmetic; void gives "";
//   - description: what the tool does, for the model (convertible to
//     std::string_view: a member or a static constexpr);
//   - input_schema: the JSON Schema of its arguments as JSON text
//     (`R"({"type":"object","properties":{"path":{"type":"string"}}})"`),
//     for the tool definitions a model is sent and for MCP's tools/list.
//     The core layers never parse it; io/ and mcp/ do.
// Like the call operator, parse_args and resources may run on any thread of
// the batch's executor, several at once: they must be safe for that.
//
// When to use: write a struct for a tool you reuse; make_tool for a quick one.
//
//   good: struct read_file {
//           static constexpr std::string_view name = "read_file";
//           static constexpr volley::effect effect = volley::effect::read_only;
//           using args_type = std::string;      // the path
//           using result_type = std::string;
//           std::vector<std::string> resources(const std::string& path) const { return {path}; }
//           volley::task<std::string> operator()(const std::string& path, volley::call_context& ctx) const;
//         };
//   bad:  a mutating tool without resources(): correct, but it touches
//         everything, so no other call runs beside it.
template <class T>
concept Tool = requires(T& tool, const typename T::args_type& args, call_context& ctx) {
  typename T::args_type;
  typename T::result_type;
  { tool.name } -> std::convertible_to<std::string_view>;
  { tool.effect } -> std::convertible_to<volley::effect>;
  { tool(args, ctx) } -> awaitable;
};

// True when the tool declares which resources a call touches.
template <class T>
concept tool_with_resources = Tool<T> && requires(const T& tool, const typename T::args_type& args) {
  { tool.resources(args) } -> std::ranges::input_range;
};

// True when the tool parses its own argument text.
template <class T>
concept tool_with_parser = Tool<T> && requires(const T& tool, std::string_view text) {
  { tool.parse_args(text) } -> std::convertible_to<typename T::args_type>;
};

// True when the tool formats its own results.
template <class T>
concept tool_with_formatter = Tool<T> && requires(const T& tool, const typename T::result_type& result) {
  { tool.format_result(result) } -> std::convertible_to<std::string>;
};

// True when the tool describes itself for a model.
template <class T>
concept tool_with_description = Tool<T> && requires(const T& tool) {
  { tool.description } -> std::convertible_to<std::string_view>;
};

// True when the tool gives the JSON Schema of its arguments (as JSON text).
template <class T>
concept tool_with_input_schema = Tool<T> && requires(const T& tool) {
  { tool.input_schema } -> std::convertible_to<std::string_view>;
};

namespace detail {

template <class T>
typename T::args_type parse_tool_args(const T& tool, std::string_view text) {
  if constexpr (tool_with_parser<T>) {
    return tool.parse_args(text);
  } else {
    static_assert(std::is_constructible_v<typename T::args_type, std::string>,
                  "volley: a tool whose args_type is not constructible from std::string needs parse_args(std::string_view)");
    return typename T::args_type(std::string(text));
  }
}

template <class T>
std::vector<std::string> tool_resources(const T& tool, const typename T::args_type& args) {
  if constexpr (tool_with_resources<T>) {
    if constexpr (std::is_same_v<decltype(tool.resources(args)), std::vector<std::string>>) {
      return tool.resources(args);  // already the right shape: no copy
    } else {
      std::vector<std::string> keys;
      for (auto&& key : tool.resources(args)) keys.emplace_back(key);
      return keys;
    }
  } else {
    return {};
  }
}

template <class T>
std::string format_tool_result(const T& tool, const typename T::result_type& result) {
  using R = typename T::result_type;
  if constexpr (tool_with_formatter<T>) {
    return std::string(tool.format_result(result));
  } else if constexpr (std::is_same_v<R, bool>) {
    return result ? "true" : "false";
  } else if constexpr (std::is_convertible_v<const R&, std::string>) {
    return std::string(result);
  } else if constexpr (std::is_convertible_v<const R&, std::string_view>) {
    return std::string(std::string_view(result));
  } else if constexpr (std::is_arithmetic_v<R>) {
    return std::to_string(result);
  } else {
    static_assert(sizeof(R) == 0,
                  "volley: give the tool format_result(const result_type&) -> std::string for this result type");
    return {};
  }
}

// The text of the exception in flight, for error messages.
inline std::string current_exception_text() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

// The outcome of a call whose tool let the exception in flight escape:
// `cancelled` once the call's stop was requested, a tool_error's own code,
// `tool_failed` for anything else. Called from inside a catch block.
inline error current_tool_failure(std::string_view tool_name, const call_context& ctx) {
  errc code = errc::tool_failed;
  std::string text;
  std::string_view verb = "' threw: ";
  try {
    throw;
  } catch (const tool_error& e) {
    code = e.code();
    text = e.what();
    verb = "' failed: ";
  } catch (...) {
    text = current_exception_text();
  }
  if (ctx.stop_requested()) code = errc::cancelled;
  std::string message = "tool '";
  message.append(tool_name).append(verb).append(text);
  return error{code, std::move(message)};
}

}  // namespace detail
}  // namespace volley
