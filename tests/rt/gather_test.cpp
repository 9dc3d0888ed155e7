#include <rt/gather.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>

#include "rt/rt_test_support.hpp"
#include <rt/rt.hpp>

using namespace std::chrono_literals;

namespace {

rt::Task<int> value_after(std::chrono::seconds d, int v) {
  co_await rt::sleep(d);
  co_return v;
}
rt::Task<int> fail_after(std::chrono::seconds d) {
  co_await rt::sleep(d);
  throw std::runtime_error("collector failed");
}

rt::Task<int> gather_values() {
  std::vector<rt::Handle<int>> hs{rt::spawn(value_after(2s, 1)), rt::spawn(value_after(1s, 2))};
  auto values = co_await rt::gather(hs);
  co_return values[0] * 10 + values[1];
}

rt::Task<int> gather_raises_first_error_at_once() {
  // seed 000: gather surfaces a collector's error even while the other runs on.
  std::vector<rt::Handle<int>> hs{rt::spawn(value_after(100s, 1), "forever"), rt::spawn(fail_after(1s), "fails")};
  try {
    co_await rt::gather(hs);
  } catch (const std::runtime_error&) {
    bool early = rt::now() == std::chrono::nanoseconds(1s) && !hs[0].done();
    hs[0].cancel();
    co_return early ? 0 : 2;
  }
  co_return 3;
}

rt::Task<int> wait_never_raises() {
  std::vector<rt::Handle<int>> hs{rt::spawn(value_after(2s, 1)), rt::spawn(fail_after(1s))};
  auto [done, pending] = co_await rt::wait(hs, rt::WaitMode::first_exception);
  if (done.size() != 1 || pending.size() != 1) co_return 2;
  // Retrieve the error so the runtime does not flag it, then let the other finish.
  co_await rt::wait(pending);
  co_return done[0].exception() != nullptr ? 0 : 3;
}

rt::Task<int> slow(bool& cleaned) {
  try {
    co_await rt::sleep(10s);
  } catch (const rt::Cancelled&) {
    cleaned = true;
    throw;
  }
  co_return 1;
}
rt::Task<int> wait_for_times_out(bool& cleaned) {
  try {
    co_await rt::wait_for(slow(cleaned), 2s);
  } catch (const rt::Timeout&) {
    co_return cleaned && rt::now() == std::chrono::nanoseconds(2s) ? 0 : 2;
  }
  co_return 3;
}

rt::Task<int> shield_keeps_inner_running() {
  auto inner = rt::spawn(value_after(5s, 7), "inner");
  auto waiter = rt::spawn([](rt::Handle<int> h) -> rt::Task<int> { co_return co_await rt::shield(h); }(inner), "waiter");
  co_await rt::sleep(1s);
  waiter.cancel();
  std::vector<rt::Handle<int>> ws(1, waiter);
  co_await rt::wait(ws);
  int v = co_await inner;  // still ran to completion
  co_return waiter.cancelled() && v == 7 ? 0 : 2;
}

rt::Task<int> group_cancels_siblings(bool& cleaned) {
  rt::TaskGroup group;
  group.spawn(slow(cleaned), "slow");
  group.spawn(fail_after(1s), "fails");
  try {
    co_await group.join();
  } catch (const std::runtime_error&) {
    co_return cleaned ? 0 : 2;
  }
  co_return 3;
}

}  // namespace

TEST(Gather, ReturnsResultsInOrder) {
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(gather_values()), 12);
}

TEST(Gather, RaisesTheFirstErrorWithoutWaitingForTheRest) {
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(gather_raises_first_error_at_once()), 0);
}

TEST(Wait, ReturnsDoneAndPendingAndRaisesNothing) {
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(wait_never_raises()), 0);
}

TEST(WaitFor, TimeoutCancelsAndAwaitsTheInnerWork) {
  bool cleaned = false;
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(wait_for_times_out(cleaned)), 0);
}

TEST(Shield, CancellingTheAwaiterLeavesTheInnerTaskRunning) {
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(shield_keeps_inner_running()), 0);
}

TEST(TaskGroup, FirstErrorCancelsSiblingsAndIsRaised) {
  bool cleaned = false;
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(group_cancels_siblings(cleaned)), 0);
}
