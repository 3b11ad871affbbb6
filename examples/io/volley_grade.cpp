// volley-grade: grade recorded agent conversations (OpenAI or Anthropic
// format; JSON or JSON lines) by rounds, batches and parallelism.
// `volley-grade --help` describes the command; examples/io/volley_grade/ holds its parts.
#include <chrono>
#include <cstdio>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>

#include "volley/grade/analyze_parallelization.hpp"
#include "volley/grade/count_sequential_rounds.hpp"
#include "volley/grade/validate.hpp"
#include "volley/io/conversation_reader.hpp"
#include "volley/trace/chrome_trace.hpp"
#include "volley/trace/text_timeline.hpp"
#include "volley/trace/timeline.hpp"
#include "volley_grade/options.hpp"
#include "volley_grade/report.hpp"
#include "volley_grade/summary.hpp"

namespace {

using volley_grade::graded_trace;

constexpr int exit_all_graded = 0;
constexpr int exit_skipped = 1;
constexpr int exit_usage_or_file = 2;

// The whole file (or standard input for "-"), or nullopt with the reason in `why`.
std::optional<std::string> read_input(const std::string& name, std::string& why) {
  std::ostringstream text;
  if (name == "-") {
    text << std::cin.rdbuf();
    return text.str();
  }
  std::ifstream in(name, std::ios::binary);
  if (!in) {
    why = std::strerror(errno);
    return std::nullopt;
  }
  text << in.rdbuf();
  if (in.bad()) {
    why = "read error";
    return std::nullopt;
  }
  return text.str();
}

// Writes the Chrome trace of every trace handed to it into one file, a
// process per trace, events on the logical clock.
class chrome_trace_writer {
 public:
  explicit chrome_trace_writer(const std::string& path) : m_out(path, std::ios::binary) {
    if (m_out) m_out << "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[";
  }
  bool good() const { return static_cast<bool>(m_out); }

  void add(const graded_trace& g) {
    volley::chrome_trace_options options;
    options.process_id = static_cast<int>(g.number);
    options.process_name = volley_grade::describe(g);
    const std::string one = volley::to_chrome_trace(volley::make_timeline(volley_grade::on_logical_clock(g.record->trace)), options);
    const nlohmann::json parsed = nlohmann::json::parse(one);
    for (const nlohmann::json& event : parsed.at("traceEvents")) {
      m_out << (m_first ? "\n" : ",\n") << event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      m_first = false;
    }
    ++m_traces;
  }

  bool finish() {
    m_out << "\n],\"otherData\":{\"traces\":" << m_traces
          << ",\"clock\":\"logical: event i of a trace is at i ms; recorded conversations carry no times\"}}\n";
    m_out.flush();
    return static_cast<bool>(m_out);
  }

 private:
  std::ofstream m_out;
  bool m_first = true;
  std::size_t m_traces = 0;
};

// Prints "volley-grade: FILE: 45% (1200 traces)" to stderr every 2 s once a run has taken 2 s.
class progress_meter {
 public:
  void update(const std::string& file, std::size_t done, std::size_t total, std::size_t traces) {
    if ((++m_calls & 63U) != 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - m_start < std::chrono::seconds{2} || now - m_last < std::chrono::seconds{2}) return;
    m_last = now;
    std::fprintf(stderr, "volley-grade: %s: %.0f%% (%zu traces graded)\n", file.c_str(),
                 total == 0 ? 100.0 : 100.0 * double(done) / double(total), traces);
  }

 private:
  std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point m_last{};
  std::size_t m_calls = 0;
};

}  // namespace

int main(int argc, char** argv) {
  const volley_grade::parsed_options parsed = volley_grade::parse_options(argc, argv);
  if (!parsed.error.empty()) {
    std::fprintf(stderr, "volley-grade: %s\n(volley-grade --help shows the options)\n", parsed.error.c_str());
    return exit_usage_or_file;
  }
  const volley_grade::options& options = parsed.values;
  if (options.help) {
    std::fputs(volley_grade::usage_text, stdout);
    return exit_all_graded;
  }

  std::optional<chrome_trace_writer> chrome;
  if (!options.chrome_trace_path.empty()) {
    chrome.emplace(options.chrome_trace_path);
    if (!chrome->good()) {
      std::fprintf(stderr, "volley-grade: cannot write %s: %s\n", options.chrome_trace_path.c_str(), std::strerror(errno));
      return exit_usage_or_file;
    }
  }

  volley::io::read_options read_options;
  read_options.format = options.format;
  read_options.messages_key = options.messages_key;

  volley_grade::summary summary;
  progress_meter progress;
  std::optional<std::string> timeline_text;
  bool stopped = false;
  for (const std::string& file : options.files) {
    if (stopped) break;
    std::string why;
    const std::optional<std::string> text = read_input(file, why);
    if (!text) {
      std::fprintf(stderr, "volley-grade: cannot read %s: %s\n", file.c_str(), why.c_str());
      ++summary.unreadable_files;
      continue;
    }
    std::optional<volley::io::conversation_reader> reader;
    try {
      reader.emplace(*text, read_options);
    } catch (const volley::io::format_error& e) {
      std::fprintf(stderr, "volley-grade: %s: neither JSON nor JSON lines: %s\n", file.c_str(), e.what());
      ++summary.unreadable_files;
      continue;
    }
    ++summary.files;
    while (std::optional<volley::io::conversation_record> record = reader->next()) {
      progress.update(file, reader->bytes_read(), reader->total_bytes(), summary.traces);
      if (record->malformed()) {
        ++summary.skipped;
        std::fprintf(stderr, "volley-grade: %s:%zu: entry %zu skipped: %s\n", file.c_str(), record->line,
                     record->index + 1, record->error.c_str());
        if (options.json) std::cout << volley_grade::skipped_json(file, *record).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
        if (options.strict) {
          std::fprintf(stderr, "volley-grade: --strict: stopping at the first malformed entry\n");
          stopped = true;
          break;
        }
        continue;
      }
      graded_trace graded;
      graded.number = summary.traces + 1;
      graded.file = file;
      graded.record = &*record;
      graded.rounds = volley::count_sequential_rounds(record->trace);
      graded.report = volley::analyze_parallelization(record->trace);
      graded.diagnostics = volley::validate(record->trace);
      summary.add(graded.rounds, graded.report, graded.diagnostics, record->reward);

      if (options.json) {
        std::cout << volley_grade::trace_json(graded).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
      } else if (!options.quiet) {
        std::cout << volley_grade::trace_text(graded);
      }
      const bool selected = options.timeline && *options.timeline == graded.number;
      if (selected) {
        volley::text_timeline_options timeline_options;
        timeline_options.width = options.width;
        timeline_text = "timeline of " + volley_grade::describe(graded) +
                        "\nlogical clock: event i of the trace is at i ms (recorded conversations carry no times)\n" +
                        volley::to_text_timeline(volley::make_timeline(volley_grade::on_logical_clock(record->trace)),
                                                 timeline_options);
      }
      if (chrome && (!options.timeline || selected)) chrome->add(graded);
    }
  }

  if (options.json) {
    std::cout << summary.json().dump() << '\n';
  } else {
    if (!options.quiet && summary.traces > 0) std::cout << '\n';
    std::cout << summary.text();
  }
  int status = summary.skipped > 0 ? exit_skipped : exit_all_graded;
  if (summary.unreadable_files > 0) status = exit_usage_or_file;

  if (options.timeline) {
    if (timeline_text) {
      // On stdout after the report in text mode; on stderr with --json so stdout stays JSON lines.
      std::fputs(("\n" + *timeline_text).c_str(), options.json ? stderr : stdout);
    } else {
      std::fprintf(stderr, "volley-grade: --timeline %zu: there are only %zu graded trace(s)\n", *options.timeline,
                   summary.traces);
      status = exit_usage_or_file;
    }
  }
  if (chrome && !chrome->finish()) {
    std::fprintf(stderr, "volley-grade: cannot write %s\n", options.chrome_trace_path.c_str());
    status = exit_usage_or_file;
  }
  std::cout.flush();
  return status;
}
