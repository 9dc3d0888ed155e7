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
#include <sstream>

#include <faultline/error.hpp>
#include <faultline/recorder.hpp>

namespace faultline {

namespace {

thread_local int recorded_signal = 0;
void record_signal_instead(int signo) { recorded_signal = signo; }

bool write_all(int fd, const void* data, std::size_t n) {
  auto* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool read_all(int fd, void* data, std::size_t n) {
  auto* p = static_cast<char*>(data);
  while (n > 0) {
    ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

bool write_frame(int fd, const std::string& s) {
  // NOTE: one write per message: the round trip per run is what bounds persistent mode.
  std::uint32_t len = static_cast<std::uint32_t>(s.size());
  std::string frame(reinterpret_cast<const char*>(&len), sizeof len);
  frame += s;
  return write_all(fd, frame.data(), frame.size());
}

bool read_frame(int fd, std::string& s) {
  std::uint32_t len = 0;
  if (!read_all(fd, &len, sizeof len)) return false;
  s.resize(len);
  return read_all(fd, s.data(), len);
}

std::string encode(const RunRequest& req) {
  std::size_t index = static_cast<std::size_t>(req.scenario - Registry::instance().all().data());
  std::string flaws;
  for (const auto& f : req.flaws) flaws += (flaws.empty() ? "" : ",") + f;
  return std::to_string(index) + "\n" + flaws + "\n" + to_string(req.schedule) + "\n" + std::to_string(req.timeout_ms);
}

RunRequest decode(const std::string& msg) {
  std::istringstream in(msg);
  std::string index, flaws, schedule, timeout;
  std::getline(in, index);
  std::getline(in, flaws);
  std::getline(in, schedule);
  std::getline(in, timeout);
  RunRequest req;
  req.scenario = &Registry::instance().all().at(std::stoul(index));
  std::istringstream fl(flaws);
  for (std::string f; std::getline(fl, f, ',');) req.flaws.push_back(f);
  req.schedule = parse_schedule(schedule);
  req.timeout_ms = std::stoi(timeout);
  return req;
}

struct Response {
  std::int32_t kind;
  std::int32_t value;
  std::uint64_t output_bytes;
  std::uint32_t tail_len;
};

void default_disposition(int s) {
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  sigaction(s, &sa, nullptr);  // NOTE: fails harmlessly for the C library's reserved signals
}

void empty_signal_mask() {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

/// Default disposition for every signal and an empty mask: a run must not inherit what the
/// shell, `nohup`, a CI runner or the CLI's own stop handlers set up.
void reset_signal_state() {
  for (int s = 1; s < NSIG; ++s)
    if (s != SIGKILL && s != SIGSTOP) default_disposition(s);
  empty_signal_mask();
}

/// Between two runs in one persistent worker: the mask, and the signals whose disposition
/// decides a verdict (the fault signals, and those that end a process by default).
// NOTE: not all 64 signals: that is 64 system calls per run, a third of a run's cost.
void reset_signal_state_between_runs() {
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGALRM, SIGUSR1, SIGUSR2, SIGCHLD}) default_disposition(s);
  empty_signal_mask();
}

void set_run_limits(int timeout_ms) {
  rlimit core{0, 0};
  setrlimit(RLIMIT_CORE, &core);
  rlim_t cpu = static_cast<rlim_t>(timeout_ms / 1000 + 2);
  rlimit cpu_limit{cpu, cpu + 1};
  setrlimit(RLIMIT_CPU, &cpu_limit);
  rlimit fsize{64u << 20, 64u << 20};
  setrlimit(RLIMIT_FSIZE, &fsize);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  rlimit as{4ull << 30, 4ull << 30};
  setrlimit(RLIMIT_AS, &as);
#endif
}

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

/// Forks one child for `req`, drains its output, kills it at the deadline, reaps it.
RunOutcome fork_and_supervise(const RunRequest& req, RunRecord& record, std::size_t output_limit) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return {{ProcessEnd::Kind::lost, errno}, "pipe failed", 0};
  pid_t child = fork();
  if (child < 0) {
    close(out[0]);
    close(out[1]);
    return {{ProcessEnd::Kind::lost, errno}, "fork failed", 0};
  }
  if (child == 0) {
    dup2(out[1], STDOUT_FILENO);
    dup2(out[1], STDERR_FILENO);
    reset_signal_state();
    set_run_limits(req.timeout_ms);
    int status = run_in_this_process(req, record, false);
    std::fflush(nullptr);
    _exit(status & 0xff);
  }
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
      // EOF, or nothing more now; once the child is gone "nothing now" means nothing ever.
      if (r == 0 || exited) eof = true;
      return;
    }
  };
  while (!(exited && eof)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (!exited && left <= 0) {
      kill(child, SIGKILL);
      timed_out = true;
      break;
    }
    pollfd fds[2];
    nfds_t n = 0;
    if (!eof) fds[n++] = {out[0], POLLIN, 0};
    if (!exited && pidfd >= 0) fds[n++] = {pidfd, POLLIN, 0};
    // NOTE: without a pidfd (old kernel, seccomp) we poll the child's status every millisecond.
    int wait_ms = exited ? 0 : pidfd >= 0 ? static_cast<int>(left) : 1;
    if (n > 0) poll(fds, n, wait_ms);
    drain();
    if (!exited) {
      if (pidfd >= 0) {
        pollfd p{pidfd, POLLIN, 0};
        exited = poll(&p, 1, 0) > 0;
      } else if (waitpid(child, &st, WNOHANG) == child) {
        exited = reaped = true;
      }
      if (exited) drain();
    }
  }
  if (!reaped)
    while (waitpid(child, &st, 0) < 0 && errno == EINTR) {
    }
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

[[noreturn]] void worker_main(ExecMode mode, RunRecord& record, int in_fd, int out_fd, std::size_t output_limit) {
  reset_signal_state();
  int devnull = open("/dev/null", O_WRONLY);
  if (devnull >= 0) {
    dup2(devnull, STDOUT_FILENO);
    dup2(devnull, STDERR_FILENO);
  }
  for (;;) {
    std::string msg;
    if (!read_frame(in_fd, msg)) _exit(0);
    RunRequest req = decode(msg);
    RunOutcome o;
    if (mode == ExecMode::persistent) {
      int status = run_in_this_process(req, record, true);
      o.end = record.recorded_signal != 0 ? ProcessEnd{ProcessEnd::Kind::signaled, record.recorded_signal}
                                          : ProcessEnd{ProcessEnd::Kind::exited, status & 0xff};
    } else {
      o = fork_and_supervise(req, record, output_limit);
    }
    Response r{static_cast<std::int32_t>(o.end.kind), o.end.value, o.output_bytes, static_cast<std::uint32_t>(o.output_tail.size())};
    std::string answer(reinterpret_cast<const char*>(&r), sizeof r);
    answer += o.output_tail;
    if (!write_all(out_fd, answer.data(), answer.size())) _exit(0);
  }
}

}  // namespace

int run_in_this_process(const RunRequest& req, RunRecord& record, bool record_signal) {
  Recorder recorder(record, req.schedule, req.scenario->limits);
  ScopedRecorder installed(recorder);
  recorded_signal = 0;
  ScopedTerminateBySignal seam(record_signal ? &record_signal_instead : &terminate_by_default_signal);
  RunContext ctx{req.flaws};
  // NOTE: a persistent run must start as clean as a forked one: the previous run's handlers
  // (and a signal it left pending) are not this run's business.
  if (record_signal) reset_signal_state_between_runs();
  int status = req.scenario->program(ctx);
  record.recorded_signal = recorded_signal;
  record.finished = 1;
  return status;
}

Worker::Worker(ExecMode mode, std::size_t output_limit)
    : mode_(mode), output_limit_(output_limit), record_(map_shared_record()) {
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
  pid_t pid = fork();
  if (pid < 0) internal_error(std::string("cannot fork a worker process: ") + std::strerror(errno), "check the process limit (ulimit -u) and free memory");
  if (pid == 0) {
    close(to[1]);
    close(from[0]);
    worker_main(mode_, *record_, to[0], from[1], output_limit_);
  }
  close(to[0]);
  close(from[1]);
  pid_ = pid;
  to_worker_ = to[1];
  from_worker_ = from[0];
  ++starts_;
}

void Worker::stop() noexcept {
  if (pid_ <= 0) return;
  close(to_worker_);
  close(from_worker_);
  kill(pid_, SIGKILL);
  int st = 0;
  waitpid(pid_, &st, 0);
  pid_ = -1;
}

RunOutcome Worker::run(const RunRequest& req) {
  std::string msg = encode(req);
  if (!write_frame(to_worker_, msg)) {
    stop();
    start();
    if (!write_frame(to_worker_, msg)) internal_error("cannot talk to a fresh worker process", "check the process limit and free memory");
  }
  // Forked workers enforce the deadline themselves; give them slack. A persistent worker that
  // overruns is the hang itself.
  int wait_ms = mode_ == ExecMode::persistent ? req.timeout_ms : req.timeout_ms + 10000;
  pollfd fd{from_worker_, POLLIN, 0};
  int ready;
  do {
    ready = poll(&fd, 1, wait_ms);
  } while (ready < 0 && errno == EINTR);
  RunOutcome o;
  Response r{};
  if (ready == 0) {
    stop();
    start();
    o.end = {ProcessEnd::Kind::timed_out, req.timeout_ms};
    return o;
  }
  if (!read_all(from_worker_, &r, sizeof r)) {
    // The worker died mid-run: a crash in persistent mode. Its status says how.
    int st = 0;
    close(to_worker_);
    close(from_worker_);
    waitpid(pid_, &st, 0);
    pid_ = -1;
    start();
    o.end = WIFSIGNALED(st) ? ProcessEnd{ProcessEnd::Kind::signaled, WTERMSIG(st)} : ProcessEnd{ProcessEnd::Kind::lost, WEXITSTATUS(st)};
    return o;
  }
  o.end = {static_cast<ProcessEnd::Kind>(r.kind), r.value};
  o.output_bytes = r.output_bytes;
  o.output_tail.resize(r.tail_len);
  if (r.tail_len > 0 && !read_all(from_worker_, o.output_tail.data(), r.tail_len))
    internal_error("a worker process broke off its answer", "rerun; if it repeats, report it with the scenario and schedule");
  return o;
}

}  // namespace faultline
