// Chrome-trace export: valid JSON, one complete event per answered call,
// overlapping calls on distinct rows, escaping, and what cannot be drawn.
#include "volley/detail/concat.hpp"
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "json_checker.hpp"
#include "volley/trace/chrome_trace.hpp"
#include "volley/trace/trace_recorder.hpp"
#include "volley_catch.hpp"

namespace {

using namespace std::chrono_literals;
using volley::trace_event;

// The seed's fine-tuned example on the recorder, times in ms.
void record_seed_batches(volley::trace_recorder& recorder, std::chrono::nanoseconds origin) {
  auto ms = [&](int v) { return origin + std::chrono::milliseconds{v}; };
  recorder.assistant_message(ms(0));
  const char* batch1[][2] = {{"c1", "search"}, {"c2", "read_file"}, {"c3", "search"}, {"c4", "list"}};
  for (auto& call : batch1) {
    recorder.call_issued(call[0], call[1], ms(0));
    recorder.call_started(call[0], ms(0));
  }
  recorder.call_finished("c4", ms(300), true, {});
  recorder.call_finished("c2", ms(1500), true, {});
  recorder.call_finished("c1", ms(2000), true, {});
  recorder.call_finished("c3", ms(2000), true, {});
  recorder.assistant_message(ms(2000));
  recorder.call_issued("c5", "read_file", ms(2000));
  recorder.call_issued("c6", "read_file", ms(2000));
  recorder.call_started("c5", ms(2000));
  recorder.call_started("c6", ms(2100));  // waited 100 ms for a slot
  recorder.call_finished("c5", ms(3500), true, {});
  recorder.call_finished("c6", ms(3400), false, "disk \"full\"\n");
  recorder.assistant_message(ms(3500));
}

std::vector<const json_checker::value*> events_with_ph(const json_checker::value& doc, const std::string& ph) {
  std::vector<const json_checker::value*> out;
  for (const auto& event : doc["traceEvents"].items) {
    if (event["ph"].text == ph) out.push_back(&event);
  }
  return out;
}

bool overlap(double begin1, double end1, double begin2, double end2) {
  return std::max(begin1, begin2) < std::min(end1, end2);
}

}  // namespace

TEST_CASE("the seed's two batches export as 6 complete events on 4 rows") {
  volley::trace_recorder recorder;
  record_seed_batches(recorder, 1'000'000'000'000ns);  // a steady clock far from 0
  const auto timeline = volley::make_timeline(recorder.spans(), recorder.events());
  CHECK(timeline.slot_count == 4);
  const std::string json = volley::to_chrome_trace(timeline);
  INFO(json);
  json_checker::value doc;
  REQUIRE_NOTHROW(doc = json_checker::parse(json));

  const auto complete = events_with_ph(doc, "X");
  REQUIRE(complete.size() == 6);
  std::map<std::string, const json_checker::value*> by_id;
  for (const auto* event : complete) by_id[(*event)["args"]["id"].text] = event;
  REQUIRE(by_id.size() == 6);
  CHECK((*by_id["c1"])["name"].text == "search");
  CHECK((*by_id["c1"])["ts"].text == "0.000");                // start_at_zero
  CHECK((*by_id["c1"])["dur"].text == "2000000.000");         // 2 s in microseconds
  CHECK((*by_id["c4"])["dur"].number == 300000.0);
  CHECK((*by_id["c6"])["ts"].number == 2100000.0);            // bar begins at the start
  CHECK((*by_id["c6"])["args"]["queued_us"].number == 100000.0);
  CHECK((*by_id["c6"])["args"]["ok"].boolean == false);
  CHECK((*by_id["c6"])["args"]["error"].text == "disk \"full\"\n");
  CHECK((*by_id["c5"])["args"]["ok"].boolean == true);
  CHECK_FALSE((*by_id["c5"])["args"].has("error"));

  // Overlapping calls never share a tid; the first batch uses 4 distinct rows.
  for (const auto* a : complete) {
    for (const auto* b : complete) {
      if (a == b) continue;
      const double a0 = (*a)["ts"].number, a1 = a0 + (*a)["dur"].number;
      const double b0 = (*b)["ts"].number, b1 = b0 + (*b)["dur"].number;
      if (overlap(a0, a1, b0, b1)) CHECK((*a)["tid"].number != (*b)["tid"].number);
    }
  }
  // Batch 2 reuses the lowest rows freed by batch 1 (c4 finished first, then c2).
  CHECK((*by_id["c5"])["tid"].number == 1.0);
  CHECK((*by_id["c6"])["tid"].number == 2.0);

  CHECK(events_with_ph(doc, "i").size() == 3);  // the three assistant messages
  CHECK(events_with_ph(doc, "M").size() == 1 + 2 * 4);
  CHECK(doc["otherData"]["calls"].number == 6.0);
  CHECK(doc["otherData"]["slots"].number == 4.0);
  CHECK(doc["displayTimeUnit"].text == "ms");
}

TEST_CASE("a plain trace with times: never-answered calls become instant markers, the rest is listed") {
  const volley::trace trace{
      trace_event::assistant_message(0ns),
      trace_event::call("a", "search", 1000ns),
      trace_event::call("b", "search", 1000ns),   // never answered
      trace_event::call("c", "search"),           // no time: cannot be drawn
      trace_event::response("a", "search", 4500ns),
      trace_event::response("zz", "", 5000ns),    // answers nothing
      trace_event::response("c", "search", 6000ns),
      trace_event::assistant_message(7000ns),
  };
  const auto timeline = volley::make_timeline(trace);
  REQUIRE(timeline.calls.size() == 2);
  CHECK(timeline.untimed_calls == std::vector<std::size_t>{3});
  CHECK(timeline.unmatched_responses == std::vector<std::size_t>{5});
  CHECK(timeline.first == 0ns);
  CHECK(timeline.last == 7000ns);
  CHECK(timeline.slot_count == 2);

  const auto doc = json_checker::parse(volley::to_chrome_trace(timeline));
  const auto complete = events_with_ph(doc, "X");
  REQUIRE(complete.size() == 1);
  CHECK((*complete[0])["ts"].text == "1.000");
  CHECK((*complete[0])["dur"].text == "3.500");
  CHECK((*complete[0])["args"]["event_index"].number == 1.0);
  std::size_t never_answered = 0;
  for (const auto* instant : events_with_ph(doc, "i")) {
    if ((*instant)["cat"].text != "tool_call") continue;
    ++never_answered;
    CHECK((*instant)["name"].text == "search (never answered)");
    CHECK((*instant)["args"]["never_answered"].boolean);
    CHECK((*instant)["args"]["id"].text == "b");
    CHECK((*instant)["s"].text == "t");
  }
  CHECK(never_answered == 1);
  CHECK(doc["otherData"]["untimed_calls"].items.size() == 1);
  CHECK(doc["otherData"]["untimed_calls"].items[0].number == 3.0);
  CHECK(doc["otherData"]["unmatched_responses"].items[0].number == 5.0);

  SECTION("without start_at_zero, times stay on the executor's clock") {
    volley::chrome_trace_options options;
    options.start_at_zero = false;
    options.process_name = "agent \"7\"";
    const auto raw = json_checker::parse(volley::to_chrome_trace(timeline, options));
    CHECK((*events_with_ph(raw, "X")[0])["ts"].text == "1.000");
    const auto metadata = events_with_ph(raw, "M");
    CHECK((*metadata[0])["args"]["name"].text == "agent \"7\"");
  }
}

TEST_CASE("strings are escaped: quotes, backslashes, control characters, bad UTF-8") {
  volley::trace_recorder recorder;
  const std::string nasty = std::string{"q\"b\\s/t\tn\nc\x01"} + "\x1f" + "caf\xc3\xa9 bad\xff end\xe2\x82";
  recorder.call_issued(nasty, nasty, 0ns);
  recorder.call_finished(nasty, 5ns, false, nasty);
  const std::string json = volley::to_chrome_trace(volley::make_timeline(recorder.spans()));
  INFO(json);
  json_checker::value doc;
  REQUIRE_NOTHROW(doc = json_checker::parse(json));
  const auto complete = events_with_ph(doc, "X");
  REQUIRE(complete.size() == 1);
  const std::string expected = std::string{"q\"b\\s/t\tn\nc\x01"} + "\x1f" + "caf\xc3\xa9 bad\xef\xbf\xbd end" +
                               "\xef\xbf\xbd\xef\xbf\xbd";
  CHECK((*complete[0])["name"].text == expected);
  CHECK((*complete[0])["args"]["id"].text == expected);
  CHECK((*complete[0])["args"]["error"].text == expected);
  CHECK(json.find("\\u0001") != std::string::npos);
  CHECK(json.find("\\u001f") != std::string::npos);
}

TEST_CASE("an empty timeline is still a valid trace file") {
  const auto doc = json_checker::parse(volley::to_chrome_trace(volley::make_timeline(volley::trace{})));
  CHECK(events_with_ph(doc, "X").empty());
  CHECK(doc["otherData"]["slots"].number == 0.0);
}

TEST_CASE("slot assignment on random intervals: no overlap on a row, as few rows as the peak overlap") {
  std::mt19937_64 rng{7};
  for (int round = 0; round < volley_test::scaled(2000); ++round) {
    std::vector<volley::call_span> spans;
    const int count = std::uniform_int_distribution<int>{0, 25}(rng);
    for (int i = 0; i < count; ++i) {
      volley::call_span span;
      span.id = "c";  // appended: g++ 12 -O3 warns falsely on volley::detail::concat({"c", std::to_string(i)})
      span.id += std::to_string(i);
      span.issued = std::chrono::nanoseconds{std::uniform_int_distribution<int>{0, 100}(rng)};
      if (i % 3 != 0) span.started = span.issued + std::chrono::nanoseconds{std::uniform_int_distribution<int>{0, 5}(rng)};
      if (i % 11 != 5) {
        span.finished = span.started.value_or(span.issued) + std::chrono::nanoseconds{std::uniform_int_distribution<int>{0, 40}(rng)};
        span.ok = true;
      }
      span.event_index = static_cast<std::size_t>(i);
      spans.push_back(span);
    }
    const auto timeline = volley::make_timeline(spans);
    REQUIRE(timeline.calls.size() == spans.size());
    auto end_of = [&](const volley::timeline_call& c) { return c.finished.value_or(timeline.last); };
    std::size_t peak = 0;
    for (std::size_t i = 0; i < timeline.calls.size(); ++i) {
      const auto& a = timeline.calls[i];
      REQUIRE(a.slot < timeline.slot_count);
      // a plus the calls begun before it (ties: earlier in order) still running at
      // its begin: they all hold a row at that instant, a lower bound the greedy meets.
      std::size_t in_flight = 1;
      for (std::size_t j = 0; j < timeline.calls.size(); ++j) {
        const auto& b = timeline.calls[j];
        if (i == j) continue;
        const bool before = b.begin() < a.begin() || (b.begin() == a.begin() && j < i);
        if (before && a.begin() < end_of(b)) ++in_flight;
        if (a.slot == b.slot) {
          INFO("calls " << a.id << " and " << b.id);
          REQUIRE_FALSE(std::max(a.begin(), b.begin()) < std::min(end_of(a), end_of(b)));
        }
      }
      peak = std::max(peak, in_flight);
    }
    CHECK(timeline.slot_count == peak);
  }
}
