// The latency a streamed turn saves. A simulated model writes its tool calls
// one by one, 300 ms apart (search 2 s, read_file 1.5 s, search 2 s, list
// 0.5 s); a second turn, written once the first turn's results are in, reads
// two files the listing named (1.5 s each). Three ways to run the same turns:
//   one by one          - write a call, run it, write the next (a sequential agent);
//   batch at turn end   - write every call of the turn, then one parallel batch (the seed's pattern);
//   dispatch as streamed - start each call the moment it is written (volley::session).
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "volley/trace/text_timeline.hpp"
#include "volley/volley.hpp"

using namespace std::chrono_literals;

namespace {

volley::task<std::string> respond_after(volley::call_context& ctx, volley::duration latency, std::string text) {
  co_await ctx.sleep_for(latency);
  co_return text;
}

volley::tool_registry tools_at(double scale) {
  auto scaled = [scale](std::chrono::milliseconds ms) { return std::chrono::duration_cast<volley::duration>(ms * scale); };
  volley::tool_registry tools;
  tools.add(volley::make_tool("search", volley::effect::read_only, [d = scaled(2000ms)](const std::string& q, volley::call_context& ctx) {
    return respond_after(ctx, d, "results for " + q);
  }));
  tools.add(volley::make_tool("read_file", volley::effect::read_only,
                              [d = scaled(1500ms)](const std::string& path, volley::call_context& ctx) {
                                return respond_after(ctx, d, "contents of " + path);
                              },
                              [](const std::string& path) { return std::vector<std::string>{path}; }));
  tools.add(volley::make_tool("list", volley::effect::read_only, [d = scaled(500ms)](const std::string&, volley::call_context& ctx) {
    return respond_after(ctx, d, "returns_table.csv competitor_data.csv");
  }));
  return tools;
}

std::vector<std::vector<volley::tool_call>> turns() {
  return {{{"t1_search_a", "search", "Intel financial data"},
           {"t1_report", "read_file", "2023_report.pdf"},
           {"t1_search_b", "search", "return metrics"},
           {"t1_list", "list", "/financial_reports"}},
          {{"t2_returns", "read_file", "returns_table.csv"}, {"t2_competitors", "read_file", "competitor_data.csv"}}};
}

enum class mode { one_by_one, batch_at_turn_end, streamed };

// [streaming-session]
// The model writes each call `writing` after the previous one. Streamed:
// each call starts the moment it is written; the turn ends when all are in.
template <volley::Executor E>
volley::task<volley::duration> agent(E& executor, const volley::tool_registry& tools, mode how, volley::duration writing,
                                     volley::trace_recorder& recorder) {
  const auto start = executor.now();
  volley::session<E> session{executor, tools, {.recorder = &recorder}};
  for (const auto& turn : turns()) {
    std::vector<volley::tool_call> written;
    for (const auto& call : turn) {
      co_await executor.sleep_for(writing);  // the model is still writing
      if (how == mode::streamed) {
        session.submit(call);  // starts now, while the model writes the rest
      } else if (how == mode::one_by_one) {
        co_await session.submit(call);  // waits for its result before writing on
      } else {
        written.push_back(call);
      }
    }
    for (auto& call : written) session.submit(std::move(call));  // the turn's batch
    co_await session.drain();  // the next turn needs these results
    session.end_turn();
  }
  co_return executor.now() - start;
}
// [streaming-session]

double seconds(volley::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

int main() {
  std::cout << "volley streaming turn: 4 calls written 300 ms apart, then a 2-call turn that needs their results\n\n";
  const char* names[] = {"one by one", "batch at turn end", "dispatch as streamed"};
  const mode modes[] = {mode::one_by_one, mode::batch_at_turn_end, mode::streamed};
  auto tools = tools_at(1.0);
  constexpr double scale = 0.05;
  auto fast_tools = tools_at(scale);
  volley::thread_pool pool{2};
  volley::trace_recorder recorders[3];

  std::printf("%-24s %14s %22s\n", "", "simulation", "thread_pool (1/20 scale)");
  for (int i = 0; i < 3; ++i) {
    volley::simulation sim;
    const auto virtual_total = sim.run(agent(sim, tools, modes[i], 300ms, recorders[i]));
    volley::trace_recorder ignored;
    const auto real_total = volley::sync_wait(
        agent(pool, fast_tools, modes[i], std::chrono::duration_cast<volley::duration>(300ms * scale), ignored));
    std::printf("%-24s %13.2fs %21.3fs\n", names[i], seconds(virtual_total), seconds(real_total));
  }
  for (int i = 0; i < 3; ++i) {
    std::cout << "\n" << names[i] << " (simulation):\n"
              << volley::to_text_timeline(volley::make_timeline(recorders[i].spans(), recorders[i].events()), {.width = 50});
  }
  return 0;
}
