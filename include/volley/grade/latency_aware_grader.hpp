// volley/grade/latency_aware_grader.hpp: the seed's LatencyAwareGrader —
// correctness plus a bonus for few sequential rounds — without its
// reward-hacking hole.
//
// Pure layer: standard library and volley/trace only.
#pragma once

#include <cmath>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "volley/grade/count_sequential_rounds.hpp"
#include "volley/detail/concat.hpp"
#include "volley/trace/trace_event.hpp"

namespace volley {

// A bonus paid when a trace takes at most `max_rounds` rounds.
struct efficiency_tier {
  std::size_t max_rounds = 0;
  double bonus = 0.0;

  friend bool operator==(const efficiency_tier&, const efficiency_tier&) = default;
};

struct latency_grader_options {
  // Checked in order, the first tier with rounds <= max_rounds pays (the
  // seed's if/elif chain); none: no bonus. max_rounds must increase strictly.
  std::vector<efficiency_tier> tiers{{3, 0.1}, {5, 0.05}};
  // true: an answer that is wrong (correctness <= wrong_at_or_below) earns no
  // bonus. false: the seed's behaviour, a bonus whatever the answer.
  bool gate_on_correctness = true;
  double wrong_at_or_below = 0.0;
};

// The grade of one answer, as the seed's grader returns it plus the round count.
struct latency_grade {
  double score = 0.0;        // correctness + efficiency
  double correctness = 0.0;  // as given
  double efficiency = 0.0;   // the bonus paid
  std::size_t rounds = 0;    // count_sequential_rounds of the trace

  friend bool operator==(const latency_grade&, const latency_grade&) = default;
};

// When to use: as the reward of an RL fine-tuning run where faster (fewer
// tool rounds) correct answers should score a little higher.
//
//   good: volley::latency_aware_grader grader;  // seed tiers, gated
//         auto g = grader.grade(check_correctness(answer, truth), trace);
//   bad:  volley::latency_aware_grader::seed_compatible() as a training
//         reward: it pays the speed bonus to wrong answers too.
//
// The hole the gate closes: the seed adds the bonus to any answer. A policy
// that answers at once, without tools, scores 0 + 0.1 when wrong, more than
// a careful wrong attempt over 6 rounds (0 + 0), and on tasks it cannot solve
// this is the best it can do — so RL teaches it to stop looking things up
// and guess fast. With the gate, speed pays only when the answer is right
// (correctness above `wrong_at_or_below`, 0 by default, so partial credit
// still earns it), and an unanswerable task gives every behaviour 0.
// Note that 0 rounds (no tool call) is within the first tier, as in the seed:
// a right answer that needed no tool is the fastest possible.
//
// Rounds are counted by volley::count_sequential_rounds (see it for bad
// traces: a never-answered call costs its round, a response to an unknown id
// is ignored).
class latency_aware_grader {
 public:
  latency_aware_grader() = default;

  // Throws std::invalid_argument when the tiers' max_rounds do not increase
  // strictly, or a bonus or the threshold is not finite.
  explicit latency_aware_grader(latency_grader_options options) : m_options(std::move(options)) {
    for (std::size_t i = 0; i < m_options.tiers.size(); ++i) {
      const efficiency_tier& tier = m_options.tiers[i];
      if (!std::isfinite(tier.bonus)) {
        throw std::invalid_argument(
            detail::concat({"latency_aware_grader: tier ", std::to_string(i), " has a bonus that is not finite"}));
      }
      if (i > 0 && tier.max_rounds <= m_options.tiers[i - 1].max_rounds) {
        throw std::invalid_argument(detail::concat(
            {"latency_aware_grader: tier ", std::to_string(i), " (max_rounds ", std::to_string(tier.max_rounds),
             ") must allow more rounds than tier ", std::to_string(i - 1), " (max_rounds ",
             std::to_string(m_options.tiers[i - 1].max_rounds), ")"}));
      }
    }
    if (!std::isfinite(m_options.wrong_at_or_below)) {
      throw std::invalid_argument("latency_aware_grader: wrong_at_or_below is not finite");
    }
  }

  // The seed's grader exactly: same tiers, bonus paid whatever the correctness.
  static latency_aware_grader seed_compatible() {
    latency_grader_options options;
    options.gate_on_correctness = false;
    return latency_aware_grader{std::move(options)};
  }

  // Grades an answer of `correctness` whose tool trace is `trace`.
  // Throws std::invalid_argument when correctness is NaN or infinite.
  [[nodiscard]] latency_grade grade(double correctness, std::span<const trace_event> trace) const {
    return grade_rounds(correctness, count_sequential_rounds(trace));
  }

  // Same, from a round count you already have.
  [[nodiscard]] latency_grade grade_rounds(double correctness, std::size_t rounds) const {
    if (!std::isfinite(correctness)) {
      throw std::invalid_argument("latency_aware_grader: correctness is not a finite number");
    }
    latency_grade result;
    result.correctness = correctness;
    result.rounds = rounds;
    result.efficiency = efficiency_for(rounds);
    if (m_options.gate_on_correctness && correctness <= m_options.wrong_at_or_below) result.efficiency = 0.0;
    result.score = correctness + result.efficiency;
    return result;
  }

  // The bonus for `rounds`, before the correctness gate.
  [[nodiscard]] double efficiency_for(std::size_t rounds) const {
    for (const efficiency_tier& tier : m_options.tiers) {
      if (rounds <= tier.max_rounds) return tier.bonus;
    }
    return 0.0;
  }

  [[nodiscard]] const latency_grader_options& options() const { return m_options; }

 private:
  latency_grader_options m_options;
};

}  // namespace volley
