// volley/io/detail/result_text.hpp: the text a model reads for one call_result.
#pragma once

#include <string>

#include "volley/core/outcome.hpp"
#include "volley/io/detail/json_access.hpp"
#include "volley/tool/tool_call.hpp"

namespace volley::io::detail {

// A value is sent as it is; an error as "error (<code>): <message>", e.g.
// "error (timeout): search took longer than 2s", or "error (cancelled)" when
// the message is empty. Bytes that are not UTF-8 become U+FFFD.
inline std::string result_text(const call_result& result) {
  if (result.result.has_value()) return valid_utf8(*result.result);
  const error& failure = result.result.error();
  std::string text = "error (";
  text += to_string(failure.code);
  text += ')';
  if (!failure.message.empty()) {
    text += ": ";
    text += failure.message;
  }
  return valid_utf8(text);
}

}  // namespace volley::io::detail
