// The harness under fire: each test runs a program written to break it (tests/hostile) and
// checks the harness neither hangs, nor is fooled, nor leaves a process behind.
#include <faultline/sandbox.hpp>

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include <faultline/explorer.hpp>
#include <faultline/oracle.hpp>

using namespace faultline;
using Clock = std::chrono::steady_clock;

namespace {

/// Every test: the processes the hostile programs started (noted in a file) are gone at the
/// end, and this process has no child left.
class Hostile : public ::testing::Test {
 protected:
  void SetUp() override {
    pids_file_ = ::testing::TempDir() + "hostile_pids_" + std::to_string(getpid());
    std::remove(pids_file_.c_str());
    setenv("FAULTLINE_HOSTILE_PIDS", pids_file_.c_str(), 1);
  }
  void TearDown() override {
    std::ifstream in(pids_file_);
    for (long pid; in >> pid;) EXPECT_FALSE(alive(static_cast<pid_t>(pid))) << "process " << pid << " outlived its run";
    EXPECT_EQ(children(), "") << "children left behind";
    std::remove(pids_file_.c_str());
  }

  static bool alive(pid_t pid) {
    for (int i = 0; i < 100; ++i) {  // SIGKILL is delivered asynchronously: up to 1 s
      waitpid(pid, nullptr, WNOHANG);  // reaps it if it came back to us (we are a subreaper)
      if (kill(pid, 0) != 0) return false;
      std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
      std::string line;
      std::getline(stat, line);
      auto close = line.rfind(')');
      if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z') return false;  // not yet reaped by its parent
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  }

  static std::string children() {
    std::string all;
    std::ifstream f("/proc/self/task/" + std::to_string(getpid()) + "/children");
    std::getline(f, all);
    return all;
  }

  RunOutcome run(Worker& w, const char* scenario, int timeout_ms = 2000) {
    RunRequest req{&Registry::instance().get(scenario), {}, Schedule{}, timeout_ms};
    return w.run(req);
  }

  Verdict judged(Worker& w, const char* scenario, const RunOutcome& o) {
    return judge(Registry::instance().get(scenario), w.record(), o);
  }

  std::string pids_file_;
};

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

TEST_F(Hostile, BytesForgedOnEveryDescriptorNeverFoolOrHangTheHarness) {
  for (ExecMode mode : {ExecMode::persistent, ExecMode::forked}) {
    Worker w(mode);
    auto t = Clock::now();
    RunOutcome o = run(w, "hostile_forge_fds");
    EXPECT_LT(seconds_since(t), 2.0);
    EXPECT_EQ(o.end.kind, ProcessEnd::Kind::exited);
    EXPECT_EQ(o.end.value, 0);
    RunOutcome again = run(w, "hostile_forge_fds");  // the worker still answers truthfully
    EXPECT_EQ(again.end.kind, ProcessEnd::Kind::exited);
    if (mode == ExecMode::persistent) {
      EXPECT_GE(w.untrusted_answers(), 1u);
    }
  }
}

TEST_F(Hostile, AProgramClosingDescriptorsGetsTheForkedVerdict) {
  Worker persistent(ExecMode::persistent), forked(ExecMode::forked);
  RunOutcome p = run(persistent, "hostile_close_fds"), f = run(forked, "hostile_close_fds");
  EXPECT_EQ(p.end.kind, f.end.kind);
  EXPECT_EQ(p.end.value, f.end.value);
  EXPECT_EQ(p.end.kind, ProcessEnd::Kind::exited);
}

TEST_F(Hostile, ExitingMidRunIsJudgedTheSameInBothModes) {
  for (const char* scenario : {"hostile_exit_mid_run", "hostile__exit_mid_run"}) {
    Worker persistent(ExecMode::persistent), forked(ExecMode::forked);
    RunOutcome p = run(persistent, scenario), f = run(forked, scenario);
    EXPECT_EQ(p.end.kind, ProcessEnd::Kind::exited) << scenario;
    EXPECT_EQ(p.end.kind, f.end.kind) << scenario;
    EXPECT_EQ(p.end.value, f.end.value) << scenario;
    EXPECT_EQ(judged(persistent, scenario, p).violations.size(), judged(forked, scenario, f).violations.size()) << scenario;
  }
}

TEST_F(Hostile, AnEscapedExceptionIsACrashInBothModesNeverASecondHarness) {
  for (ExecMode mode : {ExecMode::persistent, ExecMode::forked}) {
    Worker w(mode);
    RunOutcome o = run(w, "hostile_escape");
    Verdict v = judged(w, "hostile_escape", o);
    ASSERT_TRUE(v.violates(oracle_id::crash)) << to_string(o.end);
    EXPECT_NE(v.violations[0].explanation.find("escaped the program"), std::string::npos) << v.violations[0].explanation;
    EXPECT_EQ(o.end.kind, ProcessEnd::Kind::signaled);
    EXPECT_EQ(o.end.value, SIGABRT);
  }
  // In a campaign over two workers the escape is a finding, once, and the campaign ends.
  CampaignOptions opt;
  opt.scenarios = {"hostile_escape"};
  opt.jobs = 2;
  opt.random_runs = 0;
  opt.replays = 1;
  CampaignResult r = run_campaign(opt, {}, {});
  ASSERT_EQ(r.scenarios[0].findings.size(), 1u);
  EXPECT_EQ(r.scenarios[0].findings[0].oracle, oracle_id::crash);
  EXPECT_TRUE(r.scenarios[0].findings[0].confirmed_forked);
}

TEST_F(Hostile, AGrandchildHoldingTheOutputDoesNotTurnACrashIntoAHang) {
  Worker w(ExecMode::forked);
  auto t = Clock::now();
  RunOutcome o = run(w, "hostile_grandchild_holds_output");
  EXPECT_LT(seconds_since(t), 1.0);
  EXPECT_EQ(o.end.kind, ProcessEnd::Kind::signaled);
  EXPECT_EQ(o.end.value, SIGABRT);
}

TEST_F(Hostile, RunsNeverOutliveTheirRun) {
  for (ExecMode mode : {ExecMode::persistent, ExecMode::forked})
    for (const char* scenario : {"hostile_setsid_grandchild", "hostile_flooding_grandchild"}) {
      Worker w(mode);
      auto t = Clock::now();
      RunOutcome o = run(w, scenario);
      EXPECT_LT(seconds_since(t), 1.0) << scenario;
      EXPECT_EQ(o.end.kind, ProcessEnd::Kind::exited) << scenario;
    }
}

TEST_F(Hostile, WorkersDieWithTheHarness) {
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  pid_t harness = fork();
  if (harness == 0) {
    Worker w(ExecMode::persistent);
    pid_t worker = w.pid();
    (void)!write(pipefd[1], &worker, sizeof worker);
    run(w, "hostile_sleep_forever", 600000);  // never returns: the harness is killed first
    _exit(0);
  }
  pid_t worker = -1;
  ASSERT_EQ(read(pipefd[0], &worker, sizeof worker), static_cast<ssize_t>(sizeof worker));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  kill(harness, SIGKILL);
  waitpid(harness, nullptr, 0);
  EXPECT_FALSE(alive(worker)) << "the worker kept spinning after SIGKILL to the harness";
  close(pipefd[0]);
  close(pipefd[1]);
}

TEST_F(Hostile, AStopRequestEndsAHangWithinASecond) {
  for (ExecMode mode : {ExecMode::persistent, ExecMode::forked}) {
    Worker w(mode);
    std::atomic<bool> stop{false};
    w.set_stop_flag(&stop);
    std::thread stopper([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      stop = true;
    });
    auto t = Clock::now();
    RunOutcome o = run(w, "hostile_sleep_forever", 60000);
    stopper.join();
    EXPECT_EQ(o.end.kind, ProcessEnd::Kind::interrupted);
    EXPECT_LT(seconds_since(t), 1.2);
  }
}

TEST_F(Hostile, ALeakingProgramIsRecycledAndReported) {
  WorkerLimits limits;
  limits.recycle_growth_mb = 16;
  Worker w(ExecMode::persistent, 4096, limits);
  for (int i = 0; i < 2000; ++i) ASSERT_EQ(run(w, "hostile_leak_64k").end.kind, ProcessEnd::Kind::exited);
  const MemoryStats& m = w.memory();
  EXPECT_GE(m.recycles, 4u) << "2000 x 64 KiB is 125 MiB of growth";
  EXPECT_GE(m.grown_bytes, 100ull << 20);
  EXPECT_LT(m.peak_resident_bytes, (16ull << 20) + (64ull << 20)) << "the worker stays within its growth bound";
}

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
TEST_F(Hostile, AnAllocationPastTheMemoryLimitIsOutOfMemoryInBothModes) {
  for (ExecMode mode : {ExecMode::persistent, ExecMode::forked}) {
    Worker w(mode);
    RunOutcome o = run(w, "hostile_alloc_6gb", 20000);
    Verdict v = judged(w, "hostile_alloc_6gb", o);
    ASSERT_TRUE(v.violates(oracle_id::crash)) << to_string(o.end);
    EXPECT_EQ(v.violations[0].subject, "out of memory") << v.violations[0].explanation;
  }
}
#endif
