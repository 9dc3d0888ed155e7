#pragma once
/// rt::Runtime: the event loop. Owns the tasks, the (virtual or real) clock, signal handling
/// and graceful shutdown, and turns how the program ended into a process exit status.
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <faultline/observer.hpp>
#include <rt/detail/ref.hpp>
#include <rt/detail/task_state.hpp>
#include <rt/task.hpp>

namespace rt {

namespace detail {
/// A CancelHook for operations that simply resume the waiting task (it then raises Cancelled):
/// `ctx` is the TaskState.
void wake_on_cancel(void* ctx);
}  // namespace detail

/// Switches that bring back asyncio's historical behaviour, one per seed trap that lives in a
/// runtime. All off by default: rt's defaults are the fixed behaviour.
struct Flaws {
  bool unretrieved_exit_zero = false;        ///< an exception nobody retrieved leaves status 0 (seed 000)
  bool shutdown_cancels_all = false;         ///< shutdown cancels protected and shielded work too (seed 002)
  bool threadsafe_drops_exit = false;        ///< submit's future never resolves if the coroutine exits (seed 003)
  bool close_before_executor = false;        ///< the loop closes before to_thread work finishes (seed 004)
  bool spawn_in_shutdown_destroyed = false;  ///< a task spawned during shutdown is destroyed pending (seed 004)
};

/// Deterministic: one thread, virtual clock, instant deadlock report. Real time: real clock.
enum class Mode { deterministic, real_time };

/// How a signal-driven shutdown ends the process.
enum class SignalPolicy { reraise, exit_128_plus };

/// Runtime settings.
struct Options {
  Mode mode = Mode::deterministic;                   ///< clock and scheduling mode
  SignalPolicy signal_policy = SignalPolicy::reraise;  ///< re-raise S, or exit with 128+S
  std::chrono::nanoseconds grace_period = std::chrono::seconds(30);  ///< shutdown's bound on protected work
  std::chrono::milliseconds io_settle = std::chrono::milliseconds(20);  ///< deterministic mode: real wait for I/O or threads before the virtual clock jumps
  bool handle_signals = true;                        ///< install SIGINT/SIGTERM/SIGHUP handlers
  Flaws flaws{};                                     ///< asyncio behaviours to bring back
};

class Runtime {
 public:
  explicit Runtime(Options options = {});
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  /// Runs `main` to completion, then shuts down gracefully: unprotected tasks are cancelled,
  /// protected ones get the grace period, thread work is awaited. Returns the exit status:
  /// main's value; an escaped ExitRequest's code; 1 for an unhandled or never-retrieved error.
  /// After a signal S it re-raises S (through faultline's seam) or returns 128+S by policy.
  int run(Task<int> main);

  /// The runtime running on this thread, or nullptr.
  static Runtime* current() noexcept;
  const Options& options() const noexcept { return options_; }
  /// Nanoseconds on the runtime's clock (virtual in deterministic mode, starting at 0).
  std::int64_t now_ns() const noexcept;
  bool shutting_down() const noexcept { return shutting_down_; }
  /// Starts a graceful shutdown as if `signo` had arrived.
  void request_signal_shutdown(int signo) noexcept;

  // ---- for rt's primitives ------------------------------------------------------------
  detail::TaskState* current_task() const noexcept { return current_; }
  /// Makes `t` runnable if it is still waiting on the operation that captured `generation`.
  void wake(detail::TaskState& t, std::uint64_t generation) noexcept;
  /// Wakes `t` (current generation) when the clock reaches `deadline_ns`.
  void add_timer(std::int64_t deadline_ns, detail::TaskState& t);
  /// Registers a new task and schedules its first step (or, with the spawn-in-shutdown flaw
  /// on, never runs it).
  void adopt(detail::TaskState& t);
  void task_finished(detail::TaskState& t) noexcept;
  void protect(detail::TaskState& t);
  /// The current task raised an ExitRequest: until the task ends, a signal waits for it
  /// (asyncio: a SystemExit already propagating beats a signal callback).
  void exit_raised(detail::TaskState& t) noexcept;
  /// A faultline signal fault for `ordinal` is about to be raised (see detail::signal_fault_raised).
  void signal_fault_raised(std::uint64_t ordinal) noexcept;
  faultline::RuntimeObserver* observer() const noexcept { return observer_; }
  std::uint64_t next_id() noexcept { return ++last_id_; }
  struct Io;
  /// Asio side: io_context, threads, the gate that foreign threads post through.
  Io& io();

 private:
  enum class Phase { running, shutdown };
  struct Timer {
    std::int64_t deadline_ns;
    std::uint64_t seq;
    detail::TaskState* task;
    std::uint64_t generation;
  };
  void loop(Phase phase);
  bool phase_done(Phase phase) const noexcept;
  bool advance_clock(Phase phase);
  void run_ready();
  void poll_external(bool may_block, std::int64_t until_ns);
  void begin_shutdown();
  void finish_shutdown();
  void report_deadlock();
  void take_pending_signal() noexcept;
  void note_task_exit(detail::TaskState& t) noexcept;
  int exit_status() const;
  void install_signals();
  void restore_signals();

  Options options_;
  faultline::RuntimeObserver* observer_;
  Runtime* previous_current_;
  std::deque<detail::TaskState*> ready_;
  std::vector<Timer> timers_;  // a min-heap on (deadline, seq)
  std::uint64_t timer_seq_ = 0;
  std::uint32_t busy_passes_ = 0;
  std::int64_t virtual_now_ns_ = 0;
  std::int64_t grace_deadline_ns_ = 0;
  std::int64_t real_epoch_ns_ = 0;
  detail::TaskState* current_ = nullptr;
  detail::TaskState* live_head_ = nullptr;
  detail::TaskState* live_tail_ = nullptr;
  std::size_t live_count_ = 0;
  std::size_t exits_in_flight_ = 0;
  // Tasks never started (spawn-in-shutdown flaw) and tasks that ended with an error, kept
  // to report them destroyed pending or to check that their error was retrieved.
  std::vector<detail::Ref<detail::TaskState>> held_;
  detail::TaskState* main_ = nullptr;
  std::uint64_t last_id_ = 0;
  bool shutting_down_ = false;
  // What ended the run; the first cause wins.
  faultline::ShutdownCause cause_ = faultline::ShutdownCause::main_returned;
  bool cause_set_ = false;
  int cause_detail_ = 0;
  std::uint64_t signal_fault_ordinal_ = 0;  // the fault that raised the pending signal, if one did
  int main_status_ = 0;
  bool unretrieved_error_ = false;
  bool deadlocked_ = false;
  std::unique_ptr<Io> io_;
  std::vector<int> installed_signals_;
};

}  // namespace rt
