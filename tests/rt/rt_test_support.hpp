#pragma once
// Helpers for rt's tests: an observer that records events as text, and running a program in a
// child process to read its real exit status from waitpid.
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <vector>

#include <faultline/observer.hpp>

namespace rt_test {

class RecordingObserver : public faultline::RuntimeObserver {
 public:
  std::vector<std::string> events;
  int swallowed = 0, destroyed_pending = 0, posts_after_close = 0, deadlocks = 0, cut = 0;
  int futures_created = 0, futures_resolved = 0, committed = 0;
  std::string deadlock_report;

  void task_created(std::uint64_t id, const char* name) override { add("create " + std::string(name) + "#" + std::to_string(id)); }
  void task_finished(std::uint64_t id, faultline::TaskEnd how) override {
    add("finish #" + std::to_string(id) + (how == faultline::TaskEnd::value ? " value" : how == faultline::TaskEnd::error ? " error" : " cancelled"));
  }
  void task_destroyed_pending(std::uint64_t id, const char* name, const char*) override {
    ++destroyed_pending;
    add("destroyed-pending " + std::string(name) + "#" + std::to_string(id));
  }
  void cancel_swallowed(std::uint64_t, const char* name) override { ++swallowed; add("swallowed " + std::string(name)); }
  void future_created(std::uint64_t) override { ++futures_created; }
  void future_resolved(std::uint64_t) override { ++futures_resolved; }
  void protected_committed(std::uint64_t) override { ++committed; }
  void protected_cut(std::uint64_t, const char* name) override { ++cut; add("cut " + std::string(name)); }
  void shutdown_began(faultline::ShutdownCause c, int d) override { add("shutdown " + std::to_string(int(c)) + " " + std::to_string(d)); }
  void posted_after_close(const char*) override { ++posts_after_close; }
  void deadlock(const char* report) override { ++deadlocks; deadlock_report = report; }

 private:
  void add(std::string e) { events.push_back(std::move(e)); }
};

/// Runs `body` in a forked child that exits with body's return value; returns waitpid's status.
inline int run_in_child(const std::function<int()>& body) {
  pid_t pid = fork();
  if (pid == 0) {
    int code = body();
    _exit(code);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

}  // namespace rt_test

#include <faultline/hook.hpp>

namespace rt_test {

/// Records every await point and fires one fault at ordinal `at_ordinal` (1-based).
class OneFaultSink : public faultline::AwaitSink {
 public:
  OneFaultSink(std::uint64_t at_ordinal, faultline::FaultAction action) : at_(at_ordinal), action_(action) {}
  OneFaultSink() = default;
  faultline::FaultAction on_await(const std::source_location& site, std::uint64_t task_id, const char* name) noexcept override {
    ++ordinal;
    trace.push_back(std::string(name) + "#" + std::to_string(task_id) + "@" + std::to_string(site.line()));
    return ordinal == at_ ? action_ : faultline::FaultAction{};
  }
  std::uint64_t ordinal = 0;
  std::vector<std::string> trace;

 private:
  std::uint64_t at_ = 0;
  faultline::FaultAction action_{};
};

inline faultline::FaultAction fault(faultline::FaultKind k, faultline::FaultTiming t = faultline::FaultTiming::at, int arg = 0) {
  return {k, t, arg};
}

}  // namespace rt_test
