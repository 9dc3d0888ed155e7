#include <faultline/oracle.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include <faultline/ledger.hpp>
#include <faultline/sandbox.hpp>
#include <rt/rt.hpp>

using namespace faultline;
using namespace std::chrono_literals;

namespace {

// Purpose-built programs: each bad one breaks exactly one invariant; each good one keeps it.
rt::Task<int> returns_2() { co_return 2; }
rt::Task<int> returns_0() {
  co_await rt::sleep(1s);
  co_return 0;
}
rt::Task<int> loses_unit() {
  ledger::begin("unit");
  co_await rt::sleep(1s);
  co_return 0;
}
rt::Task<int> commits_twice() {
  ledger::begin("unit");
  ledger::commit("unit");
  ledger::commit("unit");
  co_return 0;
}
rt::Task<int> commits_once() {
  ledger::begin("unit");
  co_await rt::sleep(1s);
  ledger::commit("unit");
  co_return 0;
}
rt::Task<void> stuck(rt::Queue<int> q) { co_await q.get(); }
rt::Task<int> deadlocks() {
  rt::Queue<int> q;
  co_await rt::spawn(stuck(q), "stuck");
  co_return 0;
}
rt::Task<void> immortal() {
  for (;;) {
    try {
      co_await rt::sleep(1h);
    } catch (...) {  // ignores every cancellation: cut at the end of the grace period
    }
  }
}
rt::Task<int> leaks_task() {
  rt::spawn(immortal(), "immortal");
  co_await rt::yield();
  co_return 0;
}
rt::Task<void> swallows() {
  try {
    co_await rt::sleep(1h);
  } catch (...) {
  }
}
rt::Task<void> rethrows() {
  try {
    co_await rt::sleep(1h);
  } catch (...) {
    throw;
  }
}
template <rt::Task<void> (*child)()>
rt::Task<int> cancels_child() {
  auto h = rt::spawn(child(), "child");
  co_await rt::yield();
  h.cancel();
  std::vector<rt::Handle<void>> hs(1, h);
  co_await rt::wait(hs);
  co_return 0;
}
rt::Task<int> crashes() {
  co_await rt::yield();
  std::abort();
}

Scenario on_rt(const char* name, rt::Task<int> (*main)()) {
  Scenario s;
  s.name = name;
  s.description = "oracle test program";
  s.program = [main](const RunContext&) {
    rt::Runtime runtime;
    return runtime.run(main());
  };
  return s;
}

Registration r1(+[] { return on_rt("oracle_returns_2", &returns_2); });
Registration r2(+[] { return on_rt("oracle_returns_0", &returns_0); });
Registration r3(+[] { return on_rt("oracle_loses_unit", &loses_unit); });
Registration r4(+[] { return on_rt("oracle_commits_twice", &commits_twice); });
Registration r5(+[] { return on_rt("oracle_commits_once", &commits_once); });
Registration r6(+[] { return on_rt("oracle_deadlocks", &deadlocks); });
Registration r7(+[] { return on_rt("oracle_leaks_task", &leaks_task); });
Registration r8(+[] { return on_rt("oracle_swallows", &cancels_child<&swallows>); });
Registration r9(+[] { return on_rt("oracle_rethrows", &cancels_child<&rethrows>); });
Registration r10(+[] { return on_rt("oracle_crashes", &crashes); });

Verdict judge_run(const char* name, const char* schedule = "") {
  static Worker worker(ExecMode::forked);
  const Scenario& s = Registry::instance().get(name);
  RunRequest req{&s, {}, parse_schedule(schedule), 5000};
  RunOutcome o = worker.run(req);
  return judge(s, worker.record(), o);
}

std::vector<std::string> ids(const Verdict& v) {
  std::vector<std::string> out;
  for (const auto& x : v.violations) out.push_back(x.oracle);
  return out;
}

}  // namespace

TEST(Oracle, ExitCodeFiresOnAWrongStatusAndNotOnTheRightOne) {
  EXPECT_EQ(ids(judge_run("oracle_returns_2")), std::vector<std::string>{oracle_id::exit_code});
  EXPECT_TRUE(judge_run("oracle_returns_0").violations.empty());
  // With a fault, the spec derives the status: a throw must end in 1.
  EXPECT_TRUE(judge_run("oracle_returns_0", "1:throw").violations.empty());
}

TEST(Oracle, ProtectedWorkFiresOnLostOrDuplicatedWork) {
  EXPECT_EQ(ids(judge_run("oracle_loses_unit")), std::vector<std::string>{oracle_id::protected_work});
  EXPECT_EQ(ids(judge_run("oracle_commits_twice")), std::vector<std::string>{oracle_id::protected_work});
  EXPECT_TRUE(judge_run("oracle_commits_once").violations.empty());
}

TEST(Oracle, HungFutureFiresOnADeadlock) {
  EXPECT_EQ(ids(judge_run("oracle_deadlocks")), std::vector<std::string>{oracle_id::hung_future});
}

TEST(Oracle, LeakedTaskFiresOnATaskDestroyedPending) {
  EXPECT_EQ(ids(judge_run("oracle_leaks_task")), std::vector<std::string>{oracle_id::leaked_task});
}

TEST(Oracle, SwallowedCancelFiresOnlyWhenTheCancellationIsEaten) {
  EXPECT_EQ(ids(judge_run("oracle_swallows")), std::vector<std::string>{oracle_id::swallowed_cancel});
  EXPECT_TRUE(judge_run("oracle_rethrows").violations.empty());
}

TEST(Oracle, CrashFiresOnAbort) {
  EXPECT_EQ(ids(judge_run("oracle_crashes")), std::vector<std::string>{oracle_id::crash});
}
