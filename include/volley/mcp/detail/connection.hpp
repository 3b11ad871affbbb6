// JSON-RPC over a transport: requests in flight matched to their answers by id.
#pragma once

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "volley/core/time.hpp"
#include "volley/mcp/detail/executor_binding.hpp"
#include "volley/mcp/mcp_error.hpp"
#include "volley/mcp/protocol.hpp"
#include "volley/mcp/transport.hpp"

namespace volley::mcp {

// What a connection noticed that no request was told about.
struct connection_diagnostics {
  std::size_t malformed_messages = 0;  // lines or bodies that are not JSON-RPC
  std::string last_malformed;          // the start of the last one
  std::size_t unmatched_responses = 0;  // answers to no request in flight (late, after a cancel or a timeout)
  std::size_t faults = 0;               // oversized or otherwise dropped messages
  std::string last_fault;
};

namespace detail {

// How one request is sent and how long it may take.
struct request_limits {
  std::optional<duration> timeout;
  std::stop_token stop;
  std::function<void(const progress&)> on_progress;
  bool cancellable = true;  // initialize is not (the spec forbids cancelling it)
};

// One request in flight. Shared by the awaiter, the connection's map and
// the deadline watcher; exactly one of its answer, its deadline, its stop
// and the end of the connection settles it: whoever takes it out of the
// map under the connection's lock.
struct pending_request {
  std::int64_t id = 0;
  std::string label;  // "tools/call 'read_file' for call 'c1'"
  request_limits limits;
  std::coroutine_handle<> waiter;
  std::optional<nlohmann::json> result;
  std::optional<mcp_error> failure;
  std::stop_source finished;  // requested when settled: stops the deadline watcher
  bool stop_seen = false;     // stop requested before it was sent (under the connection's lock)
  std::optional<std::stop_callback<std::function<void()>>> on_stop;
};

class connection : public std::enable_shared_from_this<connection> {
 public:
  struct callbacks {
    std::function<void()> tools_changed;
    std::function<void(const log_message&)> log;
  };

  connection(any_transport transport, executor_binding executor, callbacks cb)
      : m_transport(std::move(transport)),
        m_executor(executor),
        m_callbacks(std::move(cb)),
        m_description(m_transport.description()) {}
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection() { m_transport.close(); }

  // Starts delivering the server's messages. The transport's events hold
  // the connection weakly: a reply after the client is gone goes nowhere.
  void start() {
    std::weak_ptr<connection> weak = weak_from_this();
    transport_events events;
    events.message = [weak](std::string text) {
      if (auto self = weak.lock()) self->on_message(std::move(text));
    };
    events.fault = [weak](std::string problem, std::string id) {
      if (auto self = weak.lock()) self->on_fault(std::move(problem), std::move(id));
    };
    events.closed = [weak](std::string reason) {
      if (auto self = weak.lock()) self->on_closed(std::move(reason));
    };
    m_transport.start(std::move(events));
  }

  const std::string& description() const noexcept { return m_description; }
  any_transport& transport() noexcept { return m_transport; }
  const executor_binding& executor() const noexcept { return m_executor; }

  // co_await gives the request's result, or throws mcp_error.
  class request_awaiter {
   public:
    request_awaiter(std::shared_ptr<connection> owner, std::shared_ptr<pending_request> request, std::string text)
        : m_connection(std::move(owner)), m_request(std::move(request)), m_text(std::move(text)) {}
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> waiting) {
      // Locals: once the request is out, its answer may resume the waiter
      // (and end this awaiter) on another thread before issue returns.
      std::shared_ptr<connection> owner = m_connection;
      std::shared_ptr<pending_request> request = m_request;
      request->waiter = waiting;
      return owner->issue(std::move(request), std::move(m_text));
    }
    nlohmann::json await_resume() {
      m_request->on_stop.reset();
      if (const auto& failure = m_request->failure) {
        // A fresh copy of the message, not a copy of the exception: the
        // request may die on the transport's thread, and libstdc++'s
        // exception strings share their text by a count TSan cannot see.
        throw mcp_error(failure->kind(), std::string(failure->what()), failure->rpc_code());
      }
      return std::move(*m_request->result);
    }

   private:
    std::shared_ptr<connection> m_connection;
    std::shared_ptr<pending_request> m_request;
    std::string m_text;
  };

  // A request of `method`; `label` names it in error messages (the method
  // by default). With limits.on_progress, params._meta.progressToken is
  // the request's id.
  request_awaiter request(std::string_view method, nlohmann::json params, request_limits limits,
                          std::string label = {}) {
    auto request = std::make_shared<pending_request>();
    {
      std::lock_guard lock{m_mutex};
      request->id = m_next_id++;
    }
    request->label = label.empty() ? std::string(method) : std::move(label);
    nlohmann::json message = {{"jsonrpc", "2.0"}, {"id", request->id}, {"method", method}};
    if (limits.on_progress) {
      if (!params.is_object()) params = nlohmann::json::object();
      params["_meta"]["progressToken"] = request->id;
    }
    if (!params.is_null()) message["params"] = std::move(params);
    request->limits = std::move(limits);
    return request_awaiter{shared_from_this(), std::move(request), message.dump(-1, ' ', false, error_handler)};
  }

  // Sends a notification; false when the connection is closed.
  bool notify(std::string_view method, nlohmann::json params = nullptr) {
    nlohmann::json message = {{"jsonrpc", "2.0"}, {"method", method}};
    if (!params.is_null()) message["params"] = std::move(params);
    return m_transport.send(message.dump(-1, ' ', false, error_handler));
  }

  // Fails every request in flight with `why` and closes the transport
  // (which waits for its threads and the server's process to end).
  void close(const std::string& why) {
    settle_all(failure_kind::disconnected, why);
    m_transport.close();
  }

  bool closed() const {
    std::lock_guard lock{m_mutex};
    return m_closed_reason.has_value();
  }

  connection_diagnostics diagnostics() const {
    std::lock_guard lock{m_mutex};
    return m_diagnostics;
  }

 private:
  // Replaces invalid UTF-8 (from a tool's arguments) instead of throwing.
  static constexpr auto error_handler = nlohmann::json::error_handler_t::replace;

  using pending_ptr = std::shared_ptr<pending_request>;

  // Sends the request; false when it was settled at once (the connection
  // is closed, or its stop was requested before it could be sent).
  bool issue(pending_ptr request, std::string text) {
    const std::int64_t id = request->id;
    if (request->limits.stop.stop_possible()) {
      // Registered first: when the stop is already requested this runs
      // inline, finds nothing in flight and only marks the request.
      pending_request* raw = request.get();
      std::weak_ptr<connection> weak = weak_from_this();
      request->on_stop.emplace(request->limits.stop, std::function<void()>([weak, raw] {
                                 if (auto self = weak.lock()) self->stop_requested(raw);
                               }));
    }
    {
      // Sent under the lock: a stop or a timeout settles the request only
      // once it is both in the map and on its way, so notifications/cancelled
      // never overtakes the request it cancels.
      std::lock_guard lock{m_mutex};
      if (m_closed_reason) {
        request->failure.emplace(failure_kind::disconnected, request->label + " was not sent: " + *m_closed_reason);
        return false;
      }
      if (request->stop_seen) {
        request->failure.emplace(failure_kind::cancelled,
                                 m_description + ": " + request->label + " was cancelled before it was sent");
        return false;
      }
      if (!m_transport.send(std::move(text))) {
        request->failure.emplace(failure_kind::disconnected,
                                 m_description + ": " + request->label +
                                     " could not be sent: the server does not take more input (it closed its input "
                                     "or is not reading it)");
        return false;
      }
      m_pending.emplace(id, request);
    }
    if (request->limits.timeout) {
      std::weak_ptr<connection> weak = weak_from_this();
      const duration limit = *request->limits.timeout;
      m_executor.at(m_executor.now() + limit, request->finished.get_token(), [weak, id, limit] {
        if (auto self = weak.lock()) self->expire(id, limit);
      });
    }
    return true;
  }

  pending_ptr take(std::int64_t id) {
    std::lock_guard lock{m_mutex};
    auto it = m_pending.find(id);
    if (it == m_pending.end()) return nullptr;
    pending_ptr request = std::move(it->second);
    m_pending.erase(it);
    return request;
  }

  void finish(const pending_ptr& request) {
    request->finished.request_stop();
    m_executor.resume(request->waiter);
  }
  void settle(const pending_ptr& request, failure_kind kind, const std::string& message,
              std::optional<std::int64_t> rpc_code = std::nullopt) {
    if (!request) return;
    request->failure.emplace(kind, message, rpc_code);
    finish(request);
  }

  // What the server also did wrong, for the message of a request that failed.
  std::string malformed_note() const {
    std::lock_guard lock{m_mutex};
    if (m_diagnostics.malformed_messages == 0 && m_diagnostics.faults == 0) return {};
    std::string note;
    if (m_diagnostics.malformed_messages > 0) {
      note += "; the server also sent " + std::to_string(m_diagnostics.malformed_messages) +
              " line(s) that are not JSON-RPC messages, the last: '" + m_diagnostics.last_malformed + "'";
    }
    if (m_diagnostics.faults > 0) note += "; " + m_diagnostics.last_fault;
    return note;
  }

  static std::string seconds_text(duration d) {
    const double seconds = std::chrono::duration<double>(d).count();
    std::string text = std::to_string(seconds);
    while (text.size() > 1 && text.back() == '0') text.pop_back();
    if (!text.empty() && text.back() == '.') text.pop_back();
    return text + " s";
  }

  void expire(std::int64_t id, duration limit) {
    pending_ptr request = take(id);
    if (!request) return;
    if (request->limits.cancellable) send_cancelled(id, "timed out");
    settle(request, failure_kind::timeout,
           m_description + ": " + request->label + " got no answer within " + seconds_text(limit) + malformed_note());
  }

  void stop_requested(pending_request* raw) {
    pending_ptr request;
    {
      std::lock_guard lock{m_mutex};
      auto it = m_pending.find(raw->id);
      if (it == m_pending.end()) {
        raw->stop_seen = true;  // not sent yet (or already settled: then unused)
        return;
      }
      request = std::move(it->second);
      m_pending.erase(it);
    }
    if (request->limits.cancellable) send_cancelled(request->id, "the caller stopped the request");
    settle(request, failure_kind::cancelled, m_description + ": " + request->label + " was cancelled");
  }

  void send_cancelled(std::int64_t id, std::string_view reason) {
    notify("notifications/cancelled", {{"requestId", id}, {"reason", reason}});
  }

  void settle_all(failure_kind kind, const std::string& reason) {
    std::vector<pending_ptr> in_flight;
    {
      std::lock_guard lock{m_mutex};
      if (!m_closed_reason) m_closed_reason = reason;
      for (auto& [id, request] : m_pending) in_flight.push_back(std::move(request));
      m_pending.clear();
    }
    for (auto& request : in_flight) settle(request, kind, request->label + " failed: " + reason);
  }

  // ---- from the transport's thread ----------------------------------------

  void note_malformed(std::string_view text, std::string_view why) {
    std::lock_guard lock{m_mutex};
    ++m_diagnostics.malformed_messages;
    std::string sample(text.substr(0, 200));
    m_diagnostics.last_malformed = sample + (text.size() > 200 ? "..." : "") + " (" + std::string(why) + ")";
  }

  void on_fault(std::string problem, std::string id_text) {
    {
      std::lock_guard lock{m_mutex};
      ++m_diagnostics.faults;
      m_diagnostics.last_fault = problem;
    }
    if (id_text.empty()) return;
    const auto id = parse_id(nlohmann::json::parse(id_text, nullptr, false));
    if (!id) return;
    pending_ptr request = take(*id);
    if (request) settle(request, failure_kind::bad_reply, m_description + ": " + request->label + " failed: " + problem);
  }

  void on_closed(std::string reason) { settle_all(failure_kind::disconnected, reason); }

  // Request ids are integers we chose; a server may echo one as a string.
  static std::optional<std::int64_t> parse_id(const nlohmann::json& id) {
    if (id.is_number_integer()) return id.get<std::int64_t>();
    if (id.is_string()) {
      const auto& text = id.get_ref<const std::string&>();
      std::int64_t value = 0;
      if (text.empty() || text.size() > 18) return std::nullopt;
      for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
      }
      return value;
    }
    return std::nullopt;
  }

  void on_message(std::string text) {
    nlohmann::json message = nlohmann::json::parse(text, nullptr, false);
    if (message.is_discarded()) return note_malformed(text, "not JSON");
    if (message.is_array()) {  // a JSON-RPC batch (allowed by 2025-03-26)
      for (auto& element : message) dispatch(element, text);
      return;
    }
    dispatch(message, text);
  }

  void dispatch(nlohmann::json& message, std::string_view text) {
    if (!message.is_object()) return note_malformed(text, "not a JSON object");
    const auto method = message.find("method");
    const auto id = message.find("id");
    if (method != message.end()) {
      if (!method->is_string()) return note_malformed(text, "'method' is not a string");
      if (id != message.end()) return answer_server_request(*id, method->get_ref<const std::string&>());
      return on_notification(method->get_ref<const std::string&>(), message.value("params", nlohmann::json::object()));
    }
    if (id == message.end()) return note_malformed(text, "neither a request, a notification nor a response");
    const auto number = parse_id(*id);
    pending_ptr request = number ? take(*number) : nullptr;
    if (!request) {
      std::lock_guard lock{m_mutex};
      ++m_diagnostics.unmatched_responses;
      return;
    }
    const auto result = message.find("result");
    const auto error = message.find("error");
    if (error != message.end() && error->is_object()) {
      const auto code = error->find("code");
      std::optional<std::int64_t> rpc_code;
      if (code != error->end() && code->is_number_integer()) rpc_code = code->get<std::int64_t>();
      std::string what = m_description + ": " + request->label + ": JSON-RPC error";
      if (rpc_code) what += " " + std::to_string(*rpc_code);
      const auto error_message = error->find("message");
      if (error_message != error->end() && error_message->is_string()) {
        what += ": " + error_message->get<std::string>();
      }
      const auto data = error->find("data");
      if (data != error->end() && !data->is_null()) {
        std::string shown = data->is_string() ? data->get<std::string>() : data->dump(-1, ' ', false, error_handler);
        if (shown.size() > 500) shown = shown.substr(0, 500) + "...";
        what += " (" + shown + ")";
      }
      return settle(request, failure_kind::rpc_error, what, rpc_code);
    }
    if (result == message.end()) {
      return settle(request, failure_kind::bad_reply,
                    m_description + ": the answer to " + request->label + " has neither 'result' nor 'error'");
    }
    request->result = std::move(*result);
    finish(request);
  }

  void on_notification(const std::string& method, const nlohmann::json& params) {
    if (method == "notifications/progress") {
      if (!params.is_object()) return;
      const auto token = params.find("progressToken");
      if (token == params.end()) return;
      const auto id = parse_id(*token);
      if (!id) return;
      pending_ptr request;
      {
        std::lock_guard lock{m_mutex};
        auto it = m_pending.find(*id);
        if (it != m_pending.end()) request = it->second;
      }
      if (!request || !request->limits.on_progress) return;
      progress update;
      if (auto v = params.find("progress"); v != params.end() && v->is_number()) update.value = v->get<double>();
      if (auto v = params.find("total"); v != params.end() && v->is_number()) update.total = v->get<double>();
      if (auto v = params.find("message"); v != params.end() && v->is_string()) update.message = v->get<std::string>();
      request->limits.on_progress(update);
      return;
    }
    if (method == "notifications/tools/list_changed") {
      if (m_callbacks.tools_changed) m_callbacks.tools_changed();
      return;
    }
    if (method == "notifications/message") {
      if (!m_callbacks.log || !params.is_object()) return;
      log_message entry;
      entry.level = params.value("level", std::string{});
      entry.logger = params.value("logger", std::string{});
      if (auto data = params.find("data"); data != params.end()) entry.data = *data;
      m_callbacks.log(entry);
    }
    // Others (resources/updated, cancelled for the server's own requests) concern no request of ours.
  }

  // The server asks something of the client: ping is answered; nothing
  // else was offered in the client's capabilities.
  void answer_server_request(const nlohmann::json& id, const std::string& method) {
    nlohmann::json reply = {{"jsonrpc", "2.0"}, {"id", id}};
    if (method == "ping") {
      reply["result"] = nlohmann::json::object();
    } else {
      reply["error"] = {{"code", -32601}, {"message", "volley's MCP client does not offer '" + method + "'"}};
    }
    m_transport.send(reply.dump(-1, ' ', false, error_handler));
  }

  any_transport m_transport;
  executor_binding m_executor;
  callbacks m_callbacks;
  std::string m_description;

  mutable std::mutex m_mutex;  // guards the fields below
  std::int64_t m_next_id = 1;
  std::unordered_map<std::int64_t, pending_ptr> m_pending;
  std::optional<std::string> m_closed_reason;
  connection_diagnostics m_diagnostics;
};

}  // namespace detail
}  // namespace volley::mcp
