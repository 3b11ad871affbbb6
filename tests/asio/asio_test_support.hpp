// Helpers for the asio/ tests: an io_context run by a fixed set of threads.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

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
