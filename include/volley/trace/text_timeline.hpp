// volley/trace/text_timeline.hpp: a timeline drawn with plain ASCII text,
// for a terminal or a log.
//
// Pure layer: standard library only.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "volley/detail/concat.hpp"
#include "volley/trace/detail/time_text.hpp"
#include "volley/trace/timeline.hpp"

namespace volley {

struct text_timeline_options {
  std::size_t width = 60;          // columns of the bar area (at least 10)
  bool one_row_per_slot = false;   // false: one row per call; true: one row per slot
  std::size_t max_label_width = 30;  // longer labels are cut and end in ".."
};

// When to use: to see at a glance, in a terminal or a test log, which calls
// ran together and which waited. Output is deterministic (integer time text,
// ASCII drawing), so it also makes a good golden file.
//
//   good: std::cout << volley::to_text_timeline(volley::make_timeline(rec.spans(), rec.events()));
//   bad:  a width of 200 in a log viewer that wraps at 120 columns: every row breaks in two.
//
// Layout: a summary line, a time axis, then one row per call in issue order
// ("slot  label  |bar|  begin - end  status"), or one row per slot. Times are
// relative to the timeline's first instant, in s, ms or us depending on its
// length. Bar characters: '#' running, '.' issued but waiting to start, '!'
// running and then failed, '~' never answered (in flight when the trace
// ended), ':' an assistant message (in empty cells); a last row marks the
// assistant messages with '*'. In one-row-per-slot mode consecutive calls of a
// slot alternate '#' and '='. A legend lists the characters used, and notes
// list calls that could not be drawn and responses that answer no call.
// Labels show "name id" (cut to max_label_width), an error its first line
// (cut to 40 bytes); control characters print as '?'. Columns count bytes, so
// a label with non-ASCII UTF-8 shifts its own row's bar a little.
inline std::string to_text_timeline(const timeline& timeline, const text_timeline_options& options = {}) {
  const std::size_t width = std::max<std::size_t>(options.width, 10);
  const std::size_t max_label = std::max<std::size_t>(options.max_label_width, 6);
  const auto span = timeline.last - timeline.first;
  const detail::time_unit unit = detail::unit_for_span(span);
  auto text_of = [&](std::chrono::nanoseconds at) { return detail::format_time(at - timeline.first, unit); };
  // Instants map to the nearest cell boundary: a bar covers the cells between
  // the boundaries nearest its begin and end (at least one cell), so calls
  // that follow each other on a row abut without overlapping.
  auto column = [&](std::chrono::nanoseconds at) -> std::size_t {
    if (span.count() <= 0) return 0;
    const double exact = static_cast<double>((at - timeline.first).count()) * static_cast<double>(width) /
                         static_cast<double>(span.count());
    return static_cast<std::size_t>(std::clamp(std::round(exact), 0.0, static_cast<double>(width)));
  };
  auto point_column = [&](std::chrono::nanoseconds at) { return std::min(column(at), width - 1); };
  // Labels and error texts as one safe line: control characters become '?',
  // and a cut never splits a UTF-8 sequence.
  auto printable = [](std::string text, std::size_t limit) {
    for (char& c : text) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
    if (text.size() > limit) {
      std::size_t keep = limit - 2;
      while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
      text.resize(keep);
      text += "..";
    }
    return text;
  };
  auto cut = [&](std::string label) { return printable(std::move(label), max_label); };

  std::string out;
  if (timeline.calls.empty()) {
    out += "no timed calls to draw\n";
  } else {
    out += detail::concat({std::to_string(timeline.calls.size()), timeline.calls.size() == 1 ? " call" : " calls",
                           " on ", std::to_string(timeline.slot_count), timeline.slot_count == 1 ? " slot" : " slots",
                           " over ", detail::format_time(span, unit), "\n"});
  }

  // One bar per row; every cell starts blank, assistant messages show as ':'.
  std::vector<std::size_t> message_columns;
  for (auto at : timeline.assistant_messages) message_columns.push_back(point_column(at));
  auto blank_bar = [&] {
    std::string bar(width, ' ');
    for (std::size_t c : message_columns) bar[c] = ':';
    return bar;
  };
  bool used_queue = false, used_failed = false, used_open = false;
  auto draw = [&](std::string& bar, const timeline_call& call, char running) {
    const std::size_t begin = point_column(call.begin());
    if (call.started && *call.started > call.issued) {
      const std::size_t issued = point_column(call.issued);
      for (std::size_t c = issued; c < begin; ++c) bar[c] = '.';
      used_queue = used_queue || issued < begin;
    }
    char fill = running;
    std::size_t end = width;
    if (!call.answered()) {
      fill = '~';
      used_open = true;
    } else {
      if (!call.ok) {
        fill = '!';
        used_failed = true;
      }
      end = std::max(begin + 1, column(std::max(*call.finished, call.begin())));
    }
    for (std::size_t c = begin; c < end; ++c) bar[c] = fill;
  };

  std::vector<std::string> labels;
  std::vector<std::string> bars;
  std::vector<std::string> slot_texts;
  std::vector<std::string> tails;
  if (!options.one_row_per_slot) {
    for (const timeline_call& call : timeline.calls) {
      std::string bar = blank_bar();
      draw(bar, call, '#');
      slot_texts.push_back(std::to_string(call.slot + 1));
      labels.push_back(cut(call.name.empty() ? call.id : detail::concat({call.name, " ", call.id})));
      bars.push_back(std::move(bar));
      std::string tail = text_of(call.begin()) + " - ";
      if (!call.answered()) {
        tail += "...  never answered";
      } else {
        tail += text_of(*call.finished) + (call.ok ? "  ok" : "  failed");
        if (!call.ok && !call.error.empty()) {
          tail += ": ";
          tail += printable(call.error.substr(0, call.error.find('\n')), 40);
        }
      }
      tails.push_back(std::move(tail));
    }
  } else {
    for (std::size_t slot = 0; slot < timeline.slot_count; ++slot) {
      std::vector<const timeline_call*> in_slot;
      for (const timeline_call& call : timeline.calls) {
        if (call.slot == slot) in_slot.push_back(&call);
      }
      std::stable_sort(in_slot.begin(), in_slot.end(),
                       [](const timeline_call* a, const timeline_call* b) { return a->begin() < b->begin(); });
      std::string bar = blank_bar();
      for (std::size_t k = 0; k < in_slot.size(); ++k) draw(bar, *in_slot[k], k % 2 == 0 ? '#' : '=');
      std::string label;
      for (const timeline_call* call : in_slot) {
        if (!label.empty()) label += ", ";
        label += call->name.empty() ? call->id : detail::concat({call->name, " ", call->id});
      }
      slot_texts.push_back(std::to_string(slot + 1));
      labels.push_back(cut(std::move(label)));
      bars.push_back(std::move(bar));
      tails.push_back(std::to_string(in_slot.size()) + (in_slot.size() == 1 ? " call" : " calls"));
    }
  }
  if (!timeline.assistant_messages.empty() && !timeline.calls.empty()) {
    std::string bar(width, ' ');
    for (std::size_t c : message_columns) bar[c] = '*';
    slot_texts.emplace_back();
    labels.emplace_back("assistant");
    bars.push_back(std::move(bar));
    tails.push_back(std::to_string(timeline.assistant_messages.size()) +
                    (timeline.assistant_messages.size() == 1 ? " message" : " messages"));
  }

  if (!timeline.calls.empty()) {
    std::size_t label_width = 4;
    for (const auto& label : labels) label_width = std::max(label_width, label.size());
    auto pad = [](std::string text, std::size_t to) {
      text.resize(std::max(text.size(), to), ' ');
      return text;
    };
    // The axis: the first instant under the bar's left edge, the last under its right edge.
    const std::string left = text_of(timeline.first);
    const std::string right = text_of(timeline.last);
    std::string scale = left;
    if (left.size() + right.size() + 1 <= width + 2) {
      scale += std::string(width + 2 - left.size() - right.size(), ' ') + right;
    }
    out += detail::concat({"slot  ", pad(options.one_row_per_slot ? "calls" : "call", label_width), "  ", scale, "\n"});
    for (std::size_t row = 0; row < bars.size(); ++row) {
      std::string line = std::string(4 - std::min<std::size_t>(4, slot_texts[row].size()), ' ') + slot_texts[row];
      out += detail::concat({line, "  ", pad(labels[row], label_width), "  |", bars[row], "|  ", tails[row], "\n"});
    }
    std::string legend = "legend: # running";
    if (options.one_row_per_slot) legend += ", = running (next call)";
    if (used_queue) legend += ", . waiting to start";
    if (used_failed) legend += ", ! failed";
    if (used_open) legend += ", ~ never answered";
    if (!timeline.assistant_messages.empty()) legend += ", : * assistant message";
    out += legend + "\n";
  }
  auto list = [](const std::vector<std::size_t>& indices) {
    std::string text;
    for (std::size_t i = 0; i < indices.size(); ++i) {
      if (i > 0) text += ", ";
      text += std::to_string(indices[i]);
    }
    return text;
  };
  if (!timeline.untimed_calls.empty()) {
    out += detail::concat({"not drawn (no time): ", std::to_string(timeline.untimed_calls.size()),
                           " call(s) at event(s) ", list(timeline.untimed_calls), "\n"});
  }
  if (!timeline.unmatched_responses.empty()) {
    out += detail::concat({"responses answering no call: event(s) ", list(timeline.unmatched_responses), "\n"});
  }
  return out;
}

}  // namespace volley
