// seed 001, buggy: a wrapper that logs and ignores a user callback's errors with a catch-all.
// It also eats the cancellation (and an exit request) raised at the callback's await.
#include <chrono>

#include <rt/scenario.hpp>

using namespace std::chrono_literals;
using faultline::FaultKind;

namespace {

rt::Task<void> user_callback() { co_await rt::sleep(1s); }

rt::Task<void> do_not_raise() {
  try {
    co_await user_callback();
  } catch (...) {  // BUG: swallows rt::Cancelled and rt::ExitRequest too
  }
}

rt::Task<void> worker() {
  for (int i = 0; i < 3; ++i) co_await do_not_raise();
}

rt::Task<int> do_not_raise_main() {
  std::vector<rt::Handle<void>> workers{rt::spawn(worker(), "worker")};
  co_await rt::gather(workers);
  co_return 0;
}

faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "do_not_raise_buggy";
  s.description = "a worker runs user callbacks through a log-and-ignore wrapper written with catch (...)";
  s.trap = "seed 001: a catch-all swallows cancellation";
  s.twin = "do_not_raise_fixed";
  s.expected_oracle = "swallowed-cancel";
  s.spec.rules = {faultline::tolerated_at(FaultKind::throw_error, "::user_callback)", "the wrapper logs callback errors and goes on"),
                  faultline::tolerated_at(FaultKind::throw_error, "::do_not_raise)", "the wrapper logs callback errors and goes on")};
  s.program = rt::scenario_program(&do_not_raise_main);
  return s;
}

faultline::Registration registration(&make);

}  // namespace
