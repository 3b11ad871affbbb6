// What the MCP tests share: where the real servers are, temporary folders,
// and a client connected to a reference server.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "volley/mcp/mcp.hpp"
#include "volley_catch.hpp"

namespace volley_test::mcp {

// The folder with node_modules/ of the pinned peers, or empty (no node/npm).
inline std::filesystem::path peers_dir() {
  std::filesystem::path dir;
  if (const char* env = std::getenv("VOLLEY_MCP_PEERS_DIR")) {
    dir = env;
  } else {
#if defined(VOLLEY_MCP_PEERS_DIR)
    dir = VOLLEY_MCP_PEERS_DIR;
#endif
  }
  std::error_code ec;
  if (dir.empty() || !std::filesystem::is_directory(dir / "node_modules" / "@modelcontextprotocol", ec)) return {};
  return dir;
}

// Test peers of our own (the fault proxy): tests/mcp/peers.
inline std::filesystem::path test_peers_source() { return VOLLEY_MCP_TEST_PEERS_SOURCE; }

// node, to run a server's script.
inline std::string node_program() {
  if (const char* env = std::getenv("VOLLEY_NODE")) return env;
  return "node";
}

// The script behind a package's bin, e.g. server_script("server-filesystem").
inline std::string server_script(std::string_view package) {
  const auto dir = peers_dir() / "node_modules" / "@modelcontextprotocol" / std::string(package) / "dist" / "index.js";
  return dir.string();
}

// Skips the current test (returns from it) when the peers are not installed.
#define VOLLEY_REQUIRE_MCP_PEERS()                                                                          \
  do {                                                                                                      \
    if (::volley_test::mcp::peers_dir().empty()) {                                                          \
      WARN("skipped: the MCP peers are not installed (node and npm are needed; tests/mcp/peers/install_peers.sh)"); \
      return;                                                                                               \
    }                                                                                                       \
  } while (false)

// A folder removed with everything in it when the test ends.
class temporary_directory {
 public:
  temporary_directory() {
    std::random_device random;
    const auto base = std::filesystem::temp_directory_path();
    for (;;) {
      m_path = base / ("volley-mcp-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
      std::error_code ec;
      if (std::filesystem::create_directory(m_path, ec)) break;
    }
    m_path = std::filesystem::canonical(m_path);
  }
  temporary_directory(const temporary_directory&) = delete;
  temporary_directory& operator=(const temporary_directory&) = delete;
  ~temporary_directory() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  const std::filesystem::path& path() const noexcept { return m_path; }

 private:
  std::filesystem::path m_path;
};

inline void write_text(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
}

inline std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The descriptors this process has open (a leak check).
inline std::size_t open_descriptors() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++count;
  return count;
}

inline volley::mcp::stdio_server filesystem_server(const std::filesystem::path& root) {
  return {.command = {node_program(), server_script("server-filesystem"), root.string()}, .name = "filesystem"};
}
inline volley::mcp::stdio_server memory_server(const std::filesystem::path& file) {
  return {.command = {node_program(), server_script("server-memory")},
          .extra_environment = {"MEMORY_FILE_PATH=" + file.string()},
          .name = "memory"};
}
inline volley::mcp::stdio_server everything_server() {
  return {.command = {node_program(), server_script("server-everything"), "stdio"}, .name = "everything"};
}
// A server made with the pinned TypeScript SDK: paged tools/list, a JSON-RPC
// error, a ping from the server (tests/mcp/peers/paged_server.mjs).
inline volley::mcp::stdio_server paged_server() {
  return {.command = {node_program(), (test_peers_source() / "paged_server.mjs").string(), peers_dir().string()},
          .name = "paged"};
}
// The real `inner` server behind tests/mcp/peers/fault_proxy.js, which
// misbehaves as `mode` says (see the script).
inline volley::mcp::stdio_server faulty(volley::mcp::stdio_server inner, const std::string& mode) {
  std::vector<std::string> command{node_program(), (test_peers_source() / "fault_proxy.js").string(), mode, "--"};
  command.insert(command.end(), inner.command.begin(), inner.command.end());
  inner.command = std::move(command);
  inner.name += " (" + mode + ")";
  return inner;
}

// A loopback port nobody listens on right now.
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

inline bool accepts_connections(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

// The everything server in Streamable HTTP mode on a loopback port, stopped with the test.
class everything_http_server {
 public:
  everything_http_server() {
    for (int attempt = 0; attempt < 3 && !m_ready; ++attempt) {
      m_port = free_port();
      m_process = volley::mcp::detail::child_process::spawn(
          {{node_program(), server_script("server-everything"), "streamableHttp"},
           std::nullopt,
           {"PORT=" + std::to_string(m_port)},
           {}});
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
      while (std::chrono::steady_clock::now() < deadline && !m_process.try_reap()) {
        if (accepts_connections(m_port)) {
          m_ready = true;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    REQUIRE(m_ready);
  }
  everything_http_server(const everything_http_server&) = delete;
  everything_http_server& operator=(const everything_http_server&) = delete;
  ~everything_http_server() {
    m_process.signal_group(SIGTERM);
    if (!m_process.wait_until(std::chrono::steady_clock::now() + std::chrono::seconds(3))) m_process.kill_and_reap();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port) + "/mcp"; }
  volley::mcp::detail::child_process& process() { return m_process; }

 private:
  int m_port = 0;
  bool m_ready = false;
  volley::mcp::detail::child_process m_process;
};

}  // namespace volley_test::mcp
