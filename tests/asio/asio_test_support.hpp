// Helpers for the asio/ tests: an io_context run by a fixed set of threads,
// connected sockets, and tools that sleep through their call_context.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <thread>
#include <vector>

#include <chrono>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "volley/volley.hpp"

namespace asio_test {

// An io_context run by `threads` threads until destruction, which lets the
// queued work finish first (the work guard is dropped, run() returns when
// nothing is left).
class io_threads {
 public:
  explicit io_threads(std::size_t threads) : m_work(m_io.get_executor()) {
    for (std::size_t i = 0; i < threads; ++i) m_threads.emplace_back([this] { m_io.run(); });
  }
  io_threads(const io_threads&) = delete;
  io_threads& operator=(const io_threads&) = delete;
  ~io_threads() {
    m_work.reset();
    for (auto& t : m_threads) t.join();
  }

  boost::asio::io_context& context() noexcept { return m_io; }
  bool is_io_thread(std::thread::id id) const {
    return std::any_of(m_threads.begin(), m_threads.end(), [id](const std::thread& t) { return t.get_id() == id; });
  }

 private:
  boost::asio::io_context m_io;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> m_work;
  std::vector<std::thread> m_threads;
};

inline volley::task<std::string> sleep_then(volley::call_context& ctx, std::string ms, std::string text) {
  co_await ctx.sleep_for(std::chrono::milliseconds{std::stoi(ms)});
  co_return text;
}

// "sleep" (read-only, reads "clock") and "write" (mutating "repo"), each
// sleeping the milliseconds its arguments say through its call_context.
inline volley::tool_registry sleeping_tools() {
  volley::tool_registry tools;
  tools.add(volley::make_tool("sleep", volley::effect::read_only, [](const std::string& ms, volley::call_context& ctx) {
    return sleep_then(ctx, ms, "slept " + ms);
  }, [](const std::string&) { return std::vector<std::string>{"clock"}; }));
  tools.add(volley::make_tool("write", volley::effect::mutating, [](const std::string& ms, volley::call_context& ctx) {
    return sleep_then(ctx, ms, "wrote " + ms);
  }, [](const std::string&) { return std::vector<std::string>{"repo"}; }));
  return tools;
}

// Two connected loopback TCP sockets on `executor` (blocking setup).
struct socket_pair {
  boost::asio::ip::tcp::socket client;
  boost::asio::ip::tcp::socket server;
};
template <class Executor>
socket_pair connected_pair(const Executor& executor) {
  using boost::asio::ip::tcp;
  tcp::acceptor acceptor{executor, tcp::endpoint{boost::asio::ip::address_v4::loopback(), 0}};
  socket_pair pair{tcp::socket{executor}, tcp::socket{executor}};
  pair.client.connect(acceptor.local_endpoint());
  acceptor.accept(pair.server);
  return pair;
}

}  // namespace asio_test
