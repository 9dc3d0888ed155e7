// Two independent lost-work bugs in one program: each of two workers swallows an error at its
// own await and returns without its unit. A campaign must report both, not the first alone.
#include <chrono>
#include <stdexcept>

#include "program.hpp"

using namespace std::chrono_literals;
using faultline::FaultKind;

namespace {

rt::Task<void> worker_a() {
  faultline::ledger::begin("a");
  try {
    co_await rt::sleep(1s);
  } catch (const std::exception&) {
    co_return;  // BUG: the error is logged, the unit forgotten
  }
  faultline::ledger::commit("a");
}

rt::Task<void> worker_b() {
  faultline::ledger::begin("b");
  co_await rt::sleep(2s);
  try {
    co_await rt::sleep(1s);
  } catch (const std::exception&) {
    co_return;  // BUG: the same mistake, elsewhere
  }
  faultline::ledger::commit("b");
}

rt::Task<int> two_bugs_main() {
  std::vector<rt::Handle<void>> workers{rt::spawn(worker_a(), "worker_a"), rt::spawn(worker_b(), "worker_b")};
  co_await rt::gather(workers);
  co_return 0;
}

faultline::Registration r(+[] {
  faultline::Scenario s = test_programs::program("two_bugs", &two_bugs_main, "two workers, each losing its unit on an error");
  s.spec.protected_units = {"a", "b"};
  s.spec.rules = {faultline::tolerated(FaultKind::throw_error, "worker", "a worker logs its errors and goes on"),
                  faultline::loses_own_work(FaultKind::cancel, "worker", "a cancelled worker's unit is redone next run"),
                  faultline::loses_own_work(FaultKind::exit, "worker", "a worker that exits has its unit redone next run"),
                  faultline::loses_work(FaultKind::signal, "", "a stopped program's units are redone next run"),
                  faultline::loses_work(FaultKind::cancel, "main", "a cancelled program's units are redone next run"),
                  faultline::loses_work(FaultKind::exit, "main", "an exiting program's units are redone next run")};
  return s;
});

}  // namespace
