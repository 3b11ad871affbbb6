// volley/asio/use_task.hpp: await any Boost.Asio asynchronous operation in a volley task.
#pragma once

#include <exception>
#include <stop_token>
#include <string>
#include <type_traits>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/error.hpp>

#include "volley/asio/detail/async_awaiter.hpp"
#include "volley/asio/detail/completion_result.hpp"
#include "volley/core/outcome.hpp"
#include "volley/detail/concat.hpp"

namespace volley {

namespace detail {

// co_await yields the value; an error_code is thrown as
// boost::system::system_error, an exception_ptr is rethrown.
struct throw_errors {
  template <class Signature>
  static auto take(completion_result<Signature>& result, const operation_core&) {
    return result.take_or_throw();
  }
};

// The volley::error an Asio error becomes: cancelled for operation_aborted,
// timeout for timed_out, tool_failed otherwise, with the error's text,
// category and value.
inline volley::error to_volley_error(const boost::system::error_code& code) {
  errc kind = errc::tool_failed;
  if (code == boost::asio::error::operation_aborted) kind = errc::cancelled;
  else if (code == boost::asio::error::timed_out) kind = errc::timeout;
  return volley::error{kind, concat({code.message(), " (", code.category().name(), ":", std::to_string(code.value()), ")"})};
}

// co_await yields volley::outcome<T> (outcome<void> for no value): the
// error half says what the operation reported.
struct outcome_errors {
  template <class Signature>
  static auto take(completion_result<Signature>& result, const operation_core&)
      -> outcome<typename completion_result<Signature>::value_type> {
    if (result.exception()) {
      try {
        std::rethrow_exception(result.exception());
      } catch (const std::exception& e) {
        return volley::error{errc::tool_failed, e.what()};
      } catch (...) {
        return volley::error{errc::tool_failed, "unknown exception"};
      }
    }
    if (result.error()) return to_volley_error(result.error());
    if constexpr (std::is_void_v<typename completion_result<Signature>::value_type>) {
      return {};
    } else {
      return result.take_value();
    }
  }
};

}  // namespace detail

// A completion token bound to a stop token: a stop request while the
// operation runs emits cancellation_type::all on its cancellation slot, on
// the executor the operation runs on (the initiation's, or the one given).
template <class Mode, detail::stop_kind Stop>
class stoppable_task_token {
 public:
  explicit stoppable_task_token(detail::slot_binding<Stop> binding) noexcept : m_binding(std::move(binding)) {}
  const detail::slot_binding<Stop>& binding() const noexcept { return m_binding; }

 private:
  detail::slot_binding<Stop> m_binding;
};

// The completion tokens themselves (see use_task and use_outcome below).
template <class Mode>
class task_token {
 public:
  constexpr task_token() noexcept = default;

  // This token, with a stop token bound: the cancellation is emitted on the
  // operation's own executor (every Asio I/O object's initiation names it).
  stoppable_task_token<Mode, detail::stop_kind::on_initiation_executor> operator()(std::stop_token stop) const {
    return stoppable_task_token<Mode, detail::stop_kind::on_initiation_executor>{{std::move(stop), {}}};
  }
  // With the executor the cancellation is emitted on: needed for operations
  // whose initiation does not name one (Beast's), and it must be the one the
  // operation's handlers run on (the stream's strand).
  template <class Executor>
    requires std::is_convertible_v<const Executor&, boost::asio::any_io_executor>
  stoppable_task_token<Mode, detail::stop_kind::on_given_executor> operator()(std::stop_token stop,
                                                                              const Executor& executor) const {
    return stoppable_task_token<Mode, detail::stop_kind::on_given_executor>{
        {std::move(stop), boost::asio::any_io_executor(executor)}};
  }
};

using use_task_t = task_token<detail::throw_errors>;
using use_outcome_t = task_token<detail::outcome_errors>;

// `co_await op(args..., volley::use_task)` runs an Asio operation from a
// volley coroutine: it is initiated when the coroutine suspends, and the
// coroutine resumes from the operation's completion handler, on the
// operation's executor (the I/O object's: an io_context thread, or its
// strand). It yields the completion's values (none: void; one: it; several:
// a std::tuple) and throws boost::system::system_error on an error.
//
// `volley::use_task(stop)` also cancels the operation when `stop` is
// requested: the cancellation is emitted on the operation's executor (not
// on the thread that requested the stop), and the operation completes as
// cancellation makes it (usually operation_aborted, thrown). Stopped before
// the operation starts, nothing is started and it throws operation_aborted
// at once, without suspending. An operation that completes before the stop
// is acted on keeps its result. A composed operation (Beast's, async_read)
// on an io_context run by several threads needs a strand, as Asio requires,
// and the strand as the token's executor: `volley::use_task(stop, strand)`.
//
// When to use: any Asio operation inside a volley task; one that must stop
// with its tool call takes the call's token: `volley::use_task(ctx.stop_token())`.
//
//   good: co_await timer.async_wait(volley::use_task(ctx.stop_token()));
//         std::size_t n = co_await socket.async_read_some(buffer, volley::use_task);
//   good: auto [error, n] = co_await socket.async_read_some(buffer, boost::asio::as_tuple(volley::use_task));
//   bad:  std::thread([&] { io.run(); }) never started: nothing completes the
//         operation and the task waits forever. An io_context that stops
//         (io.stop(), or destroyed) with operations pending never resumes
//         their coroutines either: keep it running until they are done.
inline constexpr use_task_t use_task{};

// Like use_task, but `co_await` yields volley::outcome<T> instead of
// throwing: operation_aborted is errc::cancelled, timed_out errc::timeout,
// any other error errc::tool_failed, each with the error's text. For the
// error_code itself use `boost::asio::as_tuple(volley::use_task)`.
//
//   good: volley::outcome<std::size_t> n = co_await socket.async_read_some(buffer, volley::use_outcome);
//         if (!n) co_return n.error();
inline constexpr use_outcome_t use_outcome{};

}  // namespace volley

template <class Mode, class Signature>
struct boost::asio::async_result<volley::task_token<Mode>, Signature> {
  template <class Initiation, class... Args>
  using awaiter_type =
      volley::detail::async_awaiter<Mode, volley::detail::slot_binding<volley::detail::stop_kind::none>, Signature,
                                    std::decay_t<Initiation>, std::decay_t<Args>...>;

  template <class Initiation, class RawToken, class... Args>
  static awaiter_type<Initiation, Args...> initiate(Initiation&& initiation, RawToken&&, Args&&... args) {
    return awaiter_type<Initiation, Args...>{{}, std::forward<Initiation>(initiation), std::forward<Args>(args)...};
  }
};

template <class Mode, volley::detail::stop_kind Stop, class Signature>
struct boost::asio::async_result<volley::stoppable_task_token<Mode, Stop>, Signature> {
  template <class Initiation, class... Args>
  using awaiter_type = volley::detail::async_awaiter<Mode, volley::detail::slot_binding<Stop>, Signature,
                                                     std::decay_t<Initiation>, std::decay_t<Args>...>;

  template <class Initiation, class RawToken, class... Args>
  static awaiter_type<Initiation, Args...> initiate(Initiation&& initiation, RawToken&& token, Args&&... args) {
    return awaiter_type<Initiation, Args...>{token.binding(), std::forward<Initiation>(initiation),
                                             std::forward<Args>(args)...};
  }
};
