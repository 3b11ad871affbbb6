#include "volley/plan/hazard_tracker.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "plan_test_support.hpp"
#include "volley_catch.hpp"

namespace {

using volley::effect;
using node_id = volley::hazard_tracker::node_id;

// The whole graph a tracker made for a batch, checked for its structural
// promises as it is built.
struct tracked_graph {
  std::vector<std::vector<node_id>> predecessors;  // per node
  std::vector<bool> is_join;
  std::vector<node_id> node_of_call;
  std::vector<std::size_t> call_of_node;  // calls.size() for joins
  std::size_t edges = 0;
  std::size_t joins = 0;
};

tracked_graph track(const std::vector<volley::call_spec>& calls) {
  volley::hazard_tracker tracker;
  tracked_graph graph;
  std::vector<node_id> predecessors{999};  // must be cleared by add_call
  std::vector<volley::hazard_tracker::join> joins;
  for (std::size_t index = 0; index < calls.size(); ++index) {
    const std::size_t before = tracker.node_count();
    const std::size_t joins_before = joins.size();
    const node_id node = tracker.add_call(calls[index].effect, calls[index].resources, predecessors, joins);
    // Joins first, dense, in creation order; then the call.
    REQUIRE(node == before + (joins.size() - joins_before));
    REQUIRE(tracker.node_count() == node + 1u);
    for (std::size_t j = joins_before; j < joins.size(); ++j) {
      REQUIRE(joins[j].id == before + (j - joins_before));
      REQUIRE(tracker.is_join(joins[j].id));
      REQUIRE(joins[j].predecessors.size() >= 2);
      graph.predecessors.push_back(joins[j].predecessors);
      graph.is_join.push_back(true);
      graph.call_of_node.push_back(calls.size());
      ++graph.joins;
    }
    REQUIRE_FALSE(tracker.is_join(node));
    graph.predecessors.push_back(predecessors);
    graph.is_join.push_back(false);
    graph.call_of_node.push_back(index);
    graph.node_of_call.push_back(node);
  }
  for (std::size_t node = 0; node < graph.predecessors.size(); ++node) {
    const auto& row = graph.predecessors[node];
    for (std::size_t k = 0; k < row.size(); ++k) {
      REQUIRE(row[k] < node);                      // edges point forward
      if (k > 0) REQUIRE(row[k - 1] < row[k]);     // ascending, no duplicates
    }
    graph.edges += row.size();
  }
  return graph;
}

// ancestors[call]: calls that reach `call` through the graph (joins included), and itself.
std::vector<plan_test::bits> graph_closure(const tracked_graph& graph, std::size_t calls) {
  std::vector<plan_test::bits> by_node(graph.predecessors.size(), plan_test::bits(calls));
  for (std::size_t node = 0; node < graph.predecessors.size(); ++node) {
    for (node_id predecessor : graph.predecessors[node]) by_node[node].or_with(by_node[predecessor]);
    if (!graph.is_join[node]) by_node[node].set(graph.call_of_node[node]);
  }
  std::vector<plan_test::bits> by_call;
  for (node_id node : graph.node_of_call) by_call.push_back(by_node[node]);
  return by_call;
}

// The calls a predecessor node stands for directly: itself, or (for a join)
// its predecessors' calls, through chained joins.
void collect_members(const tracked_graph& graph, node_id node, std::vector<std::size_t>& out) {
  if (!graph.is_join[node]) {
    out.push_back(graph.call_of_node[node]);
    return;
  }
  for (node_id predecessor : graph.predecessors[node]) collect_members(graph, predecessor, out);
}

void check_against_brute_force(const std::vector<volley::call_spec>& calls) {
  const tracked_graph graph = track(calls);
  const auto expected = plan_test::conflict_closure(calls);
  const auto actual = graph_closure(graph, calls.size());
  for (std::size_t call = 0; call < calls.size(); ++call) {
    CAPTURE(call);
    REQUIRE(actual[call] == expected[call]);
  }
  // Exactness edge by edge: what a call waits for directly conflicts with it.
  std::vector<std::size_t> members;
  for (std::size_t call = 0; call < calls.size(); ++call) {
    for (node_id predecessor : graph.predecessors[graph.node_of_call[call]]) {
      members.clear();
      collect_members(graph, predecessor, members);
      for (std::size_t member : members) {
        CAPTURE(call, member);
        REQUIRE(plan_test::conflicts(calls[member], calls[call]));
      }
    }
  }
  std::size_t resources = 0;
  for (const auto& call : calls) resources += call.resources.size();
  REQUIRE(graph.edges <= 2 * resources + 5 * calls.size());
  REQUIRE(graph.joins * 2 <= calls.size());
}

// A random batch of up to `max_size` calls over 1-5 keys, with a random
// share of mutating calls; `described` says which, for CAPTURE.
std::vector<volley::call_spec> random_batch(std::mt19937_64& random, std::size_t max_size, std::string& described) {
  const auto size = std::uniform_int_distribution<std::size_t>(0, max_size)(random);
  const auto keys = std::uniform_int_distribution<std::size_t>(1, 5)(random);
  const double mutating = std::uniform_real_distribution<double>(0.0, 1.0)(random);
  std::vector<volley::call_spec> calls;
  for (std::size_t i = 0; i < size; ++i) calls.push_back(plan_test::random_call(random, keys, mutating));
  // (Appending: g++ 12 -O3 reports a false -Wrestrict on "literal" + std::to_string(...).)
  described = "size ";
  described += std::to_string(size);
  described += ", keys ";
  described += std::to_string(keys);
  described += ", mutating ";
  described += std::to_string(mutating);
  return calls;
}

volley::call_spec make(effect e, std::vector<std::string> resources = {}) {
  volley::call_spec call;
  call.effect = e;
  call.resources = std::move(resources);
  return call;
}

}  // namespace

TEST_CASE("hazard_tracker: small cases by hand") {
  SECTION("reads never wait") {
    std::vector<volley::call_spec> calls = {make(effect::read_only), make(effect::read_only, {"a"}),
                                            make(effect::read_only), make(effect::read_only, {"a"})};
    const auto graph = track(calls);
    CHECK(graph.edges == 0);
    CHECK(graph.joins == 0);
  }
  SECTION("write after reads of the same key waits for the readers, not the old writer") {
    std::vector<volley::call_spec> calls = {make(effect::mutating, {"a"}), make(effect::read_only, {"a"}),
                                            make(effect::read_only, {"a"}), make(effect::mutating, {"a"})};
    const auto graph = track(calls);
    CHECK(graph.predecessors[3] == std::vector<node_id>{1, 2});
    CHECK(graph.predecessors[1] == std::vector<node_id>{0});
    check_against_brute_force(calls);
  }
  SECTION("distinct keys do not wait") {
    std::vector<volley::call_spec> calls = {make(effect::mutating, {"a"}), make(effect::mutating, {"b"}),
                                            make(effect::read_only, {"c"})};
    const auto graph = track(calls);
    CHECK(graph.edges == 0);
  }
  SECTION("a write to everything waits for everything and everything after waits for it") {
    std::vector<volley::call_spec> calls = {make(effect::read_only, {"a"}), make(effect::mutating, {"b"}),
                                            make(effect::read_only), make(effect::mutating),
                                            make(effect::read_only, {"z"})};
    const auto graph = track(calls);
    CHECK(graph.predecessors[graph.node_of_call[3]] ==
          std::vector<node_id>{graph.node_of_call[0], graph.node_of_call[1], graph.node_of_call[2]});
    CHECK(graph.predecessors[graph.node_of_call[4]] == std::vector<node_id>{graph.node_of_call[3]});
    check_against_brute_force(calls);
  }
  SECTION("a resource named twice counts once") {
    std::vector<volley::call_spec> calls = {make(effect::read_only, {"a", "a"}),
                                            make(effect::mutating, {"a", "a"}),
                                            make(effect::mutating, {"a", "b", "a"})};
    const auto graph = track(calls);
    CHECK(graph.predecessors[1] == std::vector<node_id>{0});
    CHECK(graph.predecessors[2] == std::vector<node_id>{1});
    check_against_brute_force(calls);
  }
  SECTION("many reads of everything then writes: one join, not all pairs") {
    std::vector<volley::call_spec> calls;
    for (int i = 0; i < 5; ++i) calls.push_back(make(effect::read_only));
    for (int i = 0; i < 5; ++i) calls.push_back(make(effect::mutating, {plan_test::numbered("k", static_cast<std::size_t>(i))}));
    const auto graph = track(calls);
    CHECK(graph.joins == 1);
    CHECK(graph.edges == 5 + 5);  // the join's 5 predecessors + one edge per write
    check_against_brute_force(calls);
  }
  SECTION("reads listed before the first write are indexed when it comes") {
    // The tracker defers indexing reads until a write exists; the first
    // write must still wait for exactly the earlier readers of its keys.
    std::vector<volley::call_spec> calls = {make(effect::read_only, {"a"}), make(effect::read_only, {"b"}),
                                            make(effect::read_only, {"a", "c"}), make(effect::mutating, {"a"}),
                                            make(effect::mutating, {"c"}), make(effect::mutating, {"b"})};
    const auto graph = track(calls);
    CHECK(graph.predecessors[graph.node_of_call[3]] == std::vector<node_id>{graph.node_of_call[0], graph.node_of_call[2]});
    CHECK(graph.predecessors[graph.node_of_call[4]] == std::vector<node_id>{graph.node_of_call[2]});
    CHECK(graph.predecessors[graph.node_of_call[5]] == std::vector<node_id>{graph.node_of_call[1]});
    check_against_brute_force(calls);
  }
  SECTION("reads listed before a first write to everything are ordered before it") {
    std::vector<volley::call_spec> calls = {make(effect::read_only, {"a"}), make(effect::read_only, {"b"}),
                                            make(effect::mutating), make(effect::mutating, {"a"})};
    const auto graph = track(calls);
    CHECK(graph.predecessors[graph.node_of_call[2]] == std::vector<node_id>{graph.node_of_call[0], graph.node_of_call[1]});
    CHECK(graph.predecessors[graph.node_of_call[3]] == std::vector<node_id>{graph.node_of_call[2]});
    check_against_brute_force(calls);
  }
  SECTION("is_join rejects an id not yet made") {
    volley::hazard_tracker tracker;
    REQUIRE_THROWS_AS(tracker.is_join(0), std::out_of_range);
  }
}

TEST_CASE("hazard_tracker: reachability equals the conflict closure on random batches") {
  std::mt19937_64 random{20240611};
  const int iterations = volley_test::scaled(20000);
  std::string described;
  for (int iteration = 0; iteration < iterations; ++iteration) {
    const auto calls = random_batch(random, 64, described);
    CAPTURE(iteration, described);
    check_against_brute_force(calls);
  }
}

TEST_CASE("hazard_tracker: edges stay linear on adversarial patterns") {
  const auto read_all = make(effect::read_only);
  const auto write_all = make(effect::mutating);
  const auto key = [](std::size_t i) { return plan_test::numbered("k", i); };

  struct pattern {
    const char* name;
    std::function<std::vector<volley::call_spec>(std::size_t)> build;
  };
  const std::vector<pattern> patterns = {
      {"reads of everything, then writes to distinct keys",
       [&](std::size_t n) {
         std::vector<volley::call_spec> calls(n / 2, read_all);
         for (std::size_t i = 0; i < n / 2; ++i) calls.push_back(make(effect::mutating, {key(i)}));
         return calls;
       }},
      {"writes to distinct keys, then reads of everything",
       [&](std::size_t n) {
         std::vector<volley::call_spec> calls;
         for (std::size_t i = 0; i < n / 2; ++i) calls.push_back(make(effect::mutating, {key(i)}));
         calls.insert(calls.end(), n / 2, read_all);
         return calls;
       }},
      {"alternating read of everything / write to a new key",
       [&](std::size_t n) {
         std::vector<volley::call_spec> calls;
         for (std::size_t i = 0; i < n / 2; ++i) {
           calls.push_back(read_all);
           calls.push_back(make(effect::mutating, {key(i)}));
         }
         return calls;
       }},
      {"alternating blocks of 7 reads of everything and 5 writes to new keys",
       [&](std::size_t n) {
         std::vector<volley::call_spec> calls;
         for (std::size_t i = 0; calls.size() < n; ++i) {
           for (int r = 0; r < 7; ++r) calls.push_back(read_all);
           for (int w = 0; w < 5; ++w) calls.push_back(make(effect::mutating, {key(i * 5 + w)}));
         }
         return calls;
       }},
      {"many readers of one key, then many writers of it",
       [&](std::size_t n) {
         std::vector<volley::call_spec> calls(n / 2, make(effect::read_only, {"hot"}));
         calls.insert(calls.end(), n / 2, make(effect::mutating, {"hot"}));
         return calls;
       }},
      {"readers of many keys, then one write of everything, repeated",
       [&](std::size_t n) {
         std::vector<volley::call_spec> calls;
         for (std::size_t i = 0; calls.size() < n; ++i) {
           calls.push_back(make(effect::read_only, {key(i % 17), key(i % 5)}));
           if (i % 50 == 49) calls.push_back(write_all);
         }
         return calls;
       }},
      {"writes to three keys each, then reads of everything, interleaved",
       [&](std::size_t n) {
         std::vector<volley::call_spec> calls;
         for (std::size_t i = 0; calls.size() < n; ++i) {
           calls.push_back(make(effect::mutating, {key(i), key(i + 1), key(i + 2)}));
           if (i % 3 == 0) calls.push_back(read_all);
         }
         return calls;
       }},
  };
  for (const auto& p : patterns) {
    CAPTURE(p.name);
    // Exact reachability on a size the brute force affords...
    check_against_brute_force(p.build(256));
    // ...and linear size on a large one.
    const auto calls = p.build(2000);
    std::size_t resources = 0;
    for (const auto& call : calls) resources += call.resources.size();
    const auto graph = track(calls);
    CAPTURE(calls.size(), graph.edges, graph.joins);
    CHECK(graph.edges <= 2 * resources + 5 * calls.size());
    CHECK(graph.edges <= 8 * calls.size());
  }
}

TEST_CASE("hazard_tracker: after clear() it answers a batch exactly as a new tracker does") {
  // One tracker reused for batch after batch (mixes of reads, writes and
  // writes to everything, so every part of its state was in use) against a
  // fresh tracker per batch: same node ids, same predecessors, same joins.
  std::mt19937_64 random{20261125};
  volley::hazard_tracker reused;
  const int iterations = volley_test::scaled(2000);
  std::string described;
  for (int iteration = 0; iteration < iterations; ++iteration) {
    const auto calls = random_batch(random, 40, described);
    CAPTURE(iteration, described);
    volley::hazard_tracker fresh;
    reused.clear();
    REQUIRE(reused.node_count() == 0);
    std::vector<node_id> fresh_predecessors, reused_predecessors;
    std::vector<volley::hazard_tracker::join> fresh_joins, reused_joins;
    for (const auto& call : calls) {
      const node_id expected = fresh.add_call(call.effect, call.resources, fresh_predecessors, fresh_joins);
      const node_id actual = reused.add_call(call.effect, call.resources, reused_predecessors, reused_joins);
      REQUIRE(actual == expected);
      REQUIRE(reused_predecessors == fresh_predecessors);
    }
    REQUIRE(reused_joins.size() == fresh_joins.size());
    for (std::size_t j = 0; j < fresh_joins.size(); ++j) {
      REQUIRE(reused_joins[j].id == fresh_joins[j].id);
      REQUIRE(reused_joins[j].predecessors == fresh_joins[j].predecessors);
    }
  }
}
