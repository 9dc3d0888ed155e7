// The claims the Asio adapter builds on, each checked on real Asio code compiled with the
// adapter (this file links faultline::asio, so it is instrumented like a user's program):
// where a co_await is seen, what a fault does to the operation, what the oracles' events are.
#include <faultline/asio/scenario.hpp>

#include <chrono>
#include <csignal>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include <faultline/asio/detail/core.hpp>
#include <faultline/hook.hpp>
#include <faultline/observer.hpp>

namespace asio = boost::asio;
using namespace std::chrono_literals;

// NOTE: outside the anonymous namespace: a coroutine is named by its resume function's symbol,
// which dladdr finds only for functions with external linkage.
asio::awaitable<void> wait_long(std::string& outcome) {
  asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::seconds(10));
  try { co_await timer.async_wait(asio::use_awaitable); outcome = "expired"; }
  catch (const boost::system::system_error& e) { outcome = e.code().message(); }
}

asio::awaitable<void> race_then_fail() {
  using namespace asio::experimental::awaitable_operators;
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer fast(ex, std::chrono::milliseconds(1)), slow(ex, std::chrono::seconds(10));
  co_await (fast.async_wait(asio::use_awaitable) || slow.async_wait(asio::use_awaitable));
  throw std::runtime_error("after the race");  // resumed inside the fast branch's completion
}

/// Reads four bytes from `socket`; `ended_with` is the error that ended the read (none: it read).
asio::awaitable<void> read_four(asio::local::stream_protocol::socket& socket, boost::system::error_code& ended_with) {
  char buf[4];
  try {
    co_await asio::async_read(socket, asio::buffer(buf), asio::use_awaitable);
    ended_with = {};
  } catch (const boost::system::system_error& e) {
    ended_with = e.code();
  }
}

constexpr int kLocatedLine = __LINE__ + 3;
asio::awaitable<void> wait_twice_located() {
  asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(1));
  co_await timer.async_wait(asio::use_awaitable_t<>());
  co_await timer.async_wait(asio::use_awaitable_t<>());
}

namespace {

/// Records every await point and returns the scripted fault at its ordinal.
class ScriptSink : public faultline::AwaitSink {
 public:
  std::map<std::uint64_t, faultline::FaultAction> script;
  std::vector<std::string> sites, tasks;
  std::vector<std::uint64_t> effects;
  faultline::FaultAction on_await(const std::source_location&, std::uint64_t, const char*) noexcept override { return {}; }
  faultline::FaultAction on_await_text(std::string_view site, std::uint64_t, const char* task) noexcept override {
    sites.emplace_back(site);
    tasks.emplace_back(task);
    auto it = script.find(sites.size());
    if (it == script.end()) return {};
    auto a = it->second;
    a.ordinal = sites.size();
    return a;
  }
  void on_fault_effect(std::uint64_t ordinal) noexcept override { effects.push_back(ordinal); }
};

class Events : public faultline::RuntimeObserver {
 public:
  int created = 0, destroyed_pending = 0, swallowed = 0, lost = 0, futures = 0, resolved = 0;
  std::string lost_what, lost_at, lost_task;
  void task_created(std::uint64_t, const char*) override { ++created; }
  void task_destroyed_pending(std::uint64_t, const char*, const char*) override { ++destroyed_pending; }
  void cancel_swallowed(std::uint64_t, const char*) override { ++swallowed; }
  void exception_lost(std::uint64_t, const char* task, const char* at, const char* what) override {
    ++lost;
    lost_task = task;
    lost_at = at;
    lost_what = what;
  }
  void future_created(std::uint64_t) override { ++futures; }
  void future_resolved(std::uint64_t) override { ++resolved; }
};

/// One instrumented run of `body` on a fresh io_context, as a scenario's program runs.
struct InstrumentedRun {
  ScriptSink sink;
  Events events;
  template <typename Body>
  void operator()(Body body) {
    faultline::ScopedSink s(&sink);
    faultline::ScopedObserver o(&events);
    faultline::asio_detail::begin_run();
    body();
    faultline::asio_detail::end_run();
  }
};

faultline::FaultAction fault(faultline::FaultKind kind, faultline::FaultTiming timing = faultline::FaultTiming::at, int arg = 0) {
  return faultline::FaultAction{kind, timing, arg, 0};
}

TEST(AsioClaims, ACoAwaitWithALocatedTokenIsAnAwaitPointAtItsLine) {
  InstrumentedRun run;
  run([&] {
    asio::io_context io;
    asio::co_spawn(io, wait_twice_located(), asio::detached);
    io.run();
  });
  ASSERT_EQ(run.sink.sites.size(), 2u);
  EXPECT_EQ(run.sink.sites[0], "claims_test.cpp:" + std::to_string(kLocatedLine) + " (wait_twice_located)");
  EXPECT_EQ(run.sink.sites[1], "claims_test.cpp:" + std::to_string(kLocatedLine + 1) + " (wait_twice_located)");
  EXPECT_EQ(run.sink.tasks[0], "wait_twice_located");
  EXPECT_EQ(run.events.created, 1);
  EXPECT_EQ(run.events.futures, 0);  // nothing left pending when the program returned
}

TEST(AsioClaims, ACoAwaitOnUseAwaitableIsNamedByItsOperationAndCoroutine) {
  InstrumentedRun run;
  run.sink.script[1] = fault(faultline::FaultKind::cancel);
  std::string outcome;
  run([&] {
    asio::io_context io;
    asio::co_spawn(io, wait_long(outcome), asio::detached);
    io.run();
  });
  ASSERT_EQ(run.sink.sites.size(), 1u);
  EXPECT_EQ(run.sink.sites[0], "deadline_timer.async_wait (wait_long)");
}

TEST(AsioClaims, NoRunNoHook) {
  std::string outcome;
  asio::io_context io;
  asio::co_spawn(io, wait_long(outcome), asio::detached);
  io.run_for(5ms);
  EXPECT_EQ(outcome, "");  // still waiting: nothing was injected, nothing hooked
}

TEST(AsioClaims, CancelAtEndsAPendingTimerThroughItsSlot) {
  InstrumentedRun run;
  run.sink.script[1] = fault(faultline::FaultKind::cancel);
  std::string outcome;
  auto start = std::chrono::steady_clock::now();
  run([&] {
    asio::io_context io;
    asio::co_spawn(io, wait_long(outcome), asio::detached);
    io.run();
  });
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);  // not the timer's 10 s
  EXPECT_EQ(outcome, boost::system::error_code(asio::error::operation_aborted).message());
  EXPECT_EQ(run.sink.effects, std::vector<std::uint64_t>{1});
  EXPECT_EQ(run.events.swallowed, 1);  // it caught operation_aborted and returned normally
}

TEST(AsioClaims, ThrowAtFailsAPendingReadWithTheInjectedError) {
  InstrumentedRun run;
  run.sink.script[1] = fault(faultline::FaultKind::throw_error);
  boost::system::error_code ended_with;
  run([&] {
    asio::io_context io;
    asio::local::stream_protocol::socket a(io), b(io);
    asio::local::connect_pair(a, b);
    asio::co_spawn(io, read_four(a, ended_with), asio::detached);
    io.run();  // b never writes: only the fault can end the read
  });
  EXPECT_STREQ(ended_with.category().name(), "faultline");
  EXPECT_EQ(run.events.swallowed, 0);
  EXPECT_EQ(run.events.lost, 0);
}

TEST(AsioClaims, AfterKeepsTheEffectThenFails) {
  InstrumentedRun run;
  run.sink.script[1] = fault(faultline::FaultKind::throw_error, faultline::FaultTiming::after);
  boost::system::error_code ended_with;
  std::size_t left = 0;
  run([&] {
    asio::io_context io;
    asio::local::stream_protocol::socket a(io), b(io);
    asio::local::connect_pair(a, b);
    asio::write(b, asio::buffer("abcd", 4));
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      co_await read_four(a, ended_with);
      left = a.available();
    }, asio::detached);
    io.run();
  });
  EXPECT_STREQ(ended_with.category().name(), "faultline");
  EXPECT_EQ(left, 0u);  // the bytes were consumed: the read happened, then the fault
}

TEST(AsioClaims, CancelAfterDeliversTheResultThenTheNextCoAwaitThrows) {
  InstrumentedRun run;
  run.sink.script[1] = fault(faultline::FaultKind::cancel, faultline::FaultTiming::after);
  std::string first, second;
  run([&] {
    asio::io_context io;
    asio::local::stream_protocol::socket a(io), b(io);
    asio::local::connect_pair(a, b);
    asio::write(b, asio::buffer("abcd", 4));
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      char buf[4];
      std::size_t n = co_await asio::async_read(a, asio::buffer(buf), asio::use_awaitable);
      first = "read " + std::to_string(n);
      asio::steady_timer timer(co_await asio::this_coro::executor, 1ms);
      try { co_await timer.async_wait(asio::use_awaitable); second = "waited"; }
      catch (const boost::system::system_error& e) { second = e.code().message(); throw; }
    }, asio::detached);
    io.run();
  });
  EXPECT_EQ(first, "read 4");  // the read completed and its result reached the coroutine
  EXPECT_EQ(second, boost::system::error_code(asio::error::operation_aborted).message());
  EXPECT_EQ(run.sink.effects, std::vector<std::uint64_t>{1});
  EXPECT_EQ(run.events.lost, 0);       // it ended cancelled
  EXPECT_EQ(run.events.swallowed, 0);
}

TEST(AsioClaims, ACancelLandingAfterTheLastOperationIsNotSwallowed) {
  InstrumentedRun run;
  run.sink.script[1] = fault(faultline::FaultKind::cancel, faultline::FaultTiming::after);
  std::string outcome;
  run([&] {
    asio::io_context io;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      asio::steady_timer timer(co_await asio::this_coro::executor, 1ms);
      co_await timer.async_wait(asio::use_awaitable);
      outcome = "done";  // nothing left to cancel: a correct coroutine just ends
    }, asio::detached);
    io.run();
  });
  EXPECT_EQ(outcome, "done");
  EXPECT_EQ(run.sink.effects, std::vector<std::uint64_t>{1});
  EXPECT_EQ(run.events.swallowed, 0);
  EXPECT_EQ(run.events.lost, 0);
}

TEST(AsioClaims, AnInjectedCancelPassesThroughTheProgramsFilter) {
  InstrumentedRun run;
  run.sink.script[1] = fault(faultline::FaultKind::cancel);
  std::string outcome;
  run([&] {
    asio::io_context io;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      co_await asio::this_coro::reset_cancellation_state(asio::disable_cancellation());
      asio::steady_timer timer(co_await asio::this_coro::executor, 5ms);
      co_await timer.async_wait(asio::use_awaitable);
      outcome = "expired";
    }, asio::detached);
    io.run();
  });
  EXPECT_EQ(outcome, "expired");  // the coroutine disabled cancellation: a real one would not reach it
  EXPECT_EQ(run.events.swallowed, 0);
}

TEST(AsioClaims, AProgramClosingItsSocketEndsTheReaderCancelledNotLost) {
  InstrumentedRun run;
  run([&] {
    asio::io_context io;
    asio::local::stream_protocol::socket a(io), b(io);
    asio::local::connect_pair(a, b);
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      char buf[4];
      co_await asio::async_read(a, asio::buffer(buf), asio::use_awaitable);  // aborted by the close
    }, asio::detached);
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      asio::steady_timer timer(co_await asio::this_coro::executor, 1ms);
      co_await timer.async_wait(asio::use_awaitable);
      a.close();
    }, asio::detached);
    io.run();
  });
  EXPECT_EQ(run.events.lost, 0);
}

TEST(AsioClaims, TheCoroutineThatEndsIsTheOneAsioResumedNotTheBranchThatResumedIt) {
  InstrumentedRun run;
  run([&] {
    asio::io_context io;
    asio::co_spawn(io, race_then_fail(), asio::detached);
    io.run();
  });
  EXPECT_EQ(run.events.lost, 1);
  EXPECT_EQ(run.events.lost_task, "race_then_fail");
  EXPECT_EQ(run.events.lost_what, "after the race");
}

TEST(AsioClaims, AThrowLeavesAnOperationsOwnFailureAsItIs) {
  InstrumentedRun run;
  run.sink.script[1] = fault(faultline::FaultKind::throw_error);
  boost::system::error_code ended_with;
  run([&] {
    asio::io_context io;
    asio::local::stream_protocol::socket a(io), b(io);
    asio::local::connect_pair(a, b);
    b.close();  // a's read sees the end of the stream
    asio::co_spawn(io, read_four(a, ended_with), asio::detached);
    io.run();
  });
  EXPECT_EQ(ended_with, asio::error::eof) << ended_with.message();  // the first failure stands: the end of the stream is not lost
  EXPECT_TRUE(run.sink.effects.empty());
}

TEST(AsioClaims, ExceptionsLostInDetachedAreReportedACancelledEndIsNot) {
  InstrumentedRun run;
  run.sink.script[1] = fault(faultline::FaultKind::throw_error);
  run.sink.script[2] = fault(faultline::FaultKind::cancel);
  run([&] {
    asio::io_context io;
    for (int i = 0; i < 2; ++i)
      asio::co_spawn(io, []() -> asio::awaitable<void> {
        asio::steady_timer timer(co_await asio::this_coro::executor, 10s);
        co_await timer.async_wait(asio::use_awaitable);  // no catch: the error ends the coroutine
      }, asio::detached);
    io.run();
  });
  EXPECT_EQ(run.events.lost, 1);  // the injected error; the cancelled one ended cancelled
  EXPECT_NE(run.events.lost_what.find("faultline"), std::string::npos) << run.events.lost_what;
  EXPECT_NE(run.events.lost_at.find("deadline_timer.async_wait"), std::string::npos) << run.events.lost_at;
  EXPECT_EQ(run.events.swallowed, 0);
}

TEST(AsioClaims, OperationsDestroyedWithTheirIoContextAreReported) {
  InstrumentedRun run;
  run([&] {
    asio::io_context io;
    std::string outcome;
    asio::co_spawn(io, wait_long(outcome), asio::detached);
    io.run_for(2ms);  // the timer is still pending when io is destroyed
  });
  EXPECT_EQ(run.events.destroyed_pending, 1);
  EXPECT_EQ(run.events.futures, 0);  // destroyed is resolved
}

TEST(AsioClaims, OperationsLeftAliveWhenTheProgramReturnsNeverResolved) {
  InstrumentedRun run;
  std::string outcome;
  // Alive when the program returns: its timer is neither run nor destroyed in the run; it is
  // destroyed after the run ended, where the hooks no longer look.
  auto io = std::make_unique<asio::io_context>();
  run([&] {
    asio::co_spawn(*io, wait_long(outcome), asio::detached);
    io->run_for(2ms);
  });
  EXPECT_EQ(run.events.futures, 1);
}

TEST(AsioClaims, SignalAtIsRaisedWhileTheOperationIsPending) {
  InstrumentedRun run;
  run.sink.script[1] = fault(faultline::FaultKind::signal, faultline::FaultTiming::at, SIGUSR1);
  int caught = 0;
  run([&] {
    asio::io_context io;
    asio::signal_set signals(io, SIGUSR1);
    signals.async_wait([&](boost::system::error_code ec, int s) { if (!ec) caught = s; });
    std::string outcome;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      asio::steady_timer timer(co_await asio::this_coro::executor, 50ms);
      co_await timer.async_wait(asio::use_awaitable);
    }, asio::detached);
    io.run();
  });
  EXPECT_EQ(caught, SIGUSR1);
  EXPECT_EQ(run.sink.effects, std::vector<std::uint64_t>{1});
}

}  // namespace
