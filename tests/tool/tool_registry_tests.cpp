#include "volley/detail/concat.hpp"
#include <array>
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

namespace {

// Arguments that count their live copies, small (held inline) or large (on
// the heap), or small but with a move that may throw (on the heap too).
int live_arguments = 0;
template <std::size_t Padding, bool NothrowMove>
struct counted_text {
  std::string text;
  std::array<char, Padding> padding{};
  counted_text(std::string t) : text(std::move(t)) { ++live_arguments; }
  counted_text(const counted_text& other) : text(other.text), padding(other.padding) { ++live_arguments; }
  counted_text(counted_text&& other) noexcept(NothrowMove) : text(std::move(other.text)), padding(other.padding) {
    ++live_arguments;
  }
  counted_text& operator=(const counted_text&) = delete;
  ~counted_text() { --live_arguments; }
};

template <std::size_t Padding, bool NothrowMove>
struct echo_tool {
  static constexpr std::string_view name = "echo";
  static constexpr volley::effect effect = volley::effect::read_only;
  using args_type = counted_text<Padding, NothrowMove>;
  using result_type = std::string;
  static args_type parse_args(std::string_view text) { return args_type{std::string(text)}; }
  volley::task<std::string> operator()(const args_type& args, volley::call_context&) const { co_return args.text; }
};

template <std::size_t Padding, bool NothrowMove>
void check_prepared_arguments_move_and_die_once() {
  {
    volley::tool_registry tools;
    tools.add(echo_tool<Padding, NothrowMove>{});
    volley::simulation sim;
    const std::string long_text(100, 'x');  // its own heap buffer: a dangling read shows under ASan
    auto prepare = [&tools](std::string_view text) {
      auto prepared = tools.find("echo")->prepare(text);
      REQUIRE(prepared);
      return std::move(*prepared);
    };
    std::vector<volley::prepared_arguments> moved;
    moved.push_back(prepare(long_text));
    moved.push_back(prepare("short"));
    for (int i = 0; i < 10; ++i) moved.push_back(prepare(std::to_string(i)));  // reallocations move them
    moved[1] = std::move(moved[0]);  // move-assigning destroys the target's arguments first
    CHECK(live_arguments == 11);
    volley::call_context ctx{"id", "echo", {}, std::nullopt, volley::detail::executor_ref{sim}};
    CHECK(*sim.run(tools.find("echo")->invoke(moved[1], ctx)) == long_text);
    CHECK(*sim.run(tools.find("echo")->invoke(moved[11], ctx)) == "9");
  }
  CHECK(live_arguments == 0);
}

}  // namespace

TEST_CASE("prepared arguments: inline or on the heap, they survive moves and are destroyed exactly once", "[tool]") {
  check_prepared_arguments_move_and_die_once<0, true>();    // fits inline
  check_prepared_arguments_move_and_die_once<64, true>();   // too large: on the heap
  check_prepared_arguments_move_and_die_once<0, false>();   // a move that may throw: on the heap
}

TEST_CASE("tool_registry: descriptions and input schemas are carried, list() is sorted") {
  volley::tool_registry tools;
  tools.add(volley::make_tool("search", volley::effect::read_only,
                              [](const std::string& q, volley::call_context&) { return q; })
                .describe("Searches the notes", R"({"type":"object","properties":{"q":{"type":"string"}}})"));
  tools.add(volley::make_tool("add", volley::effect::mutating, [](const std::string& q, volley::call_context&) { return q; }));
  const auto listed = tools.list();
  REQUIRE(listed.size() == 2);
  CHECK(listed[0]->name() == "add");
  CHECK(listed[0]->description().empty());
  CHECK(listed[0]->input_schema().empty());
  CHECK(listed[1]->name() == "search");
  CHECK(listed[1]->description() == "Searches the notes");
  CHECK(listed[1]->input_schema() == R"({"type":"object","properties":{"q":{"type":"string"}}})");
}
