// A child process for tests that need a real peer (a loopback server): its
// standard input and output are pipes, and it is ended on every path.
#pragma once

#include <chrono>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace volley_test {

// Starts argv[0] (a path) with argv. The destructor closes the child's
// standard input (a well-behaved server exits on that: the same happens when
// the test process dies, so a crash leaves no server behind), waits up to
// two seconds, then kills it.
//
//   volley_test::child_process server{{"/usr/bin/python3", "server.py"}};
//   std::string ports = server.read_line(std::chrono::seconds{20});
class child_process {
 public:
  explicit child_process(const std::vector<std::string>& argv) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("child_process: pipe failed");
    if (pipe2(out, O_CLOEXEC) != 0) {
      close_pair(in);
      throw std::runtime_error("child_process: pipe failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int error = posix_spawn(&m_pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    m_stdin = in[1];
    m_stdout = out[0];
    if (error != 0) {
      ::close(m_stdin);
      ::close(m_stdout);
      throw std::runtime_error("child_process: cannot start " + argv[0] + ": " + std::strerror(error));
    }
  }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process() {
    ::close(m_stdin);
    if (!wait_for_exit(std::chrono::seconds{2})) {
      ::kill(m_pid, SIGKILL);
      int status = 0;
      ::waitpid(m_pid, &status, 0);
    }
    ::close(m_stdout);
  }

  // The next line the child writes (without its newline), waiting at most `limit`.
  std::string read_line(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      if (const auto end = m_pending.find('\n'); end != std::string::npos) {
        std::string line = m_pending.substr(0, end);
        m_pending.erase(0, end + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) throw std::runtime_error("child_process: no line from the child in time");
      pollfd fd{m_stdout, POLLIN, 0};
      if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) continue;
      char buffer[512];
      const ssize_t n = ::read(m_stdout, buffer, sizeof buffer);
      if (n <= 0) throw std::runtime_error("child_process: the child closed its output (it exited?)");
      m_pending.append(buffer, static_cast<std::size_t>(n));
    }
  }

  pid_t pid() const noexcept { return m_pid; }

 private:
  static void close_pair(int fds[2]) {
    ::close(fds[0]);
    ::close(fds[1]);
  }

  bool wait_for_exit(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int status = 0;
    while (::waitpid(m_pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    return true;
  }

  pid_t m_pid = -1;
  int m_stdin = -1;
  int m_stdout = -1;
  std::string m_pending;
};

}  // namespace volley_test
