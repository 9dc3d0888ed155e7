#pragma once
/// Where runs happen (DESIGN.md "Execution modes"). A Worker is a small process forked before
/// the campaign grows. In forked mode it forks one child per run (real exit status, real
/// signals, crashes contained, watchdog, rlimits, bounded output capture); in persistent mode
/// it runs schedules itself, in-process, and is replaced when a run crashes or hangs.
#include <sys/types.h>

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
  enum class Kind { exited, signaled, timed_out, lost };
  Kind kind = Kind::exited;  ///< lost: the persistent worker died without saying how
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
/// record's `recorded_signal` instead.
int run_in_this_process(const RunRequest& req, RunRecord& record, bool record_signal);

class Worker {
 public:
  /// Starts the worker process. `output_limit` bounds the captured output tail.
  explicit Worker(ExecMode mode, std::size_t output_limit = 4096);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  /// Runs `req` and waits for its end. The record is valid until the next run.
  RunOutcome run(const RunRequest& req);
  const RunRecord& record() const noexcept { return *record_; }
  ExecMode mode() const noexcept { return mode_; }
  /// Moves the worker process onto the CPUs the calling thread may run on (a campaign pins
  /// each of its threads; a paused share may resume on another thread).
  void follow_calling_thread() noexcept;
  /// Worker processes started so far (1 + replacements after crashes and hangs).
  int starts() const noexcept { return starts_; }

 private:
  void start();
  void stop() noexcept;

  ExecMode mode_;
  std::size_t output_limit_;
  RunRecord* record_;
  pid_t pid_ = -1;
  int to_worker_ = -1;
  int from_worker_ = -1;
  int starts_ = 0;
};

}  // namespace faultline
