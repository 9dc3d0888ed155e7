#include <rt/handle.hpp>

#include <gtest/gtest.h>

#include <chrono>

#include "rt/rt_test_support.hpp"
#include <rt/rt.hpp>

using namespace std::chrono_literals;

namespace {

struct Log {
  bool cleanup_ran = false;
  bool inner_cancelled = false;
};

rt::Task<void> worker(Log& log) {
  try {
    co_await rt::sleep(10s);
  } catch (const rt::Cancelled&) {
    log.cleanup_ran = true;
    throw;
  }
}
rt::Task<int> cancel_then_await(Log& log) {
  auto h = rt::spawn(worker(log), "worker");
  co_await rt::sleep(1s);
  EXPECT_TRUE(h.cancel());
  try {
    co_await h;
  } catch (const rt::Cancelled&) {
    co_return h.cancelled() ? 0 : 2;
  }
  co_return 3;
}

rt::Task<void> swallower() {
  try {
    co_await rt::sleep(10s);
  } catch (...) {  // seed 001's do_not_raise: eats the cancellation
  }
}
rt::Task<void> uncanceller() {
  try {
    co_await rt::sleep(10s);
  } catch (const rt::Cancelled&) {
    rt::uncancel();  // handled on purpose
  }
}
rt::Task<int> cancel_both() {
  auto a = rt::spawn(swallower(), "swallower");
  auto b = rt::spawn(uncanceller(), "uncanceller");
  co_await rt::yield();
  a.cancel();
  b.cancel();
  co_await a;
  co_await b;
  co_return 0;
}

rt::Task<void> inner(Log& log) {
  try {
    co_await rt::sleep(10s);
  } catch (const rt::Cancelled&) {
    log.inner_cancelled = true;
    throw;
  }
}
rt::Task<void> outer(Log& log) { co_await rt::spawn(inner(log), "inner"); }
rt::Task<int> cancel_outer(Log& log) {
  auto h = rt::spawn(outer(log), "outer");
  co_await rt::sleep(1s);
  h.cancel();
  std::vector<rt::Handle<void>> hs(1, h);
  co_await rt::wait(hs);
  co_return h.cancelled() ? 0 : 1;
}

rt::Task<int> cancelled_before_start() {
  Log log;
  auto h = rt::spawn(worker(log), "worker");
  h.cancel();  // before its first step: it ends cancelled without running its body's await
  std::vector<rt::Handle<void>> hs(1, h);
  co_await rt::wait(hs);
  co_return h.cancelled() && !log.cleanup_ran ? 0 : 1;
}

}  // namespace

TEST(Cancel, RaisesCancelledAtTheAwaitAndRunsCleanup) {
  Log log;
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(cancel_then_await(log)), 0);
  EXPECT_TRUE(log.cleanup_ran);
}

TEST(Cancel, SwallowedCancellationIsReportedAndUncancelIsNot) {
  rt_test::RecordingObserver obs;
  faultline::ScopedObserver scope(&obs);
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(cancel_both()), 0);
  EXPECT_EQ(obs.swallowed, 1);
  EXPECT_NE(std::find(obs.events.begin(), obs.events.end(), "swallowed swallower"), obs.events.end());
}

TEST(Cancel, CancellingAnAwaiterCancelsTheAwaitedTask) {
  Log log;
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(cancel_outer(log)), 0);
  EXPECT_TRUE(log.inner_cancelled);
}

TEST(Cancel, CancelBeforeFirstStepEndsCancelled) {
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(cancelled_before_start()), 0);
}

TEST(Cancel, ResultBeforeDoneIsInvalidState) {
  rt::Runtime runtime;
  auto body = []() -> rt::Task<int> {
    Log log;
    auto h = rt::spawn(worker(log), "worker");
    int code = 1;
    try {
      h.result();
    } catch (const rt::InvalidState&) {
      code = 0;
    }
    h.cancel();
    std::vector<rt::Handle<void>> hs(1, h);
    co_await rt::wait(hs);
    co_return code;
  };
  EXPECT_EQ(runtime.run(body()), 0);
}
