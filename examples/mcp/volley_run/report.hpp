// volley-run: the output lines.
#pragma once

#include <chrono>
#include <cmath>
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "volley/core/time.hpp"
#include "volley/tool/tool_call.hpp"

namespace volley_run {

// Milliseconds, rounded to the microsecond.
inline double milliseconds(volley::duration d) {
  return std::round(std::chrono::duration<double, std::milli>(d).count() * 1000.0) / 1000.0;
}

inline std::string json_line(const nlohmann::ordered_json& value) {
  // Invalid UTF-8 in a tool's output becomes U+FFFD rather than an exception.
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// {"id", "name", "ok", "output" or "error": {"code", "message"}, "started_ms", "finished_ms"}.
inline std::string result_line(const volley::call_result& r, volley::time_point origin) {
  nlohmann::ordered_json line;
  line["id"] = r.id;
  line["name"] = r.name;
  line["ok"] = r.result.has_value();
  if (r.result) {
    line["output"] = *r.result;
  } else {
    nlohmann::ordered_json error;
    error["code"] = std::string(volley::to_string(r.result.error().code));
    error["message"] = r.result.error().message;
    line["error"] = std::move(error);
  }
  line["started_ms"] = milliseconds(r.started - origin);
  line["finished_ms"] = milliseconds(r.finished - origin);
  return json_line(line);
}

// {"calls", "failed", "wall_ms"}.
inline std::string summary_line(std::size_t calls, std::size_t failed, volley::duration wall) {
  nlohmann::ordered_json line;
  line["calls"] = calls;
  line["failed"] = failed;
  line["wall_ms"] = milliseconds(wall);
  return json_line(line);
}

}  // namespace volley_run
