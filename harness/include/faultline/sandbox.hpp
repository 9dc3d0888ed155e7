#pragma once
/// Where runs happen (docs/architecture.md, "Where runs happen"). A Worker is a small process forked before
/// the campaign grows. In forked mode it forks one child per run (real exit status, real
/// signals, crashes contained, watchdog, rlimits, bounded output capture); in persistent mode
/// it runs schedules itself, in-process, and is replaced when a run crashes or hangs.
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include <faultline/run_record.hpp>
#include <faultline/scenario.hpp>
#include <faultline/schedule.hpp>

namespace faultline {

enum class ExecMode { forked, persistent };

/// How a run ended, as its supervisor saw it.
struct ProcessEnd {
  enum class Kind { exited, signaled, timed_out, lost, interrupted };
  Kind kind = Kind::exited;  ///< lost: no status could be had; interrupted: a stop request ended the wait (not a verdict)
  int value = 0;             ///< exit code or signal number
};

struct RunOutcome {
  ProcessEnd end;
  std::string output_tail;        ///< the last bytes of the run's stdout+stderr (forked mode)
  std::uint64_t output_bytes = 0;  ///< everything it wrote, kept or not
};

/// One run to do.
struct RunRequest {
  const Scenario* scenario = nullptr;
  std::vector<std::string> flaws;
  Schedule schedule;
  int timeout_ms = 2000;  ///< watchdog: a run taking longer is killed and reported hung
};

/// Runs `req` in the calling process: installs the recorder and the persistent seam and runs
/// the program. Returns the exit status; a signal the runtime would re-raise is put in the
/// record's `recorded_signal` instead. An exception escaping the program is caught here (the
/// last resort) and put in the record's `escaped`; the status is then 134, as after abort().
int run_in_this_process(const RunRequest& req, RunRecord& record, bool record_signal);

/// Bounds on a worker's resources (as libFuzzer's -rss_limit_mb and -malloc_limit_mb).
struct WorkerLimits {
  std::uint64_t memory_mb = 4096;         ///< address space of each run, in the persistent worker too (0 = none)
  std::uint64_t recycle_growth_mb = 512;  ///< a persistent worker whose RSS grew this much since its first run is replaced
  std::uint64_t recycle_after_runs = 0;   ///< a persistent worker is replaced after this many runs (0 = only on growth)
};

/// How much a persistent worker's memory grew: a program that leaks shows here, not in a verdict.
struct MemoryStats {
  std::uint64_t runs = 0;                 ///< persistent runs measured
  std::uint64_t grown_bytes = 0;          ///< RSS growth summed over every worker process, the live one included
  std::uint64_t peak_resident_bytes = 0;  ///< the largest RSS a worker reached
  std::uint64_t recycles = 0;             ///< workers replaced because they grew (or ran their quota)
};

class Worker {
 public:
  /// Starts the worker process. `output_limit` bounds the captured output tail.
  explicit Worker(ExecMode mode, std::size_t output_limit = 4096, WorkerLimits limits = {});
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  /// Runs `req` and waits for its end. The record is valid until the next run. A persistent
  /// run whose answer cannot be trusted (the worker died, or the program wrote on the
  /// protocol's pipe, or closed it) is run again in a forked child, which decides it.
  RunOutcome run(const RunRequest& req);
  /// A flag polled while waiting (e.g. set by SIGTERM): when it turns true the run is abandoned,
  /// the worker killed, and the outcome is `interrupted`.
  void set_stop_flag(const std::atomic<bool>* stop) noexcept { stop_ = stop; }
  const MemoryStats& memory() const noexcept { return memory_; }
  /// Runs whose persistent answer was not trusted and were decided in a forked child.
  std::uint64_t untrusted_answers() const noexcept { return untrusted_; }
  const RunRecord& record() const noexcept { return *record_; }
  ExecMode mode() const noexcept { return mode_; }
  /// Moves the worker process onto the CPUs the calling thread may run on (a campaign pins
  /// each of its threads; a paused share may resume on another thread).
  void follow_calling_thread() noexcept;
  /// The worker process's pid (-1 while none runs).
  pid_t pid() const noexcept { return pid_; }
  /// Worker processes started so far (1 + replacements after crashes and hangs).
  int starts() const noexcept { return starts_; }

 private:
  void start();
  void stop() noexcept;
  /// One request to the worker process; restarts it first if needed.
  RunOutcome ask(const RunRequest& req, bool fork_child, bool& trusted);
  void watch_memory(std::uint64_t resident_bytes);

  ExecMode mode_;
  std::size_t output_limit_;
  WorkerLimits limits_;
  RunRecord* record_;
  pid_t pid_ = -1;
  int to_worker_ = -1;
  int from_worker_ = -1;
  int starts_ = 0;
  std::uint32_t seq_ = 0;
  const std::atomic<bool>* stop_ = nullptr;
  MemoryStats memory_;
  std::uint64_t first_resident_ = 0;  // this worker process's RSS after its first run
  std::uint64_t runs_here_ = 0;       // runs in this worker process
  std::uint64_t grown_before_ = 0;    // growth of the worker processes replaced so far
  std::uint64_t untrusted_ = 0;
};

/// Keeps `pid`, a helper process that a program starts once and uses across runs (a fork
/// server), alive when the persistent worker kills what a run left behind. Every other
/// descendant is still killed after each run.
void spare_across_runs(pid_t pid);

}  // namespace faultline
