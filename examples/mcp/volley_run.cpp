// volley-run: run tool calls (JSON lines) on MCP servers as one volley
// batch, or one by one, and print each call's result as a JSON line.
// `volley-run --help` describes the command; examples/mcp/volley_run/ holds its parts.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "volley/core/sync_wait.hpp"
#include "volley/exec/thread_pool.hpp"
#include "volley/run/parallel_batch.hpp"
#include "volley/trace/text_timeline.hpp"
#include "volley/trace/timeline.hpp"
#include "volley/trace/trace_recorder.hpp"
#include "volley_run/calls_input.hpp"
#include "volley_run/interrupt.hpp"
#include "volley_run/options.hpp"
#include "volley_run/report.hpp"
#include "volley_run/servers.hpp"
#if defined(VOLLEY_RUN_HTTP)
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "volley/asio/asio_executor.hpp"
#endif

namespace {

constexpr int exit_ran = 0;
constexpr int exit_output_failed = 1;
constexpr int exit_usage = 2;
constexpr int exit_interrupted = 130;

// The whole input (standard input for "-"), or nullopt with the reason in
// `why` (errno's text: "No such file or directory", "Is a directory").
std::optional<std::string> read_input(const std::string& name, std::string& why) {
  const int fd = name == "-" ? STDIN_FILENO : ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    why = std::strerror(errno);
    return std::nullopt;
  }
  std::string text;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      text.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      why = std::strerror(errno);
      if (fd != STDIN_FILENO) ::close(fd);
      return std::nullopt;
    }
  }
  if (fd != STDIN_FILENO) ::close(fd);
  return text;
}

bool write_out(const std::string& text) {
  return std::fwrite(text.data(), 1, text.size(), stdout) == text.size();
}

template <volley::Executor E>
int run(E& executor, const volley_run::options& o, const volley_run::calls_input& input,
        const volley_run::interrupt_watcher& interrupt) {
  std::vector<volley_run::connected_server> servers = volley::sync_wait(volley_run::connect_servers(executor, o));
  bool connected = true;
  for (const auto& server : servers) {
    if (server.error.empty()) continue;
    std::fprintf(stderr, "volley-run: %s: %s\n", volley_run::describe(*server.option).c_str(), server.error.c_str());
    connected = false;
  }
  if (!connected) {
    std::fprintf(stderr, "volley-run: no call was run\n");
    return exit_usage;
  }
  volley::tool_registry tools;
  try {
    tools = volley_run::make_registry(servers);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "volley-run: %s\nvolley-run: no call was run\n", e.what());
    return exit_usage;
  }

  volley::trace_recorder recorder;
  volley::batch_options batch;
  batch.max_concurrency = o.max_concurrency;
  if (o.timeout_seconds > 0) {
    batch.timeout = std::chrono::duration_cast<volley::duration>(std::chrono::duration<double>(o.timeout_seconds));
  }
  batch.stop = interrupt.token();
  batch.recorder = o.timeline ? &recorder : nullptr;

  bool written = true;
  std::size_t failed = 0;
  const volley::time_point origin = executor.now();
  if (o.one_by_one) {
    for (const auto& call : input.calls) {
      std::vector<volley::tool_call> single(1, call);
      std::vector<volley::call_result> results =
          volley::sync_wait(volley::parallel_batch(executor, tools, std::move(single), batch));
      failed += results.front().result ? 0 : 1;
      written = write_out(volley_run::result_line(results.front(), origin)) && written;
      std::fflush(stdout);
    }
  } else {
    std::vector<volley::call_result> results = volley::sync_wait(volley::parallel_batch(executor, tools, input.calls, batch));
    std::string lines;
    for (const auto& r : results) {
      failed += r.result ? 0 : 1;
      lines += volley_run::result_line(r, origin);
    }
    written = write_out(lines);
  }
  const volley::duration wall = executor.now() - origin;
  written = write_out(volley_run::summary_line(input.calls.size(), failed, wall)) && written;
  written = std::fflush(stdout) == 0 && written;

  if (o.timeline) {
    std::string text = "volley-run: " + std::to_string(input.calls.size()) +
                       (input.calls.size() == 1 ? " call" : " calls") +
                       (o.one_by_one ? ", one by one" : ", as one batch") +
                       (o.max_concurrency > 0 ? " of at most " + std::to_string(o.max_concurrency) + " at once" : "") +
                       "\n";
    volley::text_timeline_options timeline_options;
    timeline_options.width = o.width;
    text += volley::to_text_timeline(volley::make_timeline(recorder.spans()), timeline_options);
    std::fputs(text.c_str(), stderr);
  }
  for (auto& server : servers) server.client.close();
  if (!written) {
    std::fprintf(stderr, "volley-run: the results could not all be written to standard output\n");
    return exit_output_failed;
  }
  return interrupt.interrupted() ? exit_interrupted : exit_ran;
}

}  // namespace

int main(int argc, char** argv) {
  // First: every thread made from here on has SIGINT and SIGTERM blocked.
  volley_run::interrupt_watcher interrupt;

  const volley_run::parsed_options parsed = volley_run::parse_options(argc, argv);
  if (!parsed.error.empty()) {
    std::fprintf(stderr, "volley-run: %s\n(volley-run --help shows the options)\n", parsed.error.c_str());
    return exit_usage;
  }
  const volley_run::options& o = parsed.values;
  if (o.help) {
    std::fputs(volley_run::usage_text, stdout);
    return exit_ran;
  }

  std::string why;
  const std::optional<std::string> text = read_input(o.input, why);
  const std::string input_name = o.input == "-" ? std::string("standard input") : o.input;
  if (!text) {
    std::fprintf(stderr, "volley-run: cannot read %s: %s\n", input_name.c_str(), why.c_str());
    return exit_usage;
  }
  const volley_run::calls_input input = volley_run::read_calls(*text);
  if (!input.problems.empty()) {
    constexpr std::size_t shown = 20;
    for (std::size_t i = 0; i < input.problems.size() && i < shown; ++i) {
      std::fprintf(stderr, "volley-run: %s: %s\n", input_name.c_str(), input.problems[i].c_str());
    }
    if (input.problems.size() > shown) {
      std::fprintf(stderr, "volley-run: %s: ... and %zu more\n", input_name.c_str(), input.problems.size() - shown);
    }
    std::fprintf(stderr, "volley-run: no call was run (%zu line%s to fix)\n", input.bad_lines,
                 input.bad_lines == 1 ? "" : "s");
    return exit_usage;
  }

#if defined(VOLLEY_RUN_HTTP)
  bool any_url = false;
  for (const auto& server : o.servers) any_url = any_url || !server.url.empty();
  if (any_url) {
    // Streamable HTTP needs an io_context; every server and the batch then run on it.
    boost::asio::io_context io;
    auto work = boost::asio::make_work_guard(io);
    std::thread a([&io] { io.run(); });
    std::thread b([&io] { io.run(); });
    volley::asio_executor executor{io.get_executor()};
    const int status = run(executor, o, input, interrupt);
    // The DELETEs that end the sessions go out before the loop stops.
    work.reset();
    a.join();
    b.join();
    return status;
  }
#endif
  volley::thread_pool pool{2};
  return run(pool, o, input, interrupt);
}
