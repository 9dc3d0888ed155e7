// Excusing lost work per unit: each protected worker begins its own unit; cancelling a worker
// may lose that worker's unit, never another's.
//  - own_work_fixed: a cancelled worker loses only its own unit.
//  - own_work_buggy: a cancelled worker also cancels its neighbour (one shared cancel scope),
//    whose unit is lost too. A spec that excused lost work for the whole run missed it.
#include <chrono>
#include <string>
#include <vector>

#include "program.hpp"

using namespace std::chrono_literals;
using faultline::FaultKind;

namespace {

std::vector<rt::Handle<void>>* workers = nullptr;  // main's handles, while main's frame lives

template <bool cancels_neighbour>
rt::Task<void> worker(int n) {
  std::string unit = "work" + std::to_string(n);
  faultline::ledger::begin(unit);
  try {
    co_await rt::sleep(std::chrono::seconds(1 + n));
  } catch (const rt::Cancelled&) {
    if (cancels_neighbour && workers != nullptr) (*workers)[static_cast<std::size_t>((n + 1) % 3)].cancel();  // BUG: not its to cancel
    throw;
  }
  faultline::ledger::commit(unit);
}

template <bool cancels_neighbour>
rt::Task<int> own_work_main() {
  std::vector<rt::Handle<void>> handles;
  workers = &handles;
  // NOTE: main may be cancelled and its frame destroyed while the protected workers go on.
  struct Forget {
    ~Forget() { workers = nullptr; }
  } forget;
  for (int n = 0; n < 3; ++n) {
    handles.push_back(rt::spawn(worker<cancels_neighbour>(n), "worker" + std::to_string(n)));
    rt::protect(handles.back());
  }
  std::vector<rt::Handle<void>> waits = handles;
  co_await rt::wait(waits);
  co_return 0;
}

faultline::Scenario make(const char* name, rt::Task<int> (*main)(), const char* description) {
  faultline::Scenario s = test_programs::program(name, main, description);
  s.spec.protected_units = {"work0", "work1", "work2"};
  s.spec.rules = {faultline::when(FaultKind::cancel).in_task("worker").losing_own_work().tolerated(
                      "a cancelled worker loses its own unit; main goes on"),
                  faultline::loses_own_work(FaultKind::throw_error, "worker", "a failed worker loses its own unit"),
                  faultline::loses_own_work(FaultKind::exit, "worker", "a worker that exits loses its own unit")};
  return s;
}

faultline::Registration r1(+[] { return make("own_work_fixed", &own_work_main<false>, "three protected workers, each its own unit"); });
faultline::Registration r2(+[] {
  return make("own_work_buggy", &own_work_main<true>, "a cancelled worker also cancels its neighbour's protected work");
});

}  // namespace
