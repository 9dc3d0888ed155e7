#pragma once
/// rt::spawn and rt::Handle<T>: a task of its own (asyncio.create_task) and the handle to
/// cancel it, ask whether it is done, or await its result.
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <rt/detail/ref.hpp>
#include <rt/runtime.hpp>
#include <rt/task.hpp>

namespace rt {

namespace detail {

template <class T>
class TaskStateOf final : public TaskState {
 public:
  TaskStateOf(Runtime& runtime, std::string name, Task<T> task)
      : TaskState(runtime, std::move(name)), task_(std::move(task)) {
    task_.handle().promise().owner = this;
  }
  void destroy_frame() noexcept override { task_.reset(); }
  void release_frame() noexcept override {
    if (!task_.handle()) return;
    if constexpr (!std::is_void_v<T>) {
      auto& promise = task_.handle().promise();
      if (!promise.error && promise.value) value_.emplace(std::move(*promise.value));
    }
    task_.reset();
  }
  std::coroutine_handle<> root() const noexcept override { return task_.handle(); }
  /// The result; the task's own error (which may differ from the coroutine's, e.g. a task
  /// cancelled before its first step) is authoritative.
  T take() {
    error_retrieved = true;
    if (error) std::rethrow_exception(error);
    if constexpr (!std::is_void_v<T>) {
      if (!value_) throw InvalidState("rt::Handle: the task has no result");
      if constexpr (std::is_copy_constructible_v<T>) return *value_;
      else return std::move(*value_);
    }
  }

 private:
  Task<T> task_;
  std::optional<std::conditional_t<std::is_void_v<T>, bool, T>> value_;
};

/// Awaits another task's end. Cancelling the awaiting task cancels the awaited one too (asyncio
/// semantics) unless `shielded`, in which case the awaiting task resumes at once with Cancelled.
class DoneAwaiter {
 public:
  DoneAwaiter(TaskState& target, bool shielded) : target_(&target), shielded_(shielded) {}
  bool await_ready() const noexcept { return target_->done; }
  void await_suspend(std::coroutine_handle<>) {
    Runtime& rt = target_->runtime;
    TaskState* self = rt.current_task();
    std::uint64_t generation = self->wait_generation;
    target_->on_done([self_ref = Ref<TaskState>(self), generation] {
      self_ref->runtime.wake(*self_ref, generation);
    });
    self->on_cancel = {shielded_ ? &wake_self : &cancel_target, this};
    self_ = self;
  }
  void await_resume() const noexcept {}

 private:
  static void cancel_target(void* ctx) { static_cast<DoneAwaiter*>(ctx)->target_->cancel(); }
  static void wake_self(void* ctx) {
    auto* me = static_cast<DoneAwaiter*>(ctx);
    me->self_->runtime.wake(*me->self_, me->self_->wait_generation);
  }
  Ref<TaskState> target_;
  bool shielded_;
  TaskState* self_ = nullptr;
};

template <class T>
class HandleAwaiter {
 public:
  HandleAwaiter(Ref<TaskStateOf<T>> state, bool shielded)
      : state_(std::move(state)), done_(*state_, shielded) {}
  bool await_ready() const noexcept { return done_.await_ready(); }
  void await_suspend(std::coroutine_handle<> h) { done_.await_suspend(h); }
  T await_resume() { return state_->take(); }

 private:
  Ref<TaskStateOf<T>> state_;
  DoneAwaiter done_;
};

}  // namespace detail

/// A spawned task. Copyable; the task runs whether or not a handle is kept.
template <class T>
class Handle {
 public:
  Handle() = default;
  explicit Handle(detail::Ref<detail::TaskStateOf<T>> state) : state_(std::move(state)) {}

  /// Requests cancellation: Cancelled is raised at the task's current or next await point.
  /// Returns false if the task had already finished.
  bool cancel() const noexcept { return state_->cancel(); }
  bool done() const noexcept { return state_->done; }
  /// True once the task has ended by Cancelled.
  bool cancelled() const noexcept { return state_->done && state_->error_kind == detail::ErrorKind::cancelled; }
  /// The task's result; rethrows its exception. Throws InvalidState before it is done.
  T result() const {
    if (!state_->done) throw InvalidState("rt::Handle::result: the task is not done");
    return state_->take();
  }
  /// The task's exception without rethrowing it (nullptr if none); marks it retrieved.
  std::exception_ptr exception() const {
    if (!state_->done) throw InvalidState("rt::Handle::exception: the task is not done");
    state_->error_retrieved = true;
    return state_->error;
  }
  std::uint64_t id() const noexcept { return state_->id; }
  const std::string& name() const noexcept { return state_->name; }
  /// Awaiting yields the result or rethrows; cancelling the awaiter cancels this task too.
  detail::HandleAwaiter<T> operator co_await() const { return {state_, false}; }
  detail::TaskState& state() const noexcept { return *state_; }
  detail::Ref<detail::TaskStateOf<T>> ref() const noexcept { return state_; }

 private:
  detail::Ref<detail::TaskStateOf<T>> state_;
};

/// Starts `task` as a task of its own on the current runtime (asyncio.create_task).
/// During shutdown the task is started already cancelled and awaited by the shutdown,
/// never leaked (unless the spawn_in_shutdown_destroyed flaw is on).
template <class T>
Handle<T> spawn(Task<T> task, std::string name = "task") {
  Runtime* rt = Runtime::current();
  if (rt == nullptr) throw RuntimeClosed();
  detail::Ref<detail::TaskStateOf<T>> state(new detail::TaskStateOf<T>(*rt, std::move(name), std::move(task)));
  rt->adopt(*state);
  return Handle<T>(std::move(state));
}

/// Marks `h` as protected work: shutdown does not cancel it and gives it the grace period to
/// finish; one still running at the end of the grace period is cut and reported.
template <class T>
const Handle<T>& protect(const Handle<T>& h) {
  h.state().runtime.protect(h.state());
  return h;
}

/// Protects the calling task itself (seed 002: protect main, or cancelling it at shutdown
/// cancels everything it gathers).
inline void protect_current_task() {
  Runtime* rt = Runtime::current();
  if (rt != nullptr && rt->current_task() != nullptr) rt->protect(*rt->current_task());
}

/// asyncio.shield: awaiting yields `h`'s result; cancelling the awaiter does not cancel `h`.
/// Shield does not protect `h` from shutdown: use rt::protect for that (seed 002).
template <class T>
detail::HandleAwaiter<T> shield(const Handle<T>& h) {
  return {h.ref(), true};
}

/// Marks the current task's pending cancellation as handled on purpose (Task.uncancel).
inline void uncancel() {
  Runtime* rt = Runtime::current();
  if (rt != nullptr && rt->current_task() != nullptr) rt->current_task()->uncancel();
}

/// True once the current runtime has begun its graceful shutdown.
inline bool shutting_down() {
  Runtime* rt = Runtime::current();
  return rt != nullptr && rt->shutting_down();
}

/// Number of cancel requests on the current task not matched by uncancel.
inline int cancelling() {
  Runtime* rt = Runtime::current();
  return (rt != nullptr && rt->current_task() != nullptr) ? rt->current_task()->cancelling() : 0;
}

}  // namespace rt
