#pragma once
/// Force-included first into every source of a target built with faultline_instrument_asio():
/// the bodies of the handler-tracking hooks, which need Asio's types, and the two changes to
/// Asio's defaults a run needs. Outside a faultline run every hook returns at once.
#include <coroutine>
#include <cstring>
#include <cstddef>
#include <exception>
#include <new>
#include <tuple>
#include <type_traits>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/version.hpp>
#include <boost/system/error_code.hpp>

#include <faultline/asio/detail/core.hpp>

#if BOOST_ASIO_VERSION != 102600
#error "faultline's Asio adapter reaches into Asio 1.26 (Boost 1.81): check instrument.hpp against this version"
#endif

namespace faultline::asio_detail {

// NOTE: a coroutine's cancellation state keeps its signal private. Explicit instantiation may
// name a private member (C++ [temp.spec]/6), which is how the adapter reaches it to deliver a
// terminal cancellation exactly as the state's own parent slot would (mark it, emit it).
struct state_impl_tag {
  friend auto state_impl_member(state_impl_tag);
};
template <auto Member>
struct state_impl_access {
  friend auto state_impl_member(state_impl_tag) { return Member; }
};
template struct state_impl_access<&boost::asio::cancellation_state::impl_>;

inline auto* state_impl(boost::asio::cancellation_state s) noexcept { return s.*state_impl_member(state_impl_tag{}); }
using state_impl_type = std::remove_pointer_t<decltype(state_impl(boost::asio::cancellation_state{}))>;

/// Where a slot's handler object keeps the handler it was given (a state's impl lives there).
inline std::ptrdiff_t handler_offset() noexcept {
  struct same_layout {  // where handler_ lies depends only on the handler's alignment
    alignas(state_impl_type) unsigned char bytes[sizeof(state_impl_type)];
    void operator()(boost::asio::cancellation_type_t) {}
  };
  using holder = boost::asio::detail::cancellation_handler<same_layout>;
  static const std::ptrdiff_t offset = [] {
    alignas(holder) unsigned char storage[sizeof(holder)];
    auto* h = new (storage) holder(sizeof(holder));
    auto* base = static_cast<boost::asio::detail::cancellation_handler_base*>(h);
    std::ptrdiff_t o = reinterpret_cast<unsigned char*>(&h->handler()) - reinterpret_cast<unsigned char*>(base);
    base->destroy();
    return o;
  }();
  return offset;
}

inline state_access access_of(boost::asio::cancellation_state s) noexcept {
  state_access a;
  a.impl = state_impl(s);
  a.emit = [](void* impl, bool mark_cancelled) {
    auto* p = static_cast<state_impl_type*>(impl);
    if (!mark_cancelled) {  // a throw: only ends the pending operation early
      p->signal_.emit(boost::asio::cancellation_type::terminal);
      return;
    }
    // NOTE: a state's impl is the handler its parent slot holds: calling it as the parent's
    // signal does applies the program's filters (disable_cancellation included), marks the
    // state and passes the cancellation on to the pending operation.
    auto* handler = reinterpret_cast<boost::asio::detail::cancellation_handler_base*>(
        static_cast<unsigned char*>(impl) - handler_offset());
    handler->call(boost::asio::cancellation_type::terminal);
  };
  a.cancelled = [](void* impl) { return static_cast<state_impl_type*>(impl)->cancelled_ != boost::asio::cancellation_type::none; };
  return a;
}

/// The category of the error an injected `throw` makes an operation fail with.
const boost::system::error_category& injected_category() noexcept;
/// A cancellation slot of a signal that lives until the run ends (co_spawn(..., detached)).
boost::asio::cancellation_slot detached_spawn_slot() noexcept;

/// A coroutine frame's caller (a protected member: a pointer to it taken through a derived class
/// is an ordinary pointer to the base's member).
template <typename Frame>
struct frame_peek : Frame {
  static auto caller() { return &frame_peek::caller_; }
};

/// The executors of the co_awaits under way on this thread, innermost last.
template <typename Executor>
std::vector<Executor>& executor_stack() noexcept {
  thread_local std::vector<Executor> stack;
  return stack;
}

template <typename Frame>
location_scope::location_scope(Frame* frame, source_site site) : frame_scope_(false) {
  if (!active()) [[likely]] return;
  auto* thread = frame->detach_thread();  // NOTE: the frame's public way to its thread; put back at once
  frame->attach_thread(thread);
  state_access state = access_of(thread->get_cancellation_state());
  frame_scope_ = true;
  if (site.function != nullptr && std::strcmp(site.function, "co_spawn_entry_point") == 0) {
    begin_spawn_step(thread->entry_point(), site, state);
    return;
  }
  // NOTE: the awaiting coroutine's resume function names it (every coroutine frame starts with
  // it, the ABI GCC and Clang share); asio::use_awaitable itself carries no source location.
  // `frame` is use_awaitable's own initiating coroutine: the program's is the one that called it.
  Frame* awaiting = frame->*frame_peek<Frame>::caller();
  if (awaiting == nullptr) awaiting = frame;
  void* resume = *static_cast<void**>(std::coroutine_handle<Frame>::from_promise(*awaiting).address());
  // NOTE: the initiation moves the thread into the operation's handler: the executor a fault
  // is posted on is kept here, for the scope's life (a copy of an io_context's executor does not
  // allocate), and reached by its index (nested scopes push more).
  using executor_type = decltype(thread->get_executor());
  auto& executors = executor_stack<executor_type>();
  executors.push_back(thread->get_executor());
  pop_executor_ = []() noexcept { executor_stack<executor_type>().pop_back(); };
  void* index = reinterpret_cast<void*>(executors.size() - 1);
  begin_await(thread->entry_point(), resume, site, state, index, [](void* at, void (*work)(std::size_t), std::size_t arg) {
    boost::asio::post(executor_stack<executor_type>()[reinterpret_cast<std::size_t>(at)], [work, arg] { work(arg); });
  });
}

inline location_scope::~location_scope() {
  if (frame_scope_) end_location();
  if (pop_executor_ != nullptr) pop_executor_();
}

template <typename Context, typename Op>
void on_creation(Context&, Op& op, const char* object_type, const void*, std::uintmax_t, const char* op_name) noexcept {
  if (!active()) [[likely]] return;
  stamp_op(op, object_type, op_name);
}

template <typename... Args>
void on_invocation_begin(Args&... args) noexcept {
  if (!active()) [[likely]] return;
  void* ec = nullptr;
  if constexpr (sizeof...(Args) > 0) {
    auto& first = std::get<0>(std::tie(args...));
    if constexpr (std::is_same_v<std::remove_reference_t<decltype(first)>, boost::system::error_code>) ec = &first;
  }
  begin_invocation(ec, [](void* p, int which, int code) {
    auto& e = *static_cast<boost::system::error_code*>(p);
    e = which == 0 ? boost::system::error_code(boost::asio::error::operation_aborted)
                   : boost::system::error_code(code, injected_category());
  });
}

}  // namespace faultline::asio_detail

namespace boost::asio {

/// In a run, every co_spawn(..., detached) gets a cancellation slot, as if the program had
/// bound one: without it Asio gives the coroutine no cancellation state at all, and a terminal
/// cancellation could not reach it. Outside a run the slot is unconnected, as Asio's default.
template <typename CancellationSlot>
struct associated_cancellation_slot<detail::detached_handler, CancellationSlot> {
  typedef cancellation_slot type;
  static type get(const detail::detached_handler&, const CancellationSlot& = CancellationSlot()) noexcept {
    return ::faultline::asio_detail::detached_spawn_slot();
  }
};

namespace detail {
/// Every resumption of a coroutine "thread" goes through pump(): the one place that knows which
/// coroutine runs, whatever invocation resumed it (a parallel group's last branch resumes its
/// parent inside the branch's own completion). NOTE: the body is Asio 1.26's own, unchanged,
/// inside the adapter's scope; explicit specialization is the only way in (pump is private).
template <>
inline void awaitable_thread<any_io_executor>::pump() {
  using frame_type = awaitable_frame_base<any_io_executor>;
  frame_type* user = bottom_of_stack_.frame_->top_of_stack_;  // the program's outermost frame names it
  const void* bottom = bottom_of_stack_.frame_;
  while (user->*::faultline::asio_detail::frame_peek<frame_type>::caller() != nullptr &&
         static_cast<const void*>(user->*::faultline::asio_detail::frame_peek<frame_type>::caller()) != bottom)
    user = user->*::faultline::asio_detail::frame_peek<frame_type>::caller();
  ::faultline::asio_detail::running_scope running(
      bottom, *static_cast<void**>(std::coroutine_handle<frame_type>::from_promise(*user).address()));
  do
    bottom_of_stack_.frame_->top_of_stack_->resume();
  while (bottom_of_stack_.frame_ && bottom_of_stack_.frame_->top_of_stack_);

  if (bottom_of_stack_.frame_) {
    awaitable<awaitable_thread_entry_point, any_io_executor> a(std::move(bottom_of_stack_));
    a.frame_->rethrow_exception();
  }
}

/// A void coroutine spawned detached ended: how (normally, cancelled, or by an exception that
/// Asio's detached would drop) is what the lost-exception and swallowed-cancel oracles judge.
template <>
inline void detached_handler::operator()<std::exception_ptr>(std::exception_ptr error) {
  ::faultline::asio_detail::detached_end(error);
}
}  // namespace detail

}  // namespace boost::asio
