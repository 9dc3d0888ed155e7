#include <faultline/sandbox.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <faultline/detail/fork_gate.hpp>
#include <faultline/oracle.hpp>

using namespace faultline;

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
// NOTE: sanitizers catch SIGSEGV themselves: the child exits with a report instead of dying by
// the signal. The crash oracle reads that report; the tests check the oracle in that case.
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// Plain programs, no runtime at all: the sandbox knows nothing of rt.
Scenario plain(const char* name, int (*program)()) {
  Scenario s;
  s.name = name;
  s.description = "sandbox test program";
  s.program = [program](const RunContext&) { return program(); };
  return s;
}

int exits_3() { return 3; }
int segfaults() {
  std::raise(SIGSEGV);
  return 0;
}
int aborts() { std::abort(); }
int hangs() {
  for (;;) std::this_thread::sleep_for(std::chrono::milliseconds(10));
}
int floods_stdout() {
  for (int i = 0; i < 200000; ++i) std::printf("flood line %d ................................................\n", i);
  std::fflush(stdout);
  return 0;
}
int killed_by_term() {
  terminate_by_signal(SIGTERM);  // the runtime seam: real re-raise, or recorded in persistent mode
  return 128 + SIGTERM;
}

int throws() { throw std::runtime_error("escapes: the persistent worker is replaced"); }

Registration r1(+[] { return plain("sandbox_exits_3", &exits_3); });
Registration r2(+[] { return plain("sandbox_segfaults", &segfaults); });
Registration r3(+[] { return plain("sandbox_aborts", &aborts); });
Registration r4(+[] { return plain("sandbox_hangs", &hangs); });
Registration r5(+[] { return plain("sandbox_floods", &floods_stdout); });
Registration r6(+[] { return plain("sandbox_term", &killed_by_term); });
Registration r7(+[] { return plain("sandbox_throws", &throws); });

RunOutcome run(Worker& w, const char* name, int timeout_ms = 2000) {
  RunRequest req{&Registry::instance().get(name), {}, Schedule{}, timeout_ms};
  return w.run(req);
}

}  // namespace

TEST(SandboxForked, ReportsExitStatus) {
  Worker w(ExecMode::forked);
  RunOutcome o = run(w, "sandbox_exits_3");
  EXPECT_EQ(o.end.kind, ProcessEnd::Kind::exited);
  EXPECT_EQ(o.end.value, 3);
  EXPECT_EQ(w.record().finished, 1u);
}

TEST(SandboxForked, ContainsCrashesAndAbortsAndGoesOn) {
  Worker w(ExecMode::forked);
  RunOutcome crash = run(w, "sandbox_segfaults");
  if (kSanitized) {
    EXPECT_TRUE(judge(Registry::instance().get("sandbox_segfaults"), w.record(), crash).violates(oracle_id::crash));
  } else {
    EXPECT_EQ(crash.end.kind, ProcessEnd::Kind::signaled);
    EXPECT_EQ(crash.end.value, SIGSEGV);
  }
  RunOutcome abort = run(w, "sandbox_aborts");
  EXPECT_EQ(abort.end.kind, ProcessEnd::Kind::signaled);
  EXPECT_EQ(abort.end.value, SIGABRT);
  EXPECT_EQ(run(w, "sandbox_exits_3").end.value, 3);  // the worker is still there
  EXPECT_EQ(w.starts(), 1);
}

TEST(SandboxForked, WatchdogKillsAHungChild) {
  Worker w(ExecMode::forked);
  RunOutcome o = run(w, "sandbox_hangs", 200);
  EXPECT_EQ(o.end.kind, ProcessEnd::Kind::timed_out);
  EXPECT_EQ(run(w, "sandbox_exits_3").end.value, 3);
}

TEST(SandboxForked, BoundsTheCapturedOutputOfAFlood) {
  Worker w(ExecMode::forked, 1024);
  RunOutcome o = run(w, "sandbox_floods", 10000);
  EXPECT_EQ(o.end.kind, ProcessEnd::Kind::exited);
  EXPECT_GT(o.output_bytes, 10'000'000u);
  EXPECT_LE(o.output_tail.size(), 1024u);
  EXPECT_NE(o.output_tail.find("flood line 199999"), std::string::npos);
}

TEST(SandboxForked, SignalSeamReallyKillsTheChild) {
  Worker w(ExecMode::forked);
  RunOutcome o = run(w, "sandbox_term");
  EXPECT_EQ(o.end.kind, ProcessEnd::Kind::signaled);
  EXPECT_EQ(o.end.value, SIGTERM);
}

TEST(SandboxPersistent, RecordsTheSignalInsteadOfDying) {
  Worker w(ExecMode::persistent);
  RunOutcome o = run(w, "sandbox_term");
  EXPECT_EQ(o.end.kind, ProcessEnd::Kind::signaled);
  EXPECT_EQ(o.end.value, SIGTERM);
  EXPECT_EQ(w.starts(), 1);
}

TEST(SandboxPersistent, ReplacesTheWorkerAfterACrashOrHang) {
  Worker w(ExecMode::persistent);
  EXPECT_EQ(run(w, "sandbox_exits_3").end.value, 3);
  RunOutcome crash = run(w, "sandbox_aborts");
  EXPECT_EQ(crash.end.kind, ProcessEnd::Kind::signaled);
  EXPECT_EQ(crash.end.value, SIGABRT);
  RunOutcome hang = run(w, "sandbox_hangs", 200);
  EXPECT_EQ(hang.end.kind, ProcessEnd::Kind::timed_out);
  EXPECT_EQ(run(w, "sandbox_exits_3").end.value, 3);
  EXPECT_EQ(w.starts(), 3);
}

// NOTE: the ASan build is the one that can fail here: its allocator keeps no lock state across
// fork, so a worker forked while another thread refilled its cache hung in its first `new`.
TEST(SandboxPersistent, WorkersForkedBesideBusyCampaignThreadsStartCleanly) {
  constexpr int kRuns = 200;
  std::atomic<bool> done{false};
  faultline::detail::ForkGateMembers counted(3);
  std::thread busy([&] {  // a campaign thread judging runs: allocates all the time, parks at times
    faultline::detail::ForkGateMember member;
    std::vector<std::string> churn;
    for (std::size_t i = 0; !done; ++i) {  // more than an allocator's per-thread cache holds
      churn.emplace_back(16 + i % 512, 'x');
      if (churn.size() == 4096) churn.clear();
      if (i % 64 == 0) faultline::detail::ForkGateParked parked;
    }
  });
  auto forker = [&](int* timed_out, int* aborted) {
    faultline::detail::ForkGateMember member;
    Worker w(ExecMode::persistent);
    for (int i = 0; i < kRuns; ++i) {  // every run escapes: the next one forks a new worker
      RunOutcome o = run(w, "sandbox_throws", 5000);
      *timed_out += o.end.kind == ProcessEnd::Kind::timed_out;
      *aborted += o.end.kind == ProcessEnd::Kind::signaled && o.end.value == SIGABRT;
    }
  };
  int timed_out[2] = {0, 0}, aborted[2] = {0, 0};
  std::thread a(forker, &timed_out[0], &aborted[0]);
  forker(&timed_out[1], &aborted[1]);
  a.join();
  done = true;
  busy.join();
  EXPECT_EQ(timed_out[0] + timed_out[1], 0);
  EXPECT_EQ(aborted[0] + aborted[1], 2 * kRuns);
}

TEST(SandboxOracle, CrashAndHangAreJudged) {
  Worker w(ExecMode::forked);
  const Scenario& crash = Registry::instance().get("sandbox_aborts");
  RunOutcome o = run(w, "sandbox_aborts");
  EXPECT_TRUE(judge(crash, w.record(), o).violates(oracle_id::crash));
  const Scenario& hang = Registry::instance().get("sandbox_hangs");
  o = run(w, "sandbox_hangs", 100);
  EXPECT_TRUE(judge(hang, w.record(), o).violates(oracle_id::hung_future));
}
