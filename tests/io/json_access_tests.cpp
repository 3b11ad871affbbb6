// The shared JSON helpers of the adapters: paths, UTF-8 repair, nesting limits,
// result text, and format detection.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io_test_support.hpp"
#include "volley/io/detail/json_access.hpp"
#include "volley/io/detail/result_text.hpp"
#include "volley/io/detail/json_layout.hpp"
#include "volley/io/message_format.hpp"
#include "volley_catch.hpp"

using nlohmann::json;
using volley::io::detail::json_path;

TEST_CASE("json_path renders keys, indices and odd keys") {
  const json_path root{"traj"};
  const json_path message = root[12];
  const json_path calls = message / "tool_calls";
  const json_path call = calls[0];
  CHECK((call / "id").str() == "traj[12].tool_calls[0].id");
  const json_path unnamed{""};
  CHECK((unnamed / "reward").str() == "reward");
  CHECK(unnamed[3].str() == "[3]");
  CHECK((unnamed / "a.b").str() == "[\"a.b\"]");
  CHECK((root / "").str() == "traj[\"\"]");
}

TEST_CASE("valid_utf8 keeps good text and replaces each bad byte") {
  using volley::io::detail::valid_utf8;
  CHECK(valid_utf8("plain") == "plain");
  CHECK(valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") == "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  CHECK(valid_utf8("a\xFFz") == "a\xEF\xBF\xBDz");
  CHECK(valid_utf8("\xC3") == "\xEF\xBF\xBD");                          // truncated
  CHECK(valid_utf8("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");          // overlong
  CHECK(valid_utf8("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  CHECK(valid_utf8("\xF4\x90\x80\x80x").size() == 13);                  // above U+10FFFF
  CHECK(valid_utf8(std::string("a\0b", 3)) == std::string("a\0b", 3));
  // Whatever the bytes, the result serializes.
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  CHECK_NOTHROW(json(valid_utf8(all)).dump());
}

TEST_CASE("scan_json_layout: depth, and where each top-level element starts") {
  using volley::io::detail::scan_json_layout;
  CHECK(scan_json_layout("1", false).depth == 0);
  CHECK(scan_json_layout(R"([{"a": [1]}])", false).depth == 3);
  CHECK(scan_json_layout(R"(["[[[[", "\"[[", "\\"])", false).depth == 1);
  CHECK(scan_json_layout(R"(["unterminated [[[)", false).depth == 1);
  const std::string text = " [ {\"a\": \"x,]\\\\\"} ,[1,2],\n \"s\\\",\" ,\n\n3 ] ";
  const auto layout = scan_json_layout(text, true);
  REQUIRE(layout.element_offsets.size() == 4);
  CHECK(text[layout.element_offsets[0]] == '{');
  CHECK(text[layout.element_offsets[1]] == '[');
  CHECK(text[layout.element_offsets[2]] == '"');
  CHECK(text[layout.element_offsets[3]] == '3');
  CHECK(layout.element_lines == std::vector<std::size_t>{1, 1, 2, 4});
  CHECK(nlohmann::json::parse(text).size() == 4);
  CHECK(scan_json_layout("[]", true).element_offsets.empty());
  CHECK(scan_json_layout(R"({"a": [1, 2]})", true).element_offsets.empty());
}

TEST_CASE("result_text of values and errors") {
  volley::call_result result;
  result.result = std::string("fine");
  CHECK(volley::io::detail::result_text(result) == "fine");
  result.result = volley::make_error(volley::errc::skipped, "a dependency failed");
  CHECK(volley::io::detail::result_text(result) == "error (skipped): a dependency failed");
  result.result = volley::make_error(volley::errc::invalid_arguments);
  CHECK(volley::io::detail::result_text(result) == "error (invalid_arguments)");
}

TEST_CASE("detect_message_format") {
  using volley::io::detect_message_format;
  using volley::io::message_format;
  CHECK(detect_message_format(json::parse(R"([{"role": "tool", "tool_call_id": "a"}])")) == message_format::openai);
  CHECK(detect_message_format(json::parse(R"([{"role": "assistant", "tool_calls": []}])")) == message_format::openai);
  CHECK(detect_message_format(json::parse(R"([{"role": "user", "content": [{"type": "tool_result"}]}])")) ==
        message_format::anthropic);
  CHECK(detect_message_format(json::parse(R"([{"role": "user", "content": "hi"}])")) == message_format::openai);
  CHECK(detect_message_format(json::parse(R"([1, "x", {"content": [2, {"type": 3}]}])")) == message_format::openai);
  CHECK(detect_message_format(json::parse(R"({"not": "an array"})")) == message_format::openai);
  CHECK(volley::io::message_format_from_string("anthropic") == message_format::anthropic);
  CHECK_FALSE(volley::io::message_format_from_string("gemini").has_value());
  CHECK(volley::io::to_string(message_format::openai) == "openai");
}
