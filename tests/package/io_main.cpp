// The optional JSON adapters, as a downstream project would use them.
#include <cstdio>

#include <volley/grade/count_sequential_rounds.hpp>
#include <volley/io/openai.hpp>

int main() {
  auto trace = volley::io::openai::trace_from_json_text(
      R"([{"role":"assistant","tool_calls":[{"id":"1","type":"function","function":{"name":"f","arguments":"{}"}}]},
          {"role":"tool","tool_call_id":"1","content":"ok"}])");
  std::printf("rounds: %zu\n", volley::count_sequential_rounds(trace));
  return volley::count_sequential_rounds(trace) == 1 ? 0 : 1;
}
