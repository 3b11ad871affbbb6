// Reading files of conversations: JSON lines, JSON arrays, records under a
// key, format detection, and malformed entries reported with their line.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io_test_support.hpp"
#include "volley/io/conversation_reader.hpp"
#include "volley_catch.hpp"

using nlohmann::json;
using volley::trace_event;
using volley::io::conversation_reader;
using volley::io::conversation_record;
using volley::io::message_format;

namespace {

std::vector<conversation_record> read_all(std::string_view text, volley::io::read_options options = {}) {
  conversation_reader reader{text, std::move(options)};
  std::vector<conversation_record> records;
  std::size_t last_position = 0;
  while (auto record = reader.next()) {
    CHECK(reader.bytes_read() >= last_position);
    last_position = reader.bytes_read();
    records.push_back(std::move(*record));
  }
  CHECK(reader.bytes_read() == reader.total_bytes());
  return records;
}

std::size_t count_calls(const volley::trace& trace) {
  std::size_t calls = 0;
  for (const trace_event& e : trace) calls += e.type == volley::event_type::tool_call ? 1 : 0;
  return calls;
}

const char* const openai_line =
    R"([{"role":"assistant","tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"a","content":"x"}])";
const char* const anthropic_line =
    R"({"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"b","name":"g","input":{}},{"type":"tool_use","id":"c","name":"g","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"b","content":"y"}]}]})";
const char* const record_line =
    R"({"task_id":7,"trial":1,"reward":0.5,"traj":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]})";

}  // namespace

TEST_CASE("reader: JSON lines, each entry in its own format, malformed lines skipped with their number") {
  const std::string text = std::string(openai_line) + "\n" + anthropic_line + "\n\n" + "{not json}\n" +
                           R"([{"role":"tool"}])" + "\r\n" + record_line + "\n";
  const std::vector<conversation_record> records = read_all(text);
  REQUIRE(records.size() == 5);

  CHECK(records[0].line == 1);
  CHECK(records[0].index == 0);
  CHECK_FALSE(records[0].malformed());
  CHECK(records[0].format == message_format::openai);
  CHECK(records[0].trace == volley::trace{trace_event::assistant_message(), trace_event::call("a", "f"),
                                          trace_event::response("a", "f")});
  CHECK_FALSE(records[0].reward.has_value());

  CHECK(records[1].line == 2);
  CHECK(records[1].format == message_format::anthropic);
  CHECK(count_calls(records[1].trace) == 2);

  CHECK(records[2].line == 4);  // the blank line 3 is no entry
  CHECK(records[2].index == 2);
  CHECK(records[2].malformed());
  CHECK(records[2].error.rfind("not JSON: parse error at column 3: syntax error while parsing object key", 0) == 0);
  CHECK(records[2].trace.empty());

  CHECK(records[3].line == 5);
  CHECK(records[3].error == "messages[0].tool_call_id: missing (expected string)");

  CHECK(records[4].line == 6);
  CHECK_FALSE(records[4].malformed());
  CHECK(records[4].label == "task_id=7 trial=1");
  REQUIRE(records[4].reward.has_value());
  CHECK(*records[4].reward == 0.5);
  CHECK(records[4].trace == volley::trace{trace_event::assistant_message()});
}

TEST_CASE("reader: a JSON array of records, pretty-printed, with the line of each") {
  json records = json::array();
  records.push_back(json::parse(record_line));
  records.push_back(json{{"id", "x"}, {"reward", true}, {"messages", json::parse(openai_line)}});
  records.push_back(json{{"task_id", 9}, {"reward", "high"}, {"traj", json::array()}});
  records.push_back(json{{"task_id", 10}, {"trajectory", json::array()}});
  const std::string text = records.dump(2);
  const std::vector<conversation_record> read = read_all(text);
  REQUIRE(read.size() == 4);
  CHECK(read[0].line == 2);
  CHECK(read[0].label == "task_id=7 trial=1");
  CHECK(read[1].label == "id=x");
  REQUIRE(read[1].reward.has_value());
  CHECK(*read[1].reward == 1.0);
  CHECK(count_calls(read[1].trace) == 1);
  CHECK(read[1].line > read[0].line);
  CHECK(read[2].error == "reward: expected number, got string");
  CHECK(read[2].line > read[1].line);
  CHECK(read[3].error == "no messages: the record has neither \"messages\" nor \"traj\" (name the key)");
  // Every line number points at the '{' that opens its record.
  std::vector<std::string> lines{""};
  for (char c : text) {
    if (c == '\n') lines.emplace_back();
    else lines.back() += c;
  }
  for (const conversation_record& r : read) {
    REQUIRE(r.line <= lines.size());
    CHECK(lines[r.line - 1] == "  {");
  }
}

TEST_CASE("reader: the messages key option") {
  const std::string text = R"({"conversation": [{"role": "assistant", "content": "hi"}], "reward": 1})";
  CHECK(read_all(text).at(0).malformed());
  volley::io::read_options options;
  options.messages_key = "conversation";
  const std::vector<conversation_record> records = read_all(text, options);
  REQUIRE(records.size() == 1);
  CHECK_FALSE(records[0].malformed());
  CHECK(records[0].trace == volley::trace{trace_event::assistant_message()});
  options.messages_key = "dialog";
  CHECK(read_all(text, options).at(0).error == "dialog: missing (expected array of messages)");
  options.messages_key = "reward";
  CHECK(read_all(text, options).at(0).error == "reward: expected array, got number");
}

TEST_CASE("reader: one conversation as a whole document") {
  SECTION("a bare array of messages is one conversation") {
    const std::vector<conversation_record> records = read_all(json::parse(openai_line).dump(4));
    REQUIRE(records.size() == 1);
    CHECK(records[0].line == 1);
    CHECK(count_calls(records[0].trace) == 1);
  }
  SECTION("an object is one record") {
    const std::vector<conversation_record> records = read_all(std::string("\n\n  ") + anthropic_line);
    REQUIRE(records.size() == 1);
    CHECK(records[0].line == 3);
    CHECK(records[0].format == message_format::anthropic);
  }
  SECTION("a scalar is one malformed entry") {
    const std::vector<conversation_record> records = read_all("42");
    REQUIRE(records.size() == 1);
    CHECK(records[0].error ==
          "expected a conversation (array of messages) or a record (object), got number");
  }
  SECTION("nothing") {
    CHECK(read_all("").empty());
    CHECK(read_all(" \n\r\n ").empty());
    CHECK(read_all("[]").empty());
  }
}

TEST_CASE("reader: the format is detected per entry, or forced") {
  const std::string text = std::string(openai_line) + "\n" + anthropic_line + "\n";
  volley::io::read_options options;
  options.format = message_format::openai;
  const std::vector<conversation_record> forced = read_all(text, options);
  REQUIRE(forced.size() == 2);
  CHECK(count_calls(forced[0].trace) == 1);
  // Read as OpenAI, the Anthropic conversation has no tool calls at all.
  CHECK_FALSE(forced[1].malformed());
  CHECK(count_calls(forced[1].trace) == 0);

  const std::string mixed =
      R"([{"role":"tool","tool_call_id":"a"},{"role":"assistant","content":[{"type":"tool_use","id":"b","name":"g","input":{}}]}])";
  CHECK(read_all(mixed).at(0).error ==
        "messages: mixes formats: messages[0] is OpenAI tool use, messages[1] is Anthropic tool use; "
        "name the format explicitly");
  options.format = message_format::anthropic;
  const std::vector<conversation_record> as_anthropic = read_all(mixed, options);
  REQUIRE(as_anthropic.size() == 1);
  CHECK(as_anthropic[0].trace == volley::trace{trace_event::assistant_message(), trace_event::call("b", "g")});
}

TEST_CASE("reader: text that is neither JSON nor JSON lines is refused whole") {
  const std::string broken = "[\n  {\"messages\": []},\n  {\"messages\": [}\n]\n";
  const std::string error = volley_test::format_error_of([&] { conversation_reader reader{broken}; });
  INFO(error);
  CHECK(error.rfind("not JSON: parse error at line 3, column 17: ", 0) == 0);
  CHECK(volley_test::format_error_of([] { conversation_reader reader{"hello"}; }).rfind("not JSON: ", 0) == 0);
}

TEST_CASE("reader: documents nested too deeply are refused, lines too deep are skipped") {
  const std::string deep = std::string(600, '[') + std::string(600, ']');
  // Pretty-printed (its first line is not a whole value): the document is refused.
  CHECK(volley_test::format_error_of([&] { conversation_reader reader{"[\n" + deep + "\n]"}; }) ==
        "not accepted: nested deeper than 512 levels");
  // On one line it reads as JSON lines: that line is one malformed entry.
  CHECK(read_all("\n" + deep).at(0).error == "not accepted: nested deeper than 512 levels");
  const std::string lines = std::string(openai_line) + "\n" + deep + "\n" + openai_line;
  const std::vector<conversation_record> records = read_all(lines);
  REQUIRE(records.size() == 3);
  CHECK_FALSE(records[0].malformed());
  CHECK(records[1].error == "not accepted: nested deeper than 512 levels");
  CHECK_FALSE(records[2].malformed());
}
