// libFuzzer target over volley's JSON importers: any bytes, read as an OpenAI
// conversation, as an Anthropic one, and as a file of conversations (JSON or
// JSON lines), then graded. The importers may only ever throw
// volley::io::format_error: any other exception, crash, leak or sanitizer
// report is a finding. tests/fuzz/run_fuzz.sh builds and runs it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "volley/grade/analyze_parallelization.hpp"
#include "volley/grade/count_sequential_rounds.hpp"
#include "volley/grade/validate.hpp"
#include "volley/io/anthropic.hpp"
#include "volley/io/conversation_reader.hpp"
#include "volley/io/openai.hpp"

namespace {

// Stops the run with a crash report when an invariant fails.
void check(bool condition) {
  if (!condition) __builtin_trap();
}

void grade(const volley::trace& trace) {
  const std::size_t rounds = volley::count_sequential_rounds(trace);
  const volley::parallelization_report report = volley::analyze_parallelization(trace);
  std::size_t calls = 0;
  for (const volley::trace_event& e : trace) calls += e.type == volley::event_type::tool_call ? 1 : 0;
  check(report.total_calls == calls);
  check(rounds <= calls);
  (void)volley::validate(trace);
}

// The calls of a message survive a trip through both providers' formats, and
// their results (which may be any bytes) always serialize.
void round_trip(const std::vector<volley::tool_call>& calls, std::string_view bytes) {
  namespace openai = volley::io::openai;
  namespace anthropic = volley::io::anthropic;
  check(openai::tool_calls_from_message(openai::assistant_message_from_tool_calls(calls)) == calls);
  try {
    const std::vector<volley::tool_call> back =
        anthropic::tool_calls_from_message(anthropic::assistant_message_from_tool_calls(calls));
    check(back.size() == calls.size());
    for (std::size_t i = 0; i < calls.size(); ++i) check(back[i].id == calls[i].id && back[i].name == calls[i].name);
  } catch (const volley::io::format_error&) {
    // arguments that are not a JSON object: Anthropic cannot carry them.
  }
  std::vector<volley::call_result> results(calls.size());
  for (std::size_t i = 0; i < calls.size(); ++i) {
    results[i].id = calls[i].id;
    if (i % 2 == 0) results[i].result = std::string(bytes.substr(0, 64));
    else results[i].result = volley::make_error(volley::errc::tool_failed, std::string(bytes.substr(0, 64)));
  }
  (void)openai::tool_messages_from_results(results).dump();
  (void)anthropic::tool_result_message_from_results(results).dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  namespace openai = volley::io::openai;
  namespace anthropic = volley::io::anthropic;

  try {
    grade(openai::trace_from_json_text(text));
  } catch (const volley::io::format_error&) {
  }
  try {
    grade(anthropic::trace_from_json_text(text));
  } catch (const volley::io::format_error&) {
  }
  try {
    const volley::io::detail::json_path root{""};
    const nlohmann::json value = volley::io::detail::parse_json(text, root);
    try {
      round_trip(openai::tool_calls_from_message(value), text);
    } catch (const volley::io::format_error&) {
    }
    try {
      round_trip(anthropic::tool_calls_from_message(value), text);
    } catch (const volley::io::format_error&) {
    }
    try {
      (void)volley::io::detect_message_format(value);
    } catch (const volley::io::format_error&) {
    }
  } catch (const volley::io::format_error&) {
  }
  for (int variant = 0; variant < 2; ++variant) {
    volley::io::read_options options;
    if (variant == 1) {
      options.messages_key = "traj";
      options.format = size % 2 == 0 ? volley::io::message_format::openai : volley::io::message_format::anthropic;
    }
    try {
      volley::io::conversation_reader reader{text, options};
      std::size_t last = 0;
      while (auto record = reader.next()) {
        check(reader.bytes_read() >= last && reader.bytes_read() <= reader.total_bytes());
        last = reader.bytes_read();
        check(record->line >= 1);
        if (record->malformed()) check(record->trace.empty());
        else grade(record->trace);
      }
    } catch (const volley::io::format_error&) {
    }
  }
  return 0;
}
