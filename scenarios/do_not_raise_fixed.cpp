// seed 001, fixed: the wrapper catches std::exception only; rt::Cancelled and rt::ExitRequest
// are not std::exceptions and go through.
#include <chrono>

#include <rt/scenario.hpp>

using namespace std::chrono_literals;
using faultline::FaultKind;

namespace {

rt::Task<void> user_callback() { co_await rt::sleep(1s); }

rt::Task<void> do_not_raise() {
  try {
    co_await user_callback();
  } catch (const std::exception&) {  // FIX: only errors are logged and ignored
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
  s.name = "do_not_raise_fixed";
  s.description = "a worker runs user callbacks through a wrapper that catches std::exception only";
  s.trap = "seed 001: fixed by catching std::exception";
  s.twin = "do_not_raise_buggy";
  s.spec.rules = {faultline::tolerated_at(FaultKind::throw_error, "::user_callback)", "the wrapper logs callback errors and goes on"),
                  faultline::tolerated_at(FaultKind::throw_error, "::do_not_raise)", "the wrapper logs callback errors and goes on")};
  s.program = rt::scenario_program(&do_not_raise_main);
  return s;
}

faultline::Registration registration(&make);

}  // namespace
