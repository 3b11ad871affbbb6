// volley/asio/sse_parser.hpp: Server-Sent Events, parsed from bytes in any chunking.
// Standard library only: usable without Boost (the HTTP client feeds it).
#pragma once

#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "volley/detail/concat.hpp"

namespace volley {

// One dispatched event of a text/event-stream.
//   event: its type ("message" unless an `event:` field named one);
//   data:  its `data:` lines joined with "\n" (a block without any data
//          line dispatches no event; `data:` alone is an empty line of data);
//   id:    the last event ID in effect when it was dispatched: set by the
//          latest `id:` field, in this event or an earlier one (as the
//          WHATWG rules define it; an empty `id:` clears it);
//   retry: the reconnection time an all-digits `retry:` field in this
//          event's block set, if any (sse_parser::retry() keeps the latest,
//          also from blocks that dispatched no event).
struct sse_event {
  std::string event = "message";
  std::string data{};
  std::string id{};
  std::optional<std::chrono::milliseconds> retry{};

  friend bool operator==(const sse_event&, const sse_event&) = default;
};

// A stream the parser will not take: a line or an event over its limit.
class sse_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bounds on what one peer can make the parser hold.
struct sse_limits {
  std::size_t max_line_bytes = std::size_t{1} << 20;   // one line, without its end
  std::size_t max_event_bytes = std::size_t{16} << 20;  // one event's data and type
};

// Parses a text/event-stream as the WHATWG HTML standard says (section
// "Parsing an event stream"), fed in whatever pieces the bytes arrive in:
// lines end in CR, LF or CRLF (a CRLF may be split between two pieces); a
// leading UTF-8 BOM is dropped, even split; `:` lines are comments; a field
// is `name: value` (one space after the colon dropped) or `name` alone (an
// empty value); `data` lines append, `event` names the type, `id` sets the
// last event ID unless it contains NUL, `retry` counts only when all ASCII
// digits; other fields are ignored; a blank line dispatches the event, and a
// block without data dispatches none. The bytes are not checked as UTF-8:
// data is handed on as received.
//
// When to use: reading an SSE body yourself (the HTTP client's
// http_response_stream::next_event does it for you).
//
//   good: parser.feed(chunk); while (auto e = parser.next_event()) handle(*e);
//   bad:  splitting the body on "\n\n" yourself: CR and CRLF line ends, a
//         blank line split across reads and comments all break it.
//
// A line or an event over the limits throws sse_error, which names the
// limit and where in the stream it was passed; after that the stream cannot
// be trusted, and every further feed throws the same error.
class sse_parser {
 public:
  explicit sse_parser(sse_limits limits = {}) : m_limits(limits) {}

  // Parses the next piece of the stream; complete events wait for
  // next_event(). Returns how many events this piece completed.
  std::size_t feed(std::string_view bytes) {
    if (!m_failure.empty()) throw sse_error(m_failure);
    const std::size_t before = m_events.size();
    if (m_at_start) bytes = skip_bom(bytes);
    if (!bytes.empty()) parse(bytes);
    return m_events.size() - before;
  }

  // The oldest complete event not yet taken, or nullopt.
  std::optional<sse_event> next_event() {
    if (m_events.empty()) return std::nullopt;
    sse_event event = std::move(m_events.front());
    m_events.pop_front();
    return event;
  }
  std::size_t pending_events() const noexcept { return m_events.size(); }

  // The end of the stream. An event that no blank line ended is discarded,
  // as is a last line without its line end (WHATWG); returns true when
  // something was discarded that way. Events already complete stay queued.
  bool finish() {
    const bool discarded = !m_line.empty() || !m_data.empty() || !m_type.empty() || m_bom_matched > 0;
    m_line.clear();
    m_data.clear();
    m_type.clear();
    m_block_retry.reset();
    m_bom_matched = 0;
    m_at_start = false;
    m_after_cr = false;
    return discarded;
  }

  // The last event ID as of the latest dispatch (blank line): what a client
  // sends as Last-Event-ID when it reconnects.
  const std::string& last_event_id() const noexcept { return m_last_event_id; }
  // The latest reconnection time a `retry:` field set.
  std::optional<std::chrono::milliseconds> retry() const noexcept { return m_retry; }
  // Bytes fed so far (where a limit error happened is said in these).
  std::uint64_t bytes_fed() const noexcept { return m_offset; }

 private:
  static constexpr std::string_view k_bom = "\xEF\xBB\xBF";

  // Drops a leading BOM, which may come a byte at a time. Bytes that begin
  // like one but turn out not to be are the stream's first data.
  std::string_view skip_bom(std::string_view bytes) {
    while (!bytes.empty() && m_bom_matched < k_bom.size()) {
      if (bytes.front() != k_bom[m_bom_matched]) {
        m_at_start = false;
        const std::size_t matched = std::exchange(m_bom_matched, 0);
        m_offset -= matched;  // parse() counts them again
        if (matched > 0) parse(k_bom.substr(0, matched));
        return bytes;
      }
      ++m_bom_matched;
      ++m_offset;
      bytes.remove_prefix(1);
    }
    if (m_bom_matched == k_bom.size()) {
      m_at_start = false;
      m_bom_matched = 0;
    }
    return bytes;
  }

  void parse(std::string_view bytes) {
    if (m_after_cr) {
      m_after_cr = false;
      if (bytes.front() == '\n') {  // the LF of a CRLF split between pieces
        bytes.remove_prefix(1);
        ++m_offset;
      }
    }
    while (!bytes.empty()) {
      const std::size_t end = bytes.find_first_of("\r\n");
      if (end == std::string_view::npos) {
        check_line(m_line.size() + bytes.size());
        m_line.append(bytes);
        m_offset += bytes.size();
        return;
      }
      const std::string_view piece = bytes.substr(0, end);
      check_line(m_line.size() + piece.size());
      if (m_line.empty()) {
        line(piece);
      } else {
        m_line.append(piece);
        line(m_line);
        m_line.clear();
      }
      std::size_t consumed = end + 1;
      if (bytes[end] == '\r') {
        if (end + 1 == bytes.size()) m_after_cr = true;
        else if (bytes[end + 1] == '\n') ++consumed;
      }
      m_offset += consumed;
      bytes.remove_prefix(consumed);
    }
  }

  void line(std::string_view text) {
    if (text.empty()) return dispatch();
    if (text.front() == ':') return;  // a comment
    const std::size_t colon = text.find(':');
    const std::string_view field = text.substr(0, colon);
    std::string_view value;
    if (colon != std::string_view::npos) {
      value = text.substr(colon + 1);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    }
    if (field == "data") {
      check_event(value.size() + 1);
      m_data.append(value);
      m_data.push_back('\n');
    } else if (field == "event") {
      check_event(value.size());
      m_type.assign(value);
    } else if (field == "id") {
      if (value.find('\0') == std::string_view::npos) m_id.assign(value);
    } else if (field == "retry") {
      set_retry(value);
    }
  }

  void set_retry(std::string_view value) {
    if (value.empty()) return;
    for (char c : value) {
      if (c < '0' || c > '9') return;
    }
    std::uint64_t ms = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), ms);
    (void)end;
    if (error != std::errc{} || ms > static_cast<std::uint64_t>(std::chrono::milliseconds::max().count())) return;
    m_retry = m_block_retry = std::chrono::milliseconds{static_cast<std::chrono::milliseconds::rep>(ms)};
  }

  void dispatch() {
    m_last_event_id = m_id;
    std::optional<std::chrono::milliseconds> retry = std::exchange(m_block_retry, std::nullopt);
    if (m_data.empty()) {
      m_type.clear();
      return;
    }
    m_data.pop_back();  // the "\n" after the last data line
    sse_event event;
    if (!m_type.empty()) event.event = std::move(m_type);
    event.data = std::move(m_data);
    event.id = m_last_event_id;
    event.retry = retry;
    m_events.push_back(std::move(event));
    m_type.clear();
    m_data.clear();
  }

  void check_line(std::size_t size) {
    if (size > m_limits.max_line_bytes) {
      fail(detail::concat({"a line of more than ", std::to_string(m_limits.max_line_bytes), " bytes"}));
    }
  }
  void check_event(std::size_t adding) {
    if (m_data.size() + m_type.size() + adding > m_limits.max_event_bytes) {
      fail(detail::concat({"an event of more than ", std::to_string(m_limits.max_event_bytes), " bytes"}));
    }
  }
  [[noreturn]] void fail(const std::string& what) {
    m_failure = detail::concat({"volley::sse_parser: ", what, " at byte ", std::to_string(m_offset), " of the event stream"});
    throw sse_error(m_failure);
  }

  sse_limits m_limits;
  std::deque<sse_event> m_events;
  std::string m_line;  // a line not yet ended, when it spans pieces
  std::string m_data;
  std::string m_type;
  std::string m_id;  // the last event ID buffer
  std::string m_last_event_id;
  std::optional<std::chrono::milliseconds> m_retry;
  std::optional<std::chrono::milliseconds> m_block_retry;
  std::string m_failure;
  std::uint64_t m_offset = 0;
  std::size_t m_bom_matched = 0;
  bool m_at_start = true;
  bool m_after_cr = false;
};

}  // namespace volley
