// explore_files: the seed's scenario for real. An agent exploring a source
// tree lists a directory, reads several files and searches, through the
// reference MCP filesystem server (a node subprocess, over stdio), on
// volley's own tree (or the directory given): one call at a time, then all
// of them as one volley::parallel_batch; wall times, speedup, timelines.
//
// Usage: explore_files [DIRECTORY]. The server comes from the MCP peers
// (tests/mcp/peers/install_peers.sh DIR; VOLLEY_MCP_PEERS_DIR=DIR picks
// another install, VOLLEY_NODE another node); without them it says how to
// get them and exits 0.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "volley/core/sync_wait.hpp"
#include "volley/exec/thread_pool.hpp"
#include "volley/mcp/mcp.hpp"
#include "volley/run/parallel_batch.hpp"
#include "volley/trace/text_timeline.hpp"
#include "volley/trace/timeline.hpp"
#include "volley/trace/trace_recorder.hpp"

namespace {

namespace fs = std::filesystem;

// One model turn of an agent that explores a source tree (the seed's batch
// 1: a listing, reads, a search), paths relative to the server's directory.
std::vector<volley::tool_call> model_turn() {
  return {{"call_1", "list_directory", R"({"path": "include/volley"})"},
          {"call_2", "read_text_file", R"({"path": "README.md"})"},
          {"call_3", "read_text_file", R"({"path": "include/volley/volley.hpp"})"},
          {"call_4", "read_text_file", R"({"path": "include/volley/run/parallel_batch.hpp"})"},
          {"call_5", "read_text_file", R"({"path": "examples/seed_scenario.cpp"})"},
          {"call_6", "search_files", R"({"path": "tests", "pattern": "**/*_tests.cpp"})"}};
}

// A program on PATH, or empty.
fs::path find_program(std::string_view name) {
  const char* path = std::getenv("PATH");
  std::string_view rest = path ? path : "";
  while (!rest.empty()) {
    const auto end = rest.find(':');
    const fs::path candidate = fs::path(rest.substr(0, end)) / name;
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

fs::path peers_dir() {
  if (const char* env = std::getenv("VOLLEY_MCP_PEERS_DIR")) return env;
  return VOLLEY_MCP_PEERS_DIR;
}

// One call at a time, each waiting for the one before (the baseline).
volley::duration one_by_one(volley::thread_pool& pool, const volley::tool_registry& tools,
                            volley::trace_recorder& recorder, std::vector<volley::call_result>& results) {
  results.clear();
  volley::batch_options options;
  options.recorder = &recorder;
  const auto start = pool.now();
  for (const auto& call : model_turn()) {
    std::vector<volley::tool_call> single(1, call);
    results.push_back(std::move(volley::sync_wait(volley::parallel_batch(pool, tools, std::move(single), options)).front()));
  }
  return pool.now() - start;
}

volley::duration as_one_batch(volley::thread_pool& pool, const volley::tool_registry& tools,
                              volley::trace_recorder& recorder, std::vector<volley::call_result>& results) {
  volley::batch_options options;
  options.recorder = &recorder;
  const auto start = pool.now();
  results = volley::sync_wait(volley::parallel_batch(pool, tools, model_turn(), options));
  return pool.now() - start;
}

double milliseconds(volley::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

volley::duration median(std::vector<volley::duration> times) {
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

std::string outcome_text(const volley::call_result& r) {
  return r.result ? *r.result : "error " + std::string(volley::to_string(r.result.error().code)) + ": " +
                                    r.result.error().message;
}

// "list_directory include/volley   ok, 12 lines".
void print_result(const volley::tool_call& call, const volley::call_result& r) {
  std::string what = call.name + " " + call.arguments;
  if (what.size() > 66) what = what.substr(0, 63) + "...";
  if (!r.result) {
    std::printf("  %-7s %-66s failed: %s\n", call.id.c_str(), what.c_str(), r.result.error().message.c_str());
    return;
  }
  const auto lines = std::count(r.result->begin(), r.result->end(), '\n') + (r.result->empty() ? 0 : 1);
  std::printf("  %-7s %-66s ok, %zu bytes, %ld lines\n", call.id.c_str(), what.c_str(), r.result->size(),
              static_cast<long>(lines));
}

void show_timeline(const char* title, const volley::trace_recorder& recorder) {
  volley::text_timeline_options options;
  options.width = 48;
  std::cout << "\n" << title << "\n" << volley::to_text_timeline(volley::make_timeline(recorder.spans()), options);
}

}  // namespace

int main(int argc, char** argv) {
  std::error_code ec;
  const fs::path root = fs::canonical(argc > 1 ? fs::path(argv[1]) : fs::path(VOLLEY_SOURCE_DIR), ec);
  if (ec || !fs::is_directory(root)) {
    std::fprintf(stderr, "explore_files: %s is not a directory\n", argc > 1 ? argv[1] : VOLLEY_SOURCE_DIR);
    return 2;
  }
  const char* node_env = std::getenv("VOLLEY_NODE");
  const fs::path node = node_env ? fs::path(node_env) : find_program("node");
  const fs::path script = peers_dir() / "node_modules/@modelcontextprotocol/server-filesystem/dist/index.js";
  if (node.empty() || !fs::is_regular_file(script, ec)) {
    std::printf("explore_files needs node (20 or later) and the MCP reference filesystem server (%s).\n"
                "Install them (node and npm from your system's packages, then the pinned servers):\n"
                "  bash tests/mcp/peers/install_peers.sh %s\n"
                "or set VOLLEY_MCP_PEERS_DIR to a folder where that script installed them.\n",
                node.empty() ? "there is no node on PATH" : ("there is no " + script.string()).c_str(),
                peers_dir().c_str());
    return 0;
  }
  std::printf("explore_files: one agent turn on %s\nthrough the MCP filesystem server (%s, stdio)\n\n",
              root.c_str(), node.c_str());

  try {
    // [explore-files]
    volley::thread_pool pool{2};
    volley::mcp::stdio_server server;  // named, not a temporary: see the g++ 12 note at mcp::client
    server.command = {node.string(), script.string(), root.string()};
    server.name = "filesystem";
    auto filesystem = volley::sync_wait(volley::mcp::client::connect(pool, std::move(server)));
    volley::tool_registry tools;
    // Each path argument is a resource: reads run together, a write waits for the calls on its file.
    volley::mcp::add_tools(tools, filesystem, volley::mcp::filesystem_policy(root));
    auto results = volley::sync_wait(volley::parallel_batch(pool, tools, model_turn()));
    // results[i] answers model_turn()[i]: a listing, four reads and a search, run at once
    // [explore-files]

    const auto calls = model_turn();
    for (std::size_t i = 0; i < calls.size(); ++i) print_result(calls[i], results[i]);

    // The first batch warmed the server up; now each way five times, in turns.
    constexpr int repeats = 5;
    std::vector<volley::duration> sequential_times, batch_times;
    std::vector<volley::call_result> sequential, batch;
    volley::trace_recorder sequential_trace, batch_trace;
    bool same = true;
    for (int i = 0; i < repeats; ++i) {
      sequential_trace.clear();
      batch_trace.clear();
      sequential_times.push_back(one_by_one(pool, tools, sequential_trace, sequential));
      batch_times.push_back(as_one_batch(pool, tools, batch_trace, batch));
      for (std::size_t c = 0; c < calls.size(); ++c) same = same && outcome_text(sequential[c]) == outcome_text(batch[c]);
    }
    const double serial_ms = milliseconds(median(sequential_times));
    const double batch_ms = milliseconds(median(batch_times));
    std::printf("\n%-28s %12s %12s %9s\n", "", "one by one", "one batch", "speedup");
    std::printf("%-28s %9.2f ms %9.2f ms %8.2fx\n", "wall time (median of 5)", serial_ms, batch_ms,
                serial_ms / batch_ms);
    std::printf("same results one by one and as one batch: %s\n", same ? "yes" : "NO");

    show_timeline("one by one (the last run):", sequential_trace);
    show_timeline("one parallel_batch (the last run):", batch_trace);
    return same ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "explore_files: %s\n", e.what());
    return 1;
  }
}
