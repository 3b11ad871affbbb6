// plan_rounds on BFCL v4 (Berkeley, Apache-2.0) parallel categories: each
// question's ground truth is a set of independent calls.
#include <algorithm>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "../plan/real_data_support.hpp"
#include "volley_catch.hpp"

namespace {

// A ground truth entry {"function.name": {"arg": [accepted values...]}} as a
// call_spec: read-only on its function (what the data set says: the calls
// are independent), or, in `as_writes` mode, mutating on a resource named by
// the call itself (function and arguments), so that only identical calls
// conflict.
std::vector<volley::call_spec> to_calls(const nlohmann::json& ground_truth, bool as_writes) {
  std::vector<volley::call_spec> calls;
  for (std::size_t index = 0; index < ground_truth.size(); ++index) {
    const auto& entry = ground_truth[index];
    REQUIRE(entry.is_object());
    REQUIRE(entry.size() == 1);
    const std::string function = entry.begin().key();
    const nlohmann::json& arguments = entry.begin().value();
    volley::call_spec call;
    call.id = plan_test::numbered("#", index) + ":" + function;
    if (as_writes) {
      call.effect = volley::effect::mutating;
      call.resources = {function + arguments.dump()};  // dump() sorts object keys
    } else {
      call.resources = {function};
    }
    calls.push_back(std::move(call));
  }
  return calls;
}

}  // namespace

TEST_CASE("plan_rounds on BFCL parallel sets: every ground truth plans into one round") {
  const auto root = volley_test::shared_data_dir();
  if (root.empty()) {
    WARN("../shared/data is absent: BFCL parallel planner test skipped");
    return;
  }
  for (const char* category : {"parallel", "parallel_multiple", "live_parallel", "live_parallel_multiple"}) {
    const auto answers = plan_data::read_json_lines(root / "bfcl" / "possible_answer" /
                                                    ("BFCL_v4_" + std::string(category) + ".json"));
    REQUIRE_FALSE(answers.empty());
    plan_data::distribution rounds, widths, write_rounds;
    plan_data::cap_report cap2{2}, cap3{3};
    std::size_t with_identical_calls = 0;
    for (const auto& answer : answers) {
      CAPTURE(category, answer.at("id").get<std::string>());
      const auto& ground_truth = answer.at("ground_truth");
      REQUIRE(ground_truth.is_array());
      REQUIRE(ground_truth.size() >= 2);

      const auto calls = to_calls(ground_truth, false);
      const auto p = volley::plan_rounds(calls);
      REQUIRE(p.rounds.size() == 1);
      REQUIRE(p.rounds[0].size() == calls.size());
      REQUIRE(p.longest_chain() == 1);
      rounds.add(p.rounds.size());
      widths.add(p.rounds[0].size());

      // As writes, identical calls (same function, same accepted arguments)
      // must serialize and distinct ones must not: rounds = the largest
      // number of identical calls, computed here by counting.
      const auto writes = to_calls(ground_truth, true);
      std::map<std::string, std::size_t> copies;
      std::size_t most = 0;
      for (const auto& call : writes) most = std::max(most, ++copies[call.resources[0]]);
      if (most > 1) ++with_identical_calls;
      const auto written = volley::plan_rounds(writes);
      REQUIRE(written.rounds.size() == most);
      REQUIRE(plan_data::check_plan(written, 0).empty());
      write_rounds.add(written.rounds.size());

      // Independent calls under a cap: ceil(n / cap) rounds, the lower bound.
      const std::vector<std::pair<std::size_t, std::size_t>> no_edges;
      for (auto* report : {&cap2, &cap3}) {
        const auto capped = report->add(calls, no_edges);
        INFO(report->last_problem());
        REQUIRE(report->last_problem().empty());
        REQUIRE(capped.rounds.size() == capped.lower_bound());
      }
    }
    WARN("BFCL " << category << ": " << answers.size() << " ground truths; rounds {" << rounds.str()
                 << "}; calls per round {" << widths.str() << "}; declared as writes to the call itself: rounds {"
                 << write_rounds.str() << "} (" << with_identical_calls
                 << " sets repeat an identical call); " << cap2.str() << "; " << cap3.str());
    CHECK(cap2.max_gap_to_bound() == 0);
    CHECK(cap3.max_gap_to_bound() == 0);
  }
}
