// Long runs: more await points, sites and ledger units than any fixed cap of the old record.
//  - long_run_fixed: 100,000 awaits (plus a few), 300 protected units, every one committed.
//  - long_run_buggy: the same, but unit 250 is never committed (found only if all are tracked).
#include <string>

#include "program.hpp"

namespace {

constexpr int kAwaits = 100'000;
constexpr int kUnits = 300;

template <int lost_unit>
rt::Task<int> long_main() {
  for (int i = 0; i < kAwaits; ++i) {
    if (i % (kAwaits / kUnits) == 0 && i / (kAwaits / kUnits) < kUnits) {
      int unit = i / (kAwaits / kUnits);
      faultline::ledger::begin("unit" + std::to_string(unit));
      if (unit != lost_unit) faultline::ledger::commit("unit" + std::to_string(unit));
    }
    co_await rt::yield();
  }
  co_await rt::yield();  // the last await point: ordinal kAwaits + 1
  co_return 0;
}

faultline::Registration r1(+[] { return test_programs::program("long_run_fixed", &long_main<-1>, "100,001 awaits, 300 units all committed"); });
faultline::Registration r2(+[] { return test_programs::program("long_run_buggy", &long_main<250>, "100,001 awaits, unit 250 never committed"); });

}  // namespace
