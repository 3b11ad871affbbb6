// volley/io/conversation_reader.hpp: the conversations of a JSON or JSONL file, one at a time.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "volley/io/detail/json_access.hpp"
#include "volley/io/detail/json_layout.hpp"
#include "volley/io/format_error.hpp"
#include "volley/io/message_format.hpp"
#include "volley/trace/trace_event.hpp"

namespace volley::io {

// How a conversation_reader finds and reads the messages of each entry.
struct read_options {
  // nullopt: detect per conversation (detect_message_format).
  std::optional<message_format> format;
  // The member of a record that holds its messages; empty: "messages", else "traj" (tau-bench).
  std::string messages_key;
};

// One entry of the input: a conversation imported into a trace, or the reason
// it could not be (`error`, which names the JSON path inside the entry).
struct conversation_record {
  std::size_t index = 0;  // 0-based position among the input's entries
  std::size_t line = 0;   // 1-based line of the input where the entry starts
  std::string label;      // "task_id=3 trial=1" / "id=abc" from the record, when it has them
  message_format format = message_format::openai;
  volley::trace trace;
  std::optional<double> reward;  // the record's "reward" (true/false read as 1/0)
  std::string error;             // non-empty: the entry is malformed; trace is empty

  bool malformed() const noexcept { return !error.empty(); }
};

namespace detail {

inline void append_label(std::string& label, const json& record, std::string_view key) {
  const json* value = find_member(record, key);
  if (value == nullptr || !(value->is_string() || value->is_number())) return;
  if (!label.empty()) label += ' ';
  label += key;
  label += '=';
  label += value->is_string() ? value->get_ref<const std::string&>() : serialize(*value);
}

// Fills `record` from one entry: a bare array of messages, or an object that
// holds them under the messages key. Throws format_error.
inline void read_entry(const json& entry, const read_options& options, conversation_record& record) {
  const json_path root{""};
  const json* messages = nullptr;
  std::string_view key = "messages";
  if (entry.is_array()) {
    messages = &entry;
  } else if (entry.is_object()) {
    if (!options.messages_key.empty()) {
      key = options.messages_key;
      messages = &require_member(entry, key, root, "array of messages");
    } else if ((messages = find_member(entry, "messages")) == nullptr) {
      key = "traj";
      messages = find_member(entry, "traj");
    }
    if (messages == nullptr) fail(root, "no messages: the record has neither \"messages\" nor \"traj\" (name the key)");
    if (const json* reward = find_member(entry, "reward")) {
      if (reward->is_number()) record.reward = reward->get<double>();
      else if (reward->is_boolean()) record.reward = reward->get<bool>() ? 1.0 : 0.0;
      else fail(root / "reward", expected_got("number", *reward));
    }
    append_label(record.label, entry, "task_id");
    if (record.label.empty()) append_label(record.label, entry, "id");
    append_label(record.label, entry, "trial");
  } else {
    fail(root, expected_got("a conversation (array of messages) or a record (object)", entry));
  }
  record.format = options.format ? *options.format : detect_message_format(*messages, key);
  record.trace = trace_from_messages(*messages, record.format, key);
}

inline void read_entry_or_record_error(const json& entry, const read_options& options,
                                       conversation_record& record) {
  try {
    read_entry(entry, options, record);
  } catch (const format_error& e) {
    record.error = e.what();
    record.trace.clear();
    record.reward.reset();
  }
}

inline bool blank(std::string_view text) noexcept {
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

// The first line of `text` with content, without surrounding whitespace.
inline std::string_view first_content_line(std::string_view text) noexcept {
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.remove_suffix(1);
    if (!line.empty()) return line;
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return {};
}

}  // namespace detail

// When to use: grading files of recorded rollouts. The text may be
//   - JSON lines: one entry per line (blank lines skipped);
//   - one JSON document: an array of entries, or a single entry;
// and an entry is a bare array of messages or an object holding them under
// read_options::messages_key ("messages", else "traj": a tau-bench record,
// whose "reward" is read too). A JSON array whose first element is a message
// (an object with "role") is one conversation, not a list of them.
//
// The text is JSON lines when it is not one JSON document and its first line
// with content looks like a whole value ({...} or [...]); otherwise the
// constructor throws format_error with nlohmann's line and column. After
// that, a malformed entry never stops the reader: next() returns it with
// `error` set (the JSON path inside the entry; `line` says where the entry
// starts) and goes on with the next one.
//
// The reader views `text` and does not copy it: keep the text alive while reading.
//
//   good: volley::io::conversation_reader reader{text};
//         while (auto record = reader.next()) { if (record->malformed()) warn(record->line, record->error); ... }
//   bad:  conversation_reader reader{read_file(path)};  // the temporary string dies at the ';'
class conversation_reader {
 public:
  explicit conversation_reader(std::string_view text, read_options options = {})
      : m_text(text), m_options(std::move(options)) {
    if (detail::blank(text)) {
      m_layout = layout::lines;
      return;
    }
    detail::json_layout layout = detail::scan_json_layout(text, true);
    try {
      const detail::json_path root{""};
      detail::check_nesting_depth(layout.depth, root);
      m_document = detail::parse_json_of_checked_depth(text, root);
    } catch (const format_error&) {
      const std::string_view first = detail::first_content_line(text);
      const bool value_per_line = first.size() >= 2 && (first.front() == '{' || first.front() == '[') &&
                                  (first.back() == '}' || first.back() == ']');
      if (!value_per_line) throw;
      m_layout = layout::lines;
      return;
    }
    const bool one_conversation = m_document.is_array() && !m_document.empty() && m_document.front().is_object() &&
                                  m_document.front().contains("role");
    if (m_document.is_array() && !one_conversation) {
      m_layout = layout::entry_array;
      m_offsets = std::move(layout.element_offsets);
      m_lines = std::move(layout.element_lines);
    } else {
      m_layout = layout::single_entry;
      const std::size_t start = text.find_first_not_of(" \t\r\n");
      m_offsets = {start};
      m_lines = {1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(start), '\n'))};
    }
  }

  // The next entry, or nullopt at the end of the input.
  std::optional<conversation_record> next() {
    switch (m_layout) {
      case layout::lines: return next_line();
      case layout::single_entry:
        if (m_next_index > 0) return std::nullopt;
        return record_of(m_document, 0);
      case layout::entry_array:
        if (m_next_index >= m_document.size()) return std::nullopt;
        return record_of(m_document[m_next_index], m_next_index);
    }
    return std::nullopt;
  }

  // How far the reader has got, in bytes of the text (for progress reports).
  std::size_t bytes_read() const noexcept {
    if (m_layout == layout::lines) return m_position;
    if (m_next_index >= m_offsets.size()) return m_text.size();
    return m_offsets[m_next_index];
  }
  std::size_t total_bytes() const noexcept { return m_text.size(); }
  // True when the text is read as JSON lines, false for one JSON document.
  bool json_lines() const noexcept { return m_layout == layout::lines; }

 private:
  enum class layout { lines, single_entry, entry_array };

  conversation_record record_of(const nlohmann::json& entry, std::size_t index) {
    conversation_record record;
    record.index = index;
    record.line = index < m_lines.size() ? m_lines[index] : 1;
    ++m_next_index;
    detail::read_entry_or_record_error(entry, m_options, record);
    return record;
  }

  std::optional<conversation_record> next_line() {
    while (m_position < m_text.size()) {
      const std::size_t newline = m_text.find('\n', m_position);
      const std::size_t end = newline == std::string_view::npos ? m_text.size() : newline;
      std::string_view line = m_text.substr(m_position, end - m_position);
      const std::size_t line_number = m_line++;
      m_position = end == m_text.size() ? end : end + 1;
      if (detail::blank(line)) continue;
      conversation_record record;
      record.index = m_next_index++;
      record.line = line_number;
      try {
        const detail::json_path root{""};
        const nlohmann::json entry = detail::parse_json(line, root);
        detail::read_entry_or_record_error(entry, m_options, record);
      } catch (const format_error& e) {
        // nlohmann counts lines within the one line it was given.
        std::string message = e.what();
        if (const auto at = message.find("at line 1, column"); at != std::string::npos) {
          message.replace(at, 17, "at column");
        }
        record.error = std::move(message);
      }
      return record;
    }
    return std::nullopt;
  }

  std::string_view m_text;
  read_options m_options;
  layout m_layout = layout::lines;
  nlohmann::json m_document;
  std::vector<std::size_t> m_offsets;  // where each entry starts (one-document layouts)
  std::vector<std::size_t> m_lines;    // the line of each entry (one-document layouts)
  std::size_t m_next_index = 0;
  std::size_t m_position = 0;  // JSON lines: the byte after the last line read
  std::size_t m_line = 1;      // JSON lines: the number of the next line
};

}  // namespace volley::io
