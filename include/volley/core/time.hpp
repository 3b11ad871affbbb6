// volley/core/time.hpp: the time types every executor reports in.
#pragma once

#include <chrono>

namespace volley {

// Both executors speak steady_clock's types: a thread_pool reads the real
// steady_clock; a simulation starts at time_point{} and advances virtually.
using clock = std::chrono::steady_clock;
using duration = std::chrono::nanoseconds;
using time_point = std::chrono::time_point<clock, duration>;

}  // namespace volley
