// volley/plan/plan_error.hpp: the one way plan_rounds (and dependency_graph)
// reject a batch.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace volley {

// What is wrong with a batch given to plan_rounds. Switch on it to decide
// what to tell the model; show plan_error::what() to a person.
//
//   good: if (e.code() == volley::plan_errc::unknown_dependency) ask_model_to_fix(e.ids()[1]);
//   bad:  matching on the text of what(): its wording may change.
enum class plan_errc {
  unknown_dependency,  // an `after` names an id no call has
  duplicate_id,        // two calls share an id
  cycle,               // `after` edges and conflicts form a cycle (an `after` naming itself too)
  negative_estimate,   // a call's estimate is below zero
};

constexpr std::string_view to_string(plan_errc code) noexcept {
  switch (code) {
    case plan_errc::unknown_dependency: return "unknown_dependency";
    case plan_errc::duplicate_id: return "duplicate_id";
    case plan_errc::cycle: return "cycle";
    case plan_errc::negative_estimate: return "negative_estimate";
  }
  return "unknown plan_errc";
}

// When to use: catch it around plan_rounds when the calls come from outside
// (a model, a file); it is the planner's single error channel: plan_rounds
// either returns a valid plan or throws plan_error (std::bad_alloc aside).
// It derives from std::invalid_argument, so generic handlers catch it too.
// `what()` names the ids and their indices in the batch; `ids()` lists them:
//   unknown_dependency: {the unknown id, the id of the call whose `after` names it}
//   duplicate_id:       {the duplicated id}
//   cycle:              the ids of the calls on one cycle, in edge order,
//                       starting from the call earliest in the batch
//                       ({id} when a call names itself in `after`)
//   negative_estimate:  {the call's id}
//
//   good: try { auto p = volley::plan_rounds(calls); ... }
//         catch (const volley::plan_error& e) { reply_to_model(e.what()); }
//   bad:  catch (...) { return {}; }  // an empty plan silently runs nothing
class plan_error : public std::invalid_argument {
 public:
  plan_error(plan_errc code, std::vector<std::string> ids, const std::string& message)
      : std::invalid_argument(message),
        m_code(code),
        m_ids(std::make_shared<const std::vector<std::string>>(std::move(ids))) {}

  plan_errc code() const noexcept { return m_code; }
  const std::vector<std::string>& ids() const noexcept { return *m_ids; }

 private:
  plan_errc m_code;
  std::shared_ptr<const std::vector<std::string>> m_ids;  // shared: copying an exception must not throw
};

}  // namespace volley
