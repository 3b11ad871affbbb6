// trace_recorder: the events and spans it records, id reuse, mismatched ids,
// and many threads recording at once.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>
#include <thread>
#include <vector>

#include "volley/trace/trace_recorder.hpp"
#include "volley_catch.hpp"

namespace {

using namespace std::chrono_literals;
using volley::event_type;
using volley::trace_event;

}  // namespace

TEST_CASE("one batch: events in recording order, one span per call") {
  volley::trace_recorder recorder;
  recorder.assistant_message(0ns);
  recorder.call_issued("c1", "search", 10ns);
  recorder.call_issued("c2", "read_file", 11ns);
  recorder.call_started("c2", 12ns);
  recorder.call_started("c1", 13ns);
  recorder.call_finished("c2", 40ns, false, "no such file");
  recorder.call_finished("c1", 50ns, true, "ignored when ok");
  recorder.assistant_message(60ns);

  const volley::trace expected{
      trace_event::assistant_message(0ns),          trace_event::call("c1", "search", 10ns),
      trace_event::call("c2", "read_file", 11ns),   trace_event::response("c2", "read_file", 40ns),
      trace_event::response("c1", "search", 50ns),  trace_event::assistant_message(60ns),
  };
  CHECK(recorder.events() == expected);

  const auto spans = recorder.spans();
  REQUIRE(spans.size() == 2);
  CHECK(spans[0].id == "c1");
  CHECK(spans[0].name == "search");
  CHECK(spans[0].issued == 10ns);
  CHECK(spans[0].started == std::optional{13ns});
  CHECK(spans[0].finished == std::optional{50ns});
  CHECK(spans[0].ok);
  CHECK(spans[0].error.empty());
  CHECK(spans[0].event_index == 1);
  CHECK(spans[1].id == "c2");
  CHECK_FALSE(spans[1].ok);
  CHECK(spans[1].error == "no such file");
  CHECK(spans[1].event_index == 2);
  CHECK(recorder.problems().empty());

  recorder.clear();
  CHECK(recorder.events().empty());
  CHECK(recorder.spans().empty());
}

TEST_CASE("ids repeat across turns: a start or finish goes to the most recent unfinished call") {
  volley::trace_recorder recorder;
  recorder.call_issued("a", "search", 1ns);
  recorder.call_finished("a", 2ns, true, {});
  recorder.call_issued("a", "search", 3ns);  // reused after the first was answered
  recorder.call_started("a", 4ns);
  recorder.call_finished("a", 5ns, true, {});
  const auto spans = recorder.spans();
  REQUIRE(spans.size() == 2);
  CHECK(spans[0].finished == std::optional{2ns});
  CHECK_FALSE(spans[0].started.has_value());
  CHECK(spans[1].started == std::optional{4ns});
  CHECK(spans[1].finished == std::optional{5ns});

  SECTION("reused while unfinished: the newest one is matched first") {
    recorder.clear();
    recorder.call_issued("b", "x", 1ns);
    recorder.call_issued("b", "y", 2ns);
    recorder.call_finished("b", 3ns, true, {});
    const auto both = recorder.spans();
    CHECK_FALSE(both[0].finished.has_value());
    CHECK(both[1].finished == std::optional{3ns});
    CHECK(recorder.events().back() == trace_event::response("b", "y", 3ns));
  }
}

TEST_CASE("a start or finish that matches no call is listed as a problem, never thrown") {
  volley::trace_recorder recorder;
  recorder.call_started("ghost", 1ns);
  recorder.call_finished("ghost", 2ns, true, {});
  recorder.call_issued("a", "t", 3ns);
  recorder.call_started("a", 4ns);
  recorder.call_started("a", 5ns);
  const auto problems = recorder.problems();
  REQUIRE(problems.size() == 3);
  CHECK(problems[0] == "call_started(id 'ghost') at 1 ns matches no unfinished call; ignored");
  CHECK(problems[1] ==
        "call_finished(id 'ghost') at 2 ns matches no unfinished call; logged as a response to an unknown call");
  CHECK(problems[2] == "call_started(id 'a') at 5 ns the call had already started; the first start is kept");
  // The stray finish is in the trace, where validate reports it.
  const auto events = recorder.events();
  REQUIRE(events.size() == 2);
  CHECK(events[0] == trace_event::response("ghost", {}, 2ns));
  CHECK(recorder.spans()[0].started == std::optional{4ns});
}

TEST_CASE("several threads recording at once lose nothing") {
  volley_test::watchdog dog{"trace_recorder threads", std::chrono::seconds{120}};
  constexpr int thread_count = 4;
  constexpr int calls_per_thread = 500;
  volley::trace_recorder recorder;
  std::atomic<bool> go{false};
  std::atomic<bool> writers_done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < calls_per_thread; ++i) {
        std::string own = "t";  // built with += : g++ 12 -O3 warns falsely on "literal" + std::string&&
        own += std::to_string(t);
        own += '-';
        own += std::to_string(i % 7);  // reused ids
        const auto at = std::chrono::nanoseconds{i * 10};
        recorder.call_issued(own, "own", at);
        recorder.call_issued("shared", "shared", at);  // the same id in every thread
        recorder.call_started(own, at + 1ns);
        recorder.call_finished("shared", at + 2ns, true, {});
        recorder.call_finished(own, at + 3ns, i % 5 != 0, "every fifth fails");
        if (i % 50 == 0) recorder.assistant_message(at + 4ns);
      }
    });
  }
  // A reader takes copies while the writers run (Catch2 assertions stay on
  // the main thread: the reader only records what it saw).
  std::atomic<bool> reader_saw_shrinking_log{false};
  std::atomic<std::size_t> reader_copies{0};
  std::thread reader([&] {
    while (!go.load()) std::this_thread::yield();
    std::size_t seen_events = 0;
    std::size_t seen_spans = 0;
    do {
      const auto events = recorder.events();
      const auto spans = recorder.spans();
      if (events.size() < seen_events || spans.size() < seen_spans) reader_saw_shrinking_log.store(true);
      seen_events = events.size();
      seen_spans = spans.size();
      reader_copies.fetch_add(1);
    } while (!writers_done.load());
  });
  go.store(true);
  for (auto& thread : threads) thread.join();
  writers_done.store(true);
  reader.join();

  const auto events = recorder.events();
  const auto spans = recorder.spans();
  constexpr std::size_t calls = std::size_t{thread_count} * calls_per_thread * 2;
  CHECK(spans.size() == calls);
  CHECK(events.size() == calls * 2 + thread_count * (calls_per_thread / 50));
  CHECK(recorder.problems().empty());
  CHECK_FALSE(reader_saw_shrinking_log.load());
  CHECK(reader_copies.load() > 0);
  std::size_t failed = 0;
  for (const auto& span : spans) {
    REQUIRE(span.finished.has_value());
    REQUIRE(events[span.event_index].type == event_type::tool_call);
    REQUIRE(events[span.event_index].id == span.id);
    if (span.name == "own") {
      // Own ids are never shared between threads: each start and finish found its own call.
      REQUIRE(span.started.has_value());
      CHECK(*span.finished - *span.started == 2ns);
      CHECK(*span.started - span.issued == 1ns);
      if (!span.ok) ++failed;
    }
  }
  CHECK(failed == std::size_t{thread_count} * (calls_per_thread / 5));
}
