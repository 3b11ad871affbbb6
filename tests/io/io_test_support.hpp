// Helpers shared by the io adapter tests.
#pragma once

#include <string>
#include <utility>

#include "volley/io/format_error.hpp"

namespace volley_test {

// Runs `action`; returns the what() of the volley::io::format_error it threw,
// "no error" when it threw nothing, or a note naming any other exception
// (which the adapters must never let out).
template <class Action>
std::string format_error_of(Action&& action) {
  try {
    std::forward<Action>(action)();
  } catch (const volley::io::format_error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("OTHER EXCEPTION: ") + e.what();
  }
  return "no error";
}

}  // namespace volley_test
