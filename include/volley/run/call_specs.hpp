// volley/run/call_specs.hpp: what the planner needs to know of real calls.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "volley/plan/call_spec.hpp"
#include "volley/run/dataflow_call.hpp"
#include "volley/tool/tool_registry.hpp"

namespace volley {

// The planner's view of calls: each tool's effect, the resources its
// arguments touch (asked of the tool), and the `after` ids. A call whose
// arguments are written from other results (placeholders, build_arguments)
// has unknown resources, so it is planned as touching everything, exactly as
// run_dataflow runs it. A call of an unknown tool or with arguments that do
// not parse is planned as a read of its own id: it will never run.
//
// When to use: before plan_rounds, to plan the calls a model wrote.
//
//   good: auto plan = volley::plan_rounds(volley::make_call_specs(tools, calls));
//         auto results = co_await volley::run_rounds(pool, tools, calls, plan);
inline std::vector<call_spec> make_call_specs(const tool_registry& tools, std::span<const dataflow_call> calls) {
  std::vector<call_spec> specs;
  specs.reserve(calls.size());
  for (const auto& c : calls) {
    call_spec spec;
    spec.id = c.call.id;
    spec.after = c.after;
    const registered_tool* tool = tools.find(c.call.name);
    if (!tool) {
      spec.resources = {"volley:never-runs:" + c.call.id};
    } else {
      spec.effect = tool->effect();
      if (!c.build_arguments && !has_placeholders(c.call.arguments)) {
        auto prepared = tool->prepare(c.call.arguments);
        if (prepared) spec.resources = std::move(prepared->resources);
        else spec.resources = {"volley:never-runs:" + c.call.id};
      }
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

}  // namespace volley
