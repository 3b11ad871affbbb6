// What an Asio completion signature delivers to an awaiting volley coroutine.
#pragma once

#include <exception>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

namespace volley::detail {

// The values of a completion, after its leading error (if any):
// none -> void, one -> that type, several -> std::tuple of them.
template <class... Values>
struct completion_values {
  using type = std::tuple<std::decay_t<Values>...>;
};
template <class Value>
struct completion_values<Value> {
  using type = std::decay_t<Value>;
};
template <>
struct completion_values<> {
  using type = void;
};

// Splits `void(Args...)` into its error kind and its value type. A leading
// boost::system::error_code or std::exception_ptr is the error; everything
// else is the value (so `as_tuple(volley::use_task)` yields the whole tuple).
template <class Signature>
struct completion_traits;

template <class... Args>
struct completion_traits<void(Args...)> {
  static constexpr bool has_error_code = false;
  static constexpr bool has_exception = false;
  using value_type = typename completion_values<Args...>::type;
};
template <class... Args>
struct completion_traits<void(boost::system::error_code, Args...)> {
  static constexpr bool has_error_code = true;
  static constexpr bool has_exception = false;
  using value_type = typename completion_values<Args...>::type;
};
template <class... Args>
struct completion_traits<void(const boost::system::error_code&, Args...)>
    : completion_traits<void(boost::system::error_code, Args...)> {};
template <class... Args>
struct completion_traits<void(std::exception_ptr, Args...)> {
  static constexpr bool has_error_code = false;
  static constexpr bool has_exception = true;
  using value_type = typename completion_values<Args...>::type;
};

// Holds one completion's arguments until the awaiting coroutine reads them.
template <class Signature>
class completion_result {
 public:
  using traits = completion_traits<Signature>;
  using value_type = typename traits::value_type;

  template <class... Args>
  void set(Args&&... args) {
    if constexpr (traits::has_error_code || traits::has_exception) {
      set_with_error(std::forward<Args>(args)...);
    } else {
      set_values(std::forward<Args>(args)...);
    }
  }

  // The operation was never started: a stop came first.
  void set_not_started() { m_error = boost::asio::error::operation_aborted; }

  // The error the operation reported (or operation_aborted when it never
  // started); empty on success. An exception_ptr completion reports through
  // exception() instead.
  const boost::system::error_code& error() const noexcept { return m_error; }
  const std::exception_ptr& exception() const noexcept { return m_exception; }

  // Whether the completion carried values (false when it never started).
  bool has_value() const noexcept { return m_value.has_value(); }

  // The values, moved out; precondition: has_value() (or a void value_type).
  value_type take_value() {
    if constexpr (!std::is_void_v<value_type>) return std::move(*m_value);
  }

  // Throws boost::system::system_error (or rethrows), else returns the value.
  value_type take_or_throw() {
    if (m_exception) std::rethrow_exception(m_exception);
    if (m_error) throw boost::system::system_error(m_error);
    return take_value();
  }

 private:
  template <class Error, class... Values>
  void set_with_error(Error&& error, Values&&... values) {
    if constexpr (traits::has_error_code) {
      m_error = error;
    } else {
      m_exception = std::forward<Error>(error);
    }
    set_values(std::forward<Values>(values)...);
  }

  template <class... Values>
  void set_values(Values&&... values) {
    if constexpr (sizeof...(Values) > 0) m_value.emplace(std::forward<Values>(values)...);
  }

  struct nothing {};
  boost::system::error_code m_error;
  std::exception_ptr m_exception;
  std::optional<std::conditional_t<std::is_void_v<value_type>, nothing, value_type>> m_value;
};

}  // namespace volley::detail
