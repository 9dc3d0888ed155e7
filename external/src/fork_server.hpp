#pragma once
// The client side of a warm interpreter that forks one child per run (python/faultline_asyncio/
// server.py): a run costs a fork instead of an interpreter's start.
#include <sys/types.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

namespace faultline::detail {

class ForkServer {
 public:
  /// The server for `interpreter` in this process, started on first use; nullptr when it
  /// cannot be started (the caller then execs the program itself).
  static ForkServer* for_interpreter(const std::string& interpreter, const std::vector<std::string>& env);

  /// Starts a run of `argv` with fds events/decisions/output as its 3, 4 and 1+2; false if the
  /// server is gone (it is restarted on the next call).
  bool start(const std::vector<std::string>& argv, const std::vector<std::string>& env, const std::string& cwd,
             int events_fd, int decisions_fd, int output_fd);
  /// Waits for the run's end; returns waitpid's raw status, or -1 if the server died.
  int wait();
  /// Readable when the run has ended (the server's answer arrived), for poll.
  int fd() const noexcept { return fd_; }

 private:
  ForkServer(pid_t pid, int socket_fd) : pid_(pid), fd_(socket_fd), owner_(::getpid()) {}
  void stop();
  pid_t pid_;
  int fd_;
  pid_t owner_;  // NOTE: a forked child of the owner must not use it (its fds were closed)
  std::uint64_t next_id_ = 1, pending_id_ = 0;
};

}  // namespace faultline::detail
