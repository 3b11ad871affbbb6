// The awaiter behind volley::use_task and volley::use_outcome (and the HTTP
// client's timed operations): an Asio operation, initiated when the awaiting
// coroutine suspends.
#pragma once

#include <coroutine>
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

template <class Initiation>
concept initiation_with_executor = requires(const Initiation& initiation) {
  { initiation.get_executor() };
};

// A Binding says how the operation is stopped:
//   bool stop_possible() const, bool stop_requested() const;
//   template <class Initiation> void bind(operation_core&, const Initiation&,
//       boost::asio::cancellation_signal&) const: sets the core's stop action
//       (and deadline), called when the operation is about to start;
//   static constexpr bool uses_slot: the handler's cancellation slot is the signal's.
// A Mode turns the result into what `co_await` yields:
//   static auto take(completion_result<Signature>&, const operation_core&).
template <class Mode, class Binding, class Signature, class Initiation, class... Args>
class async_awaiter {
 public:
  using result_type =
      decltype(Mode::take(std::declval<completion_result<Signature>&>(), std::declval<const operation_core&>()));

  template <class I, class... A>
  async_awaiter(Binding binding, I&& initiation, A&&... args)
      : m_initiation(std::forward<I>(initiation)), m_args(std::forward<A>(args)...), m_binding(std::move(binding)) {}

  // Movable until awaited (Asio returns it through its initiating function).
  async_awaiter(async_awaiter&& other) noexcept(std::is_nothrow_move_constructible_v<Initiation> &&
                                                std::is_nothrow_move_constructible_v<std::tuple<Args...>> &&
                                                std::is_nothrow_move_constructible_v<Binding>)
      : m_initiation(std::move(other.m_initiation)), m_args(std::move(other.m_args)), m_binding(std::move(other.m_binding)) {}
  async_awaiter(const async_awaiter&) = delete;
  async_awaiter& operator=(const async_awaiter&) = delete;
  async_awaiter& operator=(async_awaiter&&) = delete;

  // Stopped already: nothing is started, and the coroutine does not suspend.
  bool await_ready() {
    if (!m_binding.stop_requested()) return false;
    m_result.set_not_started();
    return true;
  }

  bool await_suspend(std::coroutine_handle<> awaiting) {
    m_binding.bind(m_core, m_initiation, m_signal);
    const bool suspended = m_core.start(awaiting, [this] {
      std::apply([this](auto&... args) { std::move(m_initiation)(handler{this}, std::move(args)...); }, m_args);
    });
    if (!suspended) m_result.set_not_started();
    return suspended;
  }

  result_type await_resume() {
    m_core.finish();
    return Mode::take(m_result, m_core);
  }

 private:
  // The completion handler Asio gets: it stores the arguments, and its
  // cancellation slot is the one a stop request emits on.
  class handler {
   public:
    explicit handler(async_awaiter* self) noexcept : m_self(self) {}

    using cancellation_slot_type = boost::asio::cancellation_slot;
    cancellation_slot_type get_cancellation_slot() const noexcept {
      if (!Binding::uses_slot || !m_self->m_binding.stop_possible()) return {};
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

  Initiation m_initiation;
  std::tuple<Args...> m_args;
  Binding m_binding;
  completion_result<Signature> m_result;
  boost::asio::cancellation_signal m_signal;
  operation_core m_core;
};

// How volley::use_task(stop) finds the executor to emit cancellation on.
enum class stop_kind { none, on_initiation_executor, on_given_executor };

// use_task's binding: no stop at all, or a stop token whose request emits
// cancellation_type::all on the handler's slot, on the operation's executor
// (the initiation's, or the one given), where the operation's own handlers run.
template <stop_kind Stop>
struct slot_binding {
  std::stop_token token;
  boost::asio::any_io_executor executor;  // for stop_kind::on_given_executor

  static constexpr bool uses_slot = Stop != stop_kind::none;
  bool stop_possible() const noexcept { return Stop != stop_kind::none && token.stop_possible(); }
  bool stop_requested() const noexcept { return Stop != stop_kind::none && token.stop_requested(); }

  template <class Initiation>
  void bind(operation_core& core, const Initiation& initiation, boost::asio::cancellation_signal& signal) const {
    if (!stop_possible()) return;
    core.on_stop(token, stop_executor(initiation), &emit_cancellation, &signal);
  }

 private:
  template <class Initiation>
  boost::asio::any_io_executor stop_executor(const Initiation& initiation) const {
    if constexpr (Stop == stop_kind::on_initiation_executor) {
      // (Here, not on the class: Asio's completion_token_for names the awaiter with an archetype initiation.)
      static_assert(initiation_with_executor<Initiation>,
                    "this operation does not say which executor it runs on: bind the I/O object's executor "
                    "with the stop token, e.g. volley::use_task(stop, stream.get_executor())");
      return initiation.get_executor();
    } else {
      return executor;
    }
  }

  // Runs on the stop executor.
  static void emit_cancellation(void* signal) noexcept {
    static_cast<boost::asio::cancellation_signal*>(signal)->emit(boost::asio::cancellation_type::all);
  }
};

}  // namespace volley::detail
