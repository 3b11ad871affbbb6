// Pending sleeps ordered by deadline, shared by thread_pool and simulation.
#pragma once

#include <coroutine>
#include <cstdint>
#include <map>
#include <utility>

#include "volley/core/time.hpp"

namespace volley::detail {

// A coroutine waiting in an executor's ready queue (intrusive: no allocation).
struct ready_node {
  ready_node* next = nullptr;
  std::coroutine_handle<> handle;
};

// One pending sleep. It lives in the sleeping coroutine's frame.
struct timer_entry {
  ready_node node;
  bool queued = false;          // in the queue: whoever removes it resumes the coroutine
  bool stop_requested = false;  // the stop callback ran before the entry was queued
  std::multimap<std::pair<time_point, std::uint64_t>, timer_entry*>::iterator position;
};

// Deadline order, ties in insertion order (so a simulation is deterministic).
// Not synchronized: its owner holds a lock around every call.
class timer_queue {
 public:
  void insert(timer_entry& entry, time_point deadline) {
    entry.position = m_entries.emplace(std::pair{deadline, m_sequence++}, &entry);
    entry.queued = true;
  }
  // Removes a queued entry (a stop request); false when a timer already took it.
  bool remove(timer_entry& entry) {
    if (!entry.queued) return false;
    m_entries.erase(entry.position);
    entry.queued = false;
    return true;
  }
  bool empty() const noexcept { return m_entries.empty(); }
  std::size_t size() const noexcept { return m_entries.size(); }
  time_point earliest() const noexcept { return m_entries.begin()->first.first; }
  // Takes the earliest entry out of the queue.
  timer_entry* pop() {
    auto it = m_entries.begin();
    timer_entry* entry = it->second;
    m_entries.erase(it);
    entry->queued = false;
    return entry;
  }

 private:
  std::multimap<std::pair<time_point, std::uint64_t>, timer_entry*> m_entries;
  std::uint64_t m_sequence = 0;
};

}  // namespace volley::detail
