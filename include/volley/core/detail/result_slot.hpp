// A place for one coroutine's value or exception, filled once, read once.
#pragma once

#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace volley::detail {

// What a result of type T is kept as: references as pointers, void as nothing.
template <class T>
class result_slot {
 public:
  template <class U>
  void set_value(U&& value) {
    m_value.emplace(std::forward<U>(value));
  }
  void set_exception(std::exception_ptr e) noexcept { m_exception = std::move(e); }
  bool has_exception() const noexcept { return static_cast<bool>(m_exception); }
  const std::exception_ptr& exception() const noexcept { return m_exception; }
  T take() {
    if (m_exception) std::rethrow_exception(m_exception);
    return std::move(*m_value);
  }

 private:
  std::optional<T> m_value;
  std::exception_ptr m_exception;
};

template <class T>
class result_slot<T&> {
 public:
  void set_value(T& value) noexcept { m_value = std::addressof(value); }
  void set_exception(std::exception_ptr e) noexcept { m_exception = std::move(e); }
  bool has_exception() const noexcept { return static_cast<bool>(m_exception); }
  const std::exception_ptr& exception() const noexcept { return m_exception; }
  T& take() {
    if (m_exception) std::rethrow_exception(m_exception);
    return *m_value;
  }

 private:
  T* m_value = nullptr;
  std::exception_ptr m_exception;
};

template <>
class result_slot<void> {
 public:
  void set_exception(std::exception_ptr e) noexcept { m_exception = std::move(e); }
  bool has_exception() const noexcept { return static_cast<bool>(m_exception); }
  const std::exception_ptr& exception() const noexcept { return m_exception; }
  void take() {
    if (m_exception) std::rethrow_exception(m_exception);
  }

 private:
  std::exception_ptr m_exception;
};

}  // namespace volley::detail
