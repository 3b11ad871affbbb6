// Text timeline: golden output for a small case in both layouts, and the
// degenerate cases (empty, one instant, untimed calls).
#include <chrono>
#include <string>

#include "volley/trace/text_timeline.hpp"
#include "volley/trace/trace_recorder.hpp"
#include "volley_catch.hpp"

namespace {

using namespace std::chrono_literals;
using volley::trace_event;

// The seed's first batch, then a second batch with a queued call that fails
// and a call that is never answered.
volley::timeline small_run() {
  volley::trace_recorder recorder;
  auto ms = [](int v) { return std::chrono::nanoseconds{std::chrono::milliseconds{v}}; };
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
  recorder.call_started("c6", ms(2300));
  recorder.call_issued("c7", "write_file", ms(2600));
  recorder.call_finished("c5", ms(3500), true, {});
  recorder.call_finished("c6", ms(3400), false, "disk full\nmore detail");
  recorder.assistant_message(ms(3500));
  return volley::make_timeline(recorder.spans(), recorder.events());
}

}  // namespace

TEST_CASE("golden: one row per call") {
  const std::string expected =
      "7 calls on 4 slots over 3.500 s\n"
      "slot  call           0.000 s                                      3.500 s\n"
      "   1  search c1      |#############################:                   :|  0.000 s - 2.000 s  ok\n"
      "   2  read_file c2   |#####################        :                   :|  0.000 s - 1.500 s  ok\n"
      "   3  search c3      |#############################:                   :|  0.000 s - 2.000 s  ok\n"
      "   4  list c4        |####                         :                   :|  0.000 s - 0.300 s  ok\n"
      "   1  read_file c5   |:                            #####################|  2.000 s - 3.500 s  ok\n"
      "   2  read_file c6   |:                            ....!!!!!!!!!!!!!!!!:|  2.300 s - 3.400 s  failed: disk full\n"
      "   3  write_file c7  |:                            :       ~~~~~~~~~~~~~|  2.600 s - ...  never answered\n"
      "      assistant      |*                            *                   *|  3 messages\n"
      "legend: # running, . waiting to start, ! failed, ~ never answered, : * assistant message\n";
  CHECK(volley::to_text_timeline(small_run(), {.width = 50}) == expected);
}

TEST_CASE("golden: one row per slot") {
  const std::string expected =
      "7 calls on 4 slots over 3.500 s\n"
      "slot  calls                       0.000 s                                      3.500 s\n"
      "   1  search c1, read_file c5     |#############################=====================|  2 calls\n"
      "   2  read_file c2, read_file c6  |#####################        ....!!!!!!!!!!!!!!!!:|  2 calls\n"
      "   3  search c3, write_file c7    |#############################:       ~~~~~~~~~~~~~|  2 calls\n"
      "   4  list c4                     |####                         :                   :|  1 call\n"
      "      assistant                   |*                            *                   *|  3 messages\n"
      "legend: # running, = running (next call), . waiting to start, ! failed, ~ never answered, : * assistant "
      "message\n";
  CHECK(volley::to_text_timeline(small_run(), {.width = 50, .one_row_per_slot = true}) == expected);
}

TEST_CASE("a plain trace in milliseconds, with what cannot be drawn listed below") {
  const volley::trace trace{
      trace_event::call("a", "search", 0ns),
      trace_event::call("b", "read_file", 250us),
      trace_event::call("c", "list"),  // no time
      trace_event::response("a", "search", 1500us),
      trace_event::response("b", "read_file", 2ms),
      trace_event::response("x", "", 2ms),
      trace_event::response("c", "list", 2ms),
  };
  const std::string expected =
      "2 calls on 2 slots over 2.000 ms\n"
      "slot  call         0.000 ms      2.000 ms\n"
      "   1  search a     |###############     |  0.000 ms - 1.500 ms  ok\n"
      "   2  read_file b  |   #################|  0.250 ms - 2.000 ms  ok\n"
      "legend: # running\n"
      "not drawn (no time): 1 call(s) at event(s) 2\n"
      "responses answering no call: event(s) 5\n";
  CHECK(volley::to_text_timeline(volley::make_timeline(trace), {.width = 20}) == expected);
}

TEST_CASE("degenerate timelines") {
  CHECK(volley::to_text_timeline(volley::make_timeline(volley::trace{})) == "no timed calls to draw\n");
  // Everything at one instant: one-cell bars, no division by zero.
  const volley::trace instant{trace_event::call("a", "t", 5ns), trace_event::response("a", "t", 5ns)};
  const std::string text = volley::to_text_timeline(volley::make_timeline(instant), {.width = 10});
  CHECK(text ==
        "1 call on 1 slot over 0.000 us\n"
        "slot  call  0.000 us\n"  // no room for the right end of the axis
        "   1  t a   |#         |  0.000 us - 0.000 us  ok\n"
        "legend: # running\n");
  // Long labels are cut.
  const volley::trace long_name{trace_event::call("id", std::string(50, 'n'), 0ns),
                                trace_event::response("id", "", 1s)};
  const std::string cut = volley::to_text_timeline(volley::make_timeline(long_name), {.width = 10, .max_label_width = 12});
  CHECK(cut.find("  nnnnnnnnnn..  |") != std::string::npos);
  // Control characters never reach the terminal; cuts keep UTF-8 whole.
  const volley::trace odd{trace_event::call("i\td", "caf\xc3\xa9\xc3\xa9\xc3\xa9", 0ns),
                          trace_event::response("i\td", "", 1s)};
  const std::string safe = volley::to_text_timeline(volley::make_timeline(odd), {.width = 10, .max_label_width = 8});
  CHECK(safe.find('\t') == std::string::npos);
  CHECK(safe.find("  caf\xc3\xa9..  |") != std::string::npos);
}
