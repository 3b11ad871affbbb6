// Random batches of reads, writes, edits, moves and listings through the
// real filesystem server give exactly the results and the final directory
// of one-by-one execution, and independent calls overlap in time.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "mcp_test_support.hpp"
#include "volley/volley.hpp"

using namespace std::chrono_literals;
using volley_test::mcp::temporary_directory;
namespace mcp = volley::mcp;

namespace {

const std::vector<std::string> file_names{"a.txt", "b.txt", "c.txt", "d/e.txt", "d/f.txt"};

// One random call over a few files; every path relative to the server's root.
volley::tool_call random_call(std::mt19937& random, int index) {
  auto pick = [&](const std::vector<std::string>& from) { return from[random() % from.size()]; };
  const std::string file = pick(file_names);
  const std::string id = "call_" + std::to_string(index);
  nlohmann::json args;
  std::string name;
  switch (random() % 10) {
    case 0:
    case 1:
    case 2:
      name = "read_text_file";
      args = {{"path", file}};
      break;
    case 3:
    case 4:
      name = "write_file";
      args = {{"path", file}, {"content", "version " + std::to_string(index) + "\nline two\n"}};
      break;
    case 5:
      name = "edit_file";
      args = {{"path", file}, {"edits", {{{"oldText", "line two"}, {"newText", "edited by " + id}}}}};
      break;
    case 6:
      name = "move_file";
      args = {{"source", file}, {"destination", pick(file_names)}};
      break;
    case 7:
      name = "list_directory";
      args = {{"path", random() % 2 ? "." : "d"}};
      break;
    case 8:
      name = "list_directory_with_sizes";
      args = {{"path", random() % 2 ? "." : "d"}};
      break;
    default:
      name = "read_multiple_files";
      args = {{"paths", {file, pick(file_names)}}};
      break;
  }
  return {id, name, args.dump()};
}

void reset(const std::filesystem::path& root) {
  for (const auto& entry : std::filesystem::directory_iterator(root)) std::filesystem::remove_all(entry.path());
  std::filesystem::create_directory(root / "d");
  volley_test::mcp::write_text(root / "a.txt", "first a\nline two\n");
  volley_test::mcp::write_text(root / "d/e.txt", "first e\nline two\n");
}

// Every file's path and contents, to compare two trees.
std::map<std::string, std::string> snapshot(const std::filesystem::path& root) {
  std::map<std::string, std::string> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    const auto relative = std::filesystem::relative(entry.path(), root).string();
    out[relative] = entry.is_directory() ? std::string("<dir>") : volley_test::mcp::read_text(entry.path());
  }
  return out;
}

// A result with the root's absolute path taken out, so two roots compare.
std::string comparable(const volley::call_result& r, const std::filesystem::path& root) {
  std::string text = r.result ? "ok: " + *r.result : "error " + std::string(volley::to_string(r.result.error().code)) +
                                                         ": " + r.result.error().message;
  const std::string prefix = root.string();
  for (std::size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at)) {
    text.replace(at, prefix.size(), "<root>");
  }
  // The message names the server's pid.
  if (auto at = text.find("(pid "); at != std::string::npos) text.erase(at, text.find(')', at) - at + 1);
  return text;
}

volley::task<std::vector<volley::call_result>> one_by_one(volley::thread_pool& pool, const volley::tool_registry& tools,
                                                          const std::vector<volley::tool_call>& calls) {
  std::vector<volley::call_result> results;
  for (const auto& call : calls) {
    std::vector<volley::tool_call> single{call};
    auto r = co_await volley::parallel_batch(pool, tools, std::move(single));
    results.push_back(std::move(r.front()));
  }
  co_return results;
}

}  // namespace

TEST_CASE("mcp filesystem: random batches equal one-by-one execution, results and final tree") {
  VOLLEY_REQUIRE_MCP_PEERS();
  volley_test::watchdog dog{"mcp serializability", 300s};
  const long frames_before = volley_test::live_frames();
  {
    volley::thread_pool pool{2};
    temporary_directory parallel_root, serial_root;
    auto parallel_fs = volley::sync_wait(mcp::client::connect(pool, volley_test::mcp::filesystem_server(parallel_root.path())));
    auto serial_fs = volley::sync_wait(mcp::client::connect(pool, volley_test::mcp::filesystem_server(serial_root.path())));
    volley::tool_registry parallel_tools, serial_tools;
    mcp::add_tools(parallel_tools, parallel_fs, mcp::filesystem_policy(parallel_root.path()));
    mcp::add_tools(serial_tools, serial_fs, mcp::filesystem_policy(serial_root.path()));

    std::mt19937 random{20261202};
    const int batches = volley_test::scaled(150);
    int batches_with_overlap = 0;
    for (int b = 0; b < batches; ++b) {
      reset(parallel_root.path());
      reset(serial_root.path());
      std::vector<volley::tool_call> calls;
      const int count = 4 + static_cast<int>(random() % 12);
      for (int i = 0; i < count; ++i) calls.push_back(random_call(random, i));

      auto parallel = volley::sync_wait(volley::parallel_batch(pool, parallel_tools, calls));
      auto serial = volley::sync_wait(one_by_one(pool, serial_tools, calls));
      REQUIRE(parallel.size() == serial.size());
      for (std::size_t i = 0; i < calls.size(); ++i) {
        INFO("batch " << b << ", " << calls[i].id << ": " << calls[i].name << " " << calls[i].arguments);
        CHECK(comparable(parallel[i], parallel_root.path()) == comparable(serial[i], serial_root.path()));
      }
      INFO("batch " << b);
      CHECK(snapshot(parallel_root.path()) == snapshot(serial_root.path()));

      // Did two calls run at once? (Read-only calls of a batch may; the
      // policy lets writes of other files run beside them.)
      for (std::size_t i = 0; i < parallel.size(); ++i) {
        for (std::size_t j = i + 1; j < parallel.size(); ++j) {
          if (parallel[i].started < parallel[j].finished && parallel[j].started < parallel[i].finished) {
            ++batches_with_overlap;
            i = j = parallel.size();
          }
        }
      }
    }
    CHECK(batches_with_overlap * 2 > batches);
  }
  CHECK(volley_test::live_frames() == frames_before);
}

TEST_CASE("mcp filesystem: a write and a read of one path keep their order; other paths run beside them") {
  VOLLEY_REQUIRE_MCP_PEERS();
  volley_test::watchdog dog{"mcp write then read", 60s};
  volley::thread_pool pool{2};
  temporary_directory root;
  volley_test::mcp::write_text(root.path() / "shared.txt", "old");
  for (int i = 0; i < 8; ++i) volley_test::mcp::write_text(root.path() / ("other" + std::to_string(i)), "other");
  auto fs = volley::sync_wait(mcp::client::connect(pool, volley_test::mcp::filesystem_server(root.path())));
  volley::tool_registry tools;
  mcp::add_tools(tools, fs, mcp::filesystem_policy(root.path()));
  std::vector<volley::tool_call> calls{{"w", "write_file", R"({"path":"shared.txt","content":"new"})"}};
  for (int i = 0; i < 8; ++i) {
    calls.push_back({"o" + std::to_string(i), "read_text_file", R"({"path":"other)" + std::to_string(i) + R"("})"});
  }
  // Another spelling of the same file: it must still wait for the write.
  calls.push_back({"r", "read_text_file", R"({"path":")" + (root.path() / "." / "shared.txt").string() + R"("})"});
  for (int round = 0; round < 20; ++round) {
    volley_test::mcp::write_text(root.path() / "shared.txt", "old");
    auto results = volley::sync_wait(volley::parallel_batch(pool, tools, calls));
    REQUIRE(results.back().result);
    CHECK(*results.back().result == "new");
    CHECK(results.back().started >= results.front().finished);
  }
}
