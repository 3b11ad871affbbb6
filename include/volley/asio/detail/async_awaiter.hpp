// The awaiter behind volley::use_task and volley::use_outcome: an Asio
// operation, initiated when the awaiting coroutine suspends.
#pragma once

#include <coroutine>
#include <optional>
#include <stop_token>
#include <tuple>
#include <type_traits>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_type.hpp>

#include "volley/asio/detail/completion_result.hpp"
#include "volley/asio/detail/operation_core.hpp"

namespace volley::detail {

// How an awaited operation is stopped: not at all, by a stop token whose
// cancellation is emitted on the initiation's executor, or on one given.
enum class stop_kind { none, on_initiation_executor, on_given_executor };

// A stop token and where to emit the cancellation it asks for: the executor
// the operation's own handlers run on.
struct stop_binding {
  std::stop_token token;
  boost::asio::any_io_executor executor;  // for stop_kind::on_given_executor
};

template <class Initiation>
concept initiation_with_executor = requires(const Initiation& initiation) {
  { initiation.get_executor() };
};

// Mode turns a completion_result into what `co_await` yields:
//   static auto take(completion_result<Signature>&).
template <class Mode, stop_kind Stop, class Signature, class Initiation, class... Args>
class async_awaiter {

 public:
  using result_type = decltype(Mode::take(std::declval<completion_result<Signature>&>()));

  template <class I, class... A>
  async_awaiter(stop_binding stop, I&& initiation, A&&... args)
      : m_initiation(std::forward<I>(initiation)), m_args(std::forward<A>(args)...), m_stop(std::move(stop)) {}

  // Movable until awaited (Asio returns it through its initiating function).
  async_awaiter(async_awaiter&& other) noexcept(std::is_nothrow_move_constructible_v<Initiation> &&
                                                std::is_nothrow_move_constructible_v<std::tuple<Args...>>)
      : m_initiation(std::move(other.m_initiation)), m_args(std::move(other.m_args)), m_stop(std::move(other.m_stop)) {}
  async_awaiter(const async_awaiter&) = delete;
  async_awaiter& operator=(const async_awaiter&) = delete;
  async_awaiter& operator=(async_awaiter&&) = delete;

  // Stopped already: nothing is started, and the coroutine does not suspend.
  bool await_ready() {
    if (Stop == stop_kind::none || !m_stop.token.stop_requested()) return false;
    m_result.set_not_started();
    return true;
  }

  bool await_suspend(std::coroutine_handle<> awaiting) {
    if (Stop != stop_kind::none && m_stop.token.stop_possible()) {
      m_core.on_stop(m_stop.token, stop_executor(), &emit_cancellation, this);
    }
    const bool suspended = m_core.start(awaiting, [this] {
      std::apply([this](auto&... args) { std::move(m_initiation)(handler{this}, std::move(args)...); }, m_args);
    });
    if (!suspended) m_result.set_not_started();
    return suspended;
  }

  result_type await_resume() {
    m_core.finish();
    return Mode::take(m_result);
  }

 private:
  // The completion handler Asio gets: it stores the arguments, and its
  // cancellation slot is the one a stop request emits on.
  class handler {
   public:
    explicit handler(async_awaiter* self) noexcept : m_self(self) {}

    using cancellation_slot_type = boost::asio::cancellation_slot;
    cancellation_slot_type get_cancellation_slot() const noexcept {
      if (Stop == stop_kind::none || !m_self->m_stop.token.stop_possible()) return {};
      return m_self->m_signal.slot();
    }

    template <class... A>
    void operator()(A&&... args) {
      async_awaiter* self = m_self;  // complete() may resume the coroutine: `this` is Asio's, gone after
      self->m_core.complete([&] { self->m_result.set(std::forward<A>(args)...); });
    }

   private:
    async_awaiter* m_self;
  };

  boost::asio::any_io_executor stop_executor() const {
    if constexpr (Stop == stop_kind::on_initiation_executor) {
      // (Here, not on the class: Asio's completion_token_for names the class with an archetype initiation.)
      static_assert(initiation_with_executor<Initiation>,
                    "this operation does not say which executor it runs on: bind the I/O object's executor "
                    "with the stop token, e.g. volley::use_task(stop, stream.get_executor())");
      return m_initiation.get_executor();
    } else {
      return m_stop.executor;
    }
  }

  // Runs on the stop executor, where the operation's handlers run.
  static void emit_cancellation(void* self) noexcept {
    static_cast<async_awaiter*>(self)->m_signal.emit(boost::asio::cancellation_type::all);
  }

  Initiation m_initiation;
  std::tuple<Args...> m_args;
  stop_binding m_stop;
  completion_result<Signature> m_result;
  boost::asio::cancellation_signal m_signal;
  operation_core m_core;
};

}  // namespace volley::detail
