#pragma once
/// The wrapper every `co_await` in an rt::Task goes through: it calls faultline's hook with the
/// await site and applies the fault it returns, at or after the awaited operation.
#include <coroutine>
#include <csignal>
#include <source_location>
#include <string>
#include <type_traits>
#include <utility>

#include <faultline/hook.hpp>
#include <rt/detail/task_state.hpp>
#include <rt/errors.hpp>

namespace rt::detail {

std::string describe_site(const std::source_location& site);
void exit_raised(TaskState& task) noexcept;
/// A signal fault is about to be raised in `task`: the runtime remembers its ordinal so that a
/// signal it then ignores (an exit already in flight won) is reported superseded.
void signal_fault_raised(TaskState& task, std::uint64_t ordinal) noexcept;

template <class Inner>
class Hooked {
 public:
  Hooked(Inner&& inner, TaskState* task, const std::source_location& site)
      : inner_(std::move(inner)), task_(task), site_(site) {}

  bool await_ready() {
    if (task_ == nullptr) return inner_.await_ready();
    faultline::FaultAction f = faultline::at_await_point(site_, task_->id, task_->name.c_str());
    if (f) [[unlikely]] {
      fault_ = f;
      return ready_slow();
    }
    if (task_->cancel_pending) [[unlikely]]
      return ready_slow();
    return inner_.await_ready();
  }

  template <class Promise>
  auto await_suspend(std::coroutine_handle<Promise> h) {
    suspended_ = true;
    if (task_ != nullptr) {
      task_->resume_at = h;
      task_->waiting_site = site_;
      task_->waiting = true;
    }
    using R = decltype(inner_.await_suspend(h));
    if constexpr (std::is_void_v<R>) {
      inner_.await_suspend(h);
      fault_while_suspended();
    } else if constexpr (std::is_same_v<R, bool>) {
      if (!inner_.await_suspend(h)) return false;
      fault_while_suspended();
      return true;
    } else {
      std::coroutine_handle<> next = inner_.await_suspend(h);
      fault_while_suspended();
      return next;
    }
  }

  using Result = decltype(std::declval<Inner&>().await_resume());

  Result await_resume() {
    if (task_ != nullptr) {
      if (suspended_) {
        task_->on_cancel = {};
        task_->waiting = false;
      }
      if (fault_.kind != faultline::FaultKind::none || skip_ || task_->cancel_pending) [[unlikely]]
        return resume_slow();
    }
    return inner_.await_resume();
  }

 private:
  // NOTE: the slow paths stay out of line so the common await (no fault, no cancellation)
  // inlines to a few loads and branches.
  [[gnu::noinline]] bool ready_slow() {
    if (task_->cancel_pending) return skip_op();
    if (fault_.timing == faultline::FaultTiming::at) {
      switch (fault_.kind) {
        case faultline::FaultKind::throw_error:
        case faultline::FaultKind::exit:
          return skip_op();
        default:
          break;
      }
    }
    if (!inner_.await_ready()) return false;
    // The operation is ready: an `at` fault arrives before its result is taken.
    if (fault_.timing == faultline::FaultTiming::at) {
      if (fault_.kind == faultline::FaultKind::cancel) {
        faultline::fault_took_effect(fault_);
        task_->cancel();
        return skip_op();
      }
      if (fault_.kind == faultline::FaultKind::signal) raise_signal();
    }
    return true;
  }

  [[gnu::noinline]] Result resume_slow() {
    bool at = fault_ && fault_.timing == faultline::FaultTiming::at;
    if (skip_) {
      if (task_->cancel_pending) deliver_cancel();  // the cancellation wins over the fault
      if (at) {  // at-throw / at-exit: the operation never ran
        faultline::fault_took_effect(fault_);
        throw_fault();
      }
    }
    // NOTE: a sub-task's return is not a suspension point of this task: a cancellation
    // still pending (it was pre-empted by a fault deeper down) waits for the next real await,
    // as in asyncio, instead of replacing the sub-task's own result.
    if (!kInline && task_->cancel_pending) deliver_cancel();  // the cancellation wins
    if (fault_ && !at && fault_.kind == faultline::FaultKind::signal) {
      // The signal arrives on resumption, after a successful operation only.
      if constexpr (std::is_void_v<Result>) {
        inner_.await_resume();
        apply_after_fault();
        return;
      } else if constexpr (std::is_reference_v<Result>) {
        Result result = inner_.await_resume();
        apply_after_fault();
        return static_cast<Result>(result);
      } else {
        Result result = inner_.await_resume();
        apply_after_fault();
        return result;
      }
    }
    if (fault_ && !at) apply_after_fault();
    return inner_.await_resume();
  }

  static constexpr bool kInline = requires { Inner::resumes_inline; };

  /// The operation completed and its effect stays (the item was dequeued, the bytes were
  /// sent); the fault hits on resumption, before the coroutine sees the result.
  void apply_after_fault() {
    if (fault_.kind == faultline::FaultKind::signal) {
      raise_signal();
      return;
    }
    // An operation that failed has no effect to keep: its own error (or the cancellation or
    // exit already under way) goes on, and the fault never fires.
    (void)inner_.await_resume();
    faultline::fault_took_effect(fault_);
    if (fault_.kind == faultline::FaultKind::cancel) {
      task_->cancel();
      deliver_cancel();
    }
    throw_fault();
  }

  bool skip_op() noexcept {
    skip_ = true;
    return true;
  }
  void fault_while_suspended() {
    if (!fault_ || fault_.timing != faultline::FaultTiming::at) return;
    if (fault_.kind == faultline::FaultKind::cancel) {
      faultline::fault_took_effect(fault_);
      task_->cancel();
    }
    if (fault_.kind == faultline::FaultKind::signal) raise_signal();
  }
  void raise_signal() {
    faultline::fault_took_effect(fault_);
    signal_fault_raised(*task_, fault_.ordinal);
    std::raise(fault_.arg);
  }
  [[noreturn]] void deliver_cancel() {
    task_->cancel_pending = false;
    throw Cancelled{};
  }
  void throw_fault() {
    if (fault_.kind == faultline::FaultKind::throw_error) throw InjectedError(describe_site(site_), fault_.ordinal);
    if (fault_.kind == faultline::FaultKind::exit) {
      exit_raised(*task_);
      throw ExitRequest{fault_.arg, fault_.ordinal};
    }
  }

  Inner inner_;
  TaskState* task_;
  std::source_location site_;
  faultline::FaultAction fault_{};
  bool skip_ = false;
  bool suspended_ = false;
};

}  // namespace rt::detail
