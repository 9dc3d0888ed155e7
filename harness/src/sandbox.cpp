#include <faultline/sandbox.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>
#include <set>

#include <faultline/detail/fork_gate.hpp>
#include <faultline/error.hpp>
#include <faultline/recorder.hpp>

#include "process_control.hpp"
#include "protocol.hpp"

namespace faultline {

namespace {

using namespace detail;

thread_local int recorded_signal = 0;
void record_signal_instead(int signo) { recorded_signal = signo; }

/// Status of a process ended by abort(), what an uncaught exception does outside the harness.
constexpr int kAbortStatus = 128 + SIGABRT;

/// Keeps the last `limit` bytes written, counting all of them.
struct OutputTail {
  explicit OutputTail(std::size_t limit) : limit(limit) {}
  void add(const char* p, std::size_t n) {
    total += n;
    tail.append(p, n);
    if (tail.size() > 2 * limit) tail.erase(0, tail.size() - limit);
  }
  std::string get() const { return tail.size() > limit ? tail.substr(tail.size() - limit) : tail; }
  std::size_t limit;
  std::string tail;
  std::uint64_t total = 0;
};

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

/// The end of a run child: flush, then the status, or the abort an escape would have caused.
[[noreturn]] void end_run_child(const RunRecord& record, int status) {
  std::fflush(nullptr);
  if (record.escaped != 0) {
    signal(SIGABRT, SIG_DFL);
    raise(SIGABRT);  // NOTE: core dumps are off (RLIMIT_CORE 0)
  }
  _exit(status & 0xff);
}

/// Helpers a program keeps across runs (spare_across_runs): the worker does not kill them.
std::set<pid_t>& spared_pids() {
  static std::set<pid_t> pids;
  return pids;
}

/// Forks one child for `req`, drains its output, kills it (and everything it started) at the
/// deadline, reaps it. Called in the worker process, which is a subreaper.
RunOutcome fork_and_supervise(const RunRequest& req, RunRecord& record, std::size_t output_limit, const ProcessLimits& limits) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return {{ProcessEnd::Kind::lost, errno}, "pipe failed", 0};
  pid_t worker = getpid();
  pid_t child = fork();
  if (child < 0) {
    close(out[0]);
    close(out[1]);
    return {{ProcessEnd::Kind::lost, errno}, "fork failed", 0};
  }
  if (child == 0) {
    setpgid(0, 0);  // its own group: killed as one, and out of the terminal's reach
    die_with_parent(worker);
    dup2(out[1], STDOUT_FILENO);
    dup2(out[1], STDERR_FILENO);
    stdin_from_dev_null();
    close_inherited_fds({});
    reset_signal_state();
    ProcessLimits run_limits = limits;
    run_limits.cpu_s = req.timeout_ms / 1000 + 2;
    set_run_limits(run_limits);
    end_run_child(record, run_in_this_process(req, record, false));
  }
  setpgid(child, child);  // NOTE: both sides, so the group exists before either goes on
  close(out[1]);
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  int pidfd = open_pidfd(child);
  OutputTail tail(output_limit);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(req.timeout_ms);
  bool timed_out = false, exited = false, reaped = false, eof = false;
  int st = 0;
  char buf[8192];
  auto drain = [&] {
    for (;;) {
      ssize_t r = read(out[0], buf, sizeof buf);
      if (r > 0) {
        tail.add(buf, static_cast<std::size_t>(r));
        continue;
      }
      if (r == 0) eof = true;
      return;
    }
  };
  while (!exited) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd fds[2];
    nfds_t n = 0;
    if (!eof) fds[n++] = {out[0], POLLIN, 0};
    if (pidfd >= 0) fds[n++] = {pidfd, POLLIN, 0};
    // NOTE: without a pidfd (old kernel, seccomp) the child's status is polled every millisecond.
    int wait_ms = pidfd >= 0 ? static_cast<int>(left) : 1;
    if (n > 0) poll(fds, n, wait_ms);
    drain();
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      exited = poll(&p, 1, 0) > 0;
    } else if (waitpid(child, &st, WNOHANG) == child) {
      exited = reaped = true;
    }
  }
  // NOTE: the child's exit is watched directly, never EOF on the pipe: a grandchild may hold
  // the pipe open for ever, or flood it. Everything the run started ends with it.
  kill(-child, SIGKILL);
  if (timed_out) kill(child, SIGKILL);
  if (!reaped)
    while (waitpid(child, &st, 0) < 0 && errno == EINTR) {
    }
  kill_descendants();
  drain();  // what was written before the end; the writers are gone, so this cannot block
  close(out[0]);
  if (pidfd >= 0) close(pidfd);
  RunOutcome o;
  o.output_tail = tail.get();
  o.output_bytes = tail.total;
  if (timed_out) o.end = {ProcessEnd::Kind::timed_out, req.timeout_ms};
  else if (WIFSIGNALED(st)) o.end = {ProcessEnd::Kind::signaled, WTERMSIG(st)};
  else o.end = {ProcessEnd::Kind::exited, WEXITSTATUS(st)};
  return o;
}

[[noreturn]] void worker_main(ExecMode mode, RunRecord& record, int in_fd, int out_fd, std::size_t output_limit,
                              const ProcessLimits& limits) {
  reset_signal_state();
  become_subreaper();
  stdin_from_dev_null();
  int devnull = open("/dev/null", O_WRONLY);
  if (devnull >= 0) {
    dup2(devnull, STDOUT_FILENO);
    dup2(devnull, STDERR_FILENO);
    close(devnull);
  }
  close_inherited_fds({in_fd, out_fd});
  // NOTE: a program run in this process can write to or close any descriptor; far from the
  // low numbers it is less likely to, and if it does the harness sees a forged answer.
  rlimit files{};
  int high = getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur > 64 ? static_cast<int>(std::min<rlim_t>(files.rlim_cur - 8, 1000)) : 20;
  in_fd = move_fd_high(in_fd, high);
  out_fd = move_fd_high(out_fd, high);
  if (mode == ExecMode::persistent) set_run_limits({0, limits.memory_mb, limits.file_size_mb});
  std::uint64_t persistent_runs = 0;
  for (;;) {
    std::string frame;
    if (!read_frame(in_fd, frame)) _exit(0);
    WireRequest req = decode(frame);
    WireAnswer a;
    if (mode == ExecMode::persistent && !req.fork_child) {
      int status = run_in_this_process(req.run, record, true);
      kill_descendants(spared_pids());  // what the program forked, wherever it moved
      a.end = record.recorded_signal != 0 ? ProcessEnd{ProcessEnd::Kind::signaled, record.recorded_signal}
              : record.escaped != 0       ? ProcessEnd{ProcessEnd::Kind::signaled, SIGABRT}
                                          : ProcessEnd{ProcessEnd::Kind::exited, status & 0xff};
      // NOTE: every 16th run: RSS moves slowly, and reading it is a system call.
      if (++persistent_runs % 16 == 0) a.resident_bytes = resident_bytes();
      // NOTE: after an escape the process's state (locks, the heap) is not to be trusted.
      a.worker_ends = record.escaped != 0;
    } else {
      RunOutcome o = fork_and_supervise(req.run, record, output_limit, limits);
      a.end = o.end;
      a.output_bytes = o.output_bytes;
      a.output_tail = std::move(o.output_tail);
    }
    std::string answer = encode_answer(req.seq, a);
    if (!write_all(out_fd, answer.data(), answer.size()) || a.worker_ends) _exit(0);
  }
}

/// The live worker processes, so that the harness can end the orphans a killed worker left
/// (re-parented to the harness, a subreaper) without touching another thread's worker.
std::mutex workers_mutex;
std::set<pid_t> live_workers;

void end_orphans() {
  std::lock_guard lock(workers_mutex);
  kill_descendants(live_workers);
}

}  // namespace

int run_in_this_process(const RunRequest& req, RunRecord& record, bool record_signal) {
  Recorder recorder(record, req.schedule, req.scenario->limits);
  ScopedRecorder installed(recorder);
  recorded_signal = 0;
  ScopedTerminateBySignal seam(record_signal ? &record_signal_instead : &terminate_by_default_signal);
  RunContext ctx{req.flaws, req.schedule};
  // NOTE: a persistent run must start as clean as a forked one: the previous run's handlers
  // (and a signal it left pending) are not this run's business.
  if (record_signal) reset_signal_state_between_runs();
  int status = kAbortStatus;
  auto escaped = [&](RunEscape kind, const char* what) {
    record.escaped = static_cast<std::uint8_t>(kind);
    std::snprintf(record.escape_what, sizeof record.escape_what, "%s", what);
  };
  // The last resort: nothing the program throws unwinds into the harness's own code.
  try {
    status = req.scenario->program(ctx);
  } catch (const std::bad_alloc& e) {
    escaped(RunEscape::out_of_memory, e.what());
  } catch (const std::exception& e) {
    escaped(RunEscape::exception, e.what());
  } catch (...) {
    escaped(RunEscape::exception, "an exception not derived from std::exception");
  }
  record.recorded_signal = recorded_signal;
  record.finished = record.escaped == 0 ? 1 : 0;
  return status;
}

Worker::Worker(ExecMode mode, std::size_t output_limit, WorkerLimits limits)
    : mode_(mode), output_limit_(output_limit), limits_(limits), record_(map_shared_record()) {
  start();
}

void Worker::follow_calling_thread() noexcept {
  cpu_set_t cpus;
  if (pid_ > 0 && sched_getaffinity(0, sizeof cpus, &cpus) == 0) sched_setaffinity(pid_, sizeof cpus, &cpus);  // NOTE: best effort
}

Worker::~Worker() {
  stop();
  unmap_shared_record(record_);
}

void Worker::start() {
  int to[2], from[2];
  if (pipe2(to, O_CLOEXEC) != 0 || pipe2(from, O_CLOEXEC) != 0)
    internal_error("cannot create pipes for a worker process", "raise the open-files limit (ulimit -n)");
  std::fflush(nullptr);
  pid_t harness = getpid();
  static std::once_flag subreaper;
  std::call_once(subreaper, [] { become_subreaper(); });  // orphans of killed workers come back here
  pid_t pid;
  {
    detail::ForkGateAlone alone;  // NOTE: the other campaign threads hold no lock the child could need
    std::lock_guard lock(workers_mutex);  // registered before any end_orphans can see it
    pid = fork();
    if (pid > 0) live_workers.insert(pid);
  }
  if (pid < 0) internal_error(std::string("cannot fork a worker process: ") + std::strerror(errno), "check the process limit (ulimit -u) and free memory");
  if (pid == 0) {
    // NOTE: its own process group, so Ctrl-C at the terminal reaches only the harness, which
    // stops the campaign and writes its reports; and it dies with the harness.
    setpgid(0, 0);
    die_with_parent(harness);
    close(to[1]);
    close(from[0]);
    worker_main(mode_, *record_, to[0], from[1], output_limit_, {0, limits_.memory_mb, 64});
  }
  setpgid(pid, pid);
  close(to[0]);
  close(from[1]);
  pid_ = pid;
  to_worker_ = to[1];
  from_worker_ = from[0];
  first_resident_ = 0;
  runs_here_ = 0;
  ++starts_;
}

void Worker::stop() noexcept {
  if (pid_ <= 0) return;
  close(to_worker_);
  close(from_worker_);
  kill(-pid_, SIGKILL);  // the worker and what the program started in its group
  kill(pid_, SIGKILL);
  int st = 0;
  while (waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
  }
  {
    std::lock_guard lock(workers_mutex);
    live_workers.erase(pid_);
  }
  pid_ = -1;
  end_orphans();
}

void Worker::watch_memory(std::uint64_t resident) {
  if (mode_ != ExecMode::persistent || resident == 0) return;
  ++runs_here_;
  ++memory_.runs;
  memory_.peak_resident_bytes = std::max(memory_.peak_resident_bytes, resident);
  if (first_resident_ == 0) first_resident_ = resident;
  std::uint64_t grown = resident > first_resident_ ? resident - first_resident_ : 0;
  memory_.grown_bytes = grown_before_ + grown;
  bool too_big = limits_.recycle_growth_mb > 0 && grown >= (limits_.recycle_growth_mb << 20);
  bool quota = limits_.recycle_after_runs > 0 && runs_here_ >= limits_.recycle_after_runs;
  if (too_big || quota) {
    grown_before_ += grown;
    ++memory_.recycles;
    stop();
  }
}

RunOutcome Worker::ask(const RunRequest& req, bool fork_child, bool& trusted) {
  trusted = true;
  if (pid_ <= 0) start();
  WireRequest wire{++seq_, fork_child, req};
  std::string frame = encode(wire);
  if (!write_frame(to_worker_, frame)) {
    stop();
    start();
    if (!write_frame(to_worker_, frame)) internal_error("cannot talk to a fresh worker process", "check the process limit and free memory");
  }
  // A forked child is watched by the worker itself; give it slack. A persistent worker that
  // overruns is the hang itself.
  int wait_ms = mode_ == ExecMode::persistent && !fork_child ? req.timeout_ms : req.timeout_ms + 10000;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  WireAnswer a;
  RunOutcome o;
  switch (read_answer(from_worker_, seq_, output_limit_, deadline, stop_, a)) {
    case AnswerRead::ok:
      o.end = a.end;
      o.output_bytes = a.output_bytes;
      o.output_tail = std::move(a.output_tail);
      if (a.worker_ends) stop();
      else watch_memory(a.resident_bytes);
      return o;
    case AnswerRead::interrupted:
      stop();
      o.end = {ProcessEnd::Kind::interrupted, 0};
      return o;
    case AnswerRead::timed_out:
      stop();
      o.end = {ProcessEnd::Kind::timed_out, req.timeout_ms};
      return o;
    case AnswerRead::eof:
    case AnswerRead::forged:
      break;
  }
  // The worker died, or the program wrote on (or closed) the protocol's pipe: nothing it said
  // is to be trusted; the caller has the run decided by a forked child.
  stop();
  trusted = false;
  o.end = {ProcessEnd::Kind::lost, 0};
  return o;
}

RunOutcome Worker::run(const RunRequest& req) {
  bool trusted = true;
  RunOutcome o = ask(req, false, trusted);
  if (trusted) return o;
  ++untrusted_;
  // NOTE: a persistent run decided by a forked child: `exit()` or `_exit()` mid-run, a closed
  // or forged pipe, get the verdict they get in forked mode (the child's real status).
  RunOutcome forked = ask(req, true, trusted);
  if (!trusted) forked.end = {ProcessEnd::Kind::lost, 0};
  return forked;
}

void spare_across_runs(pid_t pid) { spared_pids().insert(pid); }

}  // namespace faultline
