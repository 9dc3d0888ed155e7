#include <rt/runtime.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <stdexcept>

#include "rt/rt_test_support.hpp"
#include <rt/rt.hpp>

using namespace std::chrono_literals;
using rt_test::run_in_child;

namespace {

int run_main(rt::Task<int> (*main)(), rt::Options options = {}) {
  rt::Runtime runtime(options);
  return runtime.run(main());
}

rt::Task<int> returns_three() { co_return 3; }
rt::Task<int> exits_four() {
  co_await rt::yield();
  rt::exit(4);
}
rt::Task<int> throws_error() {
  co_await rt::yield();
  throw std::runtime_error("boom");
}
rt::Task<void> fails_later() {
  co_await rt::sleep(1s);
  throw std::runtime_error("never retrieved");
}
rt::Task<int> ignores_failed_task() {
  std::vector<rt::Handle<void>> hs(1, rt::spawn(fails_later(), "fails"));
  co_await rt::wait(hs);  // asyncio.wait: does not retrieve the error (seed 000)
  co_return 0;
}
rt::Task<int> raises_sigterm() {
  co_await rt::sleep(1s);
  std::raise(SIGTERM);
  co_await rt::sleep(1h);
  co_return 0;
}
rt::Task<void> stuck(rt::Queue<int>& q) { co_await q.get(); }
rt::Task<int> deadlocks() {
  rt::Queue<int> q;
  auto h = rt::spawn(stuck(q), "consumer");
  co_await h;
  co_return 0;
}

}  // namespace

TEST(RuntimeExitStatus, MainValueIsTheStatus) {
  int status = run_in_child([] { return run_main(returns_three); });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3);
}

TEST(RuntimeExitStatus, EscapedExitRequestGivesItsCode) {
  int status = run_in_child([] { return run_main(exits_four); });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 4);
}

TEST(RuntimeExitStatus, UnhandledExceptionGivesOne) {
  int status = run_in_child([] { return run_main(throws_error); });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
}

TEST(RuntimeExitStatus, NeverRetrievedExceptionGivesOne) {
  int status = run_in_child([] { return run_main(ignores_failed_task); });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
}

TEST(RuntimeExitStatus, FlawUnretrievedExitZeroBringsBackSeed000) {
  rt::Options options;
  options.flaws.unretrieved_exit_zero = true;
  int status = run_in_child([&] { return run_main(ignores_failed_task, options); });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(RuntimeExitStatus, SignalIsReraisedAfterGracefulShutdown) {
  int status = run_in_child([] { return run_main(raises_sigterm); });
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
}

TEST(RuntimeExitStatus, SignalPolicyCanExitWith128PlusS) {
  rt::Options options;
  options.signal_policy = rt::SignalPolicy::exit_128_plus;
  int status = run_in_child([&] { return run_main(raises_sigterm, options); });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
}

TEST(RuntimeDeterministic, DeadlockIsReportedAtOnceWithPendingSites) {
  rt_test::RecordingObserver obs;
  faultline::ScopedObserver scope(&obs);
  int status = run_main(deadlocks);
  EXPECT_EQ(status, 1);
  EXPECT_EQ(obs.deadlocks, 1);
  EXPECT_NE(obs.deadlock_report.find("consumer#"), std::string::npos) << obs.deadlock_report;
  EXPECT_NE(obs.deadlock_report.find("runtime_test.cpp:"), std::string::npos) << obs.deadlock_report;
  EXPECT_NE(obs.deadlock_report.find("main#"), std::string::npos) << obs.deadlock_report;
}

namespace {
rt::Task<void> sleeper(std::chrono::seconds d) { co_await rt::sleep(d); }
rt::Task<int> six_workers() {
  std::vector<rt::Handle<void>> hs;
  for (int i = 0; i < 6; ++i) hs.push_back(rt::spawn(sleeper(10s), "worker"));
  co_await rt::gather(hs);
  co_return rt::now() == std::chrono::nanoseconds(10s) ? 0 : 9;
}
}  // namespace

TEST(RuntimeDeterministic, VirtualClockJumpsToTheNextTimer) {
  // Six workers sleeping 10 s each end at virtual 10 s, not 60 s, and not in real time.
  EXPECT_EQ(run_main(six_workers), 0);
}
