// plan_rounds on BFCL v4 multi_turn_base (Berkeley, Apache-2.0): 200 tasks
// over stateful APIs; each turn's ground truth is a list of calls such as
// "cd(folder='document')", "mv(source='a', destination='b')".
#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "../plan/plan_test_support.hpp"
#include "../plan/real_data_support.hpp"
#include "volley_catch.hpp"

namespace {

// The Gorilla file system's tools, classified from multi_turn_func_doc/
// gorilla_file_system.json. Mutating: they change the tree, a file, or the
// current directory every later call resolves paths against (cd). echo
// writes when given a file name, and is declared mutating either way.
const std::set<std::string> file_system_writes = {"cd", "cp", "echo", "mkdir", "mv", "rm", "rmdir", "touch"};
// Read-only: they only report (sort returns the sorted text; the file stays).
const std::set<std::string> file_system_reads = {"cat", "diff", "du", "find", "grep",
                                                 "ls", "pwd", "sort", "tail", "wc"};

// function name -> the API (doc file stem) it belongs to.
std::map<std::string, std::string> read_function_apis(const std::filesystem::path& folder) {
  std::map<std::string, std::string> api_of;
  for (const auto& file : std::filesystem::directory_iterator(folder)) {
    if (file.path().extension() != ".json") continue;
    for (const auto& doc : plan_data::read_json_lines(file.path()))
      api_of.emplace(doc.at("name").get<std::string>(), file.path().stem().string());
  }
  return api_of;
}

}  // namespace

TEST_CASE("plan_rounds on BFCL multi_turn_base: file-system writes stay in input order") {
  const auto root = volley_test::shared_data_dir();
  if (root.empty()) {
    WARN("../shared/data is absent: BFCL multi-turn planner test skipped");
    return;
  }
  const auto api_of = read_function_apis(root / "bfcl" / "multi_turn_func_doc");
  // Every file-system tool the docs list is classified, and nothing else is.
  std::size_t file_system_tools = 0;
  for (const auto& [function, api] : api_of) {
    if (api != "gorilla_file_system") continue;
    ++file_system_tools;
    CAPTURE(function);
    CHECK(file_system_writes.count(function) + file_system_reads.count(function) == 1);
  }
  CHECK(file_system_tools == file_system_writes.size() + file_system_reads.size());

  const auto answers = plan_data::read_json_lines(root / "bfcl" / "possible_answer" /
                                                  "BFCL_v4_multi_turn_base.json");
  REQUIRE(answers.size() == 200);
  plan_data::distribution rounds, widths, turn_sizes, file_system_rounds;
  plan_data::cap_report cap2{2}, cap3{3};
  std::size_t turns = 0, calls_seen = 0, file_system_calls = 0, ordered_pairs = 0, parallel_reads = 0;
  for (const auto& answer : answers) {
    const auto& ground_truth = answer.at("ground_truth");
    REQUIRE(ground_truth.is_array());
    for (std::size_t turn = 0; turn < ground_truth.size(); ++turn) {
      CAPTURE(answer.at("id").get<std::string>(), turn);
      ++turns;
      std::vector<volley::call_spec> calls;
      std::vector<bool> on_file_system;
      for (const auto& text : ground_truth[turn]) {
        const std::string source = text.get<std::string>();
        const auto open = source.find('(');
        REQUIRE(open != std::string::npos);
        const std::string function = source.substr(0, open);
        const auto api = api_of.find(function);
        INFO(source);
        REQUIRE(api != api_of.end());
        volley::call_spec call;
        call.id = plan_test::numbered("#", calls.size()) + ":" + function;
        if (api->second == "gorilla_file_system") {
          call.effect = file_system_writes.count(function) ? volley::effect::mutating : volley::effect::read_only;
          call.resources = {"fs"};
          ++file_system_calls;
        } else {
          // Other APIs are not classified here: conservatively, every call
          // mutates its API's state, so the calls of one API keep their order.
          call.effect = volley::effect::mutating;
          call.resources = {api->second};
        }
        on_file_system.push_back(api->second == "gorilla_file_system");
        calls.push_back(std::move(call));
      }
      calls_seen += calls.size();
      turn_sizes.add(calls.size());

      const auto p = volley::plan_rounds(calls);
      std::vector<std::size_t> round(calls.size());
      for (std::size_t r = 0; r < p.rounds.size(); ++r)
        for (std::size_t call : p.rounds[r]) round[call] = r;
      // File-system order, checked pair by pair: a call after a write, or a
      // write after any call, lands in a strictly later round.
      for (std::size_t j = 0; j < calls.size(); ++j) {
        for (std::size_t i = 0; i < j; ++i) {
          if (!on_file_system[i] || !on_file_system[j]) continue;
          if (calls[i].effect == volley::effect::mutating || calls[j].effect == volley::effect::mutating) {
            CAPTURE(i, j);
            REQUIRE(round[i] < round[j]);
            ++ordered_pairs;
          } else if (round[i] == round[j]) {
            ++parallel_reads;
          }
        }
      }
      // Optimal: as many rounds as the longest chain of conflicts, by brute force.
      const auto edges = plan_test::all_edges(calls);
      REQUIRE(p.rounds.size() == plan_test::longest_chain(calls.size(), edges));
      REQUIRE(plan_data::check_plan(p, 0).empty());
      rounds.add(p.rounds.size());
      for (const auto& r : p.rounds) widths.add(r.size());
      std::size_t file_system_in_turn = 0;
      for (bool fs : on_file_system) file_system_in_turn += fs ? 1 : 0;
      if (file_system_in_turn > 0) file_system_rounds.add(p.rounds.size());

      for (auto* report : {&cap2, &cap3}) {
        const auto capped = report->add(calls, edges);
        INFO(report->last_problem());
        REQUIRE(report->last_problem().empty());
      }
    }
  }
  WARN("BFCL multi_turn_base: " << turns << " turns, " << calls_seen << " calls (" << file_system_calls
                                << " on the file system); calls per turn {" << turn_sizes.str()
                                << "}; rounds per turn {" << rounds.str() << "}; rounds per turn with file-system calls {"
                                << file_system_rounds.str() << "}; calls per round {" << widths.str()
                                << "}; file-system pairs kept in order: " << ordered_pairs
                                << ", read pairs sharing a round: " << parallel_reads);
  WARN("BFCL multi_turn_base capped plans vs lower bound: " << cap2.str() << "; " << cap3.str());
  CHECK(ordered_pairs > 0);
  CHECK_FALSE(cap2.below_bound());
  CHECK_FALSE(cap3.below_bound());
  CHECK(cap2.max_gap_to_optimum() == 0);
  CHECK(cap3.max_gap_to_optimum() == 0);
}
