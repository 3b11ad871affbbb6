// volley/effect.hpp: what a tool call does to the state it touches.
//
// The one vocabulary header every layer shares (standard library only): the
// runtime (tool/, run/) and the pure layers (plan/, grade/) both classify calls
// with it, and the pure layers may include nothing of the runtime.
#pragma once

#include <string_view>

namespace volley {

// When to use: declare it on every tool. Read-only calls never conflict with
// each other; a mutating call conflicts with every call whose resources
// overlap its own, and a call that declares no resources touches everything.
//
//   good: read_file, search, list_dir     -> effect::read_only
//   good: write_file, delete, git_commit  -> effect::mutating
//   bad:  a "get" endpoint that also bumps a counter declared read_only: two
//         such calls would race.
enum class effect { read_only, mutating };

constexpr std::string_view to_string(effect e) noexcept {
  return e == effect::read_only ? std::string_view{"read_only"} : std::string_view{"mutating"};
}

}  // namespace volley
