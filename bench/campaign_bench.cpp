// Whole-run throughput (README "Performance"): a fixed scenario run by the harness in
// persistent and forked mode, beside the bare loops that bound them: the scenario alone
// without the harness, and fork()+_exit()+waitpid() alone from a process of the same size.
#include <benchmark/benchmark.h>
#include <sys/wait.h>
#include <unistd.h>

#include <faultline/sandbox.hpp>
#include <faultline/scenario.hpp>
#include <faultline/schedule.hpp>

using namespace faultline;

namespace {

const char* const kScenario = "graceful_shutdown_fixed";
const char* const kSchedule = "4:throw";  // one fault, as in the reference figure

RunRequest request() {
  return RunRequest{&Registry::instance().get(kScenario), {}, parse_schedule(kSchedule), 2000};
}

/// Injects the same single fault as the harness runs, and records nothing.
struct OneFault final : AwaitSink {
  FaultAction on_await(const std::source_location&, std::uint64_t, const char*) noexcept override {
    return ++ordinal == 4 ? FaultAction{FaultKind::throw_error, FaultTiming::at, 0, 4} : FaultAction{};
  }
  std::uint64_t ordinal = 0;
};

void BM_BareScenarioLoop(benchmark::State& state) {
  const Scenario& s = Registry::instance().get(kScenario);
  RunContext ctx;
  ScopedTerminateBySignal seam(+[](int) {});
  for (auto _ : state) {
    OneFault sink;
    ScopedSink installed(&sink);
    benchmark::DoNotOptimize(s.program(ctx));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BareScenarioLoop);

void BM_InProcessWithRecorder(benchmark::State& state) {
  RunRequest req = request();
  RunRecord* rec = map_shared_record();
  for (auto _ : state) benchmark::DoNotOptimize(run_in_this_process(req, *rec, true));
  unmap_shared_record(rec);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InProcessWithRecorder);

void BM_PersistentWorker(benchmark::State& state) {
  Worker w(ExecMode::persistent);
  RunRequest req = request();
  for (auto _ : state) benchmark::DoNotOptimize(w.run(req));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PersistentWorker)->UseRealTime();

void BM_BareForkLoop(benchmark::State& state) {
  for (auto _ : state) {
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    int status = 0;
    waitpid(pid, &status, 0);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BareForkLoop)->UseRealTime();

void BM_ForkedWorker(benchmark::State& state) {
  Worker w(ExecMode::forked);
  RunRequest req = request();
  for (auto _ : state) benchmark::DoNotOptimize(w.run(req));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ForkedWorker)->UseRealTime();

}  // namespace

/// A livelocked run (tests/programs/livelock.cpp: the setter cancelled, the poller loops
/// forever), stopped by the run limits instead of the wall-clock watchdog, including the
/// persistent worker's replacement. Before the limits each such run cost the 2 s watchdog.
void BM_LivelockedRun(benchmark::State& state, const char* scenario) {
  Worker w(ExecMode::persistent);
  RunRequest req{&Registry::instance().get(scenario), {}, parse_schedule("2:cancel"), 2000};
  for (auto _ : state) {
    RunOutcome o = w.run(req);
    if (w.record().limit_hit == 0) state.SkipWithError("the run was not stopped at a limit");
    benchmark::DoNotOptimize(o);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_LivelockedRun, sleeping_1h_virtual, "livelock_sleeping")->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LivelockedRun, spinning_1M_awaits, "livelock_spinning")->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
