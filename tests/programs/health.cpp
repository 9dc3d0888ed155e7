// Programs that trip the health checks rather than an oracle.
//  - no_awaits: never awaits, so no fault can be injected (not built against a hooked runtime?).
//  - many_units: more ledger units in one run than the record keeps.
#include <string>

#include "program.hpp"

namespace {

rt::Task<int> no_awaits_main() { co_return 0; }

rt::Task<int> many_units_main() {
  for (int i = 0; i < 5000; ++i) {
    faultline::ledger::begin("u" + std::to_string(i));
    faultline::ledger::commit("u" + std::to_string(i));
  }
  co_await rt::yield();
  co_return 0;
}

faultline::Registration r1(+[] { return test_programs::program("no_awaits", &no_awaits_main, "returns without a single await"); });
faultline::Registration r2(+[] { return test_programs::program("many_units", &many_units_main, "5,000 ledger units in one run"); });

}  // namespace
