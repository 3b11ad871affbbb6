// volley-run: the calls, one JSON object a line.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "volley/tool/tool_call.hpp"

namespace volley_run {

// The calls of an input, in order, or every line that is wrong.
struct calls_input {
  std::vector<volley::tool_call> calls;
  std::vector<std::size_t> lines;     // the line each call came from (1-based)
  std::vector<std::string> problems;  // "line 3: ..." (empty: every line is a call)
  std::size_t bad_lines = 0;          // lines with a problem (one may have several)
};

// nlohmann's "[json.exception.parse_error.101] parse error at ..." without its tag.
inline std::string without_exception_tag(std::string text) {
  if (text.starts_with("[json.exception.")) {
    if (const auto end = text.find("] "); end != std::string::npos) text.erase(0, end + 2);
  }
  return text;
}

// The member `key` of `call` when it is a string with something in it; else
// "" and the problem told to `problem`.
template <class Report>
std::string non_empty_string(const nlohmann::json& call, const char* key, Report& problem) {
  const nlohmann::json& member = call.at(key);
  if (member.is_string() && !member.get_ref<const std::string&>().empty()) return member.get<std::string>();
  problem("\"" + std::string(key) + "\" must be a non-empty string, not " +
          (member.is_string() ? std::string("an empty string") : std::string(member.type_name())));
  return {};
}

// Reads the calls: each line {"id": ..., "name": ..., "arguments": ...};
// blank lines are skipped. Everything that is wrong is collected, with its
// line number, so one run shows every problem.
inline calls_input read_calls(std::string_view text) {
  calls_input out;
  std::map<std::string, std::size_t, std::less<>> id_lines;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a UTF-8 byte order mark
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    const std::string where = "line " + std::to_string(line_number) + ": ";
    auto problem = [&](const std::string& what) { out.problems.push_back(where + what); };

    nlohmann::json value;
    try {
      value = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      problem("not JSON: " + without_exception_tag(e.what()));
      ++out.bad_lines;
      continue;
    }
    if (!value.is_object()) {
      problem(std::string("a call is a JSON object with \"name\" (and \"id\", \"arguments\"), not ") +
              value.type_name());
      ++out.bad_lines;
      continue;
    }
    const std::size_t problems_before = out.problems.size();
    for (const auto& [key, member] : value.items()) {
      if (key != "id" && key != "name" && key != "arguments") {
        problem("unknown member \"" + key + "\" (a call has \"id\", \"name\" and \"arguments\")");
      }
    }
    volley::tool_call call;
    if (!value.contains("name")) {
      problem("no \"name\": which tool to call");
    } else {
      call.name = non_empty_string(value, "name", problem);
    }
    call.id = value.contains("id") ? non_empty_string(value, "id", problem) : "line_" + std::to_string(line_number);
    const auto arguments = value.find("arguments");
    if (arguments == value.end() || arguments->is_null()) {
      call.arguments = "{}";
    } else if (arguments->is_object()) {
      call.arguments = arguments->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else if (arguments->is_string()) {
      call.arguments = arguments->get<std::string>();  // the tool parses it: its error if it is no object
    } else {
      problem(std::string("\"arguments\" must be an object or a JSON string holding one, not ") +
              arguments->type_name());
    }
    if (!call.id.empty()) {
      const auto [seen, first] = id_lines.emplace(call.id, line_number);
      if (!first) problem("the id \"" + call.id + "\" is also line " + std::to_string(seen->second) + "'s");
    }
    if (out.problems.size() != problems_before) {
      ++out.bad_lines;
      continue;
    }
    out.calls.push_back(std::move(call));
    out.lines.push_back(line_number);
  }
  return out;
}

}  // namespace volley_run
