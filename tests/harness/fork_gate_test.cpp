#include <faultline/detail/fork_gate.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using namespace faultline::detail;
using namespace std::chrono_literals;

namespace {

void spin_until(const std::atomic<bool>& flag) {
  while (!flag.load()) std::this_thread::yield();
}

TEST(ForkGate, AForkWaitsForEveryOtherMemberToPark) {
  std::atomic<bool> member_active{false}, forker_waiting{false}, forker_done{false}, passed_while_active{false};
  ForkGateMembers counted(1);
  std::thread member([&] {
    ForkGateMember m;
    member_active = true;
    spin_until(forker_waiting);
    std::this_thread::sleep_for(50ms);  // busy, as between two runs
    member_active = false;
    ForkGateParked parked;
    spin_until(forker_done);
  });
  while (!member_active) std::this_thread::yield();
  forker_waiting = true;
  {
    ForkGateAlone alone;
    passed_while_active = member_active.load();
  }
  forker_done = true;
  member.join();
  EXPECT_FALSE(passed_while_active);
}

TEST(ForkGate, AParkedMemberStaysParkedUntilTheForkEnds) {
  std::atomic<bool> parked{false}, forking{false}, saw_fork_in_progress{false};
  ForkGateMembers counted(1);
  std::thread member([&] {
    ForkGateMember m;
    {
      ForkGateParked p;
      parked = true;
      spin_until(forking);
    }
    saw_fork_in_progress = forking.load();
  });
  spin_until(parked);
  {
    ForkGateAlone alone;
    forking = true;
    std::this_thread::sleep_for(50ms);
    forking = false;
  }
  member.join();
  EXPECT_FALSE(saw_fork_in_progress);
}

TEST(ForkGate, MembersThatForkTogetherTakeTurnsAndNeverDeadlock) {
  std::atomic<int> inside{0}, most_inside{0};
  ForkGateMembers counted(4);
  std::vector<std::thread> members;
  for (int t = 0; t < 4; ++t)
    members.emplace_back([&] {
      ForkGateMember m;
      for (int i = 0; i < 2000; ++i) {
        {
          ForkGateAlone alone;
          int now = ++inside;
          int seen = most_inside.load();
          while (now > seen && !most_inside.compare_exchange_weak(seen, now)) {
          }
          --inside;
        }
        ForkGateParked p;  // a run's wait
      }
    });
  for (auto& t : members) t.join();
  EXPECT_EQ(most_inside.load(), 1);
}

TEST(ForkGate, AMemberWaitingOnAConditionOrAMutexLetsAForkThrough) {
  std::mutex m;
  std::condition_variable cv;
  bool ready = false;
  std::mutex held_across_fork;
  std::atomic<bool> forker_holds{false}, waiters_started{false};
  ForkGateMembers counted(3);
  std::thread forker([&] {
    ForkGateMember member;
    auto lock = lock_parked(held_across_fork);
    forker_holds = true;
    spin_until(waiters_started);
    std::this_thread::sleep_for(20ms);  // the others are now blocked below
    { ForkGateAlone alone; }            // waits for ever unless both count as parked
    std::lock_guard g(m);
    ready = true;
    cv.notify_all();
  });
  std::thread on_condition([&] {
    ForkGateMember member;
    spin_until(forker_holds);
    waiters_started = true;
    std::unique_lock lock(m);
    wait_parked(cv, lock, [&] { return ready; });
    EXPECT_TRUE(ready);
  });
  std::thread on_mutex([&] {
    ForkGateMember member;
    spin_until(forker_holds);
    auto lock = lock_parked(held_across_fork);
    EXPECT_TRUE(lock.owns_lock());
  });
  forker.join();
  on_condition.join();
  on_mutex.join();
}

TEST(ForkGate, AThreadCountedBeforeItStartsIsWaitedForUntilItParks) {
  std::atomic<bool> started{false}, forker_done{false}, passed_before_start{false};
  ForkGateMembers counted(1);
  std::thread forker([&] {  // not a member: waits for the one counted
    ForkGateAlone alone;
    passed_before_start = !started.load();
    forker_done = true;
  });
  std::this_thread::sleep_for(50ms);  // the member has not started yet: no fork may pass
  std::thread member([&] {
    ForkGateMember m;
    started = true;
    ForkGateParked p;
    spin_until(forker_done);
  });
  forker.join();
  member.join();
  EXPECT_FALSE(passed_before_start);
}

TEST(ForkGate, ThreadsThatAreNotMembersNeitherCountNorWait) {
  ForkGateParked not_counted;  // the test's thread is no member: this changes nothing
  ForkGateAlone alone;         // and no member is active: passes at once
  SUCCEED();
}

}  // namespace
