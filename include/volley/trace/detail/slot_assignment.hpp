// volley/trace/detail/slot_assignment.hpp: greedy interval colouring, so
// calls that overlap in time land on different rows of a timeline.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <functional>
#include <numeric>
#include <queue>
#include <utility>
#include <vector>

namespace volley::detail {

struct time_interval {
  std::chrono::nanoseconds begin{};
  std::chrono::nanoseconds end{};  // >= begin; [begin, end), a zero-length interval is the point begin
};

// Gives each interval the lowest-numbered slot that is free at its begin,
// visiting intervals by begin time (ties: input order). Two intervals share a
// slot only if one ends at or before the other begins, and the number of slots
// used equals the largest number of intervals overlapping at one instant
// (optimal: interval graphs are coloured exactly by this greedy order).
// Returns the slot of each interval, in input order; `slot_count` receives
// the number of slots used.
inline std::vector<std::size_t> assign_slots(const std::vector<time_interval>& intervals, std::size_t& slot_count) {
  std::vector<std::size_t> order(intervals.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return intervals[a].begin < intervals[b].begin;
  });

  using busy_slot = std::pair<std::chrono::nanoseconds, std::size_t>;  // (end, slot)
  std::priority_queue<busy_slot, std::vector<busy_slot>, std::greater<>> busy;
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> free_slots;
  std::vector<std::size_t> slot_of(intervals.size(), 0);
  slot_count = 0;
  for (std::size_t index : order) {
    const time_interval& interval = intervals[index];
    while (!busy.empty() && busy.top().first <= interval.begin) {
      free_slots.push(busy.top().second);
      busy.pop();
    }
    std::size_t slot = 0;
    if (free_slots.empty()) {
      slot = slot_count++;
    } else {
      slot = free_slots.top();
      free_slots.pop();
    }
    slot_of[index] = slot;
    busy.emplace(std::max(interval.end, interval.begin), slot);
  }
  return slot_of;
}

}  // namespace volley::detail
