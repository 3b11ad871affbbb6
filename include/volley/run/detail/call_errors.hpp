// The errors a call gets before it runs (its tool unknown, its arguments
// malformed), worded in one place.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "volley/core/outcome.hpp"
#include "volley/detail/concat.hpp"
#include "volley/tool/tool_registry.hpp"

namespace volley::detail {

// "call 'c1': no tool named 'serch' is registered (registered: read_file, search)".
inline error unknown_tool_error(const tool_registry& tools, std::string_view id, std::string_view name) {
  std::string message = concat({"call '", id, "': no tool named '", name, "' is registered"});
  auto names = tools.names();
  if (!names.empty()) {
    message += " (registered:";
    for (std::size_t i = 0; i < names.size() && i < 20; ++i) message += (i ? ", " : " ") + names[i];
    if (names.size() > 20) message += ", ...";
    message += ")";
  }
  return error{errc::unknown_tool, std::move(message)};
}

// The tool's own parse error, prefixed with the call it belongs to.
inline error invalid_arguments_error(std::string_view id, const error& parse_error) {
  return error{errc::invalid_arguments, concat({"call '", id, "': ", parse_error.message})};
}

}  // namespace volley::detail
