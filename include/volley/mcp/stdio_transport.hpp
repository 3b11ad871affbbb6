// volley/mcp/stdio_transport.hpp: an MCP server started as a subprocess, spoken to over its stdin and stdout.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "volley/mcp/detail/byte_tail.hpp"
#include "volley/mcp/detail/child_process.hpp"
#include "volley/mcp/detail/line_splitter.hpp"
#include "volley/mcp/transport.hpp"

namespace volley::mcp {

// How to start a server and how long to wait for it to stop.
struct stdio_server {
  // The program and its arguments: {"npx", "-y", "@modelcontextprotocol/server-memory"}.
  std::vector<std::string> command;
  // Replaces the environment when set; `extra_environment` ("NAME=value")
  // is added to whichever environment the server gets.
  std::optional<std::vector<std::string>> environment{};
  std::vector<std::string> extra_environment{};
  std::filesystem::path working_directory{};
  // Names the server in error messages; default: the program's file name.
  std::string name{};
  // How much of the end of its stderr is kept for error messages.
  std::size_t stderr_tail_bytes = 4096;
  // A message longer than this is dropped and reported (a fault), never buffered.
  std::size_t max_message_bytes = std::size_t{64} << 20;
  // Messages queued for a server that does not read them, at most; a send
  // beyond it fails (the server is stuck).
  std::size_t max_queued_bytes = std::size_t{64} << 20;
  // Closing: stdin is closed, then SIGTERM after `exit_grace`, then
  // SIGKILL after `terminate_grace`.
  std::chrono::milliseconds exit_grace{2000};
  std::chrono::milliseconds terminate_grace{2000};
};

// The stdio transport of the MCP specification: the server is a child
// process; each JSON-RPC message is one line on its stdin or stdout; its
// stderr is a log, of which the tail is kept for error messages.
//
// One thread per server does all its I/O (poll on stdout, stderr and the
// queued input), so send() never blocks and a server that stops reading
// stalls nothing but itself. When the server exits or closes its stdout,
// events.closed names its exit status and the end of its stderr at once.
// close() ends stdin, waits `exit_grace` for the server to exit, sends its
// process group SIGTERM, then SIGKILL after `terminate_grace`, reaps it and
// joins the thread: no zombie, no descriptor left open.
//
// When to use: local servers (the reference servers, anything started by a
// command line). Pass it to mcp::client::connect, which owns it from then on.
//
//   good: volley::mcp::stdio_transport fs{{.command = {"mcp-server-filesystem", root}, .name = "filesystem"}};
//   bad:  .command = {"sh", "-c", "mcp-server-filesystem " + user_input}: a
//         shell to quote for; give the arguments as they are.
//
// Throws std::system_error from the constructor when the program cannot be started.
class stdio_transport {
 public:
  explicit stdio_transport(stdio_server server) : m_state(std::make_shared<state>(std::move(server))) {}
  stdio_transport(stdio_transport&&) noexcept = default;
  stdio_transport& operator=(stdio_transport&& other) noexcept {
    if (this != &other) {
      close();
      m_state = std::move(other.m_state);
    }
    return *this;
  }
  ~stdio_transport() { close(); }

  void start(transport_events events) {
    state& s = *m_state;
    s.events = std::move(events);
    s.started = true;
    // The thread shares the state: closed from its own callback, it outlives the transport.
    s.thread = std::thread([owner = m_state] { owner->run(); });
  }

  bool send(std::string message) {
    state& s = *m_state;
    {
      std::lock_guard lock{s.mutex};
      if (s.input_closed) return false;
      if (s.queued_bytes + message.size() + 1 > s.server.max_queued_bytes) return false;
      s.queued_bytes += message.size() + 1;
      s.queued.append(message);
      s.queued.push_back('\n');
    }
    s.wake();
    return true;
  }

  void close() {
    if (!m_state) return;
    state& s = *m_state;
    {
      std::lock_guard lock{s.mutex};
      s.close_requested = true;
    }
    s.wake();
    if (s.thread.joinable() && s.thread.get_id() == std::this_thread::get_id()) {
      // From one of its own events (a callback that closes the client): the
      // thread ends the server and itself once the callback returns.
      s.thread.detach();
    } else if (s.thread.joinable()) {
      s.thread.join();
    } else if (!s.started) {
      s.stop_without_thread();
    }
  }

  std::string description() const { return m_state->description; }
  pid_t pid() const noexcept { return m_state->child.pid(); }
  // The end of the server's stderr (at most stderr_tail_bytes).
  std::string stderr_tail() const { return m_state->stderr_tail.text(); }

 private:
  struct state {
    explicit state(stdio_server s)
        : server(std::move(s)),
          child(detail::child_process::spawn(
              {server.command, server.environment, server.extra_environment, server.working_directory})),
          splitter(server.max_message_bytes),
          stderr_tail(server.stderr_tail_bytes) {
      if (server.name.empty()) server.name = std::filesystem::path(server.command.front()).filename().string();
      description = "MCP server '" + server.name + "' (pid " + std::to_string(child.pid()) + ")";
      int fds[2];
      if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        throw std::system_error(errno, std::generic_category(), "volley::mcp: cannot make a wake-up pipe");
      }
      wake_read = detail::file_descriptor{fds[0]};
      wake_write = detail::file_descriptor{fds[1]};
      for (int fd : {child.stdin_fd(), child.stdout_fd(), child.stderr_fd()}) {
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
      }
    }

    void wake() noexcept {
      const char byte = 1;
      [[maybe_unused]] auto written = ::write(wake_write.get(), &byte, 1);  // full pipe: a wake-up is pending anyway
    }

    // The reader, writer and closer, on the transport's own thread.
    void run() {
      // A write to a server that has exited raises SIGPIPE on this thread:
      // blocked here, and consumed after the write fails with EPIPE.
      sigset_t pipe_signal;
      sigemptyset(&pipe_signal);
      sigaddset(&pipe_signal, SIGPIPE);
      pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);

      std::string output;  // owned here: the bytes not yet written to stdin
      std::size_t written = 0;
      bool stdout_open = true;
      bool stderr_open = true;
      std::optional<clock::time_point> stderr_deadline;  // once stdout ended: how long stderr may still talk
      int close_phase = 0;  // 0 open, 1 stdin closed, 2 SIGTERM sent, 3 SIGKILL sent
      clock::time_point phase_deadline{};
      std::vector<char> buffer(std::size_t{64} << 10);

      for (;;) {
        bool closing = false;
        {
          std::lock_guard lock{mutex};
          closing = close_requested;
          if (!input_closed) {
            output.append(queued);
            queued.clear();
          }
        }
        if (closing && close_phase == 0) {
          std::lock_guard lock{mutex};
          input_closed = true;
          queued.clear();
          queued_bytes = 0;
        }
        if (closing && close_phase == 0) {
          child.close_stdin();
          close_phase = 1;
          phase_deadline = clock::now() + server.exit_grace;
        }
        if (close_phase > 0 && child.try_reap()) break;
        if (close_phase > 0 && clock::now() >= phase_deadline) {
          if (close_phase == 1) {
            child.signal_group(SIGTERM);
            close_phase = 2;
            phase_deadline = clock::now() + server.terminate_grace;
          } else if (close_phase == 2) {
            child.signal_group(SIGKILL);
            close_phase = 3;
            phase_deadline = clock::now() + std::chrono::seconds(10);
          } else {
            break;  // unkillable (stopped in a debugger): give up waiting
          }
        }
        if (!stdout_open && !stderr_open && !reported_closed) report_closed();
        if (!stdout_open && stderr_open && stderr_deadline && clock::now() >= *stderr_deadline) {
          stderr_open = false;  // a grandchild holds stderr open: stop waiting for it
          child.close_stderr();
        }

        pollfd fds[4];
        int count = 0;
        fds[count++] = {wake_read.get(), POLLIN, 0};
        const int stdout_index = stdout_open ? count : -1;
        if (stdout_open) fds[count++] = {child.stdout_fd(), POLLIN, 0};
        const int stderr_index = stderr_open ? count : -1;
        if (stderr_open) fds[count++] = {child.stderr_fd(), POLLIN, 0};
        const bool want_write = close_phase == 0 && written < output.size() && child.stdin_fd() >= 0;
        const int stdin_index = want_write ? count : -1;
        if (want_write) fds[count++] = {child.stdin_fd(), POLLOUT, 0};

        int timeout_ms = -1;
        auto bound = [&](clock::time_point deadline) {
          const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now()).count();
          const int ms = static_cast<int>(left < 0 ? 0 : left);
          timeout_ms = timeout_ms < 0 ? ms : std::min(timeout_ms, ms);
        };
        if (close_phase > 0) bound(std::min(phase_deadline, clock::now() + std::chrono::milliseconds(20)));
        if (!stdout_open && stderr_open && stderr_deadline) bound(*stderr_deadline);
        if (::poll(fds, static_cast<nfds_t>(count), timeout_ms) < 0 && errno != EINTR) break;

        if (fds[0].revents & POLLIN) {
          char drain[256];
          while (::read(wake_read.get(), drain, sizeof drain) > 0) {
          }
        }
        if (stdin_index >= 0 && fds[stdin_index].revents) {
          write_some(output, written);
        }
        if (stdout_index >= 0 && fds[stdout_index].revents) {
          if (!read_stdout(buffer)) {
            stdout_open = false;
            child.close_stdout();
            stderr_deadline = clock::now() + std::chrono::milliseconds(200);
          }
        }
        if (stderr_index >= 0 && fds[stderr_index].revents) {
          if (!read_stderr(buffer)) {
            stderr_open = false;
            child.close_stderr();
          }
        }
      }
      // Closing or the end of the server: make sure it is gone and reaped.
      if (!child.try_reap()) child.kill_and_reap();
      if (!reported_closed) report_closed();
    }

    void write_some(std::string& output, std::size_t& written) {
      while (written < output.size()) {
        const ssize_t n = ::write(child.stdin_fd(), output.data() + written, output.size() - written);
        if (n > 0) {
          written += static_cast<std::size_t>(n);
          std::lock_guard lock{mutex};
          queued_bytes -= std::min(queued_bytes, static_cast<std::size_t>(n));
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        // EPIPE: the server closed its stdin (or exited). Nothing more can reach it.
        if (errno == EPIPE) {
          sigset_t pipe_signal;
          sigemptyset(&pipe_signal);
          sigaddset(&pipe_signal, SIGPIPE);
          const timespec zero{0, 0};
          ::sigtimedwait(&pipe_signal, nullptr, &zero);
        }
        std::lock_guard lock{mutex};
        input_closed = true;
        queued.clear();
        queued_bytes = 0;
        output.clear();
        written = 0;
        child.close_stdin();
        return;
      }
      output.clear();
      written = 0;
    }

    // False at the end of the stream.
    bool read_stdout(std::vector<char>& buffer) {
      for (;;) {
        const ssize_t n = ::read(child.stdout_fd(), buffer.data(), buffer.size());
        if (n > 0) {
          splitter.feed(
              std::string_view(buffer.data(), static_cast<std::size_t>(n)),
              [this](std::string&& line) {
                if (events.message) events.message(std::move(line));
              },
              [this](std::size_t size, std::string head, std::string tail) {
                if (!events.fault) return;
                events.fault("a message of " + std::to_string(size) + " bytes, over the limit of " +
                                 std::to_string(server.max_message_bytes) + ", was dropped (it began '" +
                                 head.substr(0, 80) + "')",
                             detail::message_id_hint(head, tail));
              });
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
        return false;
      }
    }

    bool read_stderr(std::vector<char>& buffer) {
      for (;;) {
        const ssize_t n = ::read(child.stderr_fd(), buffer.data(), buffer.size());
        if (n > 0) {
          stderr_tail.append(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
        return false;
      }
    }

    // Tells the client the server is gone, with how and its last words.
    void report_closed() {
      reported_closed = true;
      {
        std::lock_guard lock{mutex};
        input_closed = true;
        queued.clear();
        queued_bytes = 0;
      }
      // An exiting server closes stdout a moment before the kernel reports
      // its exit: wait briefly for the status.
      child.wait_until(clock::now() + std::chrono::milliseconds(500));
      bool was_closing = false;
      {
        std::lock_guard lock{mutex};
        was_closing = close_requested;
      }
      std::string reason = description;
      if (const auto& status = child.status(); status && *status != -1) {
        reason += " " + detail::describe_wait_status(*status);
      } else if (status) {
        reason += " exited";
      } else {
        reason += " closed its standard output";
      }
      if (was_closing) reason += " after the client closed the connection";
      if (splitter.pending() > 0) {
        reason += "; it left an unfinished message of " + std::to_string(splitter.pending()) + " bytes";
      }
      const std::string last_words = stderr_tail.text();
      reason += last_words.empty() ? "; its stderr was empty" : "; the end of its stderr: " + last_words;
      if (events.closed) events.closed(std::move(reason));
    }

    // close() before start(): nothing to tell anyone, just stop the process.
    void stop_without_thread() {
      child.close_stdin();
      if (!child.wait_until(clock::now() + server.exit_grace)) {
        child.signal_group(SIGTERM);
        if (!child.wait_until(clock::now() + server.terminate_grace)) child.kill_and_reap();
      }
    }

    using clock = std::chrono::steady_clock;
    stdio_server server;
    detail::child_process child;
    detail::line_splitter splitter;  // the reader thread's only
    detail::byte_tail stderr_tail;
    std::string description;
    detail::file_descriptor wake_read;
    detail::file_descriptor wake_write;
    transport_events events;
    std::thread thread;
    bool reported_closed = false;  // the reader thread's only
    bool started = false;          // start() was called (by the owner, before any close)

    std::mutex mutex;  // guards the fields below
    std::string queued;  // sent, not yet taken by the I/O thread
    std::size_t queued_bytes = 0;  // queued + taken but unwritten
    bool input_closed = false;
    bool close_requested = false;
  };

  std::shared_ptr<state> m_state;
};

static_assert(transport<stdio_transport>);

}  // namespace volley::mcp
