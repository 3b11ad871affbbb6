// Helpers of the planner's real-data tests (tests/data/plan_*.cpp): reading
// the data sets, checking a plan against its own dependency graph, and
// printing distributions. Needs nlohmann/json (test_data links it).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "plan_test_support.hpp"
#include "volley/plan/plan_rounds.hpp"

namespace plan_data {

inline nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  return nlohmann::json::parse(in);
}

// BFCL files hold one JSON object per line.
inline std::vector<nlohmann::json> read_json_lines(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::vector<nlohmann::json> records;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      records.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception& e) {
      std::string message = path.string();
      message += ":";
      message += std::to_string(number);
      message += ": ";
      message += e.what();
      throw std::runtime_error(message);
    }
  }
  return records;
}

// value -> how many times it was seen, printed "value:count ...".
class distribution {
 public:
  void add(std::size_t value) { ++m_counts[value]; }
  std::size_t max() const { return m_counts.empty() ? 0 : m_counts.rbegin()->first; }
  std::size_t total() const {
    std::size_t sum = 0;
    for (auto [value, count] : m_counts) sum += count;
    return sum;
  }
  std::string str() const {
    std::ostringstream out;
    for (auto [value, count] : m_counts) out << value << ":" << count << " ";
    return out.str();
  }

 private:
  std::map<std::size_t, std::size_t> m_counts;
};

// Rounds of a plan per call; and whether every dependency in the plan's own
// graph (joins passed through) goes from an earlier round to a later one and
// each call stands in one round. Returns an empty string when it holds.
inline std::string check_plan(const volley::plan& p, std::size_t cap) {
  const auto& graph = p.graph();
  std::vector<std::size_t> round(graph.call_count(), 0);
  std::vector<bool> placed(graph.call_count(), false);
  for (std::size_t r = 0; r < p.rounds.size(); ++r) {
    if (p.rounds[r].empty()) return plan_test::numbered("empty round ", r);
    if (cap != 0 && p.rounds[r].size() > cap) return plan_test::numbered("round over the cap: ", r);
    for (std::size_t call : p.rounds[r]) {
      if (call >= placed.size() || placed[call]) return "call placed twice or unknown";
      placed[call] = true;
      round[call] = r + 1;
    }
  }
  if (std::find(placed.begin(), placed.end(), false) != placed.end()) return "a call is in no round";
  std::vector<std::size_t> ready(graph.node_count(), 0);  // latest round a node waits for
  for (auto node : graph.topological_order()) {
    std::size_t latest = 0;
    for (auto predecessor : graph.predecessors(node)) latest = std::max(latest, ready[predecessor]);
    const std::size_t call = graph.call_of_node(node);
    if (call == volley::dependency_graph::no_call) {
      ready[node] = latest;
    } else {
      if (round[call] <= latest) return plan_test::numbered("call not after its dependencies: #", call);
      ready[node] = round[call];
    }
  }
  return {};
}

// How far capped plans land from plan::lower_bound() and from the true
// optimum (exhaustive search, small batches).
class cap_report {
 public:
  explicit cap_report(std::size_t cap) : m_cap(cap) {}

  // Plans `calls` with the cap, checks it, and records the gaps; `edges` are
  // the batch's dependencies computed without the planner.
  volley::plan add(const std::vector<volley::call_spec>& calls,
                   const std::vector<std::pair<std::size_t, std::size_t>>& edges) {
    volley::plan p = volley::plan_rounds(calls, {.max_concurrency = m_cap});
    m_problem = check_plan(p, m_cap);
    const std::size_t bound = p.lower_bound();
    if (p.rounds.size() < bound) m_below_bound = true;
    m_bound_gaps.add(p.rounds.size() - std::min(p.rounds.size(), bound));
    const std::size_t best = plan_test::optimal_rounds(calls.size(), edges, m_cap);
    if (best != 0 || calls.empty()) {
      if (p.rounds.size() < best) m_below_optimum = true;
      m_optimum_gaps.add(p.rounds.size() - std::min(p.rounds.size(), best));
      m_optimum += best;
    } else {
      ++m_not_searched;
    }
    m_rounds += p.rounds.size();
    m_bound += bound;
    return p;
  }

  const std::string& last_problem() const { return m_problem; }
  bool below_bound() const { return m_below_bound || m_below_optimum; }
  std::size_t max_gap_to_bound() const { return m_bound_gaps.max(); }
  std::size_t max_gap_to_optimum() const { return m_optimum_gaps.max(); }

  std::string str() const {
    std::ostringstream out;
    out << "cap " << m_cap << ": rounds - lower_bound per batch {" << m_bound_gaps.str()
        << "}, rounds - optimum per batch {" << m_optimum_gaps.str() << "}"
        << " (" << m_not_searched << " batches too large to search)"
        << "; total rounds " << m_rounds << ", total lower bound " << m_bound << ", total optimum "
        << m_optimum;
    return out.str();
  }

 private:
  std::size_t m_cap;
  distribution m_bound_gaps;
  distribution m_optimum_gaps;
  std::size_t m_rounds = 0;
  std::size_t m_bound = 0;
  std::size_t m_optimum = 0;
  std::size_t m_not_searched = 0;
  bool m_below_bound = false;
  bool m_below_optimum = false;
  std::string m_problem;
};

}  // namespace plan_data
