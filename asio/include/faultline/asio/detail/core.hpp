#pragma once
/// The adapter's bookkeeping, free of Asio: coroutines, await points, faults in flight and the
/// operations a coroutine waits on. Everything is per OS thread (faultline's sink is), so an
/// io_context run on another thread is simply not hooked.
#include <cstddef>
#include <cstdint>
#include <exception>

#include <faultline/asio/tracking.hpp>
#include <faultline/hook.hpp>

namespace faultline::asio_detail {

/// True while a faultline run is on this thread: every hook below returns at once otherwise.
inline bool active() noexcept { return faultline::detail::current_sink != nullptr; }

/// What the adapter needs of a coroutine's cancellation state, given by instrument.hpp.
struct state_access {
  void* impl = nullptr;                              ///< the state's private impl (null: no slot)
  void (*emit)(void* impl, bool mark_cancelled) = nullptr;  ///< emit terminal on its signal
  bool (*cancelled)(void* impl) = nullptr;           ///< the state says cancelled
};

/// Queues `work(arg)` on the executor of coroutine thread `thread` (instrument.hpp knows how).
using post_fn = void (*)(void* thread, void (*work)(std::size_t), std::size_t arg);

/// A co_await began in coroutine frame `entry` (its bottom frame, stable for its life), in the
/// coroutine whose resume function is `resume`, on coroutine thread `thread`. `post` queues the
/// faults that act while the operation is pending on that thread's executor (used only then).
/// The await point is hooked here when `site` has a location (use_awaitable_t<>() at the call),
/// else when its operation is created (asio::use_awaitable, whose site is the operation's name).
void begin_await(const void* entry, const void* resume, const source_site& site, const state_access& state,
                 void* thread, post_fn post) noexcept;
/// While it lives, the coroutine "thread" whose entry frame is `entry` runs (Asio resumed it):
/// it is the current coroutine, whatever invocation resumed it. `resume` is the resume function
/// of the frame about to run, which names a coroutine that has no name yet.
class running_scope {
 public:
  running_scope(const void* entry, const void* resume) noexcept;
  ~running_scope();
  running_scope(const running_scope&) = delete;
  running_scope& operator=(const running_scope&) = delete;

 private:
  std::uint32_t previous_ = 0;
  bool set_ = false;
};

/// A step of co_spawn's own entry point (its first dispatch registers a new coroutine; its
/// last post ends one): not an await point.
void begin_spawn_step(const void* entry, const source_site& site, const state_access& state) noexcept;
/// The co_await's initiation returned (the operation started, or completed inline).
void end_location() noexcept;

/// An operation was created: stamps it with its coroutine and, if it is the first one a
/// co_await started, with that await point.
void stamp_op(tracked_op& op, const char* object_type, const char* op_name) noexcept;
/// The invocation is about to start. `ec` is the handler's error code if its first argument is
/// one (a fault may replace it), else null.
void begin_invocation(void* ec, void (*set_error)(void* ec, int which, int code)) noexcept;

/// A detached coroutine (co_spawn(..., detached)) ended; `error` is the exception that ended it.
void detached_end(const std::exception_ptr& error) noexcept;

/// Ends the adapter's run on this thread: operations neither invoked nor destroyed are counted
/// as never resolved. Called by the scenario glue after the program returned.
void end_run() noexcept;
/// Starts a run: forgets everything the last one left.
void begin_run() noexcept;

/// Error codes an injected fault makes an operation complete with.
enum injected_error_code { injected_throw = 1 };

}  // namespace faultline::asio_detail
