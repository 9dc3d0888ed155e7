// The harness side of the await protocol: runs the child, answers each await point through the
// engine's hook, and turns the child's events into observer and ledger calls.
#include <faultline/external.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include <faultline/hook.hpp>
#include <faultline/ledger.hpp>
#include <faultline/observer.hpp>

#include "fork_server.hpp"

namespace faultline {

namespace {

// NOTE: the child is not trusted: a line longer than this is cut, a malformed one ignored.
constexpr std::size_t kMaxLine = 64 * 1024;

std::vector<std::string_view> fields(std::string_view line, std::size_t at_most) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < at_most) {
    auto tab = line.find('\t');
    if (tab == std::string_view::npos) break;
    out.push_back(line.substr(0, tab));
    line.remove_prefix(tab + 1);
  }
  out.push_back(line);
  return out;
}

std::uint64_t number(std::string_view s) {
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

const char* kind_word(FaultKind k) {
  switch (k) {
    case FaultKind::cancel: return "cancel";
    case FaultKind::throw_error: return "throw";
    case FaultKind::exit: return "exit";
    case FaultKind::signal: return "signal";
    case FaultKind::none: break;
  }
  return "none";
}

/// The run's schedule as a shim reads it: `ordinal:kind:timing:arg` entries separated by `;`.
std::string schedule_text(const Schedule& schedule) {
  std::string out;
  for (const Fault& f : schedule.faults)
    out += (out.empty() ? "" : ";") + std::to_string(f.ordinal) + ":" + kind_word(f.kind) + ":" +
           (f.timing == FaultTiming::after ? "after" : "at") + ":" + std::to_string(f.arg);
  return out;
}

/// An output unit with its patterns compiled (once per scenario, not per run).
struct CompiledUnit {
  std::string name;
  std::regex begin, commit;
};

std::vector<CompiledUnit> compile(const std::vector<OutputUnit>& units) {
  std::vector<CompiledUnit> out;
  for (const auto& u : units) out.push_back({u.unit, std::regex(u.begin), std::regex(u.commit)});
  return out;
}

/// True if what is written to `fd` is thrown away: it is /dev/null (character device 1:3).
bool is_dev_null(int fd) {
  struct stat st{};
  return ::fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3;
}

/// One run's conversation with the child.
class Session {
 public:
  // NOTE: a persistent worker's stdout is /dev/null (only a forked run's output is kept, as
  // its tail): the child's lines are then not written at all, a system call each (seed 004
  // prints ~40 lines a run under faults).
  Session(int decisions_fd, const std::vector<CompiledUnit>& units)
      : decisions_fd_(decisions_fd), units_(units), forward_output_(!is_dev_null(STDOUT_FILENO)) {}

  void on_event(std::string_view line) {
    auto f = fields(line, 4);
    std::string_view tag = f[0];
    RuntimeObserver* obs = observer();
    if ((tag == "A" || tag == "a") && f.size() == 4) {  // await: task, task name, site
      std::string name(f[2]);
      FaultAction a = at_await_point_text(f[3], number(f[1]), name.c_str());
      if (a) actions_[a.ordinal] = a;
      if (tag == "a") return;  // the shim decided by the schedule it was given: no answer
      std::string reply = std::string(kind_word(a.kind)) + "\t" + (a.timing == FaultTiming::after ? "after" : "at") + "\t" +
                          std::to_string(a.arg) + "\t" + std::to_string(a.ordinal) + "\n";
      send_decision(reply);
    } else if (tag == "E" && f.size() >= 2) {
      auto it = actions_.find(number(f[1]));
      if (it != actions_.end()) fault_took_effect(it->second);
    } else if (tag == "S" && f.size() >= 2) {
      fault_superseded(number(f[1]));
    } else if (obs == nullptr) {
      return;
    } else if (tag == "T" && f.size() >= 3) {
      obs->task_created(number(f[1]), std::string(f[2]).c_str());
    } else if (tag == "F" && f.size() >= 3) {
      obs->task_finished(number(f[1]), f[2] == "value" ? TaskEnd::value : f[2] == "cancelled" ? TaskEnd::cancelled : TaskEnd::error);
    } else if (tag == "W" && f.size() >= 3) {
      obs->cancel_swallowed(number(f[1]), std::string(f[2]).c_str());
    } else if (tag == "P" && f.size() >= 4) {
      obs->task_destroyed_pending(number(f[1]), std::string(f[2]).c_str(), std::string(f[3]).c_str());
    } else if ((tag == "B" || tag == "C") && f.size() >= 3) {
      set_current_task(number(f[1]));
      if (tag == "B") ledger::begin(f[2]);
      else ledger::commit(f[2]);
    } else if (tag == "H" && f.size() >= 3) {
      ShutdownCause cause = f[1] == "exit" ? ShutdownCause::exit_request : f[1] == "signal" ? ShutdownCause::signal
                            : f[1] == "deadlock" ? ShutdownCause::deadlock : ShutdownCause::main_returned;
      obs->shutdown_began(cause, static_cast<int>(number(f[2])));
    } else if (tag == "K" && f.size() >= 2) {
      obs->deadlock(std::string(f[1]).c_str());
    } else if (tag == "L" && f.size() >= 2) {
      obs->posted_after_close(std::string(f[1]).c_str());
    } else if (tag == "U" && f.size() >= 2) {
      obs->future_created(number(f[1]));
    } else if (tag == "R" && f.size() >= 2) {
      obs->future_resolved(number(f[1]));
    } else if (tag == "V" && f.size() >= 2) {
      obs->clock_advanced(static_cast<std::int64_t>(number(f[1])));
    }
  }

  void on_output(std::string_view line) {
    for (const auto& u : units_) {
      if (std::regex_search(line.begin(), line.end(), u.begin)) ledger::begin(u.name);
      if (std::regex_search(line.begin(), line.end(), u.commit)) ledger::commit(u.name);
    }
    if (!forward_output_) return;
    std::string text(line);
    text += '\n';  // the run's output tail keeps the child's output
    (void)!::write(STDOUT_FILENO, text.data(), text.size());
  }

 private:
  /// Sends a decision without ever blocking or raising SIGPIPE: a child that does not read its
  /// decisions (gone, its end closed, or a forged `A` line) does not get the rest.
  void send_decision(const std::string& s) {
    std::size_t done = 0;
    while (done < s.size()) {
      ssize_t n = ::send(decisions_fd_, s.data() + done, s.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // the child is gone or not reading; its end is read from waitpid
      done += static_cast<std::size_t>(n);
    }
  }
  int decisions_fd_;
  const std::vector<CompiledUnit>& units_;
  bool forward_output_;  // stdout keeps what it is given (a forked run's output tail)
  std::map<std::uint64_t, FaultAction> actions_;
};

/// Splits what arrives on a pipe into lines.
struct LineReader {
  int fd;
  std::string pending;
  bool open = true;
  template <class F>
  void read_some(F&& on_line) {
    char buf[65536];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) return;
    if (n <= 0) {
      open = false;
      if (!pending.empty()) on_line(std::string_view(pending));
      pending.clear();
      return;
    }
    pending.append(buf, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1)
      on_line(std::string_view(pending).substr(start, std::min(nl - start, kMaxLine)));
    pending.erase(0, start);
    if (pending.size() > kMaxLine) {
      on_line(std::string_view(pending).substr(0, kMaxLine));
      pending.clear();
    }
  }
};

/// While alive, the calling thread (the harness's side of one run) is SCHED_BATCH, if it was
/// SCHED_OTHER.
///
/// NOTE: a batch thread woken by the child's write does not preempt the child: the child runs
/// on to its next wait (its end, a full pipe), and the harness reads what it wrote in one turn
/// instead of two context switches per write. Seed 004 under PYTHONUNBUFFERED (a write per
/// print, per part of a print): 29 -> 5 context switches a run, and 6 interleaved pairs of 4 s
/// campaigns 236-264 -> 230-298 runs/s (mean 249 -> 268). Set after the child started, so it
/// and a fork server inherit the harness's own policy; no privilege is needed either way.
class BatchWhileReading {
 public:
  BatchWhileReading() : was_other_(::sched_getscheduler(0) == SCHED_OTHER) {
    if (was_other_) set(SCHED_BATCH);
  }
  ~BatchWhileReading() {
    if (was_other_) set(SCHED_OTHER);
  }
  BatchWhileReading(const BatchWhileReading&) = delete;
  BatchWhileReading& operator=(const BatchWhileReading&) = delete;

 private:
  static void set(int policy) {
    sched_param none{};
    (void)::sched_setscheduler(0, policy, &none);
  }
  bool was_other_;
};

[[noreturn]] void exec_child(const ExternalCommand& c, int events_w, int decisions_r, int output_w) {
  // fds 3 and 4 are the protocol's; stdout and stderr go to the harness, which reads them.
  int ev = ::fcntl(events_w, F_DUPFD, 10), dec = ::fcntl(decisions_r, F_DUPFD, 10), out = ::fcntl(output_w, F_DUPFD, 10);
  if (ev < 0 || dec < 0 || out < 0 || ::dup2(ev, 3) < 0 || ::dup2(dec, 4) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0)
    ::_exit(126);
  for (const auto& e : c.env) ::putenv(const_cast<char*>(e.c_str()));
  ::setenv("FAULTLINE_EVENTS_FD", "3", 1);
  ::setenv("FAULTLINE_DECISIONS_FD", "4", 1);
  if (!c.directory.empty() && ::chdir(c.directory.c_str()) != 0) ::_exit(126);
  ::setpgid(0, 0);  // its own group: what it leaves behind is killed with it
  std::vector<char*> argv;
  for (const auto& a : c.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execvp(argv[0], argv.data());
  std::fprintf(stderr, "faultline: cannot run %s: %s\n", argv[0], std::strerror(errno));
  ::_exit(127);
}

int run_external(const ExternalCommand& c, const std::vector<CompiledUnit>& units, const RunContext& ctx) {
  int ev[2], dec[2], out[2];
  // NOTE: decisions go over a stream socket, not a pipe: the harness sends them with
  // MSG_NOSIGNAL | MSG_DONTWAIT, so a child that closed its end or never reads it (a forged `A`
  // line) neither kills the harness's side by SIGPIPE nor blocks it; the decision is dropped.
  if (::pipe2(ev, O_CLOEXEC) != 0 || ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, dec) != 0 ||
      ::pipe2(out, O_CLOEXEC) != 0)
    return 126;
  std::string flaws;
  for (const auto& f : ctx.flaws) flaws += (flaws.empty() ? "" : ",") + f;
  ExternalCommand run = c;
  run.env.push_back("FAULTLINE_FLAWS=" + flaws);
  run.env.push_back("FAULTLINE_SCHEDULE=" + schedule_text(ctx.schedule));
  detail::ForkServer* server = c.python.empty() ? nullptr : detail::ForkServer::for_interpreter(c.python, c.env);
  bool served = server != nullptr && server->start(c.argv, run.env, c.directory, ev[1], dec[0], out[1]);
  pid_t pid = -1;
  if (!served) {
    if (!c.python.empty()) run.argv.insert(run.argv.begin(), {c.python, "-m", "faultline_asyncio"});
    pid = ::fork();
    if (pid < 0) return 126;
    if (pid == 0) exec_child(run, ev[1], dec[0], out[1]);
  }
  ::close(ev[1]);
  ::close(dec[0]);
  ::close(out[1]);
  // NOTE: the run ends when the child ends, not at EOF: a grandchild may hold its pipes open.
  int end_fd = served ? server->fd() : static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  Session session(dec[1], units);
  LineReader events{ev[0], {}}, output{out[0], {}};
  bool ended = false;
  BatchWhileReading batch;
  while (events.open || output.open) {
    pollfd fds[3] = {{events.open ? events.fd : -1, POLLIN, 0}, {output.open ? output.fd : -1, POLLIN, 0},
                     {ended ? -1 : end_fd, POLLIN, 0}};
    int ready = ::poll(fds, 3, ended ? 0 : -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (ready == 0) break;  // ended, and what it wrote before it ended is read
    // NOTE: output first: a line the child printed before its next await is seen before it.
    if (fds[1].revents != 0) output.read_some([&](std::string_view l) { session.on_output(l); });
    else if (fds[0].revents != 0) events.read_some([&](std::string_view l) { session.on_event(l); });
    else if (fds[2].revents != 0) ended = true;
  }
  ::close(ev[0]);
  ::close(dec[1]);
  ::close(out[0]);
  int status = 0;
  if (served) {
    status = server->wait();
    if (status < 0) return 126;  // the fork server died: an infrastructure failure, not the program's
  } else {
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    ::kill(-pid, SIGKILL);  // what the run left in its process group
    if (end_fd >= 0) ::close(end_fd);
  }
  if (WIFSIGNALED(status)) {
    terminate_by_signal(WTERMSIG(status));  // in persistent mode: recorded, and we return
    return 128 + WTERMSIG(status);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace

std::function<int(const RunContext&)> external_program(ExternalCommand command) {
  auto units = std::make_shared<const std::vector<CompiledUnit>>(compile(command.output_units));
  return [command = std::move(command), units](const RunContext& ctx) { return run_external(command, *units, ctx); };
}

}  // namespace faultline
