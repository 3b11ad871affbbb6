// The Anthropic messages adapter: conversation -> trace, message -> calls,
// results -> one tool_result message, and every malformed input reported with its path.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io_test_support.hpp"
#include "volley/grade/analyze_parallelization.hpp"
#include "volley/grade/count_sequential_rounds.hpp"
#include "volley/io/anthropic.hpp"
#include "volley_catch.hpp"

using nlohmann::json;
using volley::trace_event;
namespace anthropic = volley::io::anthropic;

namespace {

json tool_use(const std::string& id, const std::string& name, json input) {
  return json{{"type", "tool_use"}, {"id", id}, {"name", name}, {"input", std::move(input)}};
}

json tool_result(const std::string& id, const std::string& content) {
  return json{{"type", "tool_result"}, {"tool_use_id", id}, {"content", content}};
}

// The seed's fine-tuned example in Anthropic's format.
json seed_conversation() {
  json messages = json::array();
  messages.push_back({{"role", "user"}, {"content", "How did Intel do?"}});
  messages.push_back({{"role", "assistant"},
                      {"content",
                       {json{{"type", "text"}, {"text", "Looking."}}, tool_use("t1", "search", {{"q", "Intel"}}),
                        tool_use("t2", "read_file", {{"path", "2023_report.pdf"}}),
                        tool_use("t3", "search", {{"q", "return metrics"}}),
                        tool_use("t4", "list", {{"path", "/financial_reports"}})}}});
  messages.push_back({{"role", "user"},
                      {"content", {tool_result("t1", "a"), tool_result("t2", "b"), tool_result("t3", "c"),
                                   tool_result("t4", "d")}}});
  messages.push_back({{"role", "assistant"},
                      {"content", {tool_use("t5", "read_file", {{"path", "returns_table.csv"}}),
                                   tool_use("t6", "read_file", {{"path", "competitor_data.csv"}})}}});
  messages.push_back({{"role", "user"},
                      {"content", {tool_result("t5", "e"),
                                   json{{"type", "tool_result"}, {"tool_use_id", "t6"}, {"is_error", true},
                                        {"content", json::array({json{{"type", "text"}, {"text", "x"}}})}}}}});
  messages.push_back({{"role", "assistant"}, {"content", "Intel returned 4%."}});
  return messages;
}

}  // namespace

TEST_CASE("anthropic: the seed's conversation gives batches [4, 2] and 2 rounds") {
  const volley::trace trace = anthropic::trace_from_conversation(seed_conversation());
  const volley::trace expected{
      trace_event::assistant_message(),
      trace_event::call("t1", "search"),
      trace_event::call("t2", "read_file"),
      trace_event::call("t3", "search"),
      trace_event::call("t4", "list"),
      trace_event::response("t1", "search"),
      trace_event::response("t2", "read_file"),
      trace_event::response("t3", "search"),
      trace_event::response("t4", "list"),
      trace_event::assistant_message(),
      trace_event::call("t5", "read_file"),
      trace_event::call("t6", "read_file"),
      trace_event::response("t5", "read_file"),
      trace_event::response("t6", "read_file"),
      trace_event::assistant_message(),
  };
  CHECK(trace == expected);
  CHECK(volley::analyze_parallelization(trace).calls_per_batch == std::vector<std::size_t>{4, 2});
  CHECK(volley::count_sequential_rounds(trace) == 2);
  const json body{{"model", "claude"}, {"system", "be brief"}, {"messages", seed_conversation()}};
  CHECK(anthropic::trace_from_conversation(body) == expected);
  CHECK(anthropic::trace_from_json_text(body.dump()) == expected);
}

TEST_CASE("anthropic: tool_calls_from_message serializes input, skips other blocks") {
  const json response = json::parse(R"({
    "id": "msg_1", "type": "message", "role": "assistant",
    "content": [
      {"type": "thinking", "thinking": "hm", "signature": "s"},
      {"type": "text", "text": "Let me look."},
      {"type": "tool_use", "id": "toolu_1", "name": "search", "input": {"q": "x", "limit": 3}},
      {"type": "tool_use", "id": "toolu_2", "name": "now", "input": {}}
    ],
    "stop_reason": "tool_use"})");
  const std::vector<volley::tool_call> calls = anthropic::tool_calls_from_message(response);
  REQUIRE(calls.size() == 2);
  CHECK(calls[0] == volley::tool_call{"toolu_1", "search", R"({"limit":3,"q":"x"})"});
  CHECK(calls[1] == volley::tool_call{"toolu_2", "now", "{}"});
  CHECK(anthropic::tool_calls_from_message(json{{"role", "assistant"}, {"content", "plain text"}}).empty());
}

TEST_CASE("anthropic: results become one user message of tool_result blocks") {
  std::vector<volley::call_result> results(3);
  results[0].id = "t1";
  results[0].result = std::string("42 hits");
  results[1].id = "t2";
  results[1].result = volley::make_error(volley::errc::tool_failed, "disk full");
  results[2].id = "t3";
  results[2].result = volley::make_error(volley::errc::unknown_tool, "no tool named \"serch\"");
  const json message = anthropic::tool_result_message_from_results(results);
  CHECK(message["role"] == "user");
  REQUIRE(message["content"].size() == 3);
  CHECK(message["content"][0] ==
        json{{"type", "tool_result"}, {"tool_use_id", "t1"}, {"content", "42 hits"}, {"is_error", false}});
  CHECK(message["content"][1]["content"] == "error (tool_failed): disk full");
  CHECK(message["content"][1]["is_error"] == true);
  CHECK(message["content"][2]["content"] == "error (unknown_tool): no tool named \"serch\"");
  CHECK(message["content"][2]["tool_use_id"] == "t3");
  CHECK(anthropic::tool_result_message_from_results({})["content"] == json::array());
}

TEST_CASE("anthropic: round trips") {
  const std::vector<volley::tool_call> calls{{"t1", "search", R"({"q":"a"})"}, {"t2", "list", ""}};
  SECTION("calls -> assistant message -> calls (empty arguments read back as {})") {
    const json message = anthropic::assistant_message_from_tool_calls(calls);
    const std::vector<volley::tool_call> back = anthropic::tool_calls_from_message(message);
    REQUIRE(back.size() == 2);
    CHECK(back[0] == calls[0]);
    CHECK(back[1] == volley::tool_call{"t2", "list", "{}"});
  }
  SECTION("an agent loop's turn -> trace") {
    std::vector<volley::call_result> results(2);
    results[0].id = "t1";
    results[0].result = std::string("found");
    results[1].id = "t2";
    results[1].result = volley::make_error(volley::errc::timeout, "2s");
    json conversation = json::array({json{{"role", "user"}, {"content", "go"}}});
    conversation.push_back(anthropic::assistant_message_from_tool_calls(calls));
    conversation.push_back(anthropic::tool_result_message_from_results(results));
    const volley::trace trace = anthropic::trace_from_json_text(conversation.dump());
    CHECK(trace == volley::trace{trace_event::assistant_message(), trace_event::call("t1", "search"),
                                 trace_event::call("t2", "list"), trace_event::response("t1", "search"),
                                 trace_event::response("t2", "list")});
  }
  SECTION("arguments that are not a JSON object") {
    CHECK(volley_test::format_error_of([] {
            (void)anthropic::assistant_message_from_tool_calls({{"a", "f", "{}"}, {"b", "g", "[1, 2]"}});
          }) == "tool_calls[1].arguments: expected object, got array");
    CHECK(volley_test::format_error_of([] {
            (void)anthropic::assistant_message_from_tool_calls({{"a", "f", "{oops"}});
          }).rfind("tool_calls[0].arguments: not JSON: parse error at line 1, column 2", 0) == 0);
  }
}

TEST_CASE("anthropic: malformed conversations name the path of the field") {
  struct bad_case {
    const char* messages;
    const char* message;
  };
  const bad_case cases[] = {
      {R"([null])", "messages[0]: expected object, got null"},
      {R"([{"content": "x"}])", "messages[0].role: missing (expected string)"},
      {R"([{"role": "assistant"}])", "messages[0].content: missing (expected string or array)"},
      {R"([{"role": "user", "content": 4}])", "messages[0].content: expected string or array, got number"},
      {R"([{"role": "user", "content": [3]}])", "messages[0].content[0]: expected object, got number"},
      {R"([{"role": "user", "content": [{"text": "x"}]}])", "messages[0].content[0].type: missing (expected string)"},
      {R"([{"role": "user", "content": "q"}, {"role": "assistant", "content": [{"type": "text", "text": "a"},
           {"type": "tool_use", "name": "f", "input": {}}]}])",
       "messages[1].content[1].id: missing (expected string)"},
      {R"([{"role": "assistant", "content": [{"type": "tool_use", "id": "a", "name": false, "input": {}}]}])",
       "messages[0].content[0].name: expected string, got boolean"},
      {R"([{"role": "assistant", "content": [{"type": "tool_use", "id": "a", "name": "f"}]}])",
       "messages[0].content[0].input: missing (expected object)"},
      {R"([{"role": "assistant", "content": [{"type": "tool_use", "id": "a", "name": "f", "input": "{}"}]}])",
       "messages[0].content[0].input: expected object, got string"},
      {R"([{"role": "user", "content": [{"type": "tool_result", "content": "x"}]}])",
       "messages[0].content[0].tool_use_id: missing (expected string)"},
      {R"([{"role": "user", "content": [{"type": "tool_result", "tool_use_id": 1}]}])",
       "messages[0].content[0].tool_use_id: expected string, got number"},
      {R"([{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "a", "is_error": "yes"}]}])",
       "messages[0].content[0].is_error: expected boolean, got string"},
      {R"(17)", "expected an array of messages or an object with \"messages\", got number"},
      {R"({"system": "x"})", "messages: missing (expected array)"},
  };
  for (const bad_case& c : cases) {
    INFO(c.messages);
    CHECK(volley_test::format_error_of([&] { (void)anthropic::trace_from_json_text(c.messages); }) == c.message);
  }
  CHECK(volley_test::format_error_of([] {
          (void)anthropic::tool_calls_from_message(json::parse(R"({"role": "assistant", "content": [{"type": 1}]})"));
        }) == "message.content[0].type: expected string, got number");
}
