#pragma once
// What the sandbox does to the processes it starts (internal): a clean start (signals, fds,
// limits), a leash to the parent, and the end of every descendant a run left behind. All of it
// is called in freshly forked, single-threaded processes, or in the harness between runs.
#include <sys/types.h>

#include <cstdint>
#include <initializer_list>
#include <set>

namespace faultline::detail {

/// Default disposition for every signal and an empty mask: a run must not inherit what the
/// shell, `nohup`, a CI runner or the CLI's own stop handlers set up.
void reset_signal_state();
/// Between two runs in one persistent worker: the mask, and the signals whose disposition
/// decides a verdict (the fault signals, and those that end a process by default).
void reset_signal_state_between_runs();

/// Closes every descriptor from 3 up except `keep`: a run child must not hold the harness's
/// pipes (its protocol, other workers', report files).
void close_inherited_fds(std::initializer_list<int> keep);
/// Moves `fd` to a free descriptor at or above `at_least` (close-on-exec) and returns it; the
/// old one is closed. A program closing or writing "fds 3 to 20" then misses it.
int move_fd_high(int fd, int at_least);
/// Points stdin at /dev/null: a run never reads the harness's terminal or pipe.
void stdin_from_dev_null();

/// Dies (SIGKILL) when the parent dies; if it already has (`parent` is gone), exits now.
void die_with_parent(pid_t parent);
/// Orphaned descendants are re-parented to this process, so it can end them.
void become_subreaper();
/// SIGKILLs and reaps every child of this process not in `spare` (and their process groups),
/// repeating until none is left: the descendants a run left behind, wherever they moved.
/// Cheap when there are none (one waitid call).
void kill_descendants(const std::set<pid_t>& spare = {});

/// Resource limits of a run (and of a persistent worker, which runs them in-process).
struct ProcessLimits {
  int cpu_s = 0;                    ///< CPU seconds (0 = none)
  std::uint64_t memory_mb = 4096;   ///< address space (0 = none; never under sanitizers)
  std::uint64_t file_size_mb = 64;  ///< largest file a run may write
};
void set_run_limits(const ProcessLimits& limits);

/// Resident set size of this process, in bytes (0 if unknown).
std::uint64_t resident_bytes();

}  // namespace faultline::detail
