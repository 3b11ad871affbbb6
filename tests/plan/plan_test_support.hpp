// Brute-force references for the planner tests: the conflict relation over
// all pairs, transitive closures as bitsets, longest chains by memoized search.
#pragma once

#include "volley/detail/concat.hpp"
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "volley/plan/call_spec.hpp"

namespace plan_test {

// prefix + n, built by appending (GCC 12 -O3 warns falsely, -Wrestrict, on
// `volley::detail::concat({"literal", std::to_string(n)})`).
inline std::string numbered(std::string_view prefix, std::size_t n) {
  std::string text(prefix);
  text += std::to_string(n);
  return text;
}

// A fixed-size bitset sized at run time.
class bits {
 public:
  bits() = default;
  explicit bits(std::size_t size) : m_size(size), m_words((size + 63) / 64, 0) {}
  void set(std::size_t index) { m_words[index / 64] |= std::uint64_t{1} << (index % 64); }
  bool test(std::size_t index) const { return (m_words[index / 64] >> (index % 64)) & 1U; }
  void or_with(const bits& other) {
    for (std::size_t word = 0; word < m_words.size(); ++word) m_words[word] |= other.m_words[word];
  }
  std::size_t count() const {
    std::size_t total = 0;
    for (std::size_t index = 0; index < m_size; ++index) total += test(index) ? 1 : 0;
    return total;
  }
  friend bool operator==(const bits&, const bits&) = default;

 private:
  std::size_t m_size = 0;
  std::vector<std::uint64_t> m_words;
};

// The definition of DESIGN.md, written the obvious way.
inline bool conflicts(const volley::call_spec& a, const volley::call_spec& b) {
  if (a.effect == volley::effect::read_only && b.effect == volley::effect::read_only) return false;
  if (a.resources.empty() || b.resources.empty()) return true;
  for (const auto& x : a.resources)
    for (const auto& y : b.resources)
      if (x == y) return true;
  return false;
}

// ancestors[j]: the calls with a chain of conflicts to j, and j itself.
inline std::vector<bits> conflict_closure(const std::vector<volley::call_spec>& calls) {
  std::vector<bits> ancestors(calls.size(), bits(calls.size()));
  for (std::size_t j = 0; j < calls.size(); ++j) {
    ancestors[j].set(j);
    for (std::size_t i = 0; i < j; ++i)
      if (conflicts(calls[i], calls[j])) ancestors[j].or_with(ancestors[i]);
  }
  return ancestors;
}

// Every dependency edge (from, to) of a batch: `after` edges and conflicts.
inline std::vector<std::pair<std::size_t, std::size_t>> all_edges(
    const std::vector<volley::call_spec>& calls) {
  std::vector<std::pair<std::size_t, std::size_t>> edges;
  for (std::size_t j = 0; j < calls.size(); ++j) {
    for (std::size_t i = 0; i < j; ++i)
      if (conflicts(calls[i], calls[j])) edges.emplace_back(i, j);
    for (const auto& name : calls[j].after)
      for (std::size_t i = 0; i < calls.size(); ++i)
        if (calls[i].id == name) edges.emplace_back(i, j);
  }
  return edges;
}

// Whether the edges have a cycle, by closure (small inputs only).
inline bool has_cycle(std::size_t n, const std::vector<std::pair<std::size_t, std::size_t>>& edges) {
  std::vector<bits> reach(n, bits(n));
  for (auto [from, to] : edges) reach[from].set(to);
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t i = 0; i < n; ++i)
      if (reach[i].test(k)) reach[i].or_with(reach[k]);
  for (std::size_t i = 0; i < n; ++i)
    if (reach[i].test(i)) return true;
  return false;
}

// Calls on the longest chain, by memoized search over predecessor lists.
inline std::size_t longest_chain(std::size_t n,
                                 const std::vector<std::pair<std::size_t, std::size_t>>& edges) {
  std::vector<std::vector<std::size_t>> predecessors(n);
  for (auto [from, to] : edges) predecessors[to].push_back(from);
  std::vector<std::size_t> memo(n, 0);
  std::function<std::size_t(std::size_t)> chain = [&](std::size_t call) -> std::size_t {
    if (memo[call] != 0) return memo[call];
    std::size_t longest = 0;
    for (std::size_t from : predecessors[call]) longest = std::max(longest, chain(from));
    return memo[call] = longest + 1;
  };
  std::size_t longest = 0;
  for (std::size_t call = 0; call < n; ++call) longest = std::max(longest, chain(call));
  return longest;
}

// A random call over keys "k0".."k{keys-1}": 0-3 resources (repeats allowed).
inline volley::call_spec random_call(std::mt19937_64& random, std::size_t keys, double mutating) {
  volley::call_spec call;
  call.effect = std::bernoulli_distribution(mutating)(random) ? volley::effect::mutating
                                                               : volley::effect::read_only;
  const auto resources = std::uniform_int_distribution<int>(0, 3)(random);
  for (int r = 0; r < resources; ++r)
    call.resources.push_back(numbered("k", std::uniform_int_distribution<std::size_t>(0, keys - 1)(random)));
  return call;
}

// The fewest rounds of at most `cap` calls that respect `edges` (from, to),
// by breadth-first search over the sets of finished calls: for small batches
// only (n <= 20). Each round takes as many ready calls as the cap allows (an
// optimal schedule never leaves a slot idle while a call is ready), every
// such choice is tried. Returns 0 for a batch too large to search.
inline std::size_t optimal_rounds(std::size_t n,
                                  const std::vector<std::pair<std::size_t, std::size_t>>& edges,
                                  std::size_t cap) {
  if (n > 20) return 0;
  std::vector<std::uint32_t> needs(n, 0);
  for (auto [from, to] : edges) needs[to] |= std::uint32_t{1} << from;
  const std::uint32_t all = (std::uint32_t{1} << n) - 1;
  std::vector<std::uint8_t> seen(std::size_t{1} << n, 0);
  std::vector<std::uint32_t> frontier{0};
  seen[0] = 1;
  for (std::size_t rounds = 0; !frontier.empty(); ++rounds) {
    std::vector<std::uint32_t> next;
    for (std::uint32_t done : frontier) {
      if (done == all) return rounds;
      std::vector<std::size_t> ready;
      for (std::size_t call = 0; call < n; ++call)
        if (!(done >> call & 1U) && (needs[call] & ~done) == 0) ready.push_back(call);
      const std::size_t take = std::min(cap, ready.size());
      // Every subset of `ready` with `take` members.
      std::vector<bool> chosen(ready.size(), false);
      std::fill(chosen.begin(), chosen.begin() + static_cast<std::ptrdiff_t>(take), true);
      do {
        std::uint32_t after = done;
        for (std::size_t k = 0; k < ready.size(); ++k)
          if (chosen[k]) after |= std::uint32_t{1} << ready[k];
        if (!seen[after]) {
          seen[after] = 1;
          next.push_back(after);
        }
      } while (std::prev_permutation(chosen.begin(), chosen.end()));
    }
    frontier = std::move(next);
  }
  return 0;
}

}  // namespace plan_test
