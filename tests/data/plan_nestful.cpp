// plan_rounds on NESTFUL (IBM, Apache-2.0): 300 records of nested API calls
// whose arguments reference earlier calls' results as $varN.field$.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "../plan/real_data_support.hpp"
#include "volley_catch.hpp"

namespace {

// Every "$varN" that starts a reference ("$varN$" or "$varN.field...$") in
// the strings of `value` (object keys included), at any depth.
void collect_references(const nlohmann::json& value, std::vector<std::string>& labels,
                        std::size_t& malformed) {
  const auto scan = [&](const std::string& text) {
    for (std::size_t at = text.find("$var"); at != std::string::npos; at = text.find("$var", at + 1)) {
      std::size_t end = at + 4;
      while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
      if (end == at + 4 || end == text.size() || (text[end] != '.' && text[end] != '$')) continue;
      labels.push_back(text.substr(at + 1, end - at - 1));
    }
    // A reference whose opening '$' is missing ("var1.product_id$"): reported, not used.
    if (text.rfind("var", 0) == 0 && text.size() > 4 && text.back() == '$' &&
        std::isdigit(static_cast<unsigned char>(text[3])))
      ++malformed;
  };
  if (value.is_string()) {
    scan(value.get<std::string>());
  } else if (value.is_array()) {
    for (const auto& item : value) collect_references(item, labels, malformed);
  } else if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      scan(key);
      collect_references(item, labels, malformed);
    }
  }
}

struct nestful_batch {
  std::vector<volley::call_spec> calls;
  std::vector<std::vector<std::size_t>> references;  // per call: indices of the calls it reads
};

// A record's `output` minus its last entry (the var_result collector). A
// reference names the latest earlier call with that label.
nestful_batch to_batch(const nlohmann::json& record, std::size_t& malformed, std::size_t& unresolved) {
  const auto& output = record.at("output");
  REQUIRE(output.is_array());
  REQUIRE_FALSE(output.empty());
  REQUIRE(output.back().at("name") == "var_result");
  nestful_batch batch;
  std::map<std::string, std::size_t> latest;  // label -> index
  for (std::size_t index = 0; index + 1 < output.size(); ++index) {
    const auto& entry = output[index];
    REQUIRE(entry.at("name") != "var_result");
    std::vector<std::string> labels;
    collect_references(entry.value("arguments", nlohmann::json::object()), labels, malformed);
    volley::call_spec call;
    const std::string label = entry.at("label").get<std::string>();
    call.id = plan_test::numbered("#", index) + ":" + label;
    call.effect = volley::effect::read_only;
    std::vector<std::size_t> referenced;
    for (const auto& name : labels) {
      const auto found = latest.find(name);
      if (found == latest.end()) {
        ++unresolved;
        continue;
      }
      referenced.push_back(found->second);
      call.after.push_back(batch.calls[found->second].id);
    }
    latest[label] = index;
    batch.calls.push_back(std::move(call));
    batch.references.push_back(std::move(referenced));
  }
  return batch;
}

}  // namespace

TEST_CASE("plan_rounds on NESTFUL: rounds = longest chain of references") {
  const auto root = volley_test::shared_data_dir();
  if (root.empty()) {
    WARN("../shared/data is absent: NESTFUL planner test skipped");
    return;
  }
  plan_data::distribution rounds, widest, widths, sizes;
  plan_data::cap_report cap2{2}, cap3{3};
  std::size_t records = 0, malformed = 0, unresolved = 0, reused_labels = 0;
  for (const char* name : {"executable-data.json", "non-executable-glaive-data.json",
                           "non-executable-sgd-data.json"}) {
    const auto data = plan_data::read_json(root / "nestful" / name);
    REQUIRE(data.is_array());
    for (std::size_t r = 0; r < data.size(); ++r) {
      CAPTURE(name, r);
      const nestful_batch batch = to_batch(data[r], malformed, unresolved);
      ++records;
      {
        std::vector<std::string> labels;
        for (const auto& call : batch.calls) labels.push_back(call.id.substr(call.id.find(':') + 1));
        std::sort(labels.begin(), labels.end());
        if (std::adjacent_find(labels.begin(), labels.end()) != labels.end()) ++reused_labels;
      }
      // The longest chain of references, computed here without the planner:
      // references point to earlier calls, so one pass in order suffices.
      std::vector<std::size_t> depth(batch.calls.size(), 1);
      std::size_t chain = 0;
      for (std::size_t call = 0; call < batch.calls.size(); ++call) {
        for (std::size_t from : batch.references[call]) {
          REQUIRE(from < call);
          depth[call] = std::max(depth[call], depth[from] + 1);
        }
        chain = std::max(chain, depth[call]);
      }
      const auto p = volley::plan_rounds(batch.calls);
      REQUIRE(p.rounds.size() == chain);
      REQUIRE(p.longest_chain() == chain);
      // Read-only calls: the uncapped rounds are exactly the depth levels.
      for (std::size_t round = 0; round < p.rounds.size(); ++round)
        for (std::size_t call : p.rounds[round]) REQUIRE(depth[call] == round + 1);
      REQUIRE(plan_data::check_plan(p, 0).empty());

      rounds.add(p.rounds.size());
      sizes.add(batch.calls.size());
      std::size_t widest_round = 0;
      for (const auto& round : p.rounds) {
        widths.add(round.size());
        widest_round = std::max(widest_round, round.size());
      }
      widest.add(widest_round);

      std::vector<std::pair<std::size_t, std::size_t>> edges;
      for (std::size_t call = 0; call < batch.calls.size(); ++call)
        for (std::size_t from : batch.references[call]) edges.emplace_back(from, call);
      for (auto* report : {&cap2, &cap3}) {
        const auto capped = report->add(batch.calls, edges);
        INFO(report->last_problem());
        REQUIRE(report->last_problem().empty());
        REQUIRE(capped.rounds.size() >= capped.lower_bound());
      }
    }
  }
  CHECK(records == 300);
  CHECK(unresolved == 0);
  CHECK(reused_labels == 4);  // as the data's README says
  WARN("NESTFUL: " << records << " records; calls per record {" << sizes.str() << "}; rounds per record {"
                   << rounds.str() << "}; widest round per record {" << widest.str()
                   << "}; calls per round {" << widths.str() << "}; references missing their opening '$' "
                   << "(not counted as references): " << malformed);
  WARN("NESTFUL capped plans vs lower bound: " << cap2.str() << "; " << cap3.str());
  CHECK(rounds.max() == 4);
  CHECK(widest.max() == 4);
  CHECK_FALSE(cap2.below_bound());
  CHECK_FALSE(cap3.below_bound());
  // Measured: list scheduling meets the exhaustive optimum on every record.
  CHECK(cap2.max_gap_to_optimum() == 0);
  CHECK(cap3.max_gap_to_optimum() == 0);
}
