// seed 003: a foreign thread submits a coroutine to the loop (run_coroutine_threadsafe) and
// waits on the future with a deadline. When the coroutine raises an exit request, rt resolves
// the future with it; with the threadsafe_drops_exit flaw it stays pending forever.
#include <chrono>
#include <future>
#include <string>

#include <rt/thread.hpp>

#include <rt/scenario.hpp>

using namespace std::chrono_literals;
using faultline::FaultKind;

namespace {

rt::Task<int> job() {
  co_await rt::sleep(1s);
  co_await rt::sleep(1s);
  co_return 7;
}

rt::Task<int> threadsafe_main() {
  rt::Runtime& runtime = *rt::Runtime::current();
  co_await rt::to_thread([&runtime] {
    std::future<int> f = rt::submit(runtime, job(), "submitted");
    // The spec's deadline: a future that does not resolve in time is a hung future.
    if (f.wait_for(50ms) != std::future_status::ready) return;
    try {
      f.get();
    } catch (...) {  // a value, an error, an exit request or RuntimeClosed: all are answers
    }
  });
  co_return 0;
}

faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "threadsafe_submit";
  s.description = "a foreign thread submits a coroutine with rt::submit and waits on its future";
  s.trap = "seed 003: run_coroutine_threadsafe leaves the future pending on SystemExit";
  s.deterministic = false;
  s.flaws = {{"threadsafe_drops_exit", "hung-future"}};
  s.spec.rules = {faultline::tolerated(FaultKind::throw_error, "submitted", "the submitting thread handles the error"),
                  faultline::tolerated(FaultKind::cancel, "submitted", "the submitting thread handles the cancellation")};
  rt::Options options;
  // NOTE: the loop waits for the foreign thread at most 1 ms before moving the virtual clock;
  // the thread only waits on its future, so this keeps runs fast without reordering them.
  options.io_settle = 1ms;
  s.program = rt::scenario_program(&threadsafe_main, options);
  return s;
}

faultline::Registration registration(&make);

}  // namespace
