// volley/grade/detail/call_matcher.hpp: matches each tool_response to the
// tool_call it answers, in one pass, without allocating per event.
//
// The rule every grader shares: a response answers the most recent earlier
// call with its call_id that is still unanswered; a response with no such
// call answers nothing.
//
// Events must be fed in order (0, 1, 2, ...): each step hashes the id of the
// event a few places ahead and prefetches its table slot, which hides most
// cache misses on traces with many distinct ids (a compiler hint; no effect
// where __builtin_prefetch is missing).
//
// Ids are not copied: a table entry (16 bytes) names a call of the trace whose
// id is its key, so the trace must outlive the pass. The table is open
// addressing with linear probing and grows as needed.
// Entries are invalidated by a generation stamp instead of being cleared, so
// grading many small traces in a row touches no allocator. Two modes:
// - outstanding_only (counting): an id leaves the table when its last
//   unanswered call is answered (backward-shift deletion), so the table holds
//   at most the calls in flight and stays in cache on long traces;
// - full_history (validate): ids stay, so a call can tell that its id was
//   used before and a response that its id was already answered.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "volley/detail/concat.hpp"
#include "volley/trace/trace_event.hpp"

namespace volley::detail {

inline constexpr std::uint32_t no_event = 0xFFFF'FFFFu;

class call_matcher {
 public:
  enum class memory { outstanding_only, full_history };

  // What a tool_call found in the table before it was added.
  struct call_seen {
    std::uint32_t unanswered = no_event;  // most recent unanswered earlier call with this id
    std::uint32_t previous = no_event;    // most recent earlier call with this id (full_history only)
  };
  // What a tool_response matched.
  struct response_seen {
    std::uint32_t answered = no_event;  // the call it answers (no_event: none)
    std::uint32_t previous = no_event;  // most recent earlier call with this id (full_history only)
  };

  // Prepares for `trace`; forgets the previous one.
  void reset(std::span<const trace_event> trace, memory mode) {
    const std::size_t event_count = trace.size();
    m_trace = trace;
    if (event_count >= no_event) {
      throw std::length_error(concat({"volley graders: a trace of ", std::to_string(event_count),
                                      " events is too long (at most 4294967294)"}));
    }
    if (m_partner.size() < event_count) {
      m_partner.resize(event_count);
      m_below.resize(event_count);
      m_kind.resize(event_count);
    }
    // full_history keeps one slot per distinct id: size for one call per two
    // events up front, so the table rarely grows (and prefetches stay valid).
    std::size_t wanted = 16;
    if (mode == memory::full_history) {
      while (wanted < event_count) wanted *= 2;
    }
    if (m_slots.size() < wanted) {
      m_slots.assign(wanted, slot{});
      m_generation = 0;
    }
    m_mode = mode;
    m_live = 0;
    if (++m_generation == 0) {  // the stamp wrapped: clear for real once every 2^32 traces
      for (slot& s : m_slots) s.generation = 0;
      m_generation = 1;
    }
    for (std::size_t i = 0; i < look_ahead && i < event_count; ++i) hash_ahead(i);
  }

  // Event `index` of the trace is a tool_call.
  call_seen on_call(std::uint32_t index) {
    const std::uint32_t h = m_ahead[index % look_ahead];
    hash_ahead(index + look_ahead);  // reuses this event's ring entry: read first
    m_kind[index] = static_cast<std::uint8_t>(event_type::tool_call);
    slot& s = find_or_add(m_trace[index].id, h, index);
    // A slot made just now has last_call == index: no earlier call had this id.
    const bool seen_before = s.last_call != index;
    const call_seen seen{s.unanswered_top,
                         m_mode == memory::full_history && seen_before ? s.last_call : no_event};
    m_below[index] = s.unanswered_top;
    m_partner[index] = no_event;
    s.unanswered_top = index;
    s.last_call = index;
    return seen;
  }

  // Event `index` of the trace is a tool_response.
  response_seen on_response(std::uint32_t index) {
    const std::uint32_t h = m_ahead[index % look_ahead];
    hash_ahead(index + look_ahead);  // reuses this event's ring entry: read first
    m_kind[index] = static_cast<std::uint8_t>(event_type::tool_response);
    const std::size_t position = find(m_trace[index].call_id, h);
    if (position == not_found) {
      m_partner[index] = no_event;
      return {};
    }
    slot& s = m_slots[position];
    const std::uint32_t call = s.unanswered_top;
    const std::uint32_t previous = m_mode == memory::full_history ? s.last_call : no_event;
    if (call != no_event) {
      s.unanswered_top = m_below[call];
      m_partner[call] = index;
      if (m_mode == memory::outstanding_only && s.unanswered_top == no_event) erase(position);
    }
    m_partner[index] = call;
    return {call, previous};
  }

  void on_other(std::uint32_t index) {
    hash_ahead(index + look_ahead);
    m_kind[index] = static_cast<std::uint8_t>(event_type::assistant_message);
    m_partner[index] = no_event;
  }

  // After the pass: for a call, the response answering it; for a response,
  // the call it answers; no_event otherwise.
  [[nodiscard]] std::uint32_t partner(std::size_t index) const { return m_partner[index]; }
  // After the pass: the event's type, read from a compact array.
  [[nodiscard]] event_type kind(std::size_t index) const { return static_cast<event_type>(m_kind[index]); }

  // Ends a pass: forgets the trace, and releases memory after a very large
  // trace so that one huge trace does not pin it for the thread's lifetime.
  void finish() {
    m_trace = {};
    if (m_partner.size() > (std::size_t{1} << 20)) {
      m_partner = {};
      m_below = {};
      m_kind = {};
    }
    if (m_slots.size() > (std::size_t{1} << 16)) {
      m_slots = {};
      m_generation = 0;
    }
  }

 private:
  static constexpr std::size_t not_found = static_cast<std::size_t>(-1);
  static constexpr std::size_t look_ahead = 16;  // events hashed and prefetched ahead of the one matched

  // A live slot's key is the id of call `last_call` (the most recent call
  // with that id; in outstanding_only mode, while the slot lives, some call
  // with that id is unanswered, and last_call is one with that id).
  struct slot {
    std::uint32_t generation = 0;
    std::uint32_t hash = 0;
    std::uint32_t unanswered_top = no_event;
    std::uint32_t last_call = no_event;
  };

  [[nodiscard]] bool key_is(const slot& s, std::uint32_t h, std::string_view key) const {
    return s.hash == h && m_trace[s.last_call].id == key;
  }

  // A small multiply-mix hash over 8-byte words: ids are short ("call_3",
  // "toolu_01A..."), and this is several times cheaper than std::hash for them.
  static std::uint32_t hash_of(std::string_view key) {
    constexpr std::uint64_t multiplier = 0x9E37'79B9'7F4A'7C15ull;
    std::uint64_t h = key.size() * multiplier;
    std::size_t at = 0;
    for (; at + 8 <= key.size(); at += 8) {
      std::uint64_t word = 0;
      std::memcpy(&word, key.data() + at, 8);
      h = (h ^ word) * multiplier;
      h ^= h >> 29;
    }
    if (at < key.size()) {
      std::uint64_t word = 0;
      std::memcpy(&word, key.data() + at, key.size() - at);
      h = (h ^ word) * multiplier;
      h ^= h >> 29;
    }
    h *= multiplier;
    return static_cast<std::uint32_t>(h >> 32);
  }

  // Hashes the id event `index` looks up (if any) and prefetches its slot.
  void hash_ahead(std::size_t index) {
    if (index >= m_trace.size()) return;
    const trace_event& event = m_trace[index];
    if (event.type == event_type::assistant_message) return;
    const std::uint32_t h = hash_of(event.type == event_type::tool_call ? event.id : event.call_id);
    m_ahead[index % look_ahead] = h;
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(&m_slots[h & mask()]);
#endif
  }

  [[nodiscard]] bool live(const slot& s) const { return s.generation == m_generation; }
  [[nodiscard]] std::size_t mask() const { return m_slots.size() - 1; }

  slot& find_or_add(std::string_view key, std::uint32_t h, std::uint32_t call) {
    for (std::size_t i = h & mask();; i = (i + 1) & mask()) {
      slot& s = m_slots[i];
      if (!live(s)) {
        if (2 * (m_live + 1) > m_slots.size()) {  // keep the load at most 1/2
          grow();
          return find_or_add(key, h, call);
        }
        s = slot{m_generation, h, no_event, call};
        ++m_live;
        return s;
      }
      if (key_is(s, h, key)) return s;
    }
  }

  std::size_t find(std::string_view key, std::uint32_t h) const {
    for (std::size_t i = h & mask();; i = (i + 1) & mask()) {
      const slot& s = m_slots[i];
      if (!live(s)) return not_found;
      if (key_is(s, h, key)) return i;
    }
  }

  // Backward-shift deletion: later entries of the probe run move up so that
  // no lookup ever stops early at the hole.
  void erase(std::size_t hole) {
    for (std::size_t next = (hole + 1) & mask();; next = (next + 1) & mask()) {
      const slot& candidate = m_slots[next];
      if (!live(candidate)) break;
      const std::size_t home = candidate.hash & mask();
      const bool stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
      if (stays) continue;
      m_slots[hole] = candidate;
      hole = next;
    }
    m_slots[hole].generation = 0;
    --m_live;
  }

  void grow() {
    std::vector<slot> old = std::exchange(m_slots, std::vector<slot>(m_slots.size() * 2));
    for (const slot& s : old) {
      if (!live(s)) continue;
      for (std::size_t i = s.hash & mask();; i = (i + 1) & mask()) {
        if (!live(m_slots[i])) {
          m_slots[i] = s;
          break;
        }
      }
    }
  }

  std::span<const trace_event> m_trace;
  std::vector<std::uint32_t> m_partner;
  std::vector<std::uint32_t> m_below;  // per call: the unanswered call with its id it was pushed over
  std::vector<std::uint8_t> m_kind;    // per event: its event_type
  std::uint32_t m_ahead[look_ahead] = {};  // hashes of the next events' ids, by index % look_ahead
  std::vector<slot> m_slots;           // size: a power of two
  std::size_t m_live = 0;
  std::uint32_t m_generation = 0;
  memory m_mode = memory::outstanding_only;
};

// Runs the matching pass of `trace` on `matcher`.
inline void match_calls(std::span<const trace_event> trace, call_matcher& matcher, call_matcher::memory mode) {
  matcher.reset(trace, mode);
  for (std::size_t i = 0; i < trace.size(); ++i) {
    const auto index = static_cast<std::uint32_t>(i);
    switch (trace[i].type) {
      case event_type::tool_call: matcher.on_call(index); break;
      case event_type::tool_response: matcher.on_response(index); break;
      case event_type::assistant_message: matcher.on_other(index); break;
    }
  }
}

// The calling thread's matcher, reused from trace to trace.
inline call_matcher& thread_call_matcher() {
  thread_local call_matcher matcher;
  return matcher;
}

}  // namespace volley::detail
