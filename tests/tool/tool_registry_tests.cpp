#include "volley/detail/concat.hpp"
#include <stdexcept>
#include <string>
#include <vector>

#include "volley/exec/simulation.hpp"
#include "volley/tool/make_tool.hpp"
#include "volley/tool/tool.hpp"
#include "volley/tool/tool_registry.hpp"
#include "volley_catch.hpp"

using namespace std::chrono_literals;

namespace {

struct point {
  int x = 0;
  int y = 0;
};

// A struct tool with every optional member.
struct move_to {
  static constexpr std::string_view name = "move_to";
  static constexpr volley::effect effect = volley::effect::mutating;
  using args_type = point;
  using result_type = point;
  static point parse_args(std::string_view text) {
    auto comma = text.find(',');
    if (comma == std::string_view::npos) throw std::invalid_argument("expected 'x,y'");
    return {std::stoi(std::string(text.substr(0, comma))), std::stoi(std::string(text.substr(comma + 1)))};
  }
  std::vector<std::string> resources(const point&) const { return {"robot"}; }
  std::string format_result(const point& p) const { return std::to_string(p.x) + volley::detail::concat({",", std::to_string(p.y)}); }
  volley::task<point> operator()(const point& p, volley::call_context& ctx) const {
    co_await ctx.sleep_for(10ms);
    co_return point{p.x * 2, p.y * 2};
  }
};

struct no_parser {
  static constexpr std::string_view name = "plain";
  static constexpr volley::effect effect = volley::effect::read_only;
  using args_type = std::string;
  using result_type = int;
  volley::task<int> operator()(const std::string& s, volley::call_context&) const { co_return static_cast<int>(s.size()); }
};

static_assert(volley::Tool<move_to>);
static_assert(volley::tool_with_parser<move_to>);
static_assert(volley::tool_with_resources<move_to>);
static_assert(volley::tool_with_formatter<move_to>);
static_assert(volley::Tool<no_parser>);
static_assert(!volley::tool_with_parser<no_parser>);
static_assert(!volley::tool_with_resources<no_parser>);

volley::outcome<std::string> run(volley::simulation& sim, const volley::registered_tool& tool, std::string_view args) {
  auto prepared = tool.prepare(args);
  if (!prepared) return prepared.error();
  volley::call_context ctx{"id", tool.name(), {}, std::nullopt, volley::detail::executor_ref{sim}};
  return sim.run(tool.invoke(*prepared, ctx));
}

}  // namespace

TEST_CASE("registry: struct tools parse, name resources, format, and run in virtual time", "[tool]") {
  volley::tool_registry tools;
  tools.add(move_to{});
  tools.add(no_parser{});
  volley::simulation sim;
  const auto* tool = tools.find("move_to");
  REQUIRE(tool);
  CHECK(tool->effect() == volley::effect::mutating);
  auto prepared = tool->prepare("3,4");
  REQUIRE(prepared);
  CHECK(prepared->resources == std::vector<std::string>{"robot"});
  CHECK(*run(sim, *tool, "3,4") == "6,8");
  CHECK(sim.elapsed() == 10ms);
  CHECK(*run(sim, *tools.find("plain"), "hello") == "5");  // arithmetic results become text
  CHECK(tools.names() == std::vector<std::string>{"move_to", "plain"});
}

TEST_CASE("registry: bad input names the tool and the cause", "[tool][errors]") {
  volley::tool_registry tools;
  tools.add(move_to{});
  auto bad = tools.find("move_to")->prepare("nonsense");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == volley::errc::invalid_arguments);
  CHECK(bad.error().message.find("move_to") != std::string::npos);
  CHECK(bad.error().message.find("expected 'x,y'") != std::string::npos);
  CHECK(tools.find("missing") == nullptr);
  CHECK_THROWS_AS(tools.add(move_to{}), std::invalid_argument);
  CHECK_THROWS_WITH(tools.add(move_to{}), Catch::Contains("already registered"));
  CHECK_THROWS_AS(tools.add(volley::make_tool("", volley::effect::read_only, [](const std::string& s, volley::call_context&) { return s; })),
                  std::invalid_argument);
}

TEST_CASE("make_tool: synchronous and coroutine functions, resources, and throwing tools", "[tool]") {
  volley::tool_registry tools;
  tools.add(volley::make_tool("upper", volley::effect::read_only, [](const std::string& s, volley::call_context&) {
    std::string out = s;
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
  }));
  tools.add(volley::make_tool("fails", volley::effect::read_only, [](const std::string& s, volley::call_context&) -> std::string {
    throw std::runtime_error("cannot handle " + s);
  }));
  tools.add(volley::make_tool("save", volley::effect::mutating, [](const std::string& path, volley::call_context&) { return path.size() > 3; },
                              [](const std::string& path) { return std::vector<std::string>{path}; }));
  volley::simulation sim;
  CHECK(*run(sim, *tools.find("upper"), "abc") == "ABC");
  auto failed = run(sim, *tools.find("fails"), "x");
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == volley::errc::tool_failed);
  CHECK(failed.error().message.find("cannot handle x") != std::string::npos);
  CHECK(*run(sim, *tools.find("save"), "a.txt") == "true");
  CHECK(tools.find("save")->prepare("a.txt")->resources == std::vector<std::string>{"a.txt"});
  CHECK(tools.find("upper")->prepare("x")->resources.empty());  // no resources: touches everything
  CHECK(volley_test::live_frames() == 0);
}
