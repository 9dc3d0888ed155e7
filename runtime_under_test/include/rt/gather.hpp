#pragma once
/// rt::gather (asyncio.gather), rt::wait (asyncio.wait) and rt::wait_for (asyncio.wait_for).
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <rt/handle.hpp>
#include <rt/runtime.hpp>

namespace rt {

/// When rt::wait returns.
enum class WaitMode { all_completed, first_completed, first_exception };

/// rt::wait's answer: the handles that finished and those still running.
template <class T>
struct WaitResult {
  std::vector<Handle<T>> done;
  std::vector<Handle<T>> pending;
};

namespace detail {

/// Waits until a condition over a set of tasks holds (or a timeout), waking the awaiting task.
class SetAwaiter {
 public:
  enum class Until { all_done, first_done, first_error, gather };
  SetAwaiter(std::vector<Ref<TaskState>> tasks, Until until, std::int64_t timeout_ns, bool cancel_children)
      : shared_(std::make_shared<Shared>()), timeout_ns_(timeout_ns), cancel_children_(cancel_children) {
    shared_->tasks = std::move(tasks);
    shared_->until = until;
  }
  bool await_ready() const noexcept { return shared_->satisfied() || timeout_ns_ == 0; }
  void await_suspend(std::coroutine_handle<>) {
    Runtime& rt = *Runtime::current();
    TaskState& self = *rt.current_task();
    shared_->self = Ref<TaskState>(&self);
    shared_->generation = self.wait_generation;
    for (auto& t : shared_->tasks) {
      if (t->done) continue;
      t->on_done([s = shared_, t = t.get()] {
        if (s->first_failed == nullptr && t->error_kind != ErrorKind::none) s->first_failed = t;
        if (s->satisfied()) s->self->runtime.wake(*s->self, s->generation);
      });
    }
    if (timeout_ns_ > 0) rt.add_timer(rt.now_ns() + timeout_ns_, self);
    self.on_cancel = {&on_cancel, this};
  }
  void await_resume() const noexcept {}
  TaskState* first_failed() const noexcept { return shared_->first_failed; }
  const std::vector<Ref<TaskState>>& tasks() const noexcept { return shared_->tasks; }

 private:
  struct Shared {
    std::vector<Ref<TaskState>> tasks;
    Until until;
    Ref<TaskState> self;
    std::uint64_t generation = 0;
    TaskState* first_failed = nullptr;
    bool satisfied() const noexcept {
      bool all = true;
      for (auto& t : tasks) {
        if (!t->done) {
          all = false;
          continue;
        }
        if (until == Until::first_done) return true;
        if (until == Until::first_error && t->error_kind != ErrorKind::none && t->error_kind != ErrorKind::cancelled) return true;
        if (until == Until::gather && t->error_kind != ErrorKind::none) return true;
      }
      return all;
    }
  };
  static void on_cancel(void* ctx) {
    auto* me = static_cast<SetAwaiter*>(ctx);
    TaskState& self = *me->shared_->self;
    if (me->cancel_children_) {
      for (auto& t : me->shared_->tasks) t->cancel();
    }
    self.runtime.wake(self, self.wait_generation);
  }
  std::shared_ptr<Shared> shared_;
  std::int64_t timeout_ns_;
  bool cancel_children_;
};

template <class T>
std::vector<Ref<TaskState>> states_of(const std::vector<Handle<T>>& handles) {
  std::vector<Ref<TaskState>> out;
  out.reserve(handles.size());
  for (auto& h : handles) out.emplace_back(&h.state());
  return out;
}

template <class T>
class GatherAwaiter {
 public:
  explicit GatherAwaiter(std::vector<Handle<T>> handles)
      : handles_(std::move(handles)), set_(states_of(handles_), SetAwaiter::Until::gather, -1, true) {}
  bool await_ready() const noexcept { return set_.await_ready(); }
  void await_suspend(std::coroutine_handle<> h) { set_.await_suspend(h); }
  auto await_resume() {
    // The first failure (in completion order, else in argument order) propagates.
    TaskState* failed = set_.first_failed();
    for (auto& h : handles_)
      if (failed == nullptr && h.done() && h.state().error_kind != ErrorKind::none) failed = &h.state();
    if (failed != nullptr) {
      failed->error_retrieved = true;
      std::rethrow_exception(failed->error);
    }
    if constexpr (std::is_void_v<T>) {
      for (auto& h : handles_) h.result();
    } else {
      std::vector<T> out;
      out.reserve(handles_.size());
      for (auto& h : handles_) out.push_back(h.result());
      return out;
    }
  }

 private:
  std::vector<Handle<T>> handles_;
  SetAwaiter set_;
};

template <class T>
class WaitAwaiter {
 public:
  WaitAwaiter(std::vector<Handle<T>> handles, WaitMode mode, std::int64_t timeout_ns)
      : handles_(std::move(handles)),
        set_(states_of(handles_),
             mode == WaitMode::all_completed     ? SetAwaiter::Until::all_done
             : mode == WaitMode::first_completed ? SetAwaiter::Until::first_done
                                                 : SetAwaiter::Until::first_error,
             timeout_ns, false) {}
  bool await_ready() const noexcept { return set_.await_ready(); }
  void await_suspend(std::coroutine_handle<> h) { set_.await_suspend(h); }
  WaitResult<T> await_resume() {
    WaitResult<T> out;
    for (auto& h : handles_) (h.done() ? out.done : out.pending).push_back(h);
    return out;
  }

 private:
  std::vector<Handle<T>> handles_;
  SetAwaiter set_;
};

}  // namespace detail

/// asyncio.gather: waits for all handles and returns their results in order. The first error
/// (or cancellation) of any of them is raised at once; the others keep running. Cancelling the
/// awaiting task cancels all of them.
template <class T>
detail::GatherAwaiter<T> gather(std::vector<Handle<T>> handles) {
  return detail::GatherAwaiter<T>(std::move(handles));
}

/// asyncio.wait: waits per `mode` (and at most `timeout`, if given) and returns which handles
/// are done and which are pending. It never raises the tasks' errors — nor retrieves them
/// (seed 000). Cancelling the awaiting task does not cancel the handles.
template <class T>
detail::WaitAwaiter<T> wait(std::vector<Handle<T>> handles, WaitMode mode = WaitMode::all_completed,
                            std::optional<std::chrono::nanoseconds> timeout = std::nullopt) {
  return detail::WaitAwaiter<T>(std::move(handles), mode, timeout ? timeout->count() : -1);
}

namespace detail {
/// Keeps the first exit request or interrupt in `control` (they outrank everything) and the
/// first other error in `failure`; a Cancelled sets `cancelled`.
inline void note_exception(std::exception_ptr e, std::exception_ptr& control, std::exception_ptr& failure, bool& cancelled) {
  try {
    std::rethrow_exception(e);
  } catch (const Cancelled&) {
    cancelled = true;
  } catch (const ExitRequest&) {
    if (!control) control = e;
    else drop_error(e);
  } catch (const Interrupt&) {
    if (!control) control = e;
  } catch (...) {
    if (!failure) failure = e;
    else drop_error(e);
  }
}
}  // namespace detail

/// asyncio.wait_for: runs `work` as a task; on timeout cancels it, waits for it to finish and
/// raises rt::Timeout. Whatever interrupts the wait (the awaiting task's cancellation, or an
/// error) the work is cancelled and awaited first, so it never outlives the call; an outer
/// cancellation is re-raised as Cancelled, never turned into something else.
template <class T>
Task<T> wait_for(Task<T> work, std::chrono::nanoseconds timeout, std::string name = "wait_for") {
  Handle<T> h = spawn(std::move(work), std::move(name));
  // NOTE: the vector is a named local: GCC 12 miscompiles initializer lists inside co_await.
  std::vector<Handle<T>> just_h(1, h);
  bool outer_cancelled = false;
  std::exception_ptr control, failure;
  try {
    co_await wait(just_h, WaitMode::all_completed, timeout);
  } catch (...) {
    detail::note_exception(std::current_exception(), control, failure, outer_cancelled);
  }
  bool timed_out = !h.done() && !outer_cancelled && !control && !failure;
  if (!h.done()) {
    h.cancel();
    while (!h.done()) {
      try {
        co_await wait(just_h);
      } catch (...) {
        detail::note_exception(std::current_exception(), control, failure, outer_cancelled);
      }
    }
  }
  // NOTE: whatever wait_for raises other than the work's own outcome consumes that outcome:
  // the work's error is dropped (and reported superseded if a fault raised it), never left
  // behind as an error nobody retrieved.
  auto consume_work_error = [&h] {
    if (h.done() && h.state().error_kind == detail::ErrorKind::other) {
      h.state().error_retrieved = true;
      detail::drop_error(h.state().error);
    }
  };
  if (control || outer_cancelled) {
    // An exit request or the caller's cancellation wins over any error met meanwhile, as
    // documented above: the errors it drops (an injected one included) are never seen.
    detail::drop_error(failure);
    consume_work_error();
    if (control) std::rethrow_exception(control);
    throw Cancelled{};
  }
  if (failure) {
    consume_work_error();
    std::rethrow_exception(failure);
  }
  if (timed_out && h.cancelled()) {
    (void)h.exception();
    throw Timeout();
  }
  if constexpr (std::is_void_v<T>) {
    h.result();
  } else {
    co_return h.result();
  }
}

}  // namespace rt
