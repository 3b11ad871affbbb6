// volley-grade: the command line.
#pragma once

#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "volley/io/message_format.hpp"

namespace volley_grade {

inline constexpr const char* usage_text = R"(usage: volley-grade [options] FILE...

Grades agent traces by how well they parallelize tool calls: for every
conversation in the files, the sequential rounds (volley::count_sequential_rounds),
the batches and calls per batch (volley::analyze_parallelization), and what
volley::validate finds odd; then a summary with histograms.

FILE is JSON or JSON lines ("-" reads standard input):
  - one conversation per line (an array of messages, or an object with them),
  - a JSON array of conversations or of records,
  - records holding the messages under a key ("messages", else "traj" as in
    tau-bench; --messages-key names another). A record's "reward" is reported.
Each conversation's format (OpenAI tool_calls / tool messages, or Anthropic
tool_use / tool_result blocks) is detected unless --format names it.

options:
  --json                one JSON object per line for each trace (and each
                        skipped entry), then one summary object
  --timeline N          draw trace N (the #N of the report) as a text timeline
  --chrome-trace OUT    write a Chrome trace JSON file for Perfetto
                        (ui.perfetto.dev): trace N with --timeline N, else
                        every trace, one process each
  --width W             width of the timeline's bar area (default 60)
  --messages-key KEY    the record member that holds the messages
  --format F            auto (default), openai or anthropic
  --strict              stop at the first malformed entry
  --quiet               no per-trace lines, only the summary (text mode)
  --help                this text

Recorded conversations carry no times, so timelines use the order of events
as a logical clock: event i of a trace happens at i ms. A bar from a call to
its response shows how many events passed, not how long the tool ran.

A malformed entry (a line, or an element of a JSON array) is reported on
standard error with its file and line and skipped; the rest is graded.
Progress goes to standard error on inputs that take more than 2 s.

exit status: 0 every entry was graded; 1 some entry was malformed (skipped,
or --strict stopped there); 2 a usage error, or a file that could not be
read or is not JSON or JSON lines at all (the other files are still graded).
)";

struct options {
  std::vector<std::string> files;
  bool json = false;
  std::optional<std::size_t> timeline;  // 1-based trace number
  std::string chrome_trace_path;
  std::size_t width = 60;
  std::string messages_key;
  std::optional<volley::io::message_format> format;
  bool strict = false;
  bool quiet = false;
  bool help = false;
};

// The options, or the reason the command line is wrong (in `error`).
struct parsed_options {
  options values;
  std::string error;
};

inline std::optional<std::size_t> positive_number(std::string_view text) {
  std::size_t value = 0;
  const auto [end, code] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (code != std::errc{} || end != text.data() + text.size() || value == 0) return std::nullopt;
  return value;
}

inline parsed_options parse_options(int argc, char** argv) {
  parsed_options parsed;
  options& o = parsed.values;
  auto fail = [&](std::string message) {
    parsed.error = std::move(message);
    return parsed;
  };
  bool only_files = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&](std::string_view& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string_view text;
    if (only_files || arg == "-" || arg.empty() || arg.front() != '-') {
      o.files.emplace_back(arg);
    } else if (arg == "--") {
      only_files = true;
    } else if (arg == "--help" || arg == "-h") {
      o.help = true;
    } else if (arg == "--json") {
      o.json = true;
    } else if (arg == "--strict") {
      o.strict = true;
    } else if (arg == "--quiet") {
      o.quiet = true;
    } else if (arg == "--timeline") {
      if (!value(text)) return fail("--timeline needs a trace number");
      o.timeline = positive_number(text);
      if (!o.timeline) return fail("--timeline needs a trace number of 1 or more, not '" + std::string(text) + "'");
    } else if (arg == "--width") {
      if (!value(text)) return fail("--width needs a number");
      const auto width = positive_number(text);
      if (!width || *width < 10 || *width > 1000) return fail("--width must be 10 to 1000, not '" + std::string(text) + "'");
      o.width = *width;
    } else if (arg == "--chrome-trace") {
      if (!value(text)) return fail("--chrome-trace needs an output file");
      o.chrome_trace_path = text;
    } else if (arg == "--messages-key") {
      if (!value(text) || text.empty()) return fail("--messages-key needs a key");
      o.messages_key = text;
    } else if (arg == "--format") {
      if (!value(text)) return fail("--format needs auto, openai or anthropic");
      if (text == "auto") {
        o.format.reset();
      } else if (auto format = volley::io::message_format_from_string(text)) {
        o.format = format;
      } else {
        return fail("--format must be auto, openai or anthropic, not '" + std::string(text) + "'");
      }
    } else {
      return fail("unknown option '" + std::string(arg) + "'");
    }
  }
  if (!o.help && o.files.empty()) return fail("no input files");
  return parsed;
}

}  // namespace volley_grade
