#include <rt/thread.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "rt/rt_test_support.hpp"
#include <rt/rt.hpp>

using namespace std::chrono_literals;

namespace {

rt::Task<int> uses_thread() {
  int v = co_await rt::to_thread([] { return 20 + 1; });
  co_return v * 2;
}

std::atomic<int> late_work{0};
rt::Task<int> fire_and_forget() {
  // seed 004: executor work outliving main; shutdown must wait for it.
  rt::spawn(rt::to_thread([] {
              std::this_thread::sleep_for(30ms);
              late_work = 1;
            }),
            "blocking");
  co_await rt::sleep(1s);
  co_return 0;
}

rt::Task<int> exits_with(int code) {
  co_await rt::sleep(1s);
  rt::exit(code);
}
rt::Task<int> raises() {
  co_await rt::yield();
  throw std::runtime_error("in submitted coroutine");
}

// seed 003: a foreign thread submits a coroutine and waits on the future with a deadline.
rt::Task<int> foreign_submitter(rt::Runtime& runtime, bool exit_request, std::string& outcome) {
  co_await rt::to_thread([&runtime, exit_request, &outcome] {
    std::future<int> f = exit_request ? rt::submit(runtime, exits_with(7)) : rt::submit(runtime, raises());
    if (f.wait_for(2s) != std::future_status::ready) {
      outcome = "hung";
      return;
    }
    try {
      f.get();
      outcome = "value";
    } catch (const rt::ExitRequest& e) {
      outcome = "exit " + std::to_string(e.code);
    } catch (const std::exception&) {
      outcome = "error";
    }
  });
  co_return 0;
}

}  // namespace

TEST(ToThread, ReturnsTheResult) {
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(uses_thread()), 42);
}

TEST(ToThread, ShutdownWaitsForThreadWorkAndNothingPostsToAClosedLoop) {
  rt_test::RecordingObserver obs;
  faultline::ScopedObserver scope(&obs);
  late_work = 0;
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(fire_and_forget()), 0);
  EXPECT_EQ(late_work.load(), 1);
  EXPECT_EQ(obs.posts_after_close, 0);
}

TEST(ToThread, FlawCloseBeforeExecutorPostsToAClosedLoop) {
  rt_test::RecordingObserver obs;
  faultline::ScopedObserver scope(&obs);
  rt::Options o;
  o.flaws.close_before_executor = true;
  rt::Runtime runtime(o);
  runtime.run(fire_and_forget());
  EXPECT_EQ(obs.posts_after_close, 1);
}

TEST(Submit, FutureResolvesWithAnError) {
  std::string outcome;
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(foreign_submitter(runtime, false, outcome)), 0);
  EXPECT_EQ(outcome, "error");
}

TEST(Submit, FutureResolvesWithTheExitRequest) {
  rt_test::RecordingObserver obs;
  faultline::ScopedObserver scope(&obs);
  std::string outcome;
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(foreign_submitter(runtime, true, outcome)), 7);
  EXPECT_EQ(outcome, "exit 7");
  EXPECT_EQ(obs.futures_created, obs.futures_resolved);
}

TEST(Submit, FlawThreadsafeDropsExitLeavesTheFuturePending) {
  rt_test::RecordingObserver obs;
  faultline::ScopedObserver scope(&obs);
  std::string outcome;
  rt::Options o;
  o.flaws.threadsafe_drops_exit = true;
  rt::Runtime runtime(o);
  runtime.run(foreign_submitter(runtime, true, outcome));
  EXPECT_EQ(outcome, "hung");
  EXPECT_EQ(obs.futures_created, 1);
  EXPECT_EQ(obs.futures_resolved, 0);
}

TEST(Submit, AfterTheRuntimeClosedTheFutureResolvesWithRuntimeClosed) {
  std::future<int> f;
  {
    rt::Runtime runtime;
    runtime.run([]() -> rt::Task<int> { co_return 0; }());
    f = rt::submit(runtime, raises());
  }
  EXPECT_THROW(f.get(), rt::RuntimeClosed);
}
