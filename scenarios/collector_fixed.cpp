// seed 000, fixed: the collectors are gathered, so an error in either surfaces in main and
// the process exits 1 even on a runtime with the unretrieved_exit_zero flaw.
#include <chrono>

#include <rt/scenario.hpp>

using namespace std::chrono_literals;

namespace {

rt::Task<void> collect(int readings) {
  for (int i = 0; i < readings; ++i) co_await rt::sleep(1s);  // read a sensor
}

rt::Task<int> collector_main() {
  std::vector<rt::Handle<void>> collectors{rt::spawn(collect(3), "collect_serial"), rt::spawn(collect(3), "collect_mqtt")};
  co_await rt::gather(collectors);  // FIX: the first error is raised here
  co_return 0;
}

faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "collector_fixed";
  s.description = "two sensor collectors awaited with rt::gather";
  s.trap = "seed 000: fixed by gather";
  s.twin = "collector_buggy";
  s.flaws = {{"unretrieved_exit_zero", ""}};
  s.program = rt::scenario_program(&collector_main);
  return s;
}

faultline::Registration registration(&make);

}  // namespace
