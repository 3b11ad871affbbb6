// The OpenAI chat-format adapter: conversation -> trace, message -> calls,
// results -> tool messages, and every malformed input reported with its path.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io_test_support.hpp"
#include "volley/grade/analyze_parallelization.hpp"
#include "volley/grade/count_sequential_rounds.hpp"
#include "volley/io/openai.hpp"
#include "volley_catch.hpp"

using nlohmann::json;
using volley::trace_event;
namespace openai = volley::io::openai;

namespace {

json call_entry(const std::string& id, const std::string& name, const std::string& arguments) {
  return json{{"id", id}, {"type", "function"}, {"function", {{"name", name}, {"arguments", arguments}}}};
}

json tool_message(const std::string& id, const std::string& content) {
  return json{{"role", "tool"}, {"tool_call_id", id}, {"content", content}};
}

// The seed's fine-tuned example: a batch of four calls, then a batch of two.
json seed_conversation() {
  json messages = json::array();
  messages.push_back({{"role", "system"}, {"content", "You are an analyst."}});
  messages.push_back({{"role", "user"}, {"content", "How did Intel do?"}});
  messages.push_back({{"role", "assistant"},
                      {"content", nullptr},
                      {"tool_calls",
                       {call_entry("c1", "search", R"({"q":"Intel financial data"})"),
                        call_entry("c2", "read_file", R"({"path":"2023_report.pdf"})"),
                        call_entry("c3", "search", R"({"q":"return metrics"})"),
                        call_entry("c4", "list", R"({"path":"/financial_reports"})")}}});
  for (const char* id : {"c2", "c1", "c4", "c3"}) messages.push_back(tool_message(id, "..."));
  messages.push_back({{"role", "assistant"},
                      {"content", "Reading the tables."},
                      {"tool_calls",
                       {call_entry("c5", "read_file", R"({"path":"returns_table.csv"})"),
                        call_entry("c6", "read_file", R"({"path":"competitor_data.csv"})")}}});
  messages.push_back(tool_message("c5", "..."));
  messages.push_back(tool_message("c6", "..."));
  messages.push_back({{"role", "assistant"}, {"content", "Intel returned 4%."}});
  return messages;
}

}  // namespace

TEST_CASE("openai: the seed's conversation gives batches [4, 2] and 2 rounds") {
  const volley::trace trace = openai::trace_from_conversation(seed_conversation());
  const volley::trace expected{
      trace_event::assistant_message(),
      trace_event::call("c1", "search"),
      trace_event::call("c2", "read_file"),
      trace_event::call("c3", "search"),
      trace_event::call("c4", "list"),
      trace_event::response("c2", "read_file"),
      trace_event::response("c1", "search"),
      trace_event::response("c4", "list"),
      trace_event::response("c3", "search"),
      trace_event::assistant_message(),
      trace_event::call("c5", "read_file"),
      trace_event::call("c6", "read_file"),
      trace_event::response("c5", "read_file"),
      trace_event::response("c6", "read_file"),
      trace_event::assistant_message(),
  };
  CHECK(trace == expected);
  const volley::parallelization_report report = volley::analyze_parallelization(trace);
  CHECK(report.calls_per_batch == std::vector<std::size_t>{4, 2});
  CHECK(report.max_parallelism == 4);
  CHECK(report.total_calls == 6);
  CHECK(volley::count_sequential_rounds(trace) == 2);
}

TEST_CASE("openai: an object with \"messages\" reads like the bare array") {
  const json body{{"model", "gpt-4o"}, {"messages", seed_conversation()}};
  CHECK(openai::trace_from_conversation(body) == openai::trace_from_conversation(seed_conversation()));
  CHECK(openai::trace_from_json_text(body.dump()) == openai::trace_from_conversation(body));
}

TEST_CASE("openai: response names come from the message, else from the call") {
  json messages = json::array();
  messages.push_back({{"role", "assistant"}, {"tool_calls", {call_entry("a", "search", "{}")}}});
  messages.push_back({{"role", "tool"}, {"tool_call_id", "a"}, {"name", "given_name"}, {"content", "x"}});
  messages.push_back({{"role", "assistant"}, {"tool_calls", {call_entry("b", "lookup", "{}")}}});
  messages.push_back(tool_message("b", "y"));
  messages.push_back(tool_message("nobody", "z"));
  const volley::trace trace = openai::trace_from_messages(messages);
  REQUIRE(trace.size() == 7);
  CHECK(trace[2] == trace_event::response("a", "given_name"));
  CHECK(trace[5] == trace_event::response("b", "lookup"));
  CHECK(trace[6] == trace_event::response("nobody", ""));
}

TEST_CASE("openai: null tool_calls, null content, other roles add nothing but assistant turns") {
  const json messages = json::parse(R"([
    {"role": "system", "content": "s"},
    {"role": "developer", "content": "d"},
    {"role": "user", "content": [{"type": "text", "text": "hi"}]},
    {"role": "assistant", "content": null, "tool_calls": null},
    {"role": "assistant", "content": "plain", "tool_calls": []}
  ])");
  CHECK(openai::trace_from_messages(messages) ==
        volley::trace{trace_event::assistant_message(), trace_event::assistant_message()});
  CHECK(openai::trace_from_messages(json::array()).empty());
}

TEST_CASE("openai: tool_calls_from_message keeps argument text and serializes objects") {
  const json message = json::parse(R"({
    "role": "assistant", "content": null,
    "tool_calls": [
      {"id": "call_1", "type": "function", "function": {"name": "search", "arguments": "{ \"q\" : \"x\" }"}},
      {"id": "call_2", "function": {"name": "read", "arguments": {"path": "a.txt", "n": 2}}}
    ]})");
  const std::vector<volley::tool_call> calls = openai::tool_calls_from_message(message);
  REQUIRE(calls.size() == 2);
  CHECK(calls[0] == volley::tool_call{"call_1", "search", "{ \"q\" : \"x\" }"});
  CHECK(calls[1] == volley::tool_call{"call_2", "read", R"({"n":2,"path":"a.txt"})"});
  CHECK(openai::tool_calls_from_message(json{{"role", "assistant"}, {"content", "no calls"}}).empty());
}

TEST_CASE("openai: results become tool messages, errors readable, ids kept") {
  std::vector<volley::call_result> results(4);
  results[0].id = "c1";
  results[0].name = "search";
  results[0].result = std::string("42 hits");
  results[1].id = "c2";
  results[1].result = volley::make_error(volley::errc::timeout, "search took longer than 2s");
  results[2].id = "c3";
  results[2].result = volley::make_error(volley::errc::cancelled);
  results[3].id = "c4";
  results[3].result = std::string("bad \xFF byte");
  const json messages = openai::tool_messages_from_results(results);
  REQUIRE(messages.is_array());
  REQUIRE(messages.size() == 4);
  CHECK(messages[0] == json{{"role", "tool"}, {"tool_call_id", "c1"}, {"content", "42 hits"}});
  CHECK(messages[1]["content"] == "error (timeout): search took longer than 2s");
  CHECK(messages[1]["tool_call_id"] == "c2");
  CHECK(messages[2]["content"] == "error (cancelled)");
  CHECK(messages[3]["content"] == "bad \xEF\xBF\xBD byte");
  CHECK(openai::tool_messages_from_results({}) == json::array());
  // Every message serializes (no invalid UTF-8 left).
  CHECK_FALSE(messages.dump().empty());
}

TEST_CASE("openai: round trips") {
  const std::vector<volley::tool_call> calls{{"c1", "search", R"({"q":"a"})"},
                                             {"c2", "read_file", R"({"path":"b"})"},
                                             {"c3", "list", ""}};
  SECTION("calls -> assistant message -> calls") {
    const json message = openai::assistant_message_from_tool_calls(calls);
    CHECK(message["role"] == "assistant");
    CHECK(openai::tool_calls_from_message(message) == calls);
    CHECK(openai::tool_calls_from_message(json::parse(message.dump())) == calls);
  }
  SECTION("an agent loop's turn -> trace") {
    std::vector<volley::call_result> results(calls.size());
    for (std::size_t i = 0; i < calls.size(); ++i) {
      results[i].id = calls[i].id;
      results[i].name = calls[i].name;
      results[i].result = std::string("ok");
    }
    json conversation = json::array({json{{"role", "user"}, {"content", "go"}}});
    conversation.push_back(openai::assistant_message_from_tool_calls(calls));
    for (const json& m : openai::tool_messages_from_results(results)) conversation.push_back(m);
    conversation.push_back({{"role", "assistant"}, {"content", "done"}});
    const volley::trace trace = openai::trace_from_json_text(conversation.dump(2));
    CHECK(trace == volley::trace{trace_event::assistant_message(), trace_event::call("c1", "search"),
                                 trace_event::call("c2", "read_file"), trace_event::call("c3", "list"),
                                 trace_event::response("c1", "search"), trace_event::response("c2", "read_file"),
                                 trace_event::response("c3", "list"), trace_event::assistant_message()});
    CHECK(volley::count_sequential_rounds(trace) == 1);
    CHECK(volley::analyze_parallelization(trace).calls_per_batch == std::vector<std::size_t>{3});
  }
}

TEST_CASE("openai: malformed conversations name the path of the field") {
  struct bad_case {
    const char* messages;
    const char* message;
  };
  const bad_case cases[] = {
      {R"([1])", "messages[0]: expected object, got number"},
      {R"([{"content": "x"}])", "messages[0].role: missing (expected string)"},
      {R"([{"role": null}])", "messages[0].role: missing (expected string)"},
      {R"([{"role": 5}])", "messages[0].role: expected string, got number"},
      {R"([{"role": "assistant", "tool_calls": {}}])", "messages[0].tool_calls: expected array, got object"},
      {R"([{"role": "assistant", "tool_calls": ["x"]}])", "messages[0].tool_calls[0]: expected object, got string"},
      {R"([{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "{}"}}]}])",
       "messages[0].tool_calls[0].id: missing (expected string)"},
      {R"([{"role": "assistant", "tool_calls": [{"id": 7, "function": {"name": "f", "arguments": "{}"}}]}])",
       "messages[0].tool_calls[0].id: expected string, got number"},
      {R"([{"role": "assistant", "tool_calls": [{"id": "a"}]}])",
       "messages[0].tool_calls[0].function: missing (expected object)"},
      {R"([{"role": "assistant", "tool_calls": [{"id": "a", "function": "f"}]}])",
       "messages[0].tool_calls[0].function: expected object, got string"},
      {R"([{"role": "user"}, {"role": "user"}, {"role": "user"},
           {"role": "assistant", "tool_calls": [{"id": "a", "function": {"name": 3, "arguments": "{}"}}]}])",
       "messages[3].tool_calls[0].function.name: expected string, got number"},
      {R"([{"role": "assistant", "tool_calls": [{"id": "a", "function": {"name": "f"}}]}])",
       "messages[0].tool_calls[0].function.arguments: missing (expected string or object)"},
      {R"([{"role": "assistant", "tool_calls": [{"id": "a", "function": {"name": "f", "arguments": 1.5}}]}])",
       "messages[0].tool_calls[0].function.arguments: expected string or object, got number"},
      {R"([{"role": "assistant", "tool_calls": [{"id": "a", "function": {"name": "f", "arguments": []}}]}])",
       "messages[0].tool_calls[0].function.arguments: expected string or object, got array"},
      {R"([{"role": "assistant", "tool_calls": [{"id": "a", "type": "custom", "function": {"name": "f", "arguments": ""}}]}])",
       "messages[0].tool_calls[0].type: unsupported tool call type \"custom\" (expected \"function\")"},
      {R"([{"role": "assistant", "tool_calls": [{"id": "a", "type": true, "function": {"name": "f", "arguments": ""}}]}])",
       "messages[0].tool_calls[0].type: expected string, got boolean"},
      {R"([{"role": "user"}, {"role": "tool", "content": "x"}])", "messages[1].tool_call_id: missing (expected string)"},
      {R"([{"role": "tool", "tool_call_id": ["a"]}])", "messages[0].tool_call_id: expected string, got array"},
      {R"([{"role": "tool", "tool_call_id": "a", "name": 1}])", "messages[0].name: expected string, got number"},
      {R"("hello")", "expected an array of messages or an object with \"messages\", got string"},
      {R"({"model": "x"})", "messages: missing (expected array)"},
      {R"({"messages": 3})", "messages: expected array, got number"},
  };
  for (const bad_case& c : cases) {
    INFO(c.messages);
    CHECK(volley_test::format_error_of([&] { (void)openai::trace_from_json_text(c.messages); }) == c.message);
  }
}

TEST_CASE("openai: format_error splits path and problem; text that is not JSON") {
  try {
    (void)openai::trace_from_json_text(
        R"([{"role": "assistant", "tool_calls": [{"id": "a", "function": {"name": 3, "arguments": "{}"}}]}])");
    FAIL("no error");
  } catch (const volley::io::format_error& e) {
    CHECK(e.path() == "messages[0].tool_calls[0].function.name");
    CHECK(e.problem() == "expected string, got number");
  }
  CHECK(volley_test::format_error_of([] { (void)openai::trace_from_json_text("[{\"role\": "); }).rfind(
            "not JSON: parse error at line 1, column 11", 0) == 0);
  CHECK(volley_test::format_error_of([] { (void)openai::trace_from_json_text(""); }).rfind("not JSON: ", 0) == 0);
  CHECK(volley_test::format_error_of([] { (void)openai::trace_from_json_text("[] []"); }).rfind("not JSON: ", 0) == 0);
}

TEST_CASE("openai: tool_calls_from_message reports paths under the name it is given") {
  const json message = json::parse(R"({"role": "assistant", "tool_calls": [{"id": "a", "function": {"name": "f"}}]})");
  CHECK(volley_test::format_error_of([&] { (void)openai::tool_calls_from_message(message); }) ==
        "message.tool_calls[0].function.arguments: missing (expected string or object)");
  CHECK(volley_test::format_error_of([&] { (void)openai::tool_calls_from_message(message, "choices[0].message"); }) ==
        "choices[0].message.tool_calls[0].function.arguments: missing (expected string or object)");
  CHECK(volley_test::format_error_of([] { (void)openai::tool_calls_from_message(json::array()); }) ==
        "message: expected object, got array");
}
