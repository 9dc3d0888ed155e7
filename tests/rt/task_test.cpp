#include <rt/task.hpp>

#include <gtest/gtest.h>

#include <chrono>

#include "rt/rt_test_support.hpp"
#include <rt/rt.hpp>

using namespace std::chrono_literals;
using faultline::FaultKind;
using faultline::FaultTiming;
using rt_test::fault;
using rt_test::OneFaultSink;

namespace {

rt::Task<int> leaf() {
  co_await rt::sleep(1s);  // line 19
  co_return 2;
}
rt::Task<int> parent() {
  int a = co_await leaf();  // line 23: awaiting a sub-task is an await point
  co_await rt::yield();     // line 24
  co_return a + 1;
}

}  // namespace

TEST(Task, EveryCoAwaitGoesThroughTheHookWithItsSite) {
  OneFaultSink sink;
  faultline::ScopedSink scope(&sink);
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(parent()), 3);
  ASSERT_EQ(sink.trace.size(), 3u);
  EXPECT_EQ(sink.trace[0], "main#1@23");
  EXPECT_EQ(sink.trace[1], "main#1@19");
  EXPECT_EQ(sink.trace[2], "main#1@24");
}

TEST(Task, InjectedThrowSurfacesAtTheCoAwait) {
  OneFaultSink sink(2, fault(FaultKind::throw_error));
  faultline::ScopedSink scope(&sink);
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(parent()), 1);  // unhandled InjectedError in main
  EXPECT_EQ(sink.trace.size(), 2u);     // nothing ran past the failed await
}

namespace {
rt::Task<int> catches_injected() {
  try {
    co_await rt::sleep(1s);
  } catch (const std::exception& e) {
    co_return std::string(e.what()).find("task_test.cpp:") != std::string::npos ? 7 : 8;
  }
  co_return 0;
}
rt::Task<int> catches_cancel_as_exception() {
  try {
    co_await rt::sleep(1s);
  } catch (const std::exception&) {
    co_return 5;  // must not happen: Cancelled is not a std::exception (seed 001)
  }
  co_return 0;
}
}  // namespace

TEST(Task, InjectedErrorIsAStdExceptionNamingTheSite) {
  OneFaultSink sink(1, fault(FaultKind::throw_error));
  faultline::ScopedSink scope(&sink);
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(catches_injected()), 7);
}

TEST(Task, CancelledIsNotCaughtByStdExceptionHandlers) {
  OneFaultSink sink(1, fault(FaultKind::cancel));
  faultline::ScopedSink scope(&sink);
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(catches_cancel_as_exception()), 1);  // main ended cancelled
}

TEST(Task, InjectedExitRequestEndsWithItsCode) {
  OneFaultSink sink(3, fault(FaultKind::exit, FaultTiming::at, 42));
  faultline::ScopedSink scope(&sink);
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(parent()), 42);
}

namespace {
struct Box {
  rt::Queue<int> q;
  int taken = 0;
};
rt::Task<void> consumer(Box& b) {
  int v = co_await b.q.get();
  b.taken = v;
}
rt::Task<int> queue_main(Box& b) {
  auto h = rt::spawn(consumer(b), "consumer");
  co_await rt::yield();
  b.q.put_nowait(9);
  try {
    co_await h;
  } catch (...) {
  }
  co_return static_cast<int>(b.q.size());
}
}  // namespace

TEST(Task, AtCancelLeavesTheItemQueued) {
  // Ordinals: 1 main spawn-yield, 2 consumer get, ... cancel the consumer while suspended in get.
  Box b;
  OneFaultSink sink(2, fault(FaultKind::cancel, FaultTiming::at));
  faultline::ScopedSink scope(&sink);
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(queue_main(b)), 1);  // the item is still in the queue
  EXPECT_EQ(b.taken, 0);
}

TEST(Task, AfterCancelLosesTheDequeuedItem) {
  // "after": the get completed (item dequeued), the cancel hits on resumption: lost work.
  Box b;
  OneFaultSink sink(2, fault(FaultKind::cancel, FaultTiming::after));
  faultline::ScopedSink scope(&sink);
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(queue_main(b)), 0);
  EXPECT_EQ(b.taken, 0);
}

TEST(Task, AfterThrowKeepsTheOperationsEffect) {
  // The get completed (the item left the queue), then InjectedError hits on resumption.
  Box b;
  OneFaultSink sink(2, fault(FaultKind::throw_error, FaultTiming::after));
  faultline::ScopedSink scope(&sink);
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(queue_main(b)), 0);  // main catches the consumer's error
  EXPECT_EQ(b.taken, 0);
  EXPECT_EQ(b.q.size(), 0u);
}

TEST(Task, AfterExitEndsWithItsCode) {
  OneFaultSink sink(2, fault(FaultKind::exit, FaultTiming::after, 9));
  faultline::ScopedSink scope(&sink);
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(parent()), 9);
}

TEST(Task, SignalFaultStartsAGracefulShutdownEndingBySignal) {
  for (FaultTiming timing : {FaultTiming::at, FaultTiming::after}) {
    OneFaultSink sink(2, fault(FaultKind::signal, timing, SIGHUP));
    faultline::ScopedSink scope(&sink);
    rt::Options options;
    options.signal_policy = rt::SignalPolicy::exit_128_plus;
    rt::Runtime runtime(options);
    EXPECT_EQ(runtime.run(parent()), 128 + SIGHUP);
    EXPECT_LE(sink.trace.size(), 3u);  // the shutdown begins at the next suspension
  }
}
