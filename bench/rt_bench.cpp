// Google Benchmark for rt's hot paths: a ready co_await with and without the hook, task
// create + await + destroy, and a whole 6-task scenario with 10 s virtual sleeps.
#include <benchmark/benchmark.h>

#include <chrono>
#include <coroutine>

#include <faultline/hook.hpp>
#include <rt/rt.hpp>

using namespace std::chrono_literals;

namespace {

/// An awaiter that is always ready: measures the await machinery alone.
struct Ready {
  bool await_ready() const noexcept { return true; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  int await_resume() const noexcept { return 1; }
};

/// A minimal coroutine with no hook: the bare cost of a ready co_await.
struct Bare {
  struct promise_type {
    Bare get_return_object() { return {std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_value(long v) { value = v; }
    void unhandled_exception() {}
    long value = 0;
  };
  std::coroutine_handle<promise_type> h;
};

Bare bare_loop(long n) {
  long sum = 0;
  for (long i = 0; i < n; ++i) sum += co_await Ready{};
  co_return sum;
}

rt::Task<int> hooked_loop(long n) {
  long sum = 0;
  for (long i = 0; i < n; ++i) {
    int v = co_await Ready{};
    sum += v;
  }
  co_return static_cast<int>(sum & 1);
}

/// A sink that never injects: the cost of a counted, recorded-nothing await point.
struct CountingSink : faultline::AwaitSink {
  faultline::FaultAction on_await(const std::source_location&, std::uint64_t, const char*) noexcept override {
    ++count;
    return {};
  }
  std::uint64_t count = 0;
};

constexpr long kAwaits = 100000;

void BM_ReadyAwaitBare(benchmark::State& state) {
  for (auto _ : state) {
    Bare b = bare_loop(kAwaits);
    benchmark::DoNotOptimize(b.h.promise().value);
    b.h.destroy();
  }
  state.SetItemsProcessed(state.iterations() * kAwaits);
}
BENCHMARK(BM_ReadyAwaitBare);

void BM_ReadyAwaitHookNoSink(benchmark::State& state) {
  for (auto _ : state) {
    rt::Runtime runtime;
    benchmark::DoNotOptimize(runtime.run(hooked_loop(kAwaits)));
  }
  state.SetItemsProcessed(state.iterations() * kAwaits);
}
BENCHMARK(BM_ReadyAwaitHookNoSink);

void BM_ReadyAwaitHookWithSink(benchmark::State& state) {
  CountingSink sink;
  faultline::ScopedSink scope(&sink);
  for (auto _ : state) {
    rt::Runtime runtime;
    benchmark::DoNotOptimize(runtime.run(hooked_loop(kAwaits)));
  }
  state.SetItemsProcessed(state.iterations() * kAwaits);
}
BENCHMARK(BM_ReadyAwaitHookWithSink);

rt::Task<int> child() { co_return 1; }
rt::Task<int> spawn_loop(long n) {
  long sum = 0;
  for (long i = 0; i < n; ++i) {
    auto h = rt::spawn(child(), "child");
    int v = co_await h;
    sum += v;
  }
  co_return static_cast<int>(sum & 1);
}

void BM_TaskCreateAwaitDestroy(benchmark::State& state) {
  constexpr long n = 10000;
  for (auto _ : state) {
    rt::Runtime runtime;
    benchmark::DoNotOptimize(runtime.run(spawn_loop(n)));
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_TaskCreateAwaitDestroy);

rt::Task<void> worker() { co_await rt::sleep(10s); }
rt::Task<int> six_workers() {
  std::vector<rt::Handle<void>> hs;
  for (int i = 0; i < 6; ++i) hs.push_back(rt::spawn(worker(), "worker"));
  co_await rt::gather(hs);
  co_return 0;
}

void BM_SixWorkersTenSecondSleeps(benchmark::State& state) {
  for (auto _ : state) {
    rt::Runtime runtime;
    benchmark::DoNotOptimize(runtime.run(six_workers()));
  }
  state.SetItemsProcessed(state.iterations());  // items/s = scenario runs per second
}
BENCHMARK(BM_SixWorkersTenSecondSleeps);

rt::Task<int> virtual_day() {
  for (int h = 0; h < 24; ++h) co_await rt::sleep(1h);
  co_return 0;
}

void BM_VirtualDay(benchmark::State& state) {
  for (auto _ : state) {
    rt::Runtime runtime;
    benchmark::DoNotOptimize(runtime.run(virtual_day()));
  }
}
BENCHMARK(BM_VirtualDay);

}  // namespace

BENCHMARK_MAIN();
