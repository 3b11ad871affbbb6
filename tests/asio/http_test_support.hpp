// The loopback servers the HTTP client tests talk to (http_test_server.py,
// on Debian's python3-aiohttp), started once per test program at first use.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "child_process.hpp"

namespace asio_test {

class http_servers {
 public:
  http_servers() {
    char pattern[] = "/tmp/volley-asio-test-XXXXXX";
    if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    m_dir = pattern;
    // A self-signed certificate for localhost and 127.0.0.1, made now.
    const std::string command = std::string(VOLLEY_TEST_OPENSSL) +
                                " req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
                                " -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout '" +
                                key_file() + "' -out '" + ca_file() + "' 2>/dev/null";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("openssl could not make a test certificate");
    m_process = std::make_unique<volley_test::child_process>(std::vector<std::string>{
        VOLLEY_TEST_AIOHTTP_PYTHON, std::string(VOLLEY_TEST_ASIO_DIR) + "/http_test_server.py", "--tls-cert", ca_file(),
        "--tls-key", key_file()});
    std::istringstream ports{m_process->read_line(std::chrono::seconds{30})};
    std::string field;
    while (ports >> field) {
      const auto eq = field.find('=');
      const auto port = static_cast<unsigned short>(std::stoul(field.substr(eq + 1)));
      if (field.starts_with("http=")) m_http = port;
      else if (field.starts_with("raw=")) m_raw = port;
      else if (field.starts_with("tls=")) m_tls = port;
    }
    if (!m_http || !m_raw || !m_tls) throw std::runtime_error("the test server did not say its ports");
  }
  ~http_servers() {
    m_process.reset();
    std::error_code ignored;
    std::filesystem::remove_all(m_dir, ignored);
  }

  std::string http(std::string_view path) const { return url("http://127.0.0.1:", m_http, path); }
  std::string raw(std::string_view path) const { return url("http://127.0.0.1:", m_raw, path); }
  std::string tls(std::string_view path) const { return url("https://localhost:", m_tls, path); }
  std::string tls_by_address(std::string_view path) const { return url("https://127.0.0.1:", m_tls, path); }
  unsigned short http_port() const noexcept { return m_http; }
  std::string ca_file() const { return (m_dir / "cert.pem").string(); }

 private:
  std::string key_file() const { return (m_dir / "key.pem").string(); }
  static std::string url(std::string_view base, unsigned short port, std::string_view path) {
    return std::string(base) + std::to_string(port) + std::string(path);
  }

  std::filesystem::path m_dir;
  std::unique_ptr<volley_test::child_process> m_process;
  unsigned short m_http = 0, m_raw = 0, m_tls = 0;
};

// Why the servers cannot run here, or empty when they can.
inline std::string servers_missing() {
  if (std::string_view{VOLLEY_TEST_AIOHTTP_PYTHON}.empty()) return "no python3 with aiohttp (apt-get install python3-aiohttp)";
  if (std::string_view{VOLLEY_TEST_OPENSSL}.empty()) return "no openssl command (apt-get install openssl)";
  return {};
}

// The servers, started at first use; null when they cannot run here.
inline http_servers* servers() {
  static std::unique_ptr<http_servers> instance = [] {
    return servers_missing().empty() ? std::make_unique<http_servers>() : nullptr;
  }();
  return instance.get();
}

}  // namespace asio_test

// Skips the rest of a test (with the reason) where the servers cannot run.
#define ASIO_TEST_SERVERS(name)                                                          \
  asio_test::http_servers* name = asio_test::servers();                                  \
  if (!name) {                                                                           \
    WARN("skipped: the loopback HTTP servers cannot run: " << asio_test::servers_missing()); \
    return;                                                                              \
  }
