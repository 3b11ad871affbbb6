// volley/mcp/http_transport.hpp: an MCP server reached over Streamable HTTP (needs volley::asio).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <vector>
#include <memory>
#include <atomic>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <nlohmann/json.hpp>

#include "volley/asio/asio_executor.hpp"
#include "volley/asio/http_client.hpp"
#include "volley/asio/http_error.hpp"
#include "volley/asio/http_message.hpp"
#include "volley/asio/http_response_stream.hpp"
#include "volley/core/async_semaphore.hpp"
#include "volley/core/task.hpp"
#include "volley/mcp/transport.hpp"
#include "volley/run/detail/detached.hpp"
#include "volley/run/detail/resume_list.hpp"

namespace volley::mcp {

// Where a Streamable HTTP server is and how to talk to it.
struct http_server {
  // The MCP endpoint: "http://127.0.0.1:3001/mcp", or https.
  std::string url;
  // Sent with every request ("Authorization: Bearer ...").
  http_fields headers{};
  // Names the server in error messages; default: the URL.
  std::string name{};
  // Timeouts, limits and TLS of the HTTP client underneath.
  http_client_options client{};
  // At most this many requests (POSTs that await an answer) at once; more
  // wait their turn. Notifications and replies never wait.
  std::size_t max_connections = 32;
  // Open the GET stream on which a server sends messages of its own
  // (notifications/tools/list_changed, pings) once initialized.
  bool listen = true;
  // The wait before a reconnect when the server gave no `retry`, and how
  // many reconnects in a row without a new event a stream gets.
  std::chrono::milliseconds default_retry{1000};
  int max_reconnects = 5;
  // How long the DELETE that ends the session may take (in the background).
  std::chrono::milliseconds close_timeout{2000};
};

namespace detail {

// What send() learned of a message before posting it.
struct outgoing_message {
  std::string text;
  std::string id;  // the JSON text of a request's id; empty for notifications and replies
  bool initialize = false;
  bool initialized_notification = false;
};

// What one http_transport shares with its requests in flight.
struct http_transport_state {
  http_transport_state(boost::asio::any_io_executor ex, http_server s)
      : executor(ex), server(std::move(s)), client(ex, server.client), request_permits(server.max_connections) {
    description = "MCP server '" + (server.name.empty() ? server.url : server.name) + "'";
    if (!server.name.empty()) description += " at " + server.url;
  }

  asio_executor executor;
  http_server server;
  http_client client;
  async_semaphore request_permits;
  std::string description;
  std::stop_source stop;  // closing stops every request and stream

  std::mutex mutex;  // guards the fields below
  std::string session_id;
  std::string protocol_version;
  bool listening = false;
  // Messages sent while notifications/initialized is being posted wait for
  // it: over HTTP, a later POST could reach the server first.
  bool initialized_in_flight = false;
  std::vector<outgoing_message> held;
  // Requests waiting for a permit, by the JSON text of their id: a
  // notifications/cancelled for one of them drops it unsent.
  std::map<std::string, std::shared_ptr<bool>, std::less<>> waiting;

  std::mutex delivery;  // one event at a time; `closed` is set under it
  // Read without the lock by send(): the client sends under its own lock,
  // which it also takes inside the events, so send() must never wait for
  // `delivery` (that would order the two locks both ways).
  // Release on store, acquire on load: a send that sees `closed` false may
  // still race a close, and then only queues a message nobody delivers.
  std::atomic<bool> closed{false};
  transport_events events;

  void deliver(std::string message) {
    std::lock_guard lock{delivery};
    if (!closed.load(std::memory_order_relaxed) && events.message) events.message(std::move(message));
  }
  void fault(std::string problem, std::string id) {
    std::lock_guard lock{delivery};
    if (!closed.load(std::memory_order_relaxed) && events.fault) events.fault(std::move(problem), std::move(id));
  }
  void end(std::string reason) {
    std::lock_guard lock{delivery};
    if (closed.load(std::memory_order_relaxed)) return;
    closed.store(true, std::memory_order_release);
    if (events.closed) events.closed(std::move(reason));
  }
  bool is_closed() const { return closed.load(std::memory_order_acquire); }

  // The headers of every request after the first: the session and the version.
  http_request make_request(std::string method, std::string_view accept) {
    http_request request;
    request.method = std::move(method);
    request.url = server.url;
    request.headers = server.headers;
    request.headers.emplace_back("Accept", std::string(accept));
    std::lock_guard lock{mutex};
    if (!session_id.empty()) request.headers.emplace_back("Mcp-Session-Id", session_id);
    if (!protocol_version.empty()) request.headers.emplace_back("MCP-Protocol-Version", protocol_version);
    return request;
  }
};

inline bool is_event_stream(const http_response_stream& stream) {
  const auto type = stream.header("Content-Type");
  return type && type->find("text/event-stream") != std::string_view::npos;
}

// Whether `data` is the answer (a response, not a request) to the request whose id is `id`.
inline bool answers(std::string_view data, std::string_view id) {
  const auto message = nlohmann::json::parse(data, nullptr, false);
  if (!message.is_object() || message.contains("method")) return false;
  const auto it = message.find("id");
  return it != message.end() && it->dump() == id;
}

inline task<std::string> read_body(http_response_stream& stream, std::stop_token stop, std::size_t limit) {
  std::string body;
  while (auto piece = co_await stream.read_some(stop)) {
    if (body.size() < limit) body += *piece;
  }
  co_return body;
}

inline std::string short_text(std::string text) {
  if (text.size() > 300) text = text.substr(0, 300) + "...";
  return text;
}

// After the answer to its request, a server ends the stream: the answer is
// passed on once it has (or after a short grace), so that the next request
// never reaches a server still busy with this one (the SDK's stateless
// servers serve one request at a time), and the connection is reused.
inline volley::detail::detached stop_after(asio_executor executor, duration wait, std::shared_ptr<std::stop_source> stop) {
  co_await executor.sleep_for(wait, stop->get_token());
  stop->request_stop();
  co_return volley::detail::resume_list{};
}

inline task<> finish_stream(const std::shared_ptr<http_transport_state>& state, http_response_stream& stream) {
  auto grace = std::make_shared<std::stop_source>();
  std::stop_callback on_close{state->stop.get_token(), [grace] { grace->request_stop(); }};
  stop_after(state->executor, std::chrono::milliseconds(500), grace);
  try {
    while (auto event = co_await stream.next_event(grace->get_token())) {
      if (!event->data.empty() && (event->event == "message" || event->event.empty())) {
        state->deliver(std::move(event->data));
      }
    }
  } catch (const http_error&) {
    // Cut short by the grace or a broken stream: the answer is in either way.
  }
  grace->request_stop();
}

// Reads SSE events and delivers their messages. When the stream ends (or
// breaks) before the answer to `id` came, resumes it as the specification
// says: waits `retry`, then GET with Last-Event-ID, at most max_reconnects
// times in a row without a new event. `id` empty: the listen stream, which
// is resumed the same way for as long as the transport is open.
inline task<> read_events(std::shared_ptr<http_transport_state> state, http_response_stream stream, std::string id) {
  std::stop_token stop = state->stop.get_token();
  std::string last_event_id;
  std::chrono::milliseconds retry = state->server.default_retry;
  int reconnects_without_events = 0;
  std::string why;
  for (;;) {
    std::optional<std::string> answer;
    try {
      while (auto event = co_await stream.next_event(stop)) {
        if (!stream.last_event_id().empty()) last_event_id = stream.last_event_id();
        if (stream.retry()) retry = *stream.retry();
        reconnects_without_events = 0;
        if (event->data.empty() || (event->event != "message" && !event->event.empty())) continue;  // a priming event
        if (!id.empty() && answers(event->data, id)) {
          answer = std::move(event->data);
          break;
        }
        state->deliver(std::move(event->data));
      }
      why = "the server ended the event stream";
    } catch (const http_error& e) {
      why = e.what();
    }
    if (answer) {
      co_await finish_stream(state, stream);
      state->deliver(std::move(*answer));
      co_return;
    }
    if (stop.stop_requested()) co_return;
    if (last_event_id.empty()) {
      if (!id.empty()) {
        state->fault(why + " before it answered, and gave no event id to resume from", id);
      }
      co_return;
    }
    if (++reconnects_without_events > state->server.max_reconnects) {
      if (!id.empty()) {
        state->fault("gave up resuming the event stream after " +
                         std::to_string(state->server.max_reconnects) + " reconnects: " + why,
                     id);
      }
      co_return;
    }
    // The server asked for this wait (SEP-1699): reconnecting sooner is a violation.
    co_await state->executor.sleep_for(std::chrono::duration_cast<duration>(retry), stop);
    if (stop.stop_requested()) co_return;
    http_request resume = state->make_request("GET", "text/event-stream");
    resume.headers.emplace_back("Last-Event-ID", last_event_id);
    try {
      stream = co_await state->client.open(std::move(resume), stop);
    } catch (const http_error& e) {
      why = e.what();
      if (!id.empty()) state->fault("resuming the event stream failed: " + why, id);
      co_return;
    }
    if (stream.status() != 200 || !is_event_stream(stream)) {
      if (!id.empty()) {
        state->fault("resuming the event stream got HTTP " + std::to_string(stream.status()),
                     id);
      }
      co_return;
    }
  }
}

// Opens the GET stream for the server's own messages; a server without
// one (405, 404, 400) is left alone.
inline volley::detail::detached listen(std::shared_ptr<http_transport_state> state) {
  co_await state->executor.schedule();
  try {
    // (Named, not a temporary in the co_await: g++ 12 breaks aggregates with strings there.)
    http_request request = state->make_request("GET", "text/event-stream");
    auto stream = co_await state->client.open(std::move(request), state->stop.get_token());
    if (stream.status() == 200 && is_event_stream(stream)) co_await read_events(state, std::move(stream), {});
  } catch (const http_error&) {
    // No listen stream: the requests' own streams still carry everything.
  }
  co_return volley::detail::resume_list{};
}

// Posts one message and delivers what comes back.
inline task<> post(std::shared_ptr<http_transport_state> state, outgoing_message message) {
  std::stop_token stop = state->stop.get_token();
  http_request request = state->make_request("POST", "application/json, text/event-stream");
  request.headers.emplace_back("Content-Type", "application/json");
  request.body = std::move(message.text);
  const bool had_session = [&] {
    std::lock_guard lock{state->mutex};
    return !state->session_id.empty();
  }();
  auto stream = co_await state->client.open(std::move(request), stop);
  const unsigned status = stream.status();
  if (message.initialize) {
    if (auto session = stream.header("Mcp-Session-Id")) {
      std::lock_guard lock{state->mutex};
      state->session_id = std::string(*session);
    }
  }
  if (status == 404 && had_session) {
    state->end(state->description + " ended the session (HTTP 404 to a request of session " +
               [&] {
                 std::lock_guard lock{state->mutex};
                 return state->session_id;
               }() +
               "): connect again for a new one");
    co_return;
  }
  if (status >= 300) {
    std::string body = co_await read_body(stream, stop, 64 << 10);
    // A JSON-RPC error about this request (the SDK sends one with a 400) is its answer.
    if (!message.id.empty() && answers(body, message.id)) {
      state->deliver(std::move(body));
    } else {
      state->fault("HTTP " + std::to_string(status) + " " + stream.response().reason +
                       (body.empty() ? "" : ": " + short_text(body)),
                   message.id);
    }
    co_return;
  }
  if (is_event_stream(stream)) {
    co_await read_events(state, std::move(stream), message.id);
  } else {
    std::string body = co_await read_body(stream, stop, state->server.client.max_body_bytes);
    if (!body.empty() && (status != 202 || !message.id.empty())) state->deliver(std::move(body));
  }
  if (message.initialized_notification && state->server.listen) {
    bool start = false;
    {
      std::lock_guard lock{state->mutex};
      start = !state->listening;
      state->listening = true;
    }
    if (start) listen(state);
  }
}

inline volley::detail::detached send_in_background(std::shared_ptr<http_transport_state> state,
                                                   outgoing_message message);

inline volley::detail::detached send_in_background(std::shared_ptr<http_transport_state> state,
                                                   outgoing_message message) {
  co_await state->executor.schedule();
  std::shared_ptr<bool> dropped;
  const bool is_request = !message.id.empty();
  if (is_request) {
    {
      std::lock_guard lock{state->mutex};
      dropped = std::make_shared<bool>(false);
      state->waiting.emplace(message.id, dropped);
    }
    const bool permitted = co_await state->request_permits.acquire(state->stop.get_token());
    {
      std::lock_guard lock{state->mutex};
      state->waiting.erase(message.id);
    }
    if (!permitted || *dropped) {
      if (permitted) state->request_permits.release();
      co_return volley::detail::resume_list{};
    }
  }
  const std::string id = message.id;
  const bool releases_held = message.initialized_notification;
  try {
    co_await post(state, std::move(message));
  } catch (const http_error& e) {
    if (!state->stop.stop_requested()) state->fault(e.what(), id);
  }
  if (is_request) state->request_permits.release();
  if (releases_held) {
    std::vector<outgoing_message> held;
    {
      std::lock_guard lock{state->mutex};
      state->initialized_in_flight = false;
      held.swap(state->held);
    }
    for (auto& later : held) send_in_background(state, std::move(later));
  }
  co_return volley::detail::resume_list{};
}

inline volley::detail::detached end_session(std::shared_ptr<http_transport_state> state, std::string session) {
  co_await state->executor.schedule();
  http_request request;
  request.method = "DELETE";
  request.url = state->server.url;
  request.headers = state->server.headers;
  request.headers.emplace_back("Mcp-Session-Id", std::move(session));
  request.timeout = std::chrono::duration_cast<duration>(state->server.close_timeout);
  try {
    (void)co_await state->client.request(std::move(request));
  } catch (const http_error&) {
    // The server is gone or will not end sessions (405): nothing to undo.
  }
  co_return volley::detail::resume_list{};
}

}  // namespace detail

// The Streamable HTTP transport of the MCP specification (2025-03-26 and
// later): every message is a POST of JSON-RPC with `Accept:
// application/json, text/event-stream`; a request's answer comes back as
// JSON or on an SSE stream, which may carry the server's notifications
// first (progress). The session id the server gives with the answer to
// initialize (Mcp-Session-Id) and the negotiated MCP-Protocol-Version go
// with every later request. A stream that ends or breaks before its answer
// is resumed as the specification says: after the server's `retry`, a GET
// with Last-Event-ID; a request is never posted twice (it could be a
// mutating call). Once initialized, a GET stream carries the server's own
// messages, if it offers one. close() stops every request and stream and
// ends the session with a DELETE, in the background.
//
// A server's failure is its requests' error: an HTTP error status, a lost
// connection (each with the URL and the phase), a stream that could not be
// resumed. A session the server ended (HTTP 404) closes the transport.
//
// When to use: remote servers, and local ones run as HTTP services. The
// io_context behind `executor` must run until the client is closed and a
// little after (the DELETE, the end of the listen stream; each bounded by
// the client's timeouts); requests resume on its threads. Let run() return
// by itself (drop the work guard) rather than stop() it: a stopped
// io_context leaves those last coroutines suspended, and their memory with
// them.
//
//   good: volley::mcp::http_transport remote{io.get_executor(), {.url = "http://127.0.0.1:3001/mcp"}};
//         auto c = co_await volley::mcp::client::connect(executor, std::move(remote));
//   bad:  running the io_context only inside sync_wait of connect: later
//         calls would never complete.
class http_transport {
 public:
  http_transport(boost::asio::any_io_executor executor, http_server server)
      : m_state(std::make_shared<detail::http_transport_state>(std::move(executor), std::move(server))) {}
  http_transport(http_transport&&) noexcept = default;
  http_transport& operator=(http_transport&&) noexcept = default;
  ~http_transport() { close(); }

  void start(transport_events events) {
    std::lock_guard lock{m_state->delivery};
    m_state->events = std::move(events);
  }

  bool send(std::string message) {
    if (m_state->is_closed()) return false;
    detail::outgoing_message outgoing;
    const auto parsed = nlohmann::json::parse(message, nullptr, false);
    if (parsed.is_object()) {
      const auto method = parsed.find("method");
      const auto id = parsed.find("id");
      if (method != parsed.end() && id != parsed.end()) outgoing.id = id->dump();
      if (method != parsed.end() && method->is_string()) {
        const auto& name = method->get_ref<const std::string&>();
        outgoing.initialize = name == "initialize";
        outgoing.initialized_notification = name == "notifications/initialized";
        // A cancellation of a request still waiting its turn drops both.
        if (name == "notifications/cancelled" && drop_waiting(parsed)) return true;
      }
    }
    outgoing.text = std::move(message);
    {
      std::lock_guard lock{m_state->mutex};
      if (m_state->initialized_in_flight) {
        m_state->held.push_back(std::move(outgoing));
        return true;
      }
      if (outgoing.initialized_notification) m_state->initialized_in_flight = true;
    }
    detail::send_in_background(m_state, std::move(outgoing));
    return true;
  }

  void close() {
    if (!m_state) return;
    {
      std::lock_guard lock{m_state->delivery};
      if (m_state->closed.load(std::memory_order_relaxed) && m_state->stop.stop_requested()) return;
      m_state->closed.store(true, std::memory_order_release);
    }
    m_state->stop.request_stop();
    std::string session;
    {
      std::lock_guard lock{m_state->mutex};
      session = std::exchange(m_state->session_id, {});
    }
    if (!session.empty()) detail::end_session(m_state, std::move(session));
  }

  std::string description() const { return m_state->description; }

  void protocol_negotiated(std::string_view version) {
    std::lock_guard lock{m_state->mutex};
    m_state->protocol_version = std::string(version);
  }

  // The session the server gave (empty: none, or closed).
  std::string session_id() const {
    std::lock_guard lock{m_state->mutex};
    return m_state->session_id;
  }

 private:
  bool drop_waiting(const nlohmann::json& cancelled) {
    const auto params = cancelled.find("params");
    if (params == cancelled.end() || !params->is_object()) return false;
    const auto id = params->find("requestId");
    if (id == params->end()) return false;
    std::lock_guard lock{m_state->mutex};
    auto it = m_state->waiting.find(id->dump());
    if (it == m_state->waiting.end()) return false;
    *it->second = true;
    return true;
  }

  std::shared_ptr<detail::http_transport_state> m_state;
};

static_assert(transport<http_transport>);

}  // namespace volley::mcp
