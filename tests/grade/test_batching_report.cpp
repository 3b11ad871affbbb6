// analyze_batching: unsafe batches, missed parallelism and ideal rounds on
// hand-made traces, bad inputs, and a property test against plan_rounds and
// a brute-force definition.
#include <algorithm>
#include <cstddef>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "random_traces.hpp"
#include "volley/grade/batching_report.hpp"
#include "volley_catch.hpp"

namespace {

using volley::effect;
using volley::trace_event;
using volley::unsafe_reason;

// A trace from batches of (id, tool) calls: each batch issued, answered in
// order, then an assistant message.
struct planned_call {
  std::string id;
  std::string tool;
};
volley::trace trace_of(const std::vector<std::vector<planned_call>>& batches) {
  volley::trace trace;
  for (const auto& batch : batches) {
    for (const auto& call : batch) trace.push_back(trace_event::call(call.id, call.tool));
    for (const auto& call : batch) trace.push_back(trace_event::response(call.id));
    trace.push_back(trace_event::assistant_message());
  }
  return trace;
}

volley::batching_inputs file_tools() {
  volley::batching_inputs inputs;
  inputs.effects = {{"read_file", effect::read_only}, {"search", effect::read_only}, {"list", effect::read_only},
                    {"write_file", effect::mutating}, {"git_add", effect::mutating},
                    {"git_commit", effect::mutating}};
  return inputs;
}

}  // namespace

TEST_CASE("two writes to one file in one batch are unsafe") {
  // events: 0 w1, 1 w2, 2 r (other file)
  const auto trace = trace_of({{{"w1", "write_file"}, {"w2", "write_file"}, {"r", "read_file"}}});
  auto inputs = file_tools();
  inputs.resources[0] = {"notes.txt"};
  inputs.resources[1] = {"notes.txt", "other.txt"};
  inputs.resources[2] = {"report.pdf"};
  const auto report = volley::analyze_batching(trace, inputs);
  CHECK(report.total_calls == 3);
  CHECK(report.actual_batches == 1);
  CHECK(report.actual_rounds == 1);
  CHECK(report.ideal_rounds == 2);  // the writes must be ordered
  CHECK(report.missed_parallelism == 0);
  REQUIRE(report.unsafe_batches.size() == 1);
  CHECK(report.unsafe_batches[0].batch_index == 0);
  REQUIRE(report.unsafe_batches[0].pairs.size() == 1);
  const auto& pair = report.unsafe_batches[0].pairs[0];
  CHECK(pair.first_id == "w1");
  CHECK(pair.second_id == "w2");
  CHECK(pair.first_event_index == 0);
  CHECK(pair.second_event_index == 1);
  CHECK(pair.reason == unsafe_reason::conflict);
  CHECK(pair.shared_resource == "notes.txt");
  CHECK(report.unknown_tools.empty());
}

TEST_CASE("git add beside git commit is unsafe when both mutate the repository") {
  const auto trace = trace_of({{{"s", "search"}}, {{"add", "git_add"}, {"commit", "git_commit"}}});
  auto inputs = file_tools();
  inputs.resources[0] = {"web"};
  inputs.resources[3] = {"repo"};  // event 3: add (0 s, 1 response, 2 assistant)
  inputs.resources[4] = {"repo"};
  const auto report = volley::analyze_batching(trace, inputs);
  REQUIRE(report.unsafe_batches.size() == 1);
  CHECK(report.unsafe_batches[0].batch_index == 1);
  REQUIRE(report.unsafe_batches[0].pairs.size() == 1);
  CHECK(report.unsafe_batches[0].pairs[0].first_id == "add");
  CHECK(report.unsafe_batches[0].pairs[0].second_id == "commit");
  CHECK(report.unsafe_batches[0].pairs[0].shared_resource == "repo");
  // search touches "web" only: add could have gone with it, commit not (it follows add).
  REQUIRE(report.missed_parallelism == 1);
  CHECK(report.missed_calls[0].id == "add");
  CHECK(report.missed_calls[0].batch == 1);
  CHECK(report.missed_calls[0].earliest_batch == 0);
  CHECK(report.ideal_rounds == 2);

  SECTION("without resources, the mutating calls touch everything") {
    const auto everything = volley::analyze_batching(trace, file_tools());
    REQUIRE(everything.unsafe_batches.size() == 1);
    CHECK(everything.unsafe_batches[0].pairs[0].shared_resource.empty());
    CHECK(everything.missed_parallelism == 0);  // add must follow the search that reads everything
    CHECK(everything.ideal_rounds == 3);
  }
}

TEST_CASE("independent reads split across batches are missed parallelism") {
  // The seed's baseline: one call per turn.
  const auto trace = trace_of({{{"c1", "search"}}, {{"c2", "read_file"}}, {{"c3", "search"}}, {{"c4", "list"}}});
  const auto report = volley::analyze_batching(trace, file_tools());
  CHECK(report.actual_batches == 4);
  CHECK(report.actual_rounds == 4);
  CHECK(report.ideal_rounds == 1);
  CHECK(report.missed_parallelism == 3);
  REQUIRE(report.missed_calls.size() == 3);
  CHECK(report.missed_calls[0] == volley::missed_call{3, "c2", 1, 0});
  CHECK(report.missed_calls[2] == volley::missed_call{9, "c4", 3, 0});
  CHECK(report.unsafe_batches.empty());

  SECTION("with the data flow declared, a read that needed an earlier result is not missed") {
    auto inputs = file_tools();
    inputs.after[3] = {"c1"};  // read_file used what search c1 found
    inputs.after[9] = {"c2"};
    const auto with_flow = volley::analyze_batching(trace, inputs);
    CHECK(with_flow.ideal_rounds == 3);  // c1 -> c2 -> c4
    // c3 needed nothing; c4 needed only c2 (batch 1), so it could have joined batch 2.
    REQUIRE(with_flow.missed_parallelism == 2);
    CHECK(with_flow.missed_calls[0] == volley::missed_call{6, "c3", 2, 0});
    CHECK(with_flow.missed_calls[1] == volley::missed_call{9, "c4", 3, 2});
  }
}

TEST_CASE("the ideal batching reports nothing") {
  // The seed's fine-tuned pattern: 4 independent reads, then 2 reads of what they found.
  const auto trace = trace_of({{{"a", "search"}, {"b", "read_file"}, {"c", "search"}, {"d", "list"}},
                               {{"e", "read_file"}, {"f", "read_file"}}});
  auto inputs = file_tools();
  // events: 0-3 calls, 4-7 responses, 8 assistant, 9-10 calls
  inputs.after[9] = {"d"};
  inputs.after[10] = {"a", "d"};
  const auto report = volley::analyze_batching(trace, inputs);
  CHECK(report.ideal_rounds == 2);
  CHECK(report.actual_batches == 2);
  CHECK(report.missed_parallelism == 0);
  CHECK(report.unsafe_batches.empty());
}

TEST_CASE("a call issued beside the call whose result it needs") {
  const auto trace = trace_of({{{"list", "list"}, {"read", "read_file"}}});
  auto inputs = file_tools();
  inputs.after[1] = {"list"};
  const auto report = volley::analyze_batching(trace, inputs);
  REQUIRE(report.unsafe_batches.size() == 1);
  REQUIRE(report.unsafe_batches[0].pairs.size() == 1);
  CHECK(report.unsafe_batches[0].pairs[0].reason == unsafe_reason::needs_result);
  CHECK(report.unsafe_batches[0].pairs[0].first_id == "list");
  CHECK(report.ideal_rounds == 2);
}

TEST_CASE("reused ids: `after` names the latest earlier call with the id") {
  // tau-bench style: the id "c" twice; the write in batch 2 needs the second "c".
  const auto trace = trace_of({{{"c", "read_file"}}, {{"c", "read_file"}}, {{"w", "write_file"}}});
  auto inputs = file_tools();
  inputs.resources[0] = {"x"};
  inputs.resources[3] = {"y"};
  inputs.resources[6] = {"z"};
  inputs.after[6] = {"c"};
  const auto report = volley::analyze_batching(trace, inputs);
  // The second read (event 3) could have gone with the first. The write needs
  // the second "c" (batch 1), not the first (batch 0), so it is where it belongs.
  REQUIRE(report.missed_parallelism == 1);
  CHECK(report.missed_calls[0] == volley::missed_call{3, "c", 1, 0});
  CHECK(report.ideal_rounds == 2);
}

TEST_CASE("unknown tools are taken as mutating and listed; a trailing batch counts") {
  volley::trace trace{trace_event::call("a", "read_file"), trace_event::call("b", "mystery"),
                      trace_event::response("a"), trace_event::response("b")};
  const auto report = volley::analyze_batching(trace, file_tools());
  CHECK(report.unknown_tools == std::vector<std::size_t>{1});
  CHECK(report.actual_batches == 1);
  REQUIRE(report.unsafe_batches.size() == 1);  // mutates everything, beside a read
  CHECK(report.unsafe_batches[0].pairs[0].second_id == "b");
}

TEST_CASE("bad inputs throw with what and where") {
  const auto trace = trace_of({{{"a", "read_file"}}, {{"b", "read_file"}}});
  auto inputs = file_tools();
  inputs.after[3] = {"zzz"};
  REQUIRE_THROWS_WITH(volley::analyze_batching(trace, inputs),
                      "analyze_batching: the call at event 3 (id 'b') needs 'zzz' in `after`, but no earlier "
                      "tool_call has that id");
  inputs.after.clear();
  inputs.after[0] = {"b"};  // b comes later: not an earlier call
  REQUIRE_THROWS_AS(volley::analyze_batching(trace, inputs), std::invalid_argument);
  inputs.after.clear();
  inputs.resources[1] = {"x"};
  REQUIRE_THROWS_WITH(volley::analyze_batching(trace, inputs),
                      "analyze_batching: batching_inputs::resources names event 1, which is a tool_response, not a "
                      "tool_call");
  inputs.resources.clear();
  inputs.resources[99] = {"x"};
  REQUIRE_THROWS_WITH(volley::analyze_batching(trace, inputs),
                      "analyze_batching: batching_inputs::resources names event 99, but the trace has 6 events");
}

TEST_CASE("property: agrees with plan_rounds and with a brute-force definition") {
  std::mt19937_64 rng{42};
  const char* resource_names[] = {"a", "b", "c", "d"};
  int ideal_cases = 0, missed_cases = 0, unsafe_cases = 0, monotone_cases = 0;
  for (int round = 0; round < volley_test::scaled(3000); ++round) {
    auto pick = [&](int low, int high) { return std::uniform_int_distribution<int>{low, high}(rng); };
    const int call_count = pick(1, 10);
    // The calls, in program order, with their facts.
    std::vector<std::string> tools;
    std::vector<std::vector<std::string>> resources;
    std::vector<std::vector<int>> needs;  // positions of earlier calls
    for (int k = 0; k < call_count; ++k) {
      tools.push_back(pick(0, 2) == 0 ? "write_file" : "read_file");
      std::vector<std::string> touched;
      if (pick(0, 9) != 0) {
        for (int n = pick(1, 2); n > 0; --n) touched.push_back(resource_names[pick(0, 3)]);
      }
      resources.push_back(touched);
      std::vector<int> need;
      if (k > 0 && pick(0, 4) == 0) need.push_back(pick(0, k - 1));
      needs.push_back(need);
    }
    // Two batchings: random cuts, and plan_rounds' own rounds (in program order
    // within a round, which keeps every dependency pointing backwards).
    std::vector<int> random_batch(static_cast<std::size_t>(call_count), 0);
    for (int k = 1; k < call_count; ++k) random_batch[k] = random_batch[k - 1] + (pick(0, 2) == 0 ? 1 : 0);

    auto build = [&](const std::vector<int>& batch_of, std::vector<std::size_t>& event_of_call) {
      // batch_of must be non-decreasing in program order.
      volley::trace trace;
      event_of_call.assign(static_cast<std::size_t>(call_count), 0);
      for (int k = 0; k < call_count; ++k) {
        if (k > 0 && batch_of[k] != batch_of[k - 1]) trace.push_back(trace_event::assistant_message());
        event_of_call[k] = trace.size();
        trace.push_back(trace_event::call(volley_test::numbered("id", k % 4), tools[k]));  // ids repeat
      }
      trace.push_back(trace_event::assistant_message());
      return trace;
    };
    std::vector<std::size_t> event_of_call;
    const volley::trace trace = build(random_batch, event_of_call);
    volley::batching_inputs inputs = file_tools();
    for (int k = 0; k < call_count; ++k) {
      inputs.resources[event_of_call[k]] = resources[k];
      for (int n : needs[k]) {
        // `after` names ids; keep only needs whose id is not reused in between.
        bool shadowed = false;
        for (int m = n + 1; m < k; ++m) shadowed = shadowed || m % 4 == n % 4;
        if (!shadowed && n % 4 != k % 4) inputs.after[event_of_call[k]].push_back(volley_test::numbered("id", n % 4));
      }
    }
    // The needs actually declared, by position.
    std::vector<std::vector<int>> declared(static_cast<std::size_t>(call_count));
    for (int k = 0; k < call_count; ++k) {
      for (int n : needs[k]) {
        bool shadowed = false;
        for (int m = n + 1; m < k; ++m) shadowed = shadowed || m % 4 == n % 4;
        if (!shadowed && n % 4 != k % 4) declared[k].push_back(n);
      }
    }
    auto conflict = [&](int i, int j) {
      if (tools[i] == "read_file" && tools[j] == "read_file") return false;
      if (resources[i].empty() || resources[j].empty()) return true;
      for (const auto& r : resources[i])
        if (std::find(resources[j].begin(), resources[j].end(), r) != resources[j].end()) return true;
      return false;
    };
    auto is_predecessor = [&](int i, int k) {
      return conflict(i, k) || std::find(declared[k].begin(), declared[k].end(), i) != declared[k].end();
    };

    const auto report = volley::analyze_batching(trace, inputs);
    INFO("round " << round);
    REQUIRE(report.total_calls == static_cast<std::size_t>(call_count));

    // Brute force: earliest batch and unsafe pairs from all earlier calls.
    std::vector<std::size_t> missed;
    std::size_t unsafe_pairs = 0;
    for (int k = 0; k < call_count; ++k) {
      int earliest = 0;
      for (int i = 0; i < k; ++i) {
        if (is_predecessor(i, k)) earliest = std::max(earliest, random_batch[i] + 1);
        if (random_batch[i] == random_batch[k]) {
          unsafe_pairs += conflict(i, k) ? 1 : 0;
          unsafe_pairs += std::find(declared[k].begin(), declared[k].end(), i) != declared[k].end() ? 1 : 0;
        }
      }
      if (earliest < random_batch[k]) missed.push_back(event_of_call[k]);
    }
    std::vector<std::size_t> reported;
    for (const auto& m : report.missed_calls) reported.push_back(m.event_index);
    REQUIRE(reported == missed);
    std::size_t reported_pairs = 0;
    for (const auto& b : report.unsafe_batches) reported_pairs += b.pairs.size();
    REQUIRE(reported_pairs == unsafe_pairs);

    // The longest chain of predecessors is the ideal round count.
    std::vector<int> chain(static_cast<std::size_t>(call_count), 1);
    int longest = 0;
    for (int k = 0; k < call_count; ++k) {
      for (int i = 0; i < k; ++i)
        if (is_predecessor(i, k)) chain[k] = std::max(chain[k], chain[i] + 1);
      longest = std::max(longest, chain[k]);
    }
    REQUIRE(report.ideal_rounds == static_cast<std::size_t>(longest));

    // Neither missed nor unsafe <=> the batches are the ideal ones.
    const bool ideal = report.missed_parallelism == 0 && report.unsafe_batches.empty();
    bool matches_chain = true;
    for (int k = 0; k < call_count; ++k) matches_chain = matches_chain && random_batch[k] == chain[k] - 1;
    REQUIRE(ideal == matches_chain);
    if (ideal) REQUIRE(report.actual_batches == report.ideal_rounds);
    ideal_cases += ideal ? 1 : 0;
    missed_cases += report.missed_parallelism > 0 ? 1 : 0;
    unsafe_cases += report.unsafe_batches.empty() ? 0 : 1;

    // Batching exactly as the chain says (which is plan_rounds' uncapped rounds)
    // reports nothing, as long as program order stays non-decreasing in batch.
    std::vector<int> by_chain(static_cast<std::size_t>(call_count));
    bool monotone = true;
    for (int k = 0; k < call_count; ++k) {
      by_chain[k] = chain[k] - 1;
      if (k > 0 && by_chain[k] < by_chain[k - 1]) monotone = false;
    }
    if (monotone) {
      ++monotone_cases;
      std::vector<std::size_t> events2;
      const volley::trace ideal_trace = build(by_chain, events2);
      volley::batching_inputs inputs2 = file_tools();
      for (int k = 0; k < call_count; ++k) {
        inputs2.resources[events2[k]] = resources[k];
        for (int n : declared[k]) inputs2.after[events2[k]].push_back(volley_test::numbered("id", n % 4));
      }
      const auto best = volley::analyze_batching(ideal_trace, inputs2);
      REQUIRE(best.missed_parallelism == 0);
      REQUIRE(best.unsafe_batches.empty());
      REQUIRE(best.actual_batches == best.ideal_rounds);
    }
  }
  // Every outcome occurs often enough to mean something.
  const int rounds = volley_test::scaled(3000);
  CAPTURE(ideal_cases, missed_cases, unsafe_cases, monotone_cases);
  CHECK(ideal_cases > rounds / 50);
  CHECK(missed_cases > rounds / 10);
  CHECK(unsafe_cases > rounds / 10);
  CHECK(monotone_cases > rounds / 10);
}
