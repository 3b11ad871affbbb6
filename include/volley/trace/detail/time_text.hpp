// volley/trace/detail/time_text.hpp: durations as short, deterministic text
// ("2.000 s", "1.500 ms", "750.000 us") for the text timeline.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace volley::detail {

struct time_unit {
  std::int64_t nanoseconds_per_unit = 1;
  std::string_view suffix;
};

// The unit that keeps a timeline spanning `span` readable: seconds from 1 s
// up, milliseconds from 1 ms up, microseconds below.
inline time_unit unit_for_span(std::chrono::nanoseconds span) {
  if (span >= std::chrono::seconds{1}) return {1'000'000'000, "s"};
  if (span >= std::chrono::milliseconds{1}) return {1'000'000, "ms"};
  return {1'000, "us"};
}

// `value` in `unit` with three decimals, rounded half up, using integers only.
inline std::string format_time(std::chrono::nanoseconds value, time_unit unit) {
  std::string out;
  std::int64_t ns = value.count();
  if (ns < 0) {
    out += '-';
    ns = ns == INT64_MIN ? INT64_MAX : -ns;
  }
  std::int64_t whole = ns / unit.nanoseconds_per_unit;
  const std::int64_t remainder = ns % unit.nanoseconds_per_unit;
  std::int64_t thousandths = (remainder * 1000 + unit.nanoseconds_per_unit / 2) / unit.nanoseconds_per_unit;
  if (thousandths == 1000) {
    ++whole;
    thousandths = 0;
  }
  out += std::to_string(whole);
  out += '.';
  out += static_cast<char>('0' + thousandths / 100);
  out += static_cast<char>('0' + thousandths / 10 % 10);
  out += static_cast<char>('0' + thousandths % 10);
  out += ' ';
  out += unit.suffix;
  return out;
}

}  // namespace volley::detail
