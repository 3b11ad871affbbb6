// Idle keep-alive connections of one http_client, per scheme, host and port.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "volley/asio/detail/http_connection.hpp"
#include "volley/core/time.hpp"

namespace volley::detail {

// Thread-safe: requests on any thread take and give back connections. A
// connection in the pool is idle (no operation pending), so whoever holds
// the lock may look at its socket from any thread.
class connection_pool {
 public:
  connection_pool(std::size_t max_idle_per_origin, duration idle_lifetime) noexcept
      : m_max_idle(max_idle_per_origin), m_idle_lifetime(idle_lifetime) {}
  connection_pool(const connection_pool&) = delete;
  connection_pool& operator=(const connection_pool&) = delete;

  // The most recently used idle connection to `origin` that still looks
  // open, or null. Those past their idle lifetime, or found closed by the
  // server, are closed on the way.
  std::shared_ptr<http_connection> take(const std::string& origin, time_point now) {
    std::vector<std::shared_ptr<http_connection>> closing;  // destroyed after the lock
    std::lock_guard lock{m_mutex};
    auto it = m_idle.find(origin);
    if (it == m_idle.end()) return nullptr;
    auto& idle = it->second;
    std::shared_ptr<http_connection> found;
    while (!idle.empty() && !found) {
      std::shared_ptr<http_connection> candidate = std::move(idle.back());
      idle.pop_back();
      if (now - candidate->idle_since <= m_idle_lifetime && candidate->still_open()) {
        found = std::move(candidate);
      } else {
        closing.push_back(std::move(candidate));
      }
    }
    if (idle.empty()) m_idle.erase(it);
    return found;
  }

  // Keeps a connection whose last response was read to its end, for reuse;
  // the oldest idle connection to the same origin goes when there are too many.
  void give_back(std::shared_ptr<http_connection> connection, time_point now) {
    std::vector<std::shared_ptr<http_connection>> closing;
    std::lock_guard lock{m_mutex};
    if (m_max_idle == 0) {
      closing.push_back(std::move(connection));
      return;
    }
    connection->idle_since = now;
    auto& idle = m_idle[connection->origin()];
    idle.push_back(std::move(connection));
    while (idle.size() > m_max_idle) {
      closing.push_back(std::move(idle.front()));
      idle.erase(idle.begin());
    }
  }

  std::size_t idle_count() const {
    std::lock_guard lock{m_mutex};
    std::size_t count = 0;
    for (const auto& [origin, idle] : m_idle) count += idle.size();
    return count;
  }

  void close_all() {
    std::map<std::string, std::vector<std::shared_ptr<http_connection>>, std::less<>> closing;
    std::lock_guard lock{m_mutex};
    closing.swap(m_idle);
  }

 private:
  mutable std::mutex m_mutex;
  std::map<std::string, std::vector<std::shared_ptr<http_connection>>, std::less<>> m_idle;  // oldest first
  std::size_t m_max_idle;
  duration m_idle_lifetime;
};

}  // namespace volley::detail
