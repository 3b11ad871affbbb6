// A server process started with pipes on its standard streams (POSIX).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace volley::mcp::detail {

// One end of a pipe, closed when it dies.
class file_descriptor {
 public:
  file_descriptor() = default;
  explicit file_descriptor(int fd) noexcept : m_fd(fd) {}
  file_descriptor(file_descriptor&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  file_descriptor& operator=(file_descriptor&& other) noexcept {
    if (this != &other) {
      reset();
      m_fd = std::exchange(other.m_fd, -1);
    }
    return *this;
  }
  file_descriptor(const file_descriptor&) = delete;
  file_descriptor& operator=(const file_descriptor&) = delete;
  ~file_descriptor() { reset(); }

  int get() const noexcept { return m_fd; }
  bool valid() const noexcept { return m_fd >= 0; }
  void reset() noexcept {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
  }

 private:
  int m_fd = -1;
};

// "exited with status 1", "was killed by signal 9 (Killed)".
inline std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int signal_number = WTERMSIG(status);
    const char* name = ::strsignal(signal_number);
    return "was killed by signal " + std::to_string(signal_number) + (name ? std::string(" (") + name + ")" : "");
  }
  return "ended with wait status " + std::to_string(status);
}

struct process_spec {
  std::vector<std::string> argv;
  // Replaces the whole environment when set; `extra_environment` is added
  // either way (NAME=value, later entries win).
  std::optional<std::vector<std::string>> environment;
  std::vector<std::string> extra_environment;
  std::filesystem::path working_directory;  // empty: this process's
};

// A child process whose stdin, stdout and stderr are pipes to us. Every
// descriptor is close-on-exec, so no other child inherits them; the child
// leads a process group of its own, so stopping it also stops what it
// started (a wrapper such as npx). The destructor kills and reaps a child
// still running: no zombie, no descriptor left open.
class child_process {
 public:
  child_process() = default;
  child_process(child_process&& other) noexcept
      : m_pid(std::exchange(other.m_pid, -1)),
        m_status(std::exchange(other.m_status, std::nullopt)),
        m_stdin(std::move(other.m_stdin)),
        m_stdout(std::move(other.m_stdout)),
        m_stderr(std::move(other.m_stderr)) {}
  child_process& operator=(child_process&& other) noexcept {
    if (this != &other) {
      kill_and_reap();
      m_pid = std::exchange(other.m_pid, -1);
      m_status = std::exchange(other.m_status, std::nullopt);
      m_stdin = std::move(other.m_stdin);
      m_stdout = std::move(other.m_stdout);
      m_stderr = std::move(other.m_stderr);
    }
    return *this;
  }
  ~child_process() { kill_and_reap(); }

  // SIGKILL to a child still running, then reaps it.
  void kill_and_reap() noexcept {
    if (m_pid > 0 && !m_status) {
      signal_group(SIGKILL);
      wait_until(std::chrono::steady_clock::now() + std::chrono::seconds(5));
    }
  }

  // Throws std::system_error naming the program when it cannot be started
  // (not found, not executable, a bad working directory).
  static child_process spawn(const process_spec& spec) {
    if (spec.argv.empty() || spec.argv.front().empty()) {
      throw std::invalid_argument("volley::mcp: a server command needs a program to run");
    }
    int in[2], out[2], err[2];
    make_pipe(in, spec);
    file_descriptor in_read{in[0]}, in_write{in[1]};
    make_pipe(out, spec);
    file_descriptor out_read{out[0]}, out_write{out[1]};
    make_pipe(err, spec);
    file_descriptor err_read{err[0]}, err_write{err[1]};

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_read.get(), 0);
    posix_spawn_file_actions_adddup2(&actions, out_write.get(), 1);
    posix_spawn_file_actions_adddup2(&actions, err_write.get(), 2);
    if (!spec.working_directory.empty()) {
      posix_spawn_file_actions_addchdir_np(&actions, spec.working_directory.c_str());
    }
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    // A group of its own; default signal dispositions and an empty mask,
    // whatever this process set (we ignore SIGPIPE; a server must not).
    sigset_t defaults, empty;
    sigemptyset(&empty);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGINT);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setsigmask(&attributes, &empty);
    posix_spawnattr_setpgroup(&attributes, 0);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

    std::vector<char*> arguments;
    for (const auto& a : spec.argv) arguments.push_back(const_cast<char*>(a.c_str()));
    arguments.push_back(nullptr);
    std::vector<std::string> environment_strings = build_environment(spec);
    std::vector<char*> environment;
    for (auto& e : environment_strings) environment.push_back(e.data());
    environment.push_back(nullptr);

    pid_t pid = -1;
    const int failed = ::posix_spawnp(&pid, arguments[0], &actions, &attributes, arguments.data(), environment.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (failed != 0) {
      std::string where = spec.working_directory.empty() ? "" : " in '" + spec.working_directory.string() + "'";
      throw std::system_error(failed, std::generic_category(),
                              "volley::mcp: cannot start '" + spec.argv.front() + "'" + where);
    }
    child_process child;
    child.m_pid = pid;
    child.m_stdin = std::move(in_write);
    child.m_stdout = std::move(out_read);
    child.m_stderr = std::move(err_read);
    return child;
  }

  pid_t pid() const noexcept { return m_pid; }
  int stdin_fd() const noexcept { return m_stdin.get(); }
  int stdout_fd() const noexcept { return m_stdout.get(); }
  int stderr_fd() const noexcept { return m_stderr.get(); }
  void close_stdin() noexcept { m_stdin.reset(); }
  void close_stdout() noexcept { m_stdout.reset(); }
  void close_stderr() noexcept { m_stderr.reset(); }

  // The wait status once the child has been reaped.
  const std::optional<int>& status() const noexcept { return m_status; }

  // Reaps the child if it has exited; never blocks.
  bool try_reap() noexcept {
    if (m_status || m_pid <= 0) return true;
    int status = 0;
    const pid_t r = ::waitpid(m_pid, &status, WNOHANG);
    if (r == m_pid) {
      m_status = status;
      return true;
    }
    if (r < 0 && errno == ECHILD) {  // reaped elsewhere (a SIGCHLD handler of the application)
      m_status = -1;
      return true;
    }
    return false;
  }

  // Waits, polling, until the child exits or `deadline` passes.
  bool wait_until(std::chrono::steady_clock::time_point deadline) noexcept {
    auto pause = std::chrono::microseconds(200);
    while (!try_reap()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(pause);
      if (pause < std::chrono::milliseconds(10)) pause *= 2;
    }
    return true;
  }

  // Sends `signal_number` to the child's process group (the child and what
  // it started), unless it has been reaped.
  void signal_group(int signal_number) noexcept {
    if (m_pid > 0 && !m_status) {
      if (::kill(-m_pid, signal_number) != 0) ::kill(m_pid, signal_number);
    }
  }

 private:
  static void make_pipe(int (&fds)[2], const process_spec& spec) {
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      throw std::system_error(errno, std::generic_category(),
                              "volley::mcp: cannot make a pipe for '" + spec.argv.front() + "'");
    }
  }

  static std::vector<std::string> build_environment(const process_spec& spec) {
    std::vector<std::string> out;
    if (spec.environment) {
      out = *spec.environment;
    } else {
      for (char** e = environ; e && *e; ++e) out.emplace_back(*e);
    }
    for (const auto& extra : spec.extra_environment) {
      const auto name = extra.substr(0, extra.find('=') + 1);
      std::erase_if(out, [&](const std::string& e) { return e.compare(0, name.size(), name) == 0; });
      out.push_back(extra);
    }
    return out;
  }

  pid_t m_pid = -1;
  std::optional<int> m_status;
  file_descriptor m_stdin;
  file_descriptor m_stdout;
  file_descriptor m_stderr;
};

}  // namespace volley::mcp::detail
