// volley/core/outcome.hpp: a value or an error, shaped like std::expected.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace volley {

// Why a call has no value. Every tool call in a batch ends in a value or in
// exactly one of these; none of them escapes a batch as an exception.
enum class errc : std::uint8_t {
  unknown_tool,       // no tool of that name is registered
  invalid_arguments,  // the arguments did not parse for that tool
  tool_failed,        // the tool threw
  timeout,            // the per-call timeout ran out
  cancelled,          // stopped before or while running
  skipped,            // a policy chose not to run it (a dependency failed, ...)
};

constexpr std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::unknown_tool: return "unknown_tool";
    case errc::invalid_arguments: return "invalid_arguments";
    case errc::tool_failed: return "tool_failed";
    case errc::timeout: return "timeout";
    case errc::cancelled: return "cancelled";
    case errc::skipped: return "skipped";
  }
  return "unknown_error";
}

// The error half of an outcome: a code to branch on and a message for people
// (what went wrong and where: the tool's name, the argument, the exception text).
struct error {
  errc code;
  std::string message;

  friend bool operator==(const error&, const error&) = default;
};

// Thrown by outcome::value() on an outcome that holds an error.
class bad_outcome_access : public std::logic_error {
 public:
  explicit bad_outcome_access(const error& e)
      : std::logic_error("volley::outcome holds no value: " + std::string(to_string(e.code)) +
                         (e.message.empty() ? "" : ": " + e.message)),
        m_error(e) {}
  const volley::error& error() const noexcept { return m_error; }

 private:
  volley::error m_error;
};

// When to use: as the result of anything that can fail for a reason the caller
// must handle per item (one tool call of many), where an exception would take
// the whole batch with it.
//
//   good: for (auto& r : results) if (!r.result) log(r.result.error().message);
//   bad:  results[i].result.value() without checking: throws bad_outcome_access.
template <class T>
class outcome {
  static_assert(!std::is_reference_v<T>, "outcome<T&> is not supported; hold a pointer");
  static_assert(!std::is_same_v<std::remove_cv_t<T>, volley::error>, "outcome<error> is ambiguous");

 public:
  using value_type = T;

  outcome() requires std::is_default_constructible_v<T> : m_state(std::in_place_index<0>) {}
  outcome(const T& v) : m_state(std::in_place_index<0>, v) {}                         // NOLINT
  outcome(T&& v) : m_state(std::in_place_index<0>, std::move(v)) {}                   // NOLINT
  outcome(volley::error e) : m_state(std::in_place_index<1>, std::move(e)) {}                 // NOLINT
  template <class U>
    requires(std::is_constructible_v<T, U &&> && !std::is_same_v<std::remove_cvref_t<U>, outcome> &&
             !std::is_same_v<std::remove_cvref_t<U>, volley::error> && !std::is_same_v<std::remove_cvref_t<U>, T>)
  outcome(U&& v) : m_state(std::in_place_index<0>, std::forward<U>(v)) {}             // NOLINT

  bool has_value() const noexcept { return m_state.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { check(); return std::get<0>(m_state); }
  const T& value() const& { check(); return std::get<0>(m_state); }
  T&& value() && { check(); return std::get<0>(std::move(m_state)); }

  T& operator*() & noexcept { return *std::get_if<0>(&m_state); }
  const T& operator*() const& noexcept { return *std::get_if<0>(&m_state); }
  T* operator->() noexcept { return std::get_if<0>(&m_state); }
  const T* operator->() const noexcept { return std::get_if<0>(&m_state); }

  template <class U>
  T value_or(U&& fallback) const& {
    return has_value() ? std::get<0>(m_state) : static_cast<T>(std::forward<U>(fallback));
  }

  // Precondition: !has_value().
  const volley::error& error() const& noexcept { return *std::get_if<1>(&m_state); }
  volley::error& error() & noexcept { return *std::get_if<1>(&m_state); }

  friend bool operator==(const outcome&, const outcome&) = default;

 private:
  void check() const {
    if (!has_value()) throw bad_outcome_access(*std::get_if<1>(&m_state));
  }
  std::variant<T, volley::error> m_state;
};

// outcome<void>: success or an error.
template <>
class outcome<void> {
 public:
  using value_type = void;
  outcome() = default;
  outcome(volley::error e) : m_error(std::move(e)), m_failed(true) {}  // NOLINT
  bool has_value() const noexcept { return !m_failed; }
  explicit operator bool() const noexcept { return has_value(); }
  void value() const {
    if (m_failed) throw bad_outcome_access(m_error);
  }
  const volley::error& error() const& noexcept { return m_error; }
  friend bool operator==(const outcome&, const outcome&) = default;

 private:
  volley::error m_error{errc::tool_failed, {}};
  bool m_failed = false;
};

// Builds the error half with a message: `return volley::make_error(errc::timeout, "after 2s");`
inline error make_error(errc code, std::string message = {}) { return error{code, std::move(message)}; }

}  // namespace volley
