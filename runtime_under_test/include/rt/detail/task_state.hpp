#pragma once
/// The scheduled unit (asyncio.Task): identity, scheduling, cancellation and completion of one
/// spawned coroutine. Internal to rt.
#include <coroutine>
#include <cstdint>
#include <exception>
#include <functional>
#include <source_location>
#include <string>
#include <vector>

#include <faultline/observer.hpp>

namespace rt {
class Runtime;
}

namespace rt::detail {

enum class ErrorKind : std::uint8_t { none, cancelled, exit, interrupt, other };

/// What to do when the task is cancelled while suspended: set by the operation it waits on.
struct CancelHook {
  void (*fn)(void* ctx) = nullptr;
  void* ctx = nullptr;
  explicit operator bool() const noexcept { return fn != nullptr; }
};

class TaskState {
 public:
  TaskState(Runtime& runtime, std::string name);
  virtual ~TaskState();
  TaskState(const TaskState&) = delete;
  TaskState& operator=(const TaskState&) = delete;

  void add_ref() noexcept { ++refs_; }
  void release() noexcept { if (--refs_ == 0) delete this; }

  /// Requests cancellation (asyncio Task.cancel). Returns false if the task already finished.
  bool cancel() noexcept;
  /// Marks the pending cancellation as handled on purpose (asyncio Task.uncancel).
  void uncancel() noexcept;
  /// Number of cancel requests not matched by uncancel.
  int cancelling() const noexcept { return cancel_requests - uncancels; }
  /// Called by the root coroutine's final awaiter.
  void finish(ErrorKind kind, std::exception_ptr error) noexcept;
  /// Registers `fn` to run once the task finishes (at once if it has).
  void on_done(std::function<void()> fn);
  /// Rethrows the task's error, marking it retrieved; no-op when it ended with a value.
  void rethrow_if_error();
  /// Destroys the coroutine frame of a task that will never resume.
  virtual void destroy_frame() noexcept = 0;
  /// Moves the result out of the finished root coroutine and destroys its frame, so that
  /// nothing the frame holds (parameters such as queue handles) outlives the task.
  virtual void release_frame() noexcept = 0;
  /// The root coroutine to resume first.
  virtual std::coroutine_handle<> root() const noexcept = 0;

  // Identity.
  Runtime& runtime;
  std::uint64_t id;
  std::string name;
  // Scheduling: `resume_at` is the innermost suspended coroutine of this task.
  std::coroutine_handle<> resume_at;
  std::uint64_t wait_generation = 0;  ///< bumped at each wake-up; stale wake-ups are ignored
  bool scheduled = false;
  bool started = false;
  std::source_location waiting_site{};
  bool waiting = false;
  CancelHook on_cancel;
  // Cancellation.
  int cancel_requests = 0;
  int uncancels = 0;
  bool cancel_pending = false;  ///< requested, not yet delivered as Cancelled
  // Completion.
  bool done = false;
  ErrorKind error_kind = ErrorKind::none;
  std::exception_ptr error;
  bool error_retrieved = false;
  bool is_protected = false;
  bool exiting = false;  ///< an ExitRequest raised in this task may still be propagating
  std::vector<std::function<void()>> done_callbacks;
  // Runtime's list of live tasks, in creation order.
  TaskState* prev = nullptr;
  TaskState* next = nullptr;

 private:
  int refs_ = 0;
};

}  // namespace rt::detail
