#pragma once
/// Runtime events for oracles: a runtime under test reports its lifecycle here, so the harness
/// never needs to know its internals. Free of Asio. Every method has an empty default.
#include <cstdint>

namespace faultline {

/// How a task ended.
enum class TaskEnd : std::uint8_t { value, error, cancelled };

/// Why a runtime began shutting down.
enum class ShutdownCause : std::uint8_t { main_returned, exit_request, signal, deadlock };

/// Receives a runtime's events. Calls come from the runtime's thread, except
/// `posted_after_close`, which may come from any thread.
class RuntimeObserver {
 public:
  virtual void task_created(std::uint64_t /*task_id*/, const char* /*name*/) {}
  virtual void task_finished(std::uint64_t /*task_id*/, TaskEnd /*how*/) {}
  /// A task was destroyed while still pending; `waiting_at` is its await site or "".
  virtual void task_destroyed_pending(std::uint64_t /*task_id*/, const char* /*name*/,
                                      const char* /*waiting_at*/) {}
  /// A task was cancelled, did not call uncancel, and still ended normally.
  virtual void cancel_swallowed(std::uint64_t /*task_id*/, const char* /*name*/) {}
  /// A task ended by an exception that nobody will ever see (Asio's co_spawn(..., detached)
  /// drops it); `waiting_at` is its last await site, `what` the exception's text.
  virtual void exception_lost(std::uint64_t /*task_id*/, const char* /*name*/, const char* /*waiting_at*/,
                              const char* /*what*/) {}
  virtual void future_created(std::uint64_t /*future_id*/) {}
  virtual void future_resolved(std::uint64_t /*future_id*/) {}
  virtual void protected_begun(std::uint64_t /*task_id*/, const char* /*name*/) {}
  virtual void protected_committed(std::uint64_t /*task_id*/) {}
  /// A protected task was still running when the grace period ended and was cut.
  virtual void protected_cut(std::uint64_t /*task_id*/, const char* /*name*/) {}
  virtual void shutdown_began(ShutdownCause /*cause*/, int /*detail*/) {}
  virtual void shutdown_ended(int /*exit_status*/) {}
  /// Work arrived for a loop that was already closed (asyncio's "Event loop is closed").
  virtual void posted_after_close(const char* /*what*/) {}
  /// Nothing can make progress; `report` names every pending task and its await site.
  virtual void deadlock(const char* /*report*/) {}
  /// The runtime's clock jumped to `now_ns` (virtual time): lets the harness stop a run that
  /// keeps sleeping and retrying forever without waiting for the wall-clock watchdog.
  virtual void clock_advanced(std::int64_t /*now_ns*/) {}

 protected:
  ~RuntimeObserver() = default;
};

namespace detail {
inline constinit thread_local RuntimeObserver* current_observer = nullptr;
}  // namespace detail

/// The observer for runtimes created on this thread, or nullptr.
inline RuntimeObserver* observer() noexcept { return detail::current_observer; }

/// Installs `o` for the calling thread for this object's lifetime.
class ScopedObserver {
 public:
  explicit ScopedObserver(RuntimeObserver* o) noexcept : previous_(detail::current_observer) {
    detail::current_observer = o;
  }
  ~ScopedObserver() { detail::current_observer = previous_; }
  ScopedObserver(const ScopedObserver&) = delete;
  ScopedObserver& operator=(const ScopedObserver&) = delete;

 private:
  RuntimeObserver* previous_;
};

}  // namespace faultline
