#include <chrono>
#include <stop_token>
#include <string>
#include <vector>

#include "volley/core/task.hpp"
#include "volley/core/when_all.hpp"
#include "volley/exec/executor.hpp"
#include "volley/exec/simulation.hpp"
#include "volley_catch.hpp"

using namespace std::chrono_literals;

static_assert(volley::Executor<volley::simulation>);

namespace {

using event_log = std::vector<std::string>;

volley::task<> actor(volley::simulation& sim, event_log& log, std::string name, int steps,
                     std::chrono::milliseconds period) {
  for (int i = 0; i < steps; ++i) {
    co_await sim.sleep_for(period);
    log.push_back(name + "@" + std::to_string((sim.now() - volley::time_point{}) / 1ms));
    co_await sim.schedule();
  }
}

event_log run_scenario() {
  volley::simulation sim;
  event_log log;
  sim.run(volley::when_all(actor(sim, log, "a", 5, 300ms), actor(sim, log, "b", 4, 500ms),
                           actor(sim, log, "c", 6, 200ms), actor(sim, log, "d", 3, 600ms)));
  return log;
}

volley::task<volley::duration> two_seconds(volley::simulation& sim) {
  auto start = sim.now();
  co_await sim.sleep_for(2s);
  co_return sim.now() - start;
}

volley::task<volley::duration> stoppable(volley::simulation& sim, std::stop_token token, int& resumed) {
  auto start = sim.now();
  co_await sim.sleep_for(1h, token);
  ++resumed;
  co_return sim.now() - start;
}
volley::task<> stop_at(volley::simulation& sim, std::stop_source& source, volley::duration at) {
  co_await sim.sleep_for(at);
  source.request_stop();
}

struct never_resumed {
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  void await_resume() const noexcept {}
};
volley::task<> stuck() { co_await never_resumed{}; }

}  // namespace

TEST_CASE("simulation: a 2-second sleep takes no wall time and advances virtual time by 2 s", "[simulation]") {
  volley::simulation sim;
  auto wall = std::chrono::steady_clock::now();
  CHECK(sim.run(two_seconds(sim)) == 2s);
  CHECK(sim.elapsed() == 2s);
  CHECK(std::chrono::steady_clock::now() - wall < 1s);
}

TEST_CASE("simulation: the same program gives the same event order on every run", "[simulation][determinism]") {
  auto first = run_scenario();
  auto second = run_scenario();
  CHECK(first.size() == 18);
  CHECK(first == second);
  // Ties (a and c at 600 ms, a/b/c at 1200 ms...) resolve in the order the timers were set.
  CHECK(first.front() == "c@200");
}

TEST_CASE("simulation: a stopped sleep resumes at the stop's virtual time, exactly once", "[simulation][stop]") {
  volley::simulation sim;
  std::stop_source source;
  int resumed = 0;
  auto [slept, ignored] = sim.run(volley::when_all(stoppable(sim, source.get_token(), resumed), stop_at(sim, source, 3s)));
  (void)ignored;
  CHECK(slept == 3s);
  CHECK(resumed == 1);
  CHECK(sim.pending_timers() == 0);
}

TEST_CASE("simulation: work that can never progress is reported, not hung on", "[simulation]") {
  volley::simulation sim;
  CHECK_THROWS_AS(sim.run(stuck()), std::logic_error);
  CHECK(volley_test::live_frames() == 0);
}
