// Real data: Sierra's tau-bench airline trajectories of gpt-4o (OpenAI chat
// format, one record per trajectory under "traj", with a reward). The counts
// pinned here were computed independently from the JSON (Python) before the
// test was written.
#include <cstddef>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "volley/grade/analyze_parallelization.hpp"
#include "volley/grade/count_sequential_rounds.hpp"
#include "volley/grade/validate.hpp"
#include "volley/io/conversation_reader.hpp"
#include "volley_catch.hpp"

namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("tau-bench gpt-4o airline: import and grade 200 real trajectories") {
  const std::filesystem::path dir = volley_test::shared_data_dir();
  if (dir.empty()) {
    WARN("shared data not found (../shared/data); skipping the tau-bench checks");
    return;
  }
  const std::string text = read_text(dir / "tau-bench" / "gpt-4o-airline.json");
  REQUIRE(text.size() == 4114038);

  volley::io::conversation_reader reader{text};
  CHECK_FALSE(reader.json_lines());
  std::vector<volley::io::conversation_record> records;
  while (auto record = reader.next()) {
    INFO("line " << record->line << ": " << record->error);
    REQUIRE_FALSE(record->malformed());
    records.push_back(std::move(*record));
  }
  REQUIRE(records.size() == 200);

  std::size_t calls = 0, responses = 0, assistant_messages = 0, reused_ids = 0, trajectories_reusing = 0;
  std::size_t total_rounds = 0, batches = 0, successes = 0, trailing_batches = 0;
  std::map<std::size_t, std::size_t> rounds_histogram;
  std::vector<std::size_t> rounds_of(records.size());
  std::map<std::string, std::size_t> diagnostics;  // kind -> count
  for (std::size_t i = 0; i < records.size(); ++i) {
    const volley::io::conversation_record& record = records[i];
    CHECK(record.format == volley::io::message_format::openai);
    REQUIRE(record.reward.has_value());
    successes += *record.reward == 1.0 ? 1 : 0;
    std::map<std::string, std::size_t> uses;
    std::size_t calls_since_message = 0;
    for (const volley::trace_event& e : record.trace) {
      switch (e.type) {
        case volley::event_type::tool_call:
          ++calls;
          ++uses[e.id];
          // One call per assistant message: no message ever carries two.
          CHECK(++calls_since_message == 1);
          break;
        case volley::event_type::tool_response: ++responses; break;
        case volley::event_type::assistant_message:
          ++assistant_messages;
          calls_since_message = 0;
          break;
      }
    }
    std::size_t reused_here = 0;
    for (const auto& [id, n] : uses) reused_here += n - 1;
    reused_ids += reused_here;
    trajectories_reusing += reused_here > 0 ? 1 : 0;

    const std::size_t rounds = volley::count_sequential_rounds(record.trace);
    rounds_of[i] = rounds;
    total_rounds += rounds;
    ++rounds_histogram[rounds];
    const volley::parallelization_report report = volley::analyze_parallelization(record.trace);
    batches += report.num_batches;
    CHECK(report.max_parallelism <= 1);
    CHECK(report.total_calls == report.num_batches);
    // Every call answered before the next one: one round per call.
    CHECK(rounds == report.total_calls);
    for (const volley::diagnostic& d : volley::validate(record.trace)) {
      ++diagnostics[std::string(volley::to_string(d.kind))];
      if (d.kind == volley::diagnostic_kind::trailing_batch_without_assistant_message) ++trailing_batches;
    }
  }

  CHECK(calls == 1164);
  CHECK(responses == 1164);
  CHECK(assistant_messages == 2454);
  CHECK(reused_ids == 73);  // extra uses of an id inside one trajectory (71 distinct ids)
  CHECK(trajectories_reusing == 49);
  CHECK(successes == 84);
  CHECK(batches == 1164);
  CHECK(total_rounds == 1164);
  const std::map<std::size_t, std::size_t> expected_histogram{
      {0, 18}, {1, 18}, {2, 31}, {3, 19}, {4, 10}, {5, 12}, {6, 13}, {7, 18}, {8, 6},  {9, 13}, {10, 8},
      {11, 11}, {12, 4}, {13, 7}, {14, 4}, {15, 1}, {16, 1}, {18, 1}, {20, 2}, {23, 2}, {27, 1}};
  CHECK(rounds_histogram == expected_histogram);
  CHECK(std::vector<std::size_t>(rounds_of.begin(), rounds_of.begin() + 10) ==
        std::vector<std::size_t>{8, 0, 7, 20, 6, 6, 6, 5, 0, 0});
  CHECK(rounds_of[52] == 27);
  CHECK(records[52].label == "task_id=2 trial=1");
  CHECK(rounds_of[199] == 2);
  CHECK(records[199].label == "task_id=49 trial=3");

  // What validate says: the reused ids are notes (each reuse comes after the
  // earlier call was answered), and 51 trajectories end on a tool result.
  const std::map<std::string, std::size_t> expected_diagnostics{
      {"call_id_reused", 73}, {"trailing_batch_without_assistant_message", 51}};
  CHECK(diagnostics == expected_diagnostics);
  CHECK(trailing_batches == 51);
}
