// sse_parser: the WHATWG event-stream rules, in every chunking of the bytes.
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "volley/asio/sse_parser.hpp"
#include "volley_catch.hpp"

using namespace std::chrono_literals;

namespace {

std::vector<volley::sse_event> drain(volley::sse_parser& parser) {
  std::vector<volley::sse_event> events;
  while (auto event = parser.next_event()) events.push_back(std::move(*event));
  return events;
}

std::vector<volley::sse_event> parse_whole(std::string_view stream) {
  volley::sse_parser parser;
  parser.feed(stream);
  return drain(parser);
}

// Feeds `stream` split at the given offsets.
std::vector<volley::sse_event> parse_split(std::string_view stream, const std::vector<std::size_t>& cuts) {
  volley::sse_parser parser;
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    parser.feed(stream.substr(from, cut - from));
    from = cut;
  }
  parser.feed(stream.substr(from));
  return drain(parser);
}

volley::sse_event make_event(std::string type, std::string data, std::string id = {},
                             std::optional<std::chrono::milliseconds> retry = std::nullopt) {
  volley::sse_event e;
  e.event = std::move(type);
  e.data = std::move(data);
  e.id = std::move(id);
  e.retry = retry;
  return e;
}

// Every way to cut the stream in one or two places gives the same events as the whole.
void check_every_chunking(std::string_view stream) {
  const auto want = parse_whole(stream);
  for (std::size_t a = 0; a <= stream.size(); ++a) {
    for (std::size_t b = a; b <= stream.size(); ++b) {
      INFO("cut at " << a << " and " << b);
      REQUIRE(parse_split(stream, {a, b}) == want);
    }
  }
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < stream.size(); ++i) every.push_back(i);
  REQUIRE(parse_split(stream, every) == want);
}

}  // namespace

TEST_CASE("sse_parser: events, types, multi-line data, and the default type", "[sse]") {
  auto events = parse_whole("data: hello\n\nevent: update\ndata: line 1\ndata: line 2\n\n");
  REQUIRE(events.size() == 2);
  CHECK(events[0] == make_event("message", "hello"));
  CHECK(events[1] == make_event("update", "line 1\nline 2"));
}

TEST_CASE("sse_parser: the WHATWG examples: empty data, a lone newline, an unfinished block", "[sse]") {
  volley::sse_parser parser;
  parser.feed("data\n\ndata\ndata\n\ndata:");
  auto events = drain(parser);
  REQUIRE(events.size() == 2);
  CHECK(events[0].data.empty());
  CHECK(events[1].data == "\n");
  CHECK(parser.finish());  // "data:" without a blank line is discarded
  CHECK(drain(parser).empty());
  // One space after the colon is dropped, no more.
  events = parse_whole("data:test\n\ndata: test\n\ndata:  test\n\n");
  REQUIRE(events.size() == 3);
  CHECK(events[0].data == "test");
  CHECK(events[1].data == "test");
  CHECK(events[2].data == " test");
}

TEST_CASE("sse_parser: CR, LF and CRLF line ends, mixed", "[sse]") {
  auto events = parse_whole("data: a\r\rdata: b\n\ndata: c\r\n\r\ndata: d\r\ndata: e\n\r\n");
  REQUIRE(events.size() == 4);
  CHECK(events[0].data == "a");
  CHECK(events[1].data == "b");
  CHECK(events[2].data == "c");
  CHECK(events[3].data == "d\ne");
}

TEST_CASE("sse_parser: comments, fields without a colon, unknown fields, and a block without data", "[sse]") {
  auto events = parse_whole(": keep-alive\n\n:comment\ndata: x\nfoo: bar\nevent\n\nevent: lonely\n\n");
  REQUIRE(events.size() == 1);
  CHECK(events[0] == make_event("message", "x"));  // "event" alone set the type to empty: the default
}

TEST_CASE("sse_parser: ids persist, an empty id clears, an id with NUL is ignored", "[sse]") {
  volley::sse_parser parser;
  parser.feed("id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: 7\n\n");
  parser.feed(std::string_view("id: x\0y\ndata: d\n\n", 17));
  auto events = drain(parser);
  REQUIRE(events.size() == 4);
  CHECK(events[0].id == "1");
  CHECK(events[1].id == "1");  // the last event ID stays in effect
  CHECK(events[2].id.empty());
  CHECK(events[3].id == "7");  // set by a block with no data; the NUL id was ignored
  CHECK(parser.last_event_id() == "7");
}

TEST_CASE("sse_parser: retry counts only when all digits, also from a block without data", "[sse]") {
  volley::sse_parser parser;
  parser.feed("retry: 1500\ndata: a\n\nretry: 15x\ndata: b\n\nretry: -1\nretry:\n\n");
  auto events = drain(parser);
  REQUIRE(events.size() == 2);
  CHECK(events[0].retry == std::optional{1500ms});
  CHECK_FALSE(events[1].retry.has_value());
  CHECK(parser.retry() == std::optional{1500ms});
  parser.feed("retry: 3000\n\n");
  CHECK(parser.retry() == std::optional{3000ms});
  CHECK(parser.pending_events() == 0);
}

TEST_CASE("sse_parser: a leading UTF-8 BOM is dropped, even split; a later one is data", "[sse]") {
  CHECK(parse_whole("\xEF\xBB\xBF" "data: a\n\n") == std::vector{make_event("message", "a")});
  CHECK(parse_split("\xEF\xBB\xBF" "data: a\n\n", {1, 2}) == std::vector{make_event("message", "a")});
  // Only the first one: the second is the start of a field name.
  auto events = parse_whole("\xEF\xBB\xBF\xEF\xBB\xBF" "data: a\n\ndata: b\n\n");
  REQUIRE(events.size() == 1);
  CHECK(events[0].data == "b");
  // Bytes that start like a BOM but are not one are kept.
  events = parse_split("\xEF\xBB" "x: y\ndata: c\n\n", {1});
  REQUIRE(events.size() == 1);
  CHECK(events[0].data == "c");
}

TEST_CASE("sse_parser: every chunking of a stream gives the same events", "[sse][property]") {
  check_every_chunking("\xEF\xBB\xBF" ": hi\r\nid: 4\r\nevent: e\r\ndata: one\r\ndata:two\r\n\r\nretry: 20\rdata: x\r\rdata\n\n");
  check_every_chunking("data: a\r\n\r\ndata: b\r\r\ndata: c\n\r\n");
}

TEST_CASE("sse_parser: a line or an event over its limit is an sse_error that says which and where", "[sse][limits]") {
  volley::sse_parser lines{{.max_line_bytes = 16, .max_event_bytes = 1024}};
  lines.feed("data: short\n\n");
  CHECK(lines.pending_events() == 1);
  lines.feed("data: 0123456");  // 13 bytes of a line so far
  try {
    lines.feed("789abcdef\n");
    FAIL("an over-long line was accepted");
  } catch (const volley::sse_error& e) {
    CHECK(std::string(e.what()).find("a line of more than 16 bytes at byte 26") != std::string::npos);
  }
  CHECK_THROWS_AS(lines.feed("\n"), volley::sse_error);  // and it stays failed

  volley::sse_parser events{{.max_line_bytes = 100, .max_event_bytes = 20}};
  CHECK_THROWS_AS(events.feed("data: 0123456789\ndata: 0123456789\n"), volley::sse_error);
}
