// volley-run: the command line.
#pragma once

#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "command_words.hpp"

namespace volley_run {

#if defined(VOLLEY_RUN_HTTP)
inline constexpr bool has_http = true;
#define VOLLEY_RUN_URL_HELP                                                   \
  "  --mcp-url [NAME=]URL\n"                                                  \
  "      a server reached over Streamable HTTP (http:// or https://).\n"
#else
inline constexpr bool has_http = false;
#define VOLLEY_RUN_URL_HELP                                                   \
  "  --mcp-url [NAME=]URL\n"                                                  \
  "      a server reached over Streamable HTTP: not in this build (volley's\n" \
  "      HTTP transport needs volley::asio: Boost 1.81 and OpenSSL).\n"
#endif

inline constexpr const char* usage_text =
    R"(usage: volley-run --mcp '[NAME=]COMMAND ARGS...' [--mcp ...] [--mcp-url [NAME=]URL]
                  [--preset [NAME=]filesystem] [--one-by-one] [--max-concurrency N]
                  [--timeout SECONDS] [--connect-timeout SECONDS] [--timeline]
                  [--width W] CALLS.jsonl

Runs tool calls on MCP servers as volley runs one model turn: all at once,
except that a call waits for the earlier calls it conflicts with (one of
the two mutating, their resources overlapping). The results equal running
the calls one by one in order (--one-by-one does that), only sooner.

servers (one or more, in any mix):
  --mcp '[NAME=]COMMAND ARGS...'
      a server started as a subprocess, speaking MCP on its stdin and
      stdout. The string is split into words as a POSIX shell splits plain
      words, '...' and "..." quotes and \ escapes, with ~ or ~/ at the
      start of a word read as $HOME. No shell is run: pipes, redirections,
      ; && ||, $VARIABLES and `...` are refused (give sh -c '...' as the
      command for a shell, env VAR=VALUE COMMAND for an environment
      variable). The server inherits this environment and directory.
)" VOLLEY_RUN_URL_HELP R"(  NAME (letters, digits, _ and -, then =) names the server in messages
  and prefixes its tools: NAME.TOOL ("fs.read_text_file"). A server
  without a NAME keeps its tools' names. Two servers listing one tool
  name is a usage error: name them.

policies (what a call touches, so what may run beside it):
  --preset [NAME=]filesystem
      the reference filesystem server's tools under volley's
      filesystem_policy: each path argument is a resource, so a write waits
      only for calls on that file or on the listing of its directory.
      Relative paths are resolved against the server's first allowed
      directory, which volley-run asks the server for
      (list_allowed_directories) before it runs anything, since a server
      may also be given its directories otherwise than on its command
      line. Without NAME: every server.
  Without a preset, a tool is read-only when the server marks it
  readOnlyHint, mutating otherwise, and each call touches everything:
  read-only calls run together, a mutating call runs alone, in its place.

running:
  --one-by-one          one call at a time, in input order (the baseline);
                        each result line is printed as its call finishes
  --max-concurrency N   at most N calls at once (default: no limit)
  --timeout SECONDS     a call still running this long after it started
                        ends with "timeout" (default 60; 0: no limit)
  --connect-timeout SECONDS
                        how long a server may take to start and answer
                        initialize (default 30; npx may first download it)
  --timeline            draw the calls as a text timeline on standard error
  --width W             the timeline's width in columns (default 60)
  --help                this text

input: CALLS.jsonl ("-": standard input), one call per line:
  {"id": "call_1", "name": "read_text_file", "arguments": {"path": "README.md"}}
  "arguments" is an object, or a JSON string holding one (as OpenAI sends
  them); without it, {}. "id" is optional (default: line_N, N the line's
  number) and must be unique. Blank lines are skipped. The whole input is
  read and checked before anything runs: a line that is not
  a JSON object, lacks "name", has another member, or repeats an id, is
  reported with its line number, and then nothing runs (exit 2): the
  other calls would run in an order nobody wrote. Arguments the tool
  rejects are that call's error (invalid_arguments), an unknown tool
  name is that call's unknown_tool.

output, on standard output: one JSON line per call, in input order,
  {"id":"call_1","name":"read_text_file","ok":true,"output":"...","started_ms":0.41,"finished_ms":2.93}
  {"id":"call_2","name":"nope","ok":false,"error":{"code":"unknown_tool","message":"..."},...}
then one summary line {"calls":2,"failed":1,"wall_ms":3.1}. Times are in
milliseconds from the start of the batch (with --one-by-one, of the
first call); a call that never ran starts and finishes when it was
settled. Error codes: unknown_tool, invalid_arguments, tool_failed (the
tool reported an error, or its server failed), timeout, cancelled,
skipped. The first Ctrl-C (SIGINT, or SIGTERM) cancels the calls (the
server is told), and the results are printed; a second one ends at once.

exit status: 0 every call ran (failed calls included); 1 the output
could not be written; 2 a usage error, an unreadable or malformed input,
or a server that could not be started, initialized or listed (then no
call runs); 130 interrupted (the results were printed).
)";

// A server as the command line named it.
struct server_option {
  std::string name;                  // empty: none given
  std::vector<std::string> command;  // --mcp
  std::string url;                   // --mcp-url
  std::string written;               // the option's value, for messages
};

// A --preset: `server` empty means every server.
struct preset_option {
  std::string server;
  std::string preset;
};

struct options {
  std::vector<server_option> servers;
  std::vector<preset_option> presets;
  std::string input;  // a path, or "-"
  bool one_by_one = false;
  std::size_t max_concurrency = 0;
  double timeout_seconds = 60;
  double connect_timeout_seconds = 30;
  bool timeline = false;
  std::size_t width = 60;
  bool help = false;
};

// The options, or the reason the command line is wrong (in `error`).
struct parsed_options {
  options values;
  std::string error;
};

inline bool is_server_name(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// "NAME=REST" -> {NAME, REST} when NAME is a server name; else {"", text}.
inline std::pair<std::string, std::string_view> split_name(std::string_view text) {
  const auto equals = text.find('=');
  if (equals == std::string_view::npos || !is_server_name(text.substr(0, equals))) return {{}, text};
  return {std::string(text.substr(0, equals)), text.substr(equals + 1)};
}

inline std::optional<std::size_t> whole_number(std::string_view text) {
  std::size_t value = 0;
  const auto [end, code] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || code != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

inline std::optional<double> seconds_value(std::string_view text) {
  double value = 0;
  const auto [end, code] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || code != std::errc{} || end != text.data() + text.size() || !(value >= 0) || value > 1e6) {
    return std::nullopt;
  }
  return value;
}

inline parsed_options parse_options(int argc, char** argv) {
  parsed_options parsed;
  options& o = parsed.values;
  auto fail = [&](std::string message) {
    parsed.error = std::move(message);
    return parsed;
  };
  std::vector<std::string> inputs;
  bool only_inputs = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (only_inputs || arg == "-" || arg.empty() || arg.front() != '-') {
      inputs.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      only_inputs = true;
      continue;
    }
    // --option=value is --option value.
    std::optional<std::string_view> attached;
    if (arg.starts_with("--")) {
      if (const auto equals = arg.find('='); equals != std::string_view::npos) {
        attached = arg.substr(equals + 1);
        arg = arg.substr(0, equals);
      }
    }
    auto value = [&](std::string_view& out) {
      if (attached) {
        out = *attached;
        return true;
      }
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    auto takes_no_value = [&] { return !attached; };
    std::string_view text;
    if (arg == "--help" || arg == "-h") {
      o.help = true;
    } else if (arg == "--mcp") {
      if (!value(text)) return fail("--mcp needs a command: --mcp '[NAME=]COMMAND ARGS...'");
      auto [name, command] = split_name(text);
      command_words words = split_command_words(command);
      if (!words.error.empty()) return fail("--mcp '" + std::string(text) + "': " + words.error);
      o.servers.push_back({std::move(name), std::move(words.words), {}, std::string(text)});
    } else if (arg == "--mcp-url") {
      if (!value(text)) return fail("--mcp-url needs a URL: --mcp-url [NAME=]URL");
      if (!has_http) {
        return fail("--mcp-url: this volley-run was built without the Streamable HTTP transport (volley::asio, "
                    "which needs Boost 1.81 and OpenSSL); reach the server with --mcp, or rebuild with them");
      }
      auto [name, url] = split_name(text);
      if (!url.starts_with("http://") && !url.starts_with("https://")) {
        return fail("--mcp-url '" + std::string(text) + "': the URL must begin with http:// or https://");
      }
      o.servers.push_back({std::move(name), {}, std::string(url), std::string(text)});
    } else if (arg == "--preset") {
      if (!value(text)) return fail("--preset needs a preset: --preset [NAME=]filesystem");
      auto [name, preset] = split_name(text);
      if (preset != "filesystem") {
        return fail("--preset '" + std::string(text) + "': the one preset is 'filesystem'");
      }
      o.presets.push_back({std::move(name), std::string(preset)});
    } else if (arg == "--one-by-one") {
      if (!takes_no_value()) return fail("--one-by-one takes no value");
      o.one_by_one = true;
    } else if (arg == "--timeline") {
      if (!takes_no_value()) return fail("--timeline takes no value");
      o.timeline = true;
    } else if (arg == "--max-concurrency") {
      if (!value(text)) return fail("--max-concurrency needs a number");
      const auto n = whole_number(text);
      if (!n || *n == 0) return fail("--max-concurrency needs a number of 1 or more, not '" + std::string(text) + "'");
      o.max_concurrency = *n;
    } else if (arg == "--timeout") {
      if (!value(text)) return fail("--timeout needs a number of seconds");
      const auto s = seconds_value(text);
      if (!s) return fail("--timeout needs a number of seconds (0: no limit), not '" + std::string(text) + "'");
      o.timeout_seconds = *s;
    } else if (arg == "--connect-timeout") {
      if (!value(text)) return fail("--connect-timeout needs a number of seconds");
      const auto s = seconds_value(text);
      if (!s || *s == 0) return fail("--connect-timeout needs a number of seconds above 0, not '" + std::string(text) + "'");
      o.connect_timeout_seconds = *s;
    } else if (arg == "--width") {
      if (!value(text)) return fail("--width needs a number");
      const auto w = whole_number(text);
      if (!w || *w < 10 || *w > 1000) return fail("--width must be 10 to 1000, not '" + std::string(text) + "'");
      o.width = *w;
    } else {
      return fail("unknown option '" + std::string(argv[i]) + "'");
    }
  }
  if (o.help) return parsed;
  if (o.servers.empty()) return fail("no server: give one with --mcp '[NAME=]COMMAND ARGS...' or --mcp-url");
  if (inputs.empty()) return fail("no input: give a file of calls, one JSON object a line, or - for standard input");
  if (inputs.size() > 1) return fail("one input only, not " + std::to_string(inputs.size()) + " ('" + inputs[1] + "')");
  o.input = inputs.front();
  if (o.one_by_one && o.max_concurrency > 1) {
    return fail("--one-by-one runs one call at a time: --max-concurrency " + std::to_string(o.max_concurrency) +
                " contradicts it");
  }
  for (std::size_t a = 0; a < o.servers.size(); ++a) {
    for (std::size_t b = a + 1; b < o.servers.size(); ++b) {
      if (!o.servers[a].name.empty() && o.servers[a].name == o.servers[b].name) {
        return fail("two servers are named '" + o.servers[a].name + "'");
      }
    }
  }
  for (std::size_t p = 0; p < o.presets.size(); ++p) {
    const preset_option& preset = o.presets[p];
    bool named = preset.server.empty();
    for (const auto& server : o.servers) named = named || server.name == preset.server;
    if (!named) return fail("--preset " + preset.server + "=" + preset.preset + ": no server is named '" + preset.server + "'");
    for (std::size_t q = 0; q < p; ++q) {
      if (o.presets[q].server == preset.server || o.presets[q].server.empty() || preset.server.empty()) {
        return fail("--preset is given twice for " +
                    (preset.server.empty() || o.presets[q].server.empty() ? std::string("a server")
                                                                          : "'" + preset.server + "'"));
      }
    }
  }
  return parsed;
}

}  // namespace volley_run
