#include "volley/plan/plan_rounds.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "plan_test_support.hpp"
#include "volley_catch.hpp"

namespace {

using namespace std::chrono_literals;
using volley::call_spec;
using volley::effect;
using edge_list = std::vector<std::pair<std::size_t, std::size_t>>;

call_spec spec(std::string id, effect e = effect::read_only, std::vector<std::string> resources = {},
               std::vector<std::string> after = {}, std::chrono::nanoseconds estimate = {}) {
  call_spec call;
  call.id = std::move(id);
  call.effect = e;
  call.resources = std::move(resources);
  call.after = std::move(after);
  call.estimate = estimate;
  return call;
}

// The round of every call; checks each call stands in exactly one round and
// rounds are ascending and non-empty.
std::vector<std::size_t> round_of(const volley::plan& p, std::size_t calls) {
  std::vector<std::optional<std::size_t>> round(calls);
  for (std::size_t r = 0; r < p.rounds.size(); ++r) {
    REQUIRE_FALSE(p.rounds[r].empty());
    REQUIRE(std::is_sorted(p.rounds[r].begin(), p.rounds[r].end()));
    for (std::size_t call : p.rounds[r]) {
      REQUIRE(call < calls);
      REQUIRE_FALSE(round[call].has_value());
      round[call] = r;
    }
  }
  std::vector<std::size_t> result;
  for (const auto& r : round) {
    REQUIRE(r.has_value());
    result.push_back(*r);
  }
  return result;
}

void check_valid(const volley::plan& p, const std::vector<call_spec>& calls, const edge_list& edges) {
  const auto round = round_of(p, calls.size());
  for (auto [from, to] : edges) {
    CAPTURE(from, to);
    REQUIRE(round[from] < round[to]);
  }
}

std::chrono::nanoseconds brute_dataflow(const std::vector<call_spec>& calls, const edge_list& edges) {
  std::vector<std::vector<std::size_t>> predecessors(calls.size());
  for (auto [from, to] : edges) predecessors[to].push_back(from);
  std::vector<std::optional<std::chrono::nanoseconds>> memo(calls.size());
  std::function<std::chrono::nanoseconds(std::size_t)> finish = [&](std::size_t call) {
    if (memo[call]) return *memo[call];
    std::chrono::nanoseconds start{};
    for (std::size_t from : predecessors[call]) start = std::max(start, finish(from));
    memo[call] = start + calls[call].estimate;
    return *memo[call];
  };
  std::chrono::nanoseconds longest{};
  for (std::size_t call = 0; call < calls.size(); ++call) longest = std::max(longest, finish(call));
  return longest;
}

std::size_t index_of(const std::vector<call_spec>& calls, const std::string& id) {
  for (std::size_t i = 0; i < calls.size(); ++i)
    if (calls[i].id == id) return i;
  FAIL("no call has id " << id);
  return 0;
}

bool has_edge(const edge_list& edges, std::size_t from, std::size_t to) {
  return std::find(edges.begin(), edges.end(), std::pair{from, to}) != edges.end();
}

}  // namespace

TEST_CASE("plan_rounds: the seed's batches") {
  // batch 1: search 2 s, read_file 1.5 s, search 2 s, list 0.5 s;
  // batch 2: two read_files (1.5 s each) after list.
  const std::vector<call_spec> calls = {
      spec("search_intel", effect::read_only, {}, {}, 2s),
      spec("read_report", effect::read_only, {"2023_report.pdf"}, {}, 1500ms),
      spec("search_returns", effect::read_only, {}, {}, 2s),
      spec("list_reports", effect::read_only, {"/financial_reports"}, {}, 500ms),
      spec("read_returns", effect::read_only, {"returns_table.csv"}, {"list_reports"}, 1500ms),
      spec("read_competitors", effect::read_only, {"competitor_data.csv"}, {"list_reports"}, 1500ms),
  };
  const auto p = volley::plan_rounds(calls);
  CHECK(p.rounds == std::vector<std::vector<std::size_t>>{{0, 1, 2, 3}, {4, 5}});
  CHECK(p.estimated_latency() == 3500ms);
  CHECK(p.dataflow_latency() == 2000ms);
  CHECK(p.longest_chain() == 2);
  CHECK(p.lower_bound() == 2);
  // 2.0 s three ways (search, search, list -> read); the path with more calls
  // wins, then the one through earlier calls.
  CHECK(p.critical_path() == std::vector<std::string>{"list_reports", "read_returns"});

  SECTION("capped at 2 the critical path goes first") {
    const auto capped = volley::plan_rounds(calls, {.max_concurrency = 2});
    CHECK(capped.lower_bound() == 3);
    CHECK(capped.rounds == std::vector<std::vector<std::size_t>>{{0, 3}, {1, 2}, {4, 5}});
    CHECK(capped.estimated_latency() == 2s + 2s + 1500ms);
    CHECK(capped.dataflow_latency() == 2000ms);
  }
}

TEST_CASE("plan_rounds: small cases by hand") {
  SECTION("empty batch") {
    const auto p = volley::plan_rounds(std::vector<call_spec>{});
    CHECK(p.rounds.empty());
    CHECK(p.critical_path().empty());
    CHECK(p.estimated_latency() == 0ns);
    CHECK(p.dataflow_latency() == 0ns);
    CHECK(p.longest_chain() == 0);
    CHECK(p.lower_bound() == 0);
  }
  SECTION("mutating calls on one resource stay in input order, reads between them group") {
    const std::vector<call_spec> calls = {
        spec("cd", effect::mutating, {"fs"}), spec("ls", effect::read_only, {"fs"}),
        spec("pwd", effect::read_only, {"fs"}), spec("mkdir", effect::mutating, {"fs"}),
        spec("other", effect::mutating, {"db"})};
    const auto p = volley::plan_rounds(calls);
    CHECK(p.rounds == std::vector<std::vector<std::size_t>>{{0, 4}, {1, 2}, {3}});
  }
  SECTION("an `after` may name a later call") {
    const std::vector<call_spec> calls = {spec("b", effect::read_only, {}, {"a"}), spec("a")};
    const auto p = volley::plan_rounds(calls);
    CHECK(p.rounds == std::vector<std::vector<std::size_t>>{{1}, {0}});
    CHECK(p.critical_path() == std::vector<std::string>{"a", "b"});
  }
  SECTION("with all estimates zero the critical path is a longest chain") {
    const std::vector<call_spec> calls = {spec("x"), spec("y", effect::read_only, {}, {"x"}),
                                          spec("z", effect::read_only, {}, {"y"}), spec("w")};
    const auto p = volley::plan_rounds(calls);
    CHECK(p.critical_path() == std::vector<std::string>{"x", "y", "z"});
  }
  SECTION("a heavy single call beats a longer chain of light ones") {
    const std::vector<call_spec> calls = {spec("x", effect::read_only, {}, {}, 1ms),
                                          spec("y", effect::read_only, {}, {"x"}, 1ms),
                                          spec("slow", effect::read_only, {}, {}, 5ms)};
    const auto p = volley::plan_rounds(calls);
    CHECK(p.critical_path() == std::vector<std::string>{"slow"});
    CHECK(p.dataflow_latency() == 5ms);
    CHECK(p.estimated_latency() == 5ms + 1ms);
  }
  SECTION("capped: longest remaining chain first beats input order") {
    // 0, 1, 2 independent; 3 -> 4 -> 5 a chain. Input order would take 4 rounds.
    const std::vector<call_spec> calls = {spec("i0"), spec("i1"), spec("i2"), spec("c3"),
                                          spec("c4", effect::read_only, {}, {"c3"}),
                                          spec("c5", effect::read_only, {}, {"c4"})};
    const auto p = volley::plan_rounds(calls, {.max_concurrency = 2});
    CHECK(p.rounds == std::vector<std::vector<std::size_t>>{{0, 3}, {1, 4}, {2, 5}});
    CHECK(p.lower_bound() == 3);
    CHECK(p.max_concurrency() == 2);
  }
  SECTION("the plan keeps what it needs after the input is gone") {
    std::optional<volley::plan> p;
    {
      std::vector<call_spec> calls = {spec("a-rather-long-identifier-that-is-heap-allocated", effect::read_only, {}, {}, 3ms),
                                      spec("b-rather-long-identifier-that-is-heap-allocated", effect::read_only, {},
                                           {"a-rather-long-identifier-that-is-heap-allocated"}, 4ms)};
      p = volley::plan_rounds(calls);
    }
    CHECK(p->critical_path().back() == "b-rather-long-identifier-that-is-heap-allocated");
    CHECK(p->estimated_latency() == 7ms);
    CHECK(p->ids().size() == 2);
    CHECK(p->graph().predecessors(p->graph().node_of_call(1)).size() == 1);
  }
  SECTION("estimated_latency reports a round holding no call") {
    auto p = volley::plan_rounds(std::vector<call_spec>{spec("a")});
    p.rounds[0].push_back(7);
    REQUIRE_THROWS_AS(p.estimated_latency(), std::out_of_range);
  }
}

TEST_CASE("plan_rounds: bad input is reported by plan_error") {
  SECTION("unknown id") {
    const std::vector<call_spec> calls = {spec("a"), spec("b", effect::read_only, {}, {"a", "zz"})};
    try {
      (void)volley::plan_rounds(calls);
      FAIL("no plan_error");
    } catch (const volley::plan_error& e) {
      CHECK(e.code() == volley::plan_errc::unknown_dependency);
      CHECK(e.ids() == std::vector<std::string>{"zz", "b"});
      const std::string message = e.what();
      CHECK(message.find("'b' (#1)") != std::string::npos);
      CHECK(message.find("after[1] = 'zz'") != std::string::npos);
    }
  }
  SECTION("duplicate id") {
    const std::vector<call_spec> calls = {spec("a"), spec("b"), spec("a")};
    REQUIRE_THROWS_WITH(volley::plan_rounds(calls),
                        "volley::plan_rounds: calls #0 and #2 have the same id 'a'");
    try {
      (void)volley::plan_rounds(calls);
    } catch (const volley::plan_error& e) {
      CHECK(e.code() == volley::plan_errc::duplicate_id);
      CHECK(e.ids() == std::vector<std::string>{"a"});
    }
  }
  SECTION("an `after` naming its own call") {
    const std::vector<call_spec> calls = {spec("a"), spec("self", effect::read_only, {}, {"a", "self"})};
    try {
      (void)volley::plan_rounds(calls);
      FAIL("no plan_error");
    } catch (const volley::plan_error& e) {
      CHECK(e.code() == volley::plan_errc::cycle);
      CHECK(e.ids() == std::vector<std::string>{"self"});
      const std::string message = e.what();
      CHECK(message.find("'self' (#1) -after-> 'self' (#1)") != std::string::npos);
      CHECK(message.find("after[1]") != std::string::npos);
    }
  }
  SECTION("a cycle of three, reported in order from the earliest call") {
    const std::vector<call_spec> calls = {spec("x"), spec("b", effect::read_only, {}, {"a"}),
                                          spec("c", effect::read_only, {}, {"b"}),
                                          spec("a", effect::read_only, {}, {"c"})};
    try {
      (void)volley::plan_rounds(calls);
      FAIL("no plan_error");
    } catch (const volley::plan_error& e) {
      CHECK(e.code() == volley::plan_errc::cycle);
      CHECK(e.ids() == std::vector<std::string>{"b", "c", "a"});
      CHECK(std::string(e.what()).find("'b' (#1) -after-> 'c' (#2) -after-> 'a' (#3) -after-> 'b' (#1)") !=
            std::string::npos);
    }
  }
  SECTION("a cycle through a conflict") {
    // w (#0) writes f before r (#1) reads it, but w says it needs r's result.
    const std::vector<call_spec> calls = {spec("w", effect::mutating, {"f"}, {"r"}),
                                          spec("r", effect::read_only, {"f"})};
    try {
      (void)volley::plan_rounds(calls);
      FAIL("no plan_error");
    } catch (const volley::plan_error& e) {
      CHECK(e.code() == volley::plan_errc::cycle);
      CHECK(e.ids() == std::vector<std::string>{"w", "r"});
      CHECK(std::string(e.what()).find("'w' (#0) -conflict-> 'r' (#1) -after-> 'w' (#0)") !=
            std::string::npos);
    }
  }
  SECTION("negative estimate") {
    const std::vector<call_spec> calls = {spec("a"), spec("late", effect::read_only, {}, {}, -5ns)};
    try {
      (void)volley::plan_rounds(calls);
      FAIL("no plan_error");
    } catch (const volley::plan_error& e) {
      CHECK(e.code() == volley::plan_errc::negative_estimate);
      CHECK(e.ids() == std::vector<std::string>{"late"});
      CHECK(std::string(e.what()).find("'late' (#1)") != std::string::npos);
    }
  }
  SECTION("plan_error is an invalid_argument") {
    const std::vector<call_spec> calls = {spec("a", effect::read_only, {}, {"missing"})};
    REQUIRE_THROWS_AS(volley::plan_rounds(calls), std::invalid_argument);
  }
}

TEST_CASE("plan_rounds: optimal and valid on random batches, against brute force") {
  std::mt19937_64 random{7};
  const int iterations = volley_test::scaled(5000);
  std::size_t cycles = 0;
  std::size_t searched = 0;
  std::vector<std::size_t> gap_to_optimum;  // capped rounds - exhaustive optimum
  for (int iteration = 0; iteration < iterations; ++iteration) {
    const auto size = std::uniform_int_distribution<std::size_t>(0, 40)(random);
    const auto keys = std::uniform_int_distribution<std::size_t>(1, 5)(random);
    const double mutating = std::uniform_real_distribution<double>(0.0, 0.6)(random);
    const double after_rate = std::uniform_real_distribution<double>(0.0, 0.15)(random);
    const double forward_rate = std::bernoulli_distribution(0.5)(random)
                                    ? 0.0
                                    : std::uniform_real_distribution<double>(0.0, 0.1)(random);
    std::vector<call_spec> calls;
    for (std::size_t i = 0; i < size; ++i) {
      call_spec call = plan_test::random_call(random, keys, mutating);
      call.id = plan_test::numbered("c", i);
      call.estimate = std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 20)(random));
      calls.push_back(std::move(call));
    }
    // `after` edges mostly point back; a few point forward and may close cycles.
    for (std::size_t i = 0; i < size; ++i)
      for (std::size_t j = 0; j < size; ++j)
        if (j != i && std::bernoulli_distribution(j < i ? after_rate : after_rate * forward_rate)(random))
          calls[i].after.push_back(calls[j].id);
    CAPTURE(iteration, size);
    const edge_list edges = plan_test::all_edges(calls);

    if (plan_test::has_cycle(size, edges)) {
      ++cycles;
      try {
        (void)volley::plan_rounds(calls);
        FAIL("a cyclic batch planned");
      } catch (const volley::plan_error& e) {
        REQUIRE(e.code() == volley::plan_errc::cycle);
        // The reported cycle is real: each step is an `after` edge or a conflict.
        const auto& ids = e.ids();
        REQUIRE_FALSE(ids.empty());
        for (std::size_t k = 0; k < ids.size(); ++k) {
          CAPTURE(e.what());
          REQUIRE(has_edge(edges, index_of(calls, ids[k]), index_of(calls, ids[(k + 1) % ids.size()])));
        }
      }
      continue;
    }

    const std::size_t chain = plan_test::longest_chain(size, edges);
    const auto p = volley::plan_rounds(calls);
    check_valid(p, calls, edges);
    REQUIRE(p.rounds.size() == chain);
    REQUIRE(p.longest_chain() == chain);
    REQUIRE(p.lower_bound() == chain);

    // Latencies against brute force.
    REQUIRE(p.dataflow_latency() == brute_dataflow(calls, edges));
    std::chrono::nanoseconds rounds_latency{};
    for (const auto& round : p.rounds) {
      std::chrono::nanoseconds slowest{};
      for (std::size_t call : round) slowest = std::max(slowest, calls[call].estimate);
      rounds_latency += slowest;
    }
    REQUIRE(p.estimated_latency() == rounds_latency);
    const auto path = p.critical_path();
    if (size > 0) {
      REQUIRE_FALSE(path.empty());
      std::chrono::nanoseconds path_length{};
      for (std::size_t k = 0; k < path.size(); ++k) {
        path_length += calls[index_of(calls, path[k])].estimate;
        if (k > 0) REQUIRE(has_edge(edges, index_of(calls, path[k - 1]), index_of(calls, path[k])));
      }
      REQUIRE(path_length == p.dataflow_latency());
    }

    // Capped plans: valid, within the cap, never below the lower bound.
    const auto cap = std::uniform_int_distribution<std::size_t>(1, 4)(random);
    const auto capped = volley::plan_rounds(calls, {.max_concurrency = cap});
    check_valid(capped, calls, edges);
    for (const auto& round : capped.rounds) REQUIRE(round.size() <= cap);
    REQUIRE(capped.lower_bound() == std::max(chain, (size + cap - 1) / cap));
    REQUIRE(capped.rounds.size() >= capped.lower_bound());
    REQUIRE(capped.dataflow_latency() == p.dataflow_latency());
    if (size <= 14) {
      const std::size_t optimum = plan_test::optimal_rounds(size, edges, cap);
      REQUIRE(optimum >= capped.lower_bound());
      REQUIRE(capped.rounds.size() >= optimum);
      if (cap >= size) REQUIRE(optimum == chain);
      ++searched;
      gap_to_optimum.push_back(capped.rounds.size() - optimum);
    }

    // A cap no round can reach plans exactly like no cap.
    const auto loose = volley::plan_rounds(calls, {.max_concurrency = size + 1});
    REQUIRE(loose.rounds == p.rounds);
  }
  std::size_t worse = 0;
  for (std::size_t gap : gap_to_optimum) worse += gap > 0 ? 1 : 0;
  WARN("random batches: " << iterations << ", of which cyclic (rejected with a real cycle): " << cycles
                          << "; capped plans of " << searched << " batches of <= 14 calls above the "
                          << "exhaustive optimum: " << worse << ", by at most "
                          << (gap_to_optimum.empty() ? 0 : *std::max_element(gap_to_optimum.begin(), gap_to_optimum.end()))
                          << " round(s)");
}

TEST_CASE("dependency_graph: structure") {
  const std::vector<call_spec> calls = {spec("r1"), spec("r2"), spec("r3"),
                                        spec("w", effect::mutating, {"k"}, {"r1"}),
                                        spec("w2", effect::mutating, {"j"})};
  const volley::dependency_graph graph{calls};
  CHECK(graph.call_count() == 5);
  // The three reads of everything are joined once for w and w2.
  CHECK(graph.node_count() == 6);
  CHECK(graph.is_join(3));
  CHECK(graph.node_of_call(3) == 4);
  CHECK(graph.call_of_node(3) == volley::dependency_graph::no_call);
  CHECK(std::vector(graph.predecessors(3).begin(), graph.predecessors(3).end()) ==
        std::vector<volley::dependency_graph::node_id>{0, 1, 2});
  // w: the join, and r1 by `after` (kept: it is w's data, even if also implied).
  CHECK(std::vector(graph.predecessors(4).begin(), graph.predecessors(4).end()) ==
        std::vector<volley::dependency_graph::node_id>{3, 0});
  CHECK(graph.edge_count() == 3 + 2 + 1);
  std::vector<std::size_t> position(graph.node_count());
  const auto order = graph.topological_order();
  REQUIRE(order.size() == graph.node_count());
  for (std::size_t k = 0; k < order.size(); ++k) position[order[k]] = k;
  for (std::size_t node = 0; node < graph.node_count(); ++node) {
    const auto id = static_cast<volley::dependency_graph::node_id>(node);
    for (auto predecessor : graph.predecessors(id)) CHECK(position[predecessor] < position[node]);
    for (auto successor : graph.successors(id)) CHECK(position[node] < position[successor]);
  }
  REQUIRE_THROWS_AS(graph.predecessors(6), std::out_of_range);
  REQUIRE_THROWS_AS(graph.node_of_call(5), std::out_of_range);
}
