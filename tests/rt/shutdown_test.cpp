#include <rt/runtime.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>

#include "rt/rt_test_support.hpp"
#include <rt/rt.hpp>

using namespace std::chrono_literals;

namespace {

struct Work {
  int committed = 0;
  int cancelled = 0;
};

rt::Task<void> worker(Work& w) {
  try {
    co_await rt::sleep(10s);
    ++w.committed;
  } catch (const rt::Cancelled&) {
    ++w.cancelled;
    throw;
  }
}

// seed 002: six workers, three protected, SIGTERM at 1 s.
rt::Task<int> six_workers(Work& w, bool use_protect) {
  if (use_protect) rt::protect_current_task();
  std::vector<rt::Handle<void>> hs;
  for (int i = 0; i < 6; ++i) {
    auto h = rt::spawn(worker(w), "worker" + std::to_string(i));
    if (i < 3 && use_protect) rt::protect(h);
    hs.push_back(h);
  }
  co_await rt::sleep(1s);
  std::raise(SIGTERM);
  co_await rt::gather(hs);
  co_return 0;
}

rt::Options record_signal() {
  rt::Options o;
  o.signal_policy = rt::SignalPolicy::exit_128_plus;
  return o;
}

}  // namespace

TEST(Shutdown, ProtectedWorkFinishesUnprotectedIsCancelled) {
  Work w;
  rt::Runtime runtime(record_signal());
  EXPECT_EQ(runtime.run(six_workers(w, true)), 128 + SIGTERM);
  EXPECT_EQ(w.committed, 3);
  EXPECT_EQ(w.cancelled, 3);
}

TEST(Shutdown, WithoutProtectEverythingIsCancelled) {
  Work w;
  rt::Runtime runtime(record_signal());
  EXPECT_EQ(runtime.run(six_workers(w, false)), 128 + SIGTERM);
  EXPECT_EQ(w.committed, 0);
}

TEST(Shutdown, FlawShutdownCancelsAllLosesProtectedWork) {
  Work w;
  rt::Options o = record_signal();
  o.flaws.shutdown_cancels_all = true;
  rt::Runtime runtime(o);
  runtime.run(six_workers(w, true));
  EXPECT_EQ(w.committed, 0);
}

namespace {
rt::Task<void> too_long() { co_await rt::sleep(1h); }
rt::Task<int> protect_too_long() {
  rt::protect(rt::spawn(too_long(), "too_long"));
  co_return 0;
}
}  // namespace

TEST(Shutdown, GracePeriodCutsProtectedWorkAndReportsIt) {
  rt_test::RecordingObserver obs;
  faultline::ScopedObserver scope(&obs);
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(protect_too_long()), 0);
  EXPECT_EQ(obs.cut, 1);
  EXPECT_EQ(obs.destroyed_pending, 1);
  EXPECT_EQ(rt::now(), std::chrono::nanoseconds(0));  // no runtime: the clock reads 0
}

namespace {
// seed 004: a task created inside a cancellation handler during shutdown.
rt::Task<void> send_event(int& sent) {
  co_await rt::sleep(1s);
  ++sent;
}
rt::Task<void> handler(int& sent) {
  try {
    co_await rt::sleep(1h);
  } catch (const rt::Cancelled&) {
    rt::spawn(send_event(sent), "send_event");  // "don't"
    throw;
  }
}
rt::Task<int> spawns_in_cancel_handler(int& sent) {
  rt::spawn(handler(sent), "handler");
  co_await rt::yield();
  co_return 0;
}
}  // namespace

TEST(Shutdown, TaskSpawnedDuringShutdownIsCancelledAndAwaitedNotLeaked) {
  int sent = 0;
  rt_test::RecordingObserver obs;
  faultline::ScopedObserver scope(&obs);
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(spawns_in_cancel_handler(sent)), 0);
  EXPECT_EQ(obs.destroyed_pending, 0);
  EXPECT_EQ(sent, 0);
}

TEST(Shutdown, FlawSpawnInShutdownLeavesTaskDestroyedPending) {
  int sent = 0;
  rt_test::RecordingObserver obs;
  faultline::ScopedObserver scope(&obs);
  rt::Options o;
  o.flaws.spawn_in_shutdown_destroyed = true;
  rt::Runtime runtime(o);
  runtime.run(spawns_in_cancel_handler(sent));
  EXPECT_EQ(obs.destroyed_pending, 1);
}
