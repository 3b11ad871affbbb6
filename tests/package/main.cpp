// Uses volley as a downstream project would; exits 0 when a batch runs.
#include <cstdio>
#include <string>
#include <vector>

#include <volley/volley.hpp>

int main() {
  volley::tool_registry tools;
  tools.add(volley::make_tool("echo", volley::effect::read_only, [](const std::string& s, volley::call_context&) { return s; }));
  volley::simulation sim;
  std::vector<volley::tool_call> calls{{"a", "echo", "hello"}, {"b", "echo", "world"}};
  auto results = sim.run(volley::parallel_batch(sim, tools, calls));
  std::printf("%s %s\n", results[0].result->c_str(), results[1].result->c_str());
  return results.size() == 2 && *results[1].result == "world" ? 0 : 1;
}
