// volley-run: the command line.
#pragma once

#include <charconv>
#include <cstddef>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
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
                  [--width W] CALLS.jsonl|-

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
      only for calls on that file or on the listing of its directory
      (create_directory and move_file, which change the tree, wait for
      every call before them, and every call after them waits for them).
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
                        (its clock starts when the first call is issued)
  --width W             the timeline's width in columns (default 60)
  --help                this text

input: CALLS.jsonl ("-": standard input), one call per line:
  {"id": "call_1", "name": "read_text_file", "arguments": {"path": "README.md"}}
  "arguments" is an object, or a JSON string holding one (as OpenAI sends
  them); without it, {}. "id" is optional (default: line_N, N the line's
  number) and must be unique. Blank lines are skipped. The whole input is
  read and checked before anything runs: a line that is not a JSON
  object, lacks "name", has another member, or repeats an id, is reported
  with its line number, and then nothing runs (exit 2): the other calls
  would run in an order nobody wrote. Arguments the tool rejects are that
  call's error (invalid_arguments); an unknown tool name is that call's
  unknown_tool.

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

// Why the command line is wrong; parse_options turns it into `error`.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
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

// The words of argv one at a time; an option's value follows it or is
// attached with '=' ("--width 40", "--width=40").
class argument_cursor {
 public:
  argument_cursor(int argc, char** argv) : m_argc(argc), m_argv(argv) {}

  // The next word, split at '=' when it is a long option; false at the end.
  bool next() {
    if (++m_index >= m_argc) return false;
    m_word = m_argv[m_index];
    m_attached.reset();
    if (m_word.starts_with("--")) {
      if (const auto equals = m_word.find('='); equals != std::string_view::npos) {
        m_attached = m_word.substr(equals + 1);
        m_word = m_word.substr(0, equals);
      }
    }
    return true;
  }
  std::string_view word() const { return m_word; }
  std::string_view whole_word() const { return m_argv[m_index]; }

  // The current option's value; `needs` says what it should be.
  std::string_view value(std::string_view needs) {
    if (m_attached) return *m_attached;
    if (m_index + 1 >= m_argc) throw usage_error(std::string(m_word) + " needs " + std::string(needs));
    return m_argv[++m_index];
  }
  // For a flag: "--timeline=yes" is wrong.
  void no_value() const {
    if (m_attached) throw usage_error(std::string(m_word) + " takes no value");
  }
  // A whole number in [low, high].
  std::size_t number(std::size_t low, std::size_t high) {
    const std::string_view text = value("a number");
    std::size_t n = 0;
    const auto [end, code] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || code != std::errc{} || end != text.data() + text.size() || n < low || n > high) {
      throw usage_error(std::string(m_word) + " needs a whole number from " + std::to_string(low) +
                        (high == std::numeric_limits<std::size_t>::max() ? std::string(" up") : " to " + std::to_string(high)) +
                        ", not '" + std::string(text) + "'");
    }
    return n;
  }
  // Seconds, at most a million; zero only when `zero_means` says what it means.
  double seconds(std::string_view zero_means) {
    const std::string_view text = value("a number of seconds");
    double s = 0;
    const auto [end, code] = std::from_chars(text.data(), text.data() + text.size(), s);
    const bool zero_allowed = !zero_means.empty();
    if (text.empty() || code != std::errc{} || end != text.data() + text.size() || !(s >= 0) || s > 1e6 ||
        (s == 0 && !zero_allowed)) {
      throw usage_error(std::string(m_word) + " needs a number of seconds" +
                        (zero_allowed ? " (0: " + std::string(zero_means) + ")" : std::string(" above 0")) + ", not '" +
                        std::string(text) + "'");
    }
    return s;
  }

 private:
  int m_argc;
  char** m_argv;
  int m_index = 0;
  std::string_view m_word;
  std::optional<std::string_view> m_attached;
};

inline server_option stdio_server_option(std::string_view written) {
  auto [name, command] = split_name(written);
  command_words words = split_command_words(command);
  if (!words.error.empty()) throw usage_error("--mcp '" + std::string(written) + "': " + words.error);
  return {std::move(name), std::move(words.words), {}, std::string(written)};
}

inline server_option http_server_option(std::string_view written) {
  if (!has_http) {
    throw usage_error("--mcp-url: this volley-run was built without the Streamable HTTP transport (volley::asio, "
                      "which needs Boost 1.81 and OpenSSL); reach the server with --mcp, or rebuild with them");
  }
  auto [name, url] = split_name(written);
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    throw usage_error("--mcp-url '" + std::string(written) + "': the URL must begin with http:// or https://");
  }
  return {std::move(name), {}, std::string(url), std::string(written)};
}

// What no single option can say: one input, servers named once, presets that fit.
inline void check_options(const options& o, const std::vector<std::string>& inputs) {
  if (o.servers.empty()) throw usage_error("no server: give one with --mcp '[NAME=]COMMAND ARGS...' or --mcp-url");
  if (inputs.empty()) throw usage_error("no input: give a file of calls, one JSON object a line, or - for standard input");
  if (inputs.size() > 1) {
    throw usage_error("one input only, not " + std::to_string(inputs.size()) + " ('" + inputs[1] + "')");
  }
  if (o.one_by_one && o.max_concurrency > 1) {
    throw usage_error("--one-by-one runs one call at a time: --max-concurrency " + std::to_string(o.max_concurrency) +
                      " contradicts it");
  }
  for (std::size_t a = 0; a < o.servers.size(); ++a) {
    for (std::size_t b = a + 1; b < o.servers.size(); ++b) {
      if (!o.servers[a].name.empty() && o.servers[a].name == o.servers[b].name) {
        throw usage_error("two servers are named '" + o.servers[a].name + "'");
      }
    }
  }
  for (std::size_t p = 0; p < o.presets.size(); ++p) {
    const preset_option& preset = o.presets[p];
    bool named = preset.server.empty();
    for (const auto& server : o.servers) named = named || server.name == preset.server;
    if (!named) {
      throw usage_error("--preset " + preset.server + "=" + preset.preset + ": no server is named '" + preset.server +
                        "'");
    }
    for (std::size_t q = 0; q < p; ++q) {
      const bool overlaps = o.presets[q].server == preset.server || o.presets[q].server.empty() || preset.server.empty();
      if (overlaps) throw usage_error("--preset is given twice for a server");
    }
  }
}

inline parsed_options parse_options(int argc, char** argv) {
  parsed_options parsed;
  options& o = parsed.values;
  std::vector<std::string> inputs;
  argument_cursor arguments(argc, argv);
  try {
    bool only_inputs = false;
    while (arguments.next()) {
      const std::string_view arg = arguments.word();
      if (only_inputs || arg == "-" || arg.empty() || arg.front() != '-') {
        inputs.emplace_back(arguments.whole_word());
      } else if (arg == "--") {
        only_inputs = true;
      } else if (arg == "--help" || arg == "-h") {
        o.help = true;
      } else if (arg == "--mcp") {
        o.servers.push_back(stdio_server_option(arguments.value("a command: --mcp '[NAME=]COMMAND ARGS...'")));
      } else if (arg == "--mcp-url") {
        o.servers.push_back(http_server_option(arguments.value("a URL: --mcp-url [NAME=]URL")));
      } else if (arg == "--preset") {
        const std::string_view text = arguments.value("a preset: --preset [NAME=]filesystem");
        auto [name, preset] = split_name(text);
        if (preset != "filesystem") {
          throw usage_error("--preset '" + std::string(text) + "': the one preset is 'filesystem'");
        }
        o.presets.push_back({std::move(name), std::string(preset)});
      } else if (arg == "--one-by-one") {
        arguments.no_value();
        o.one_by_one = true;
      } else if (arg == "--timeline") {
        arguments.no_value();
        o.timeline = true;
      } else if (arg == "--max-concurrency") {
        o.max_concurrency = arguments.number(1, std::numeric_limits<std::size_t>::max());
      } else if (arg == "--timeout") {
        o.timeout_seconds = arguments.seconds("no limit");
      } else if (arg == "--connect-timeout") {
        o.connect_timeout_seconds = arguments.seconds({});
      } else if (arg == "--width") {
        o.width = arguments.number(10, 1000);
      } else {
        throw usage_error("unknown option '" + std::string(arguments.whole_word()) + "'");
      }
    }
    if (!o.help) check_options(o, inputs);
  } catch (const usage_error& e) {
    parsed.error = e.what();
    return parsed;
  }
  if (!o.help) o.input = inputs.front();
  return parsed;
}

}  // namespace volley_run
