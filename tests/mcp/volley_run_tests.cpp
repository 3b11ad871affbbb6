// The volley-run command (examples/mcp/volley_run.cpp), run as a program
// against the real reference servers: its output lines, their order, its
// exit statuses, one by one against one batch, and the order of the writes
// and reads of one file.
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp_test_support.hpp"

using namespace std::chrono_literals;
using volley_test::mcp::temporary_directory;
using nlohmann::json;

#if !defined(VOLLEY_RUN_PROGRAM)

TEST_CASE("volley-run: the command") {
  WARN("skipped: volley-run is not built in this configuration (it is an example: VOLLEY_BUILD_EXAMPLES)");
}

#else

namespace {

// What one run of the program did.
struct program_run {
  int status = -1;  // the exit status; -1 when it was killed by a signal
  std::string out;
  std::string err;
  std::vector<json> lines;  // standard output, one JSON value a line

  // For INFO: everything the program said.
  std::string said() const { return "exit " + std::to_string(status) + "\nstdout:\n" + out + "stderr:\n" + err; }
};

// Runs volley-run with `arguments`, `input` on its standard input; sends
// it SIGINT after `interrupt_after` if given. Bounded: a run that takes a
// minute is killed and fails the test.
program_run run_volley_run(const std::vector<std::string>& arguments, const std::string& input = {},
                           std::optional<std::chrono::milliseconds> interrupt_after = {}) {
  std::vector<std::string> argv{VOLLEY_RUN_PROGRAM};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  auto child = volley::mcp::detail::child_process::spawn({argv, std::nullopt, {}, {}});
  for (int fd : {child.stdin_fd(), child.stdout_fd(), child.stderr_fd()}) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  // A program that exits before reading its input must not kill the test with SIGPIPE.
  sigset_t pipe_signal, old_mask;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, &old_mask);

  program_run run;
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + 60s;
  bool interrupted = false;
  std::size_t written = 0;
  if (input.empty()) child.close_stdin();
  bool out_open = true, err_open = true;
  char buffer[65536];
  while (out_open || err_open) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    if (interrupt_after && !interrupted && now - start >= *interrupt_after) {
      ::kill(child.pid(), SIGINT);
      interrupted = true;
    }
    pollfd fds[3];
    nfds_t count = 0;
    if (out_open) fds[count++] = {child.stdout_fd(), POLLIN, 0};
    if (err_open) fds[count++] = {child.stderr_fd(), POLLIN, 0};
    if (child.stdin_fd() >= 0) fds[count++] = {child.stdin_fd(), POLLOUT, 0};
    ::poll(fds, count, 20);
    if (child.stdin_fd() >= 0) {
      const ssize_t n = ::write(child.stdin_fd(), input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) child.close_stdin();
    }
    auto drain = [&](int fd, std::string& into, bool& open) {
      for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) {
          into.append(buffer, static_cast<std::size_t>(n));
          continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EINTR)) open = false;
        return;
      }
    };
    if (out_open) drain(child.stdout_fd(), run.out, out_open);
    if (err_open) drain(child.stderr_fd(), run.err, err_open);
  }
  const bool finished = !out_open && !err_open && child.wait_until(deadline);
  if (!finished) child.kill_and_reap();
  const timespec zero{0, 0};
  while (::sigtimedwait(&pipe_signal, nullptr, &zero) > 0) {
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  INFO(run.said());
  REQUIRE(finished);
  const int status = *child.status();
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;

  std::string_view rest = run.out;
  while (!rest.empty()) {
    const auto end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    run.lines.push_back(json::parse(line, nullptr, false));  // discarded (not an object) when it is no JSON
  }
  return run;
}

// A word for volley-run's --mcp, quoted as a shell would need it.
std::string quoted(const std::string& word) {
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

std::string filesystem_command(const std::filesystem::path& root) {
  return quoted(volley_test::mcp::node_program()) + " " +
         quoted(volley_test::mcp::server_script("server-filesystem")) + " " + quoted(root.string());
}

std::string write_calls(const std::filesystem::path& file, const std::vector<json>& calls) {
  std::string text;
  for (const auto& call : calls) text += call.dump() + "\n";
  volley_test::mcp::write_text(file, text);
  return file.string();
}

json call(std::string id, std::string name, json arguments) {
  return {{"id", std::move(id)}, {"name", std::move(name)}, {"arguments", std::move(arguments)}};
}

void reset(const std::filesystem::path& root) {
  for (const auto& entry : std::filesystem::directory_iterator(root)) std::filesystem::remove_all(entry.path());
  std::filesystem::create_directory(root / "d");
  volley_test::mcp::write_text(root / "a.txt", "alpha\n");
  volley_test::mcp::write_text(root / "b.txt", "beta\n");
  volley_test::mcp::write_text(root / "d" / "e.txt", "epsilon\n");
}

// Checks the shape every result line has, and that the summary matches them.
void check_shape(const program_run& run, std::size_t calls) {
  INFO(run.said());
  REQUIRE(run.lines.size() == calls + 1);
  std::size_t failed = 0;
  double last_finish = 0;
  for (std::size_t i = 0; i < calls; ++i) {
    const json& line = run.lines[i];
    INFO("line " << i + 1 << ": " << line.dump());
    REQUIRE(line.is_object());
    CHECK(line.at("id").is_string());
    CHECK(line.at("name").is_string());
    const bool ok = line.at("ok").get<bool>();
    CHECK(line.contains("output") == ok);
    CHECK(line.contains("error") == !ok);
    CHECK(line.size() == 6);
    if (!ok) {
      ++failed;
      CHECK(line.at("error").at("code").is_string());
      CHECK(line.at("error").at("message").is_string());
    }
    const double started = line.at("started_ms").get<double>();
    const double finished = line.at("finished_ms").get<double>();
    CHECK(started >= 0);
    CHECK(finished >= started);
    last_finish = std::max(last_finish, finished);
  }
  const json& summary = run.lines.back();
  CHECK(summary.size() == 3);
  CHECK(summary.at("calls") == calls);
  CHECK(summary.at("failed") == failed);
  CHECK(summary.at("wall_ms").get<double>() >= last_finish);
}

const json& line_of(const program_run& run, std::string_view id) {
  for (const auto& line : run.lines) {
    if (line.contains("id") && line.at("id") == id) return line;
  }
  FAIL("no output line for call '" << id << "'\n" << run.said());
  return run.lines.front();
}

std::string output_of(const program_run& run, std::string_view id) {
  const json& line = line_of(run, id);
  INFO(line.dump());
  REQUIRE(line.at("ok").get<bool>());
  return line.at("output").get<std::string>();
}

std::string code_of(const program_run& run, std::string_view id) {
  const json& line = line_of(run, id);
  INFO(line.dump());
  REQUIRE_FALSE(line.at("ok").get<bool>());
  return line.at("error").at("code").get<std::string>();
}

// A result line without its times, the root's path and the server's pid, to compare two runs.
std::string comparable(json line, const std::filesystem::path& root) {
  line.erase("started_ms");
  line.erase("finished_ms");
  std::string text = line.dump();
  const std::string prefix = root.string();
  for (std::size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at)) {
    text.replace(at, prefix.size(), "<root>");
  }
  if (auto at = text.find("(pid "); at != std::string::npos) text.erase(at, text.find(')', at) - at + 1);
  return text;
}

bool built_with_http() {
  const program_run help = run_volley_run({"--help"});
  return help.status == 0 && help.out.find("not in this build") == std::string::npos;
}

}  // namespace

TEST_CASE("volley-run: one batch on the filesystem server, a line per call in input order, then the summary") {
  VOLLEY_REQUIRE_MCP_PEERS();
  volley_test::watchdog dog{"volley-run batch", 120s};
  temporary_directory root, inputs;
  reset(root.path());
  const auto r = root.path();
  std::vector<json> calls{
      call("list", "list_directory", {{"path", r.string()}}),
      call("read_a", "read_text_file", {{"path", (r / "a.txt").string()}}),
      // arguments as a JSON string, as OpenAI sends them
      call("read_b", "read_text_file", json(json{{"path", (r / "b.txt").string()}}.dump())),
      json{{"name", "search_files"}, {"arguments", {{"path", r.string()}, {"pattern", "**/*.txt"}}}},  // no id
      json{{"id", "nope"}, {"name", "no_such_tool"}},
      call("missing", "read_text_file", {{"path", (r / "missing.txt").string()}}),
      call("bad_arguments", "read_text_file", "this is not JSON"),
      call("write_c", "write_file", {{"path", (r / "c.txt").string()}, {"content", "gamma"}}),
      call("read_c", "read_text_file", {{"path", (r / "c.txt").string()}}),
  };
  std::string text;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    text += calls[i].dump() + "\n";
    if (i == 4) text += "\n   \n";  // blank lines are skipped
  }
  volley_test::mcp::write_text(inputs.path() / "calls.jsonl", text);

  const program_run run =
      run_volley_run({"--mcp", filesystem_command(r), (inputs.path() / "calls.jsonl").string()});
  INFO(run.said());
  CHECK(run.status == 0);
  check_shape(run, calls.size());
  std::vector<std::string> ids;
  for (std::size_t i = 0; i + 1 < run.lines.size(); ++i) ids.push_back(run.lines[i].at("id").get<std::string>());
  CHECK(ids == std::vector<std::string>{"list", "read_a", "read_b", "line_4", "nope", "missing", "bad_arguments",
                                        "write_c", "read_c"});
  const std::string listing = output_of(run, "list");
  CHECK(listing.find("[FILE] a.txt") != std::string::npos);
  CHECK(listing.find("[DIR] d") != std::string::npos);
  CHECK(output_of(run, "read_a") == "alpha\n");
  CHECK(output_of(run, "read_b") == "beta\n");
  CHECK(line_of(run, "line_4").at("name") == "search_files");
  CHECK(output_of(run, "line_4").find((r / "d" / "e.txt").string()) != std::string::npos);
  CHECK(code_of(run, "nope") == "unknown_tool");
  CHECK(code_of(run, "missing") == "tool_failed");
  CHECK(line_of(run, "missing").at("error").at("message").get<std::string>().find("ENOENT") != std::string::npos);
  CHECK(code_of(run, "bad_arguments") == "invalid_arguments");
  CHECK(output_of(run, "read_c") == "gamma");
  CHECK(line_of(run, "read_c").at("started_ms").get<double>() >= line_of(run, "write_c").at("finished_ms").get<double>());
  CHECK(volley_test::mcp::read_text(r / "c.txt") == "gamma");
  CHECK(run.lines.back().at("failed") == 3);
}

TEST_CASE("volley-run: --one-by-one gives the batch's results, each call after the one before") {
  VOLLEY_REQUIRE_MCP_PEERS();
  volley_test::watchdog dog{"volley-run one by one", 180s};
  temporary_directory batch_root, serial_root, inputs;
  // Relative paths: the server resolves them against its directory, the preset too.
  const std::string calls = write_calls(
      inputs.path() / "calls.jsonl",
      {call("list", "list_directory", {{"path", "."}}), call("read_a", "read_text_file", {{"path", "a.txt"}}),
       call("write_a", "write_file", {{"path", "a.txt"}, {"content", "new alpha\n"}}),
       call("read_a_again", "read_text_file", {{"path", "a.txt"}}),
       call("edit_e", "edit_file", {{"path", "d/e.txt"}, {"edits", {{{"oldText", "epsilon"}, {"newText", "eta"}}}}}),
       call("read_many", "read_multiple_files", {{"paths", {"d/e.txt", "b.txt"}}}),
       call("move_b", "move_file", {{"source", "b.txt"}, {"destination", "d/b.txt"}}),
       call("list_d", "list_directory", {{"path", "d"}}), call("read_gone", "read_text_file", {{"path", "b.txt"}}),
       call("search", "search_files", {{"path", "."}, {"pattern", "**/*.txt"}}),
       call("unknown", "no_such_tool", json::object())});
  for (const bool preset : {false, true}) {
    INFO((preset ? "--preset filesystem" : "the default policy"));
    reset(batch_root.path());
    reset(serial_root.path());
    std::vector<std::string> batch_arguments{"--mcp", filesystem_command(batch_root.path())};
    std::vector<std::string> serial_arguments{"--mcp", filesystem_command(serial_root.path()), "--one-by-one"};
    if (preset) {
      for (auto* arguments : {&batch_arguments, &serial_arguments}) {
        arguments->push_back("--preset");
        arguments->push_back("filesystem");
      }
    }
    batch_arguments.push_back(calls);
    serial_arguments.push_back(calls);
    const program_run batch = run_volley_run(batch_arguments);
    const program_run serial = run_volley_run(serial_arguments);
    INFO(batch.said() << "\n--- one by one:\n" << serial.said());
    CHECK(batch.status == 0);
    CHECK(serial.status == 0);
    check_shape(batch, 11);
    check_shape(serial, 11);
    for (std::size_t i = 0; i < 11; ++i) {
      CHECK(comparable(batch.lines[i], batch_root.path()) == comparable(serial.lines[i], serial_root.path()));
    }
    CHECK(batch.lines.back().at("failed") == serial.lines.back().at("failed"));
    for (std::size_t i = 1; i < 11; ++i) {
      CHECK(serial.lines[i].at("started_ms").get<double>() >= serial.lines[i - 1].at("finished_ms").get<double>());
    }
    CHECK(output_of(batch, "read_a_again") == "new alpha\n");
    CHECK(output_of(batch, "read_many").find("eta") != std::string::npos);
    CHECK(code_of(batch, "read_gone") == "tool_failed");
    CHECK(output_of(batch, "list_d").find("[FILE] b.txt") != std::string::npos);
  }
}

TEST_CASE("volley-run: writes and reads of one file keep their order, whatever its spelling") {
  VOLLEY_REQUIRE_MCP_PEERS();
  volley_test::watchdog dog{"volley-run order", 180s};
  temporary_directory root, inputs;
  const auto absolute = (root.path() / "notes.txt").string();
  // Reads of other files in between, which may run beside the writes.
  const std::vector<json> calls{
      call("w1", "write_file", {{"path", "notes.txt"}, {"content", "one\n"}}),
      call("other1", "read_text_file", {{"path", "a.txt"}}),
      call("r1", "read_text_file", {{"path", "./notes.txt"}}),
      call("other2", "read_text_file", {{"path", "b.txt"}}),
      call("w2", "write_file", {{"path", absolute}, {"content", "two\n"}}),
      call("r2", "read_text_file", {{"path", "d/../notes.txt"}}),
      call("other3", "list_directory", {{"path", "d"}}),
      call("e3", "edit_file", {{"path", "notes.txt"}, {"edits", {{{"oldText", "two"}, {"newText", "three"}}}}}),
      call("r3", "read_text_file", {{"path", absolute}}),
      call("w4", "write_file", {{"path", "notes.txt"}, {"content", "four\n"}}),
      call("r4", "read_multiple_files", {{"paths", {"a.txt", "notes.txt"}}}),
      call("l5", "list_directory", {{"path", "."}}),
  };
  const std::string file = write_calls(inputs.path() / "calls.jsonl", calls);
  const std::set<std::string> on_notes{"w1", "r1", "w2", "r2", "e3", "r3", "w4", "r4", "l5"};
  const std::set<std::string> writes{"w1", "w2", "e3", "w4"};
  for (const bool preset : {true, false}) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      INFO((preset ? "--preset filesystem" : "the default policy") << ", run " << attempt + 1);
      reset(root.path());
      std::vector<std::string> arguments{"--mcp", filesystem_command(root.path())};
      if (preset) arguments.insert(arguments.end(), {"--preset", "filesystem"});
      arguments.push_back(file);
      const program_run run = run_volley_run(arguments);
      INFO(run.said());
      REQUIRE(run.status == 0);
      check_shape(run, calls.size());
      CHECK(run.lines.back().at("failed") == 0);
      CHECK(output_of(run, "r1") == "one\n");
      CHECK(output_of(run, "r2") == "two\n");
      CHECK(output_of(run, "r3") == "three\n");
      CHECK(output_of(run, "r4").find("four") != std::string::npos);
      CHECK(output_of(run, "l5").find("[FILE] notes.txt") != std::string::npos);
      // Every pair on notes.txt with a write in it ran in input order.
      for (std::size_t i = 0; i < calls.size(); ++i) {
        for (std::size_t j = i + 1; j < calls.size(); ++j) {
          const std::string a = calls[i].at("id").get<std::string>(), b = calls[j].at("id").get<std::string>();
          if (!on_notes.count(a) || !on_notes.count(b) || (!writes.count(a) && !writes.count(b))) continue;
          INFO(a << " before " << b);
          CHECK(run.lines[j].at("started_ms").get<double>() >= run.lines[i].at("finished_ms").get<double>());
        }
      }
      CHECK(volley_test::mcp::read_text(root.path() / "notes.txt") == "four\n");
    }
  }
}

TEST_CASE("volley-run: several servers in one registry, each tool as NAME.TOOL") {
  VOLLEY_REQUIRE_MCP_PEERS();
  volley_test::watchdog dog{"volley-run servers", 120s};
  temporary_directory root, inputs;
  reset(root.path());
  const auto memory_file = inputs.path() / "memory.jsonl";
  // The environment through env(1): no shell is run.
  const std::string memory_command = "env " + quoted("MEMORY_FILE_PATH=" + memory_file.string()) + " " +
                                     quoted(volley_test::mcp::node_program()) + " " +
                                     quoted(volley_test::mcp::server_script("server-memory"));
  const json entity = {{"name", "volley"}, {"entityType", "library"}, {"observations", json::array({"runs tool calls"})}};
  const std::string file = write_calls(
      inputs.path() / "calls.jsonl",
      {call("read", "fs.read_text_file", {{"path", "a.txt"}}),
       call("create", "memory.create_entities", {{"entities", json::array({entity})}}),
       call("graph", "memory.read_graph", json::object()),
       call("unprefixed", "read_text_file", {{"path", "a.txt"}})});
  const program_run run = run_volley_run({"--mcp", "fs=" + filesystem_command(root.path()), "--mcp",
                                          "memory=" + memory_command, "--preset", "fs=filesystem", file});
  INFO(run.said());
  CHECK(run.status == 0);
  check_shape(run, 4);
  CHECK(output_of(run, "read") == "alpha\n");
  CHECK(output_of(run, "create").find("volley") != std::string::npos);
  CHECK(output_of(run, "graph").find("runs tool calls") != std::string::npos);
  CHECK(code_of(run, "unprefixed") == "unknown_tool");
  CHECK(std::filesystem::exists(memory_file));
}

TEST_CASE("volley-run: standard input, --timeline, --max-concurrency") {
  VOLLEY_REQUIRE_MCP_PEERS();
  volley_test::watchdog dog{"volley-run stdin", 120s};
  temporary_directory root;
  reset(root.path());
  std::string input;
  for (int i = 0; i < 6; ++i) {
    input += call("read_" + std::to_string(i), "read_text_file", {{"path", i % 2 ? "a.txt" : "b.txt"}}).dump() + "\r\n";
  }
  const program_run run = run_volley_run(
      {"--mcp", filesystem_command(root.path()), "--max-concurrency", "1", "--timeline", "--width", "40", "-"}, input);
  INFO(run.said());
  CHECK(run.status == 0);
  check_shape(run, 6);
  for (int i = 0; i < 6; ++i) CHECK(output_of(run, "read_" + std::to_string(i)) == (i % 2 ? "alpha\n" : "beta\n"));
  // One at a time: no two calls overlap.
  for (std::size_t i = 1; i < 6; ++i) {
    CHECK(run.lines[i].at("started_ms").get<double>() >= run.lines[i - 1].at("finished_ms").get<double>());
  }
  CHECK(run.err.find("6 calls, as one batch of at most 1 at once") != std::string::npos);
  CHECK(run.err.find("6 calls on 1 slot") != std::string::npos);
  CHECK(run.err.find("read_text_file read_5") != std::string::npos);
  CHECK(run.err.find("legend: # running") != std::string::npos);
}

TEST_CASE("volley-run: a call that runs too long ends with timeout; Ctrl-C cancels and prints the results") {
  VOLLEY_REQUIRE_MCP_PEERS();
  volley_test::watchdog dog{"volley-run timeout", 120s};
  temporary_directory inputs;
  const std::string everything = quoted(volley_test::mcp::node_program()) + " " +
                                 quoted(volley_test::mcp::server_script("server-everything")) + " stdio";
  const std::string file =
      write_calls(inputs.path() / "calls.jsonl",
                  {call("long", "trigger-long-running-operation", {{"duration", 30}, {"steps", 3}}),
                   call("echo", "echo", {{"message", "quick"}})});
  SECTION("--timeout") {
    const auto start = std::chrono::steady_clock::now();
    const program_run run = run_volley_run({"--mcp", everything, "--timeout", "0.5", file});
    INFO(run.said());
    CHECK(run.status == 0);
    check_shape(run, 2);
    CHECK(code_of(run, "long") == "timeout");
    CHECK(output_of(run, "echo").find("quick") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - start < 20s);
  }
  SECTION("SIGINT") {
    const auto start = std::chrono::steady_clock::now();
    const program_run run = run_volley_run({"--mcp", everything, "--timeout", "0", file}, {}, 2500ms);
    INFO(run.said());
    CHECK(run.status == 130);
    check_shape(run, 2);
    CHECK(code_of(run, "long") == "cancelled");
    CHECK(run.err.find("interrupted") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - start < 20s);
  }
}

TEST_CASE("volley-run: exit status 2 for usage errors, bad input and a server that cannot start; then nothing runs") {
  VOLLEY_REQUIRE_MCP_PEERS();
  volley_test::watchdog dog{"volley-run errors", 180s};
  temporary_directory root, inputs;
  reset(root.path());
  const std::string fs = filesystem_command(root.path());
  const std::string good = write_calls(inputs.path() / "good.jsonl", {call("r", "read_text_file", {{"path", "a.txt"}})});
  auto expect_usage_error = [&](const std::vector<std::string>& arguments, const std::string& says,
                                const std::string& input = {}) {
    const program_run run = run_volley_run(arguments, input);
    INFO(run.said());
    CHECK(run.status == 2);
    CHECK(run.out.empty());
    CHECK(run.err.find(says) != std::string::npos);
  };

  SECTION("--help") {
    const program_run run = run_volley_run({"--help"});
    CHECK(run.status == 0);
    CHECK(run.out.find("usage: volley-run --mcp") != std::string::npos);
  }
  SECTION("the command line") {
    expect_usage_error({}, "no server");
    expect_usage_error({"--mcp", fs}, "no input");
    expect_usage_error({"--mcp", fs, good, good}, "one input only");
    expect_usage_error({"--mcp", fs, "--bogus", good}, "unknown option '--bogus'");
    expect_usage_error({"--mcp", fs, "--max-concurrency", "0", good}, "--max-concurrency needs a whole number from 1 up, not '0'");
    expect_usage_error({"--mcp", fs, "--one-by-one", "--max-concurrency", "4", good}, "contradicts");
    expect_usage_error({"--mcp", fs, "--timeout", "soon", good}, "--timeout needs a number of seconds");
    expect_usage_error({"--mcp", fs, "--preset", "memory", good}, "the one preset is 'filesystem'");
    expect_usage_error({"--mcp", "a=" + fs, "--preset", "b=filesystem", good}, "no server is named 'b'");
    expect_usage_error({"--mcp", "a=" + fs, "--mcp", "a=" + fs, good}, "two servers are named 'a'");
    expect_usage_error({"--mcp", "cd /tmp && " + fs, good}, "'&&' is shell syntax, and no shell is run");
    expect_usage_error({"--mcp", "node 'unclosed", good}, "quote is not closed");
    expect_usage_error({"--mcp", "node $SERVER", good}, "'$' is an expansion");
    expect_usage_error({"--mcp", "", good}, "the command is empty");
    expect_usage_error({"--mcp", fs, (inputs.path() / "missing.jsonl").string()}, "cannot read");
  }
  SECTION("a bad line: every problem with its line number, and no call runs") {
    std::string input = call("w", "write_file", {{"path", "created.txt"}, {"content", "x"}}).dump() + "\n";
    input += "{not json\n";
    input += R"({"id": "no_name", "arguments": {}})" "\n";
    input += R"({"name": "read_text_file", "argument": {"path": "a.txt"}})" "\n";
    input += R"({"id": "w", "name": "read_text_file"})" "\n";
    input += R"({"name": "read_text_file", "arguments": [1, 2]})" "\n";
    const program_run run = run_volley_run({"--mcp", fs, "-"}, input);
    INFO(run.said());
    CHECK(run.status == 2);
    CHECK(run.out.empty());
    CHECK(run.err.find("line 2: not JSON") != std::string::npos);
    CHECK(run.err.find("line 3: no \"name\"") != std::string::npos);
    CHECK(run.err.find("line 4: unknown member \"argument\"") != std::string::npos);
    CHECK(run.err.find("line 5: the id \"w\" is also line 1's") != std::string::npos);
    CHECK(run.err.find("line 6: \"arguments\" must be an object") != std::string::npos);
    CHECK(run.err.find("no call was run (5 lines to fix)") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(root.path() / "created.txt"));
  }
  SECTION("a server that cannot start") {
    expect_usage_error({"--mcp", "volley-no-such-program-for-tests", good}, "cannot start 'volley-no-such-program-for-tests'");
    expect_usage_error({"--mcp", quoted(volley_test::mcp::node_program()) + " -e 'process.exit(3)'", good},
                       "exited with status 3");
    expect_usage_error({"--mcp", quoted(volley_test::mcp::node_program()) + " -e 'setTimeout(() => 0, 60000)'",
                        "--connect-timeout", "0.5", good},
                       "initialize got no answer within 0.5 s");
  }
  SECTION("two servers listing one tool name, a preset on a server it does not fit") {
    expect_usage_error({"--mcp", fs, "--mcp", fs, good}, "give the server a prefix (--mcp NAME=COMMAND)");
    const std::string memory = quoted(volley_test::mcp::node_program()) + " " +
                               quoted(volley_test::mcp::server_script("server-memory"));
    expect_usage_error({"--mcp", "env MEMORY_FILE_PATH=" + quoted((inputs.path() / "m.jsonl").string()) + " " + memory,
                        "--preset", "filesystem", good},
                       "has no list_allowed_directories tool");
  }
  SECTION("--mcp-url") {
    if (built_with_http()) {
      const int port = volley_test::mcp::free_port();
      expect_usage_error({"--mcp-url", "http://127.0.0.1:" + std::to_string(port) + "/mcp", good},
                         "http://127.0.0.1:" + std::to_string(port) + "/mcp");
      expect_usage_error({"--mcp-url", "ftp://example.com", good}, "must begin with http:// or https://");
    } else {
      expect_usage_error({"--mcp-url", "http://127.0.0.1:1/mcp", good}, "built without the Streamable HTTP transport");
    }
  }
}

TEST_CASE("volley-run: a server over Streamable HTTP, with --mcp-url") {
  VOLLEY_REQUIRE_MCP_PEERS();
  if (!built_with_http()) {
    WARN("skipped: this volley-run has no HTTP transport (volley::asio was not found)");
    return;
  }
  volley_test::watchdog dog{"volley-run http", 120s};
  volley_test::mcp::everything_http_server server;
  temporary_directory inputs;
  std::vector<json> calls;
  for (int i = 0; i < 8; ++i) calls.push_back(call("echo_" + std::to_string(i), "e.echo", {{"message", "hello " + std::to_string(i)}}));
  const std::string file = write_calls(inputs.path() / "calls.jsonl", calls);
  const program_run run = run_volley_run({"--mcp-url", "e=" + server.url(), file});
  INFO(run.said());
  CHECK(run.status == 0);
  check_shape(run, 8);
  for (int i = 0; i < 8; ++i) {
    CHECK(output_of(run, "echo_" + std::to_string(i)).find("hello " + std::to_string(i)) != std::string::npos);
  }
}

#endif
