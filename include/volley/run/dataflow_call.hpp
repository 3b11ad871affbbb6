// volley/run/dataflow_call.hpp: a tool call that needs earlier calls' results.
#pragma once

#include "volley/detail/concat.hpp"

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "volley/core/outcome.hpp"
#include "volley/tool/tool_call.hpp"
#include "volley/trace/detail/json_text.hpp"

namespace volley {

// A tool call plus the ids of the calls whose results it needs.
//
// Its arguments may name those results with placeholders, replaced just
// before it runs:
//   ${id}       the result text of call `id`, as it is;
//   ${id:json}  the same, escaped for the inside of a JSON string
//               (quote, backslash, control characters; invalid UTF-8
//               becomes U+FFFD);
//   $$          a literal `$`.
// A `$` followed by anything else is left as it is. A placeholder must name
// a call in `after`; anything else makes the call invalid_arguments, naming
// the placeholder. Or set `build_arguments`, which gets the results of the
// `after` calls in that order and returns the argument text.
//
// When to use: plans whose calls feed each other (NESTFUL-style `$var1.x$`
// references, "list the folder, then read what it lists").
//
//   good: {{"read", "read_file", R"({"path":"${ls:json}"})"}, {"ls"}}
//   bad:  {{"read", "read_file", R"({"path":"${ls}"})"}, {}}: the call does not
//         wait for `ls`, and the placeholder names a call it does not depend on.
struct dataflow_call {
  tool_call call;
  std::vector<std::string> after;
  std::function<outcome<std::string>(std::span<const call_result* const>)> build_arguments;
};

namespace detail {

// The inside of a JSON string literal for `text` (the trace layer's escaping,
// without the quotes around it).
inline void append_json_escaped(std::string& out, std::string_view text) {
  std::string quoted;
  append_json_string(quoted, text);
  out.append(quoted, 1, quoted.size() - 2);
}

}  // namespace detail

// True when `text` holds a ${...} placeholder (so the call's arguments are
// only known once its dependencies have finished).
inline bool has_placeholders(std::string_view text) {
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] != '$') continue;
    if (text[i + 1] == '$') {
      ++i;
      continue;
    }
    if (text[i + 1] == '{') return true;
  }
  return false;
}

// Replaces the placeholders of `text` (see dataflow_call) with the results of
// `after` (ids) / `results` (same order). A placeholder naming an id not in
// `after`, an unterminated one, or one naming a result that is an error,
// gives invalid_arguments saying which.
inline outcome<std::string> bind_placeholders(std::string_view text, std::span<const std::string> after,
                                              std::span<const call_result* const> results) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '$' || i + 1 >= text.size()) {
      out += c;
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (text[i + 1] != '{') {
      out += c;
      continue;
    }
    const auto close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      return make_error(errc::invalid_arguments,
                        detail::concat({"unterminated placeholder at offset ", std::to_string(i), ": '", text.substr(i), "'"}));
    }
    std::string_view name = text.substr(i + 2, close - i - 2);
    bool json = false;
    if (name.ends_with(":json")) {
      json = true;
      name.remove_suffix(5);
    }
    std::size_t which = after.size();
    for (std::size_t k = 0; k < after.size(); ++k) {
      if (after[k] == name) which = k;
    }
    if (which == after.size() || which >= results.size()) {
      return make_error(errc::invalid_arguments, detail::concat({"placeholder '${", name,
                                                                  "}' names no call this one waits for (add it to `after`)"}));
    }
    const auto& result = results[which]->result;
    if (!result) {
      return make_error(errc::invalid_arguments, detail::concat({"placeholder '${", name, "}': that call failed"}));
    }
    if (json) detail::append_json_escaped(out, *result);
    else out += *result;
    i = close;
  }
  return out;
}

}  // namespace volley
