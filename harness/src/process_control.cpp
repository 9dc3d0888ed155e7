#include "process_control.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace faultline::detail {

namespace {

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

/// The pids listed in /proc/self/task/*/children: this process's children, whichever thread
/// forked them (orphans re-parented to a subreaper land on one of its threads).
std::vector<pid_t> children() {
  std::vector<pid_t> out;
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) return out;
  while (dirent* t = readdir(tasks)) {
    if (t->d_name[0] == '.') continue;
    char path[300];
    std::snprintf(path, sizeof path, "/proc/self/task/%s/children", t->d_name);
    if (FILE* f = std::fopen(path, "re")) {
      long pid = 0;
      while (std::fscanf(f, "%ld", &pid) == 1) out.push_back(static_cast<pid_t>(pid));
      std::fclose(f);
    }
  }
  closedir(tasks);
  return out;
}

}  // namespace

void reset_signal_state() {
  for (int s = 1; s < NSIG; ++s)
    if (s != SIGKILL && s != SIGSTOP) default_disposition(s);
  empty_signal_mask();
}

// NOTE: not all 64 signals: that is 64 system calls per run, a third of a run's cost.
void reset_signal_state_between_runs() {
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGALRM, SIGUSR1, SIGUSR2, SIGCHLD}) default_disposition(s);
  empty_signal_mask();
}

void close_inherited_fds(std::initializer_list<int> keep) {
  std::vector<int> k(keep);
  k.push_back(-1);
  std::sort(k.begin(), k.end());
  // Ranges between the kept ones: [3, a), (a, b), ... (z, max].
  int from = 3;
  for (int fd : k) {
    if (fd < from) continue;
    if (fd > from) syscall(SYS_close_range, static_cast<unsigned>(from), static_cast<unsigned>(fd - 1), 0u);
    from = fd + 1;
  }
  if (syscall(SYS_close_range, static_cast<unsigned>(from), ~0u, 0u) != 0) {
    // NOTE: kernels before 5.9 have no close_range: close one by one up to the limit.
    long max = sysconf(_SC_OPEN_MAX);
    for (int fd = from; fd < max && fd < 65536; ++fd) close(fd);
  }
}

int move_fd_high(int fd, int at_least) {
  int moved = fcntl(fd, F_DUPFD_CLOEXEC, at_least);
  if (moved < 0) return fd;  // NOTE: a low open-files limit: keep it where it is
  close(fd);
  return moved;
}

void stdin_from_dev_null() {
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null < 0) return;
  dup2(null, STDIN_FILENO);
  if (null != STDIN_FILENO) close(null);
}

void die_with_parent(pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(0);  // the parent died before the leash was on
}

void become_subreaper() { prctl(PR_SET_CHILD_SUBREAPER, 1); }

void kill_descendants(const std::set<pid_t>& spare) {
  for (int round = 0; round < 64; ++round) {
    // NOTE: the common case, no child at all, costs one system call.
    siginfo_t info{};
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 && errno == ECHILD) return;
    std::vector<pid_t> kids = children();
    bool any = false;
    for (pid_t pid : kids) {
      if (spare.count(pid) != 0) continue;
      any = true;
      kill(-pid, SIGKILL);  // its process group, if it leads one
      kill(pid, SIGKILL);
    }
    for (pid_t pid : kids)
      if (spare.count(pid) == 0)
        while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
        }
    if (!any) return;
  }
}

void set_run_limits(const ProcessLimits& limits) {
  rlimit core{0, 0};
  setrlimit(RLIMIT_CORE, &core);
  if (limits.cpu_s > 0) {
    rlimit cpu{static_cast<rlim_t>(limits.cpu_s), static_cast<rlim_t>(limits.cpu_s + 1)};
    setrlimit(RLIMIT_CPU, &cpu);
  }
  rlimit fsize{static_cast<rlim_t>(limits.file_size_mb) << 20, static_cast<rlim_t>(limits.file_size_mb) << 20};
  setrlimit(RLIMIT_FSIZE, &fsize);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  if (limits.memory_mb > 0) {
    rlimit as{static_cast<rlim_t>(limits.memory_mb) << 20, static_cast<rlim_t>(limits.memory_mb) << 20};
    setrlimit(RLIMIT_AS, &as);
  }
#endif
}

std::uint64_t resident_bytes() {
  // NOTE: kept open and read with pread: one system call, not an open/read/close per run.
  // It is reopened in a forked child, whose /proc/self is another process.
  static pid_t opened_by = -1;
  static int statm = -1;
  if (opened_by != getpid()) {
    if (statm >= 0) close(statm);
    statm = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    opened_by = getpid();
  }
  char buf[128];
  ssize_t n = statm < 0 ? -1 : pread(statm, buf, sizeof buf - 1, 0);
  if (n <= 0) return 0;
  buf[n] = '\0';
  unsigned long long size = 0, resident = 0;
  if (std::sscanf(buf, "%llu %llu", &size, &resident) != 2) return 0;
  return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace faultline::detail
