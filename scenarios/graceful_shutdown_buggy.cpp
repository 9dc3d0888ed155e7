// seed 002, buggy: six workers with 10 s of work each; the first three are "protected" with
// rt::shield only. Shutdown (SIGINT/SIGTERM/SIGHUP) cancels every unprotected task, shielded
// or not, so their work is lost.
#include <chrono>
#include <string>

#include <rt/scenario.hpp>

using namespace std::chrono_literals;
using faultline::FaultKind;

namespace {

rt::Task<void> worker(int n, bool important) {
  std::string unit = "work" + std::to_string(n);
  if (important) faultline::ledger::begin(unit);
  co_await rt::sleep(10s);
  if (important) faultline::ledger::commit(unit);
}

rt::Task<void> shielded(rt::Handle<void> h) { co_await rt::shield(h); }

rt::Task<int> graceful_main() {
  std::vector<rt::Handle<void>> waits;
  for (int n = 0; n < 6; ++n) {
    bool important = n < 3;
    auto h = rt::spawn(worker(n, important), (important ? "protected_worker" : "worker") + std::to_string(n));
    waits.push_back(important ? rt::spawn(shielded(h), "shield" + std::to_string(n)) : h);  // BUG: shield only
  }
  co_await rt::gather(waits);
  co_return 0;
}

faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "graceful_shutdown_buggy";
  s.description = "six 10 s workers, three of them 'protected' by rt::shield alone";
  s.trap = "seed 002: shield() does not survive shutdown's cancel-all";
  s.twin = "graceful_shutdown_fixed";
  s.expected_oracle = "protected-work";
  s.spec.protected_units = {"work0", "work1", "work2"};
  s.spec.rules = {faultline::loses_own_work(FaultKind::cancel, "protected_worker", "cancelling the work itself loses it"),
                  faultline::loses_own_work(FaultKind::throw_error, "protected_worker", "the work itself failed"),
                  faultline::loses_own_work(FaultKind::exit, "protected_worker", "the work itself asked to exit")};
  s.program = rt::scenario_program(&graceful_main);
  return s;
}

faultline::Registration registration(&make);

}  // namespace
