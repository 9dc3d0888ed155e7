// The Asio adapter's cost (README "Fuzzing plain Boost.Asio code"): one coroutine awaiting
// 1,000 operations, built twice from this file: plain (asio_bench_plain) and with
// faultline_instrument_asio (asio_bench_instrumented), which also runs the loop inside a
// faultline run, where every operation reaches the hook (with a sink that injects nothing, so
// the figure is the adapter's, not the recorder's). Items are awaited operations.
#include <benchmark/benchmark.h>

#include <chrono>

#include <boost/asio.hpp>

#ifdef FAULTLINE_BENCH_INSTRUMENTED
#include <faultline/asio/detail/core.hpp>
#include <faultline/hook.hpp>
#endif

namespace asio = boost::asio;

namespace {

constexpr int kOperations = 1000;

/// co_await asio::post: an operation that completes at once, through the scheduler.
asio::awaitable<void> post_loop(int n) {
  auto ex = co_await asio::this_coro::executor;
  for (int i = 0; i < n; ++i) co_await asio::post(ex, asio::use_awaitable);
}

/// co_await on an expired steady_timer: a reactor-side operation.
asio::awaitable<void> timer_loop(int n) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (int i = 0; i < n; ++i) {
    timer.expires_at(asio::steady_timer::time_point::min());
    co_await timer.async_wait(asio::use_awaitable);
  }
}

using loop_fn = asio::awaitable<void> (*)(int);

void run_loop(loop_fn loop) {
  asio::io_context io;
  asio::co_spawn(io, loop(kOperations), asio::detached);
  io.run();
}

void bench_loop(benchmark::State& state, loop_fn loop) {
  for (auto _ : state) run_loop(loop);
  state.SetItemsProcessed(state.iterations() * kOperations);
}

void BM_Post(benchmark::State& state) { bench_loop(state, post_loop); }
void BM_ExpiredTimer(benchmark::State& state) { bench_loop(state, timer_loop); }
BENCHMARK(BM_Post);
BENCHMARK(BM_ExpiredTimer);

#ifdef FAULTLINE_BENCH_INSTRUMENTED
/// A run's sink that never injects: every await point is hooked and answered "no fault".
struct NoFaults final : faultline::AwaitSink {
  faultline::FaultAction on_await(const std::source_location&, std::uint64_t, const char*) noexcept override { return {}; }
  faultline::FaultAction on_await_text(std::string_view, std::uint64_t, const char*) noexcept override { return {}; }
};

void bench_loop_in_a_run(benchmark::State& state, loop_fn loop) {
  NoFaults sink;
  faultline::ScopedSink installed(&sink);
  for (auto _ : state) {
    faultline::asio_detail::begin_run();
    run_loop(loop);
    faultline::asio_detail::end_run();
  }
  state.SetItemsProcessed(state.iterations() * kOperations);
}

void BM_PostInARun(benchmark::State& state) { bench_loop_in_a_run(state, post_loop); }
void BM_ExpiredTimerInARun(benchmark::State& state) { bench_loop_in_a_run(state, timer_loop); }
BENCHMARK(BM_PostInARun);
BENCHMARK(BM_ExpiredTimerInARun);
#endif

}  // namespace

BENCHMARK_MAIN();
