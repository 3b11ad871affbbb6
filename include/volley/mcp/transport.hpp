// volley/mcp/transport.hpp: what the MCP client needs of a connection to a server.
#pragma once

#include <concepts>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace volley::mcp {

// What a transport reports, from its own thread (the stdio reader, an Asio
// executor's thread). Each is called one at a time, never after close()
// has returned. The client supplies them; a transport only calls them.
struct transport_events {
  // One complete JSON-RPC message from the server (the text of one JSON value).
  std::function<void(std::string message)> message;
  // The server sent something that is not a message, and the connection
  // goes on: a message over the size limit, an HTTP reply that is not
  // JSON. `request_id` is the JSON text of the id it answered, when known.
  std::function<void(std::string problem, std::string request_id)> fault;
  // The server is gone (it exited, closed its stream, the session ended):
  // nothing more will arrive. `reason` says how, with the tail of its stderr.
  std::function<void(std::string reason)> closed;
};

// A connection that carries JSON-RPC messages to and from one MCP server:
//   t.start(events)      starts delivering the server's messages;
//   t.send(message)      queues one JSON-RPC message (request, notification
//                        or response) and returns at once; false when the
//                        connection is already closed; it never calls
//                        the events itself nor waits for a lock held
//                        while they run (the client sends under its own
//                        lock, which the events take too);
//   t.close()            ends the connection and returns once the
//                        transport's threads and the server's process (for
//                        stdio) are gone; idempotent;
//   t.description()      names the server in error messages:
//                        "MCP server 'mcp-server-filesystem' (pid 4242)".
// Optional: t.protocol_negotiated(version), told the protocol version once
// initialize has been answered (HTTP sends it as a header).
//
// When to use: the client is generic over it; use stdio_transport or
// http_transport, or write one for another channel (a socket, a pipe pair
// you already own) that meets this concept.
//
//   good: volley::mcp::client::connect(pool, volley::mcp::stdio_transport{{.command = {"mcp-server-memory"}}})
//   bad:  a send() that blocks until the server reads the message: it runs
//         on the executor's threads, and a stuck server would stall them.
template <class T>
concept transport = requires(T& t, transport_events events, std::string message) {
  t.start(std::move(events));
  { t.send(std::move(message)) } -> std::convertible_to<bool>;
  t.close();
  { t.description() } -> std::convertible_to<std::string>;
};

namespace detail {

// A transport behind function pointers, owned by the client (no virtual calls).
class any_transport {
 public:
  any_transport() = default;
  template <transport T>
    requires(!std::is_same_v<std::remove_cvref_t<T>, any_transport>)
  explicit any_transport(T&& t)
      : m_object(new std::remove_cvref_t<T>(std::forward<T>(t)),
                 [](void* p) { delete static_cast<std::remove_cvref_t<T>*>(p); }),
        m_start([](void* p, transport_events events) { static_cast<std::remove_cvref_t<T>*>(p)->start(std::move(events)); }),
        m_send([](void* p, std::string message) -> bool {
          return static_cast<std::remove_cvref_t<T>*>(p)->send(std::move(message));
        }),
        m_close([](void* p) { static_cast<std::remove_cvref_t<T>*>(p)->close(); }),
        m_description([](const void* p) -> std::string {
          return static_cast<const std::remove_cvref_t<T>*>(p)->description();
        }),
        m_negotiated([](void* p, std::string_view version) {
          if constexpr (requires(std::remove_cvref_t<T>& t) { t.protocol_negotiated(version); }) {
            static_cast<std::remove_cvref_t<T>*>(p)->protocol_negotiated(version);
          }
        }) {}

  bool valid() const noexcept { return static_cast<bool>(m_object); }
  void start(transport_events events) { m_start(m_object.get(), std::move(events)); }
  bool send(std::string message) { return m_send(m_object.get(), std::move(message)); }
  void close() {
    if (m_object) m_close(m_object.get());
  }
  std::string description() const { return m_description(m_object.get()); }
  void protocol_negotiated(std::string_view version) { m_negotiated(m_object.get(), version); }

 private:
  std::unique_ptr<void, void (*)(void*)> m_object{nullptr, [](void*) {}};
  void (*m_start)(void*, transport_events) = nullptr;
  bool (*m_send)(void*, std::string) = nullptr;
  void (*m_close)(void*) = nullptr;
  std::string (*m_description)(const void*) = nullptr;
  void (*m_negotiated)(void*, std::string_view) = nullptr;
};

}  // namespace detail
}  // namespace volley::mcp
