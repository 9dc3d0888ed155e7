// seed 002, fixed: the three important workers are rt::protect-ed (shutdown leaves them to
// finish within the grace period) and awaited through rt::shield (cancelling main does not
// cancel them).
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
    if (important) rt::protect(h);  // FIX: shutdown does not cancel it
    waits.push_back(important ? rt::spawn(shielded(h), "shield" + std::to_string(n)) : h);
  }
  co_await rt::gather(waits);
  co_return 0;
}

faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "graceful_shutdown_fixed";
  s.description = "six 10 s workers, three protected with rt::protect and awaited through rt::shield";
  s.trap = "seed 002: fixed by a protected set and the runtime's signal handling";
  s.twin = "graceful_shutdown_buggy";
  s.flaws = {{"shutdown_cancels_all", "protected-work"}};
  s.spec.protected_units = {"work0", "work1", "work2"};
  s.spec.rules = {faultline::loses_own_work(FaultKind::cancel, "protected_worker", "cancelling the work itself loses it"),
                  faultline::loses_own_work(FaultKind::throw_error, "protected_worker", "the work itself failed"),
                  faultline::loses_own_work(FaultKind::exit, "protected_worker", "the work itself asked to exit")};
  s.program = rt::scenario_program(&graceful_main);
  return s;
}

faultline::Registration registration(&make);

}  // namespace
