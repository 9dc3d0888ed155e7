// seed 000, buggy: two collectors awaited through rt::wait, whose result is ignored. When one
// fails with an unforeseen error the program still exits 0 on a runtime that lets an
// exception go unretrieved (flaw unretrieved_exit_zero), so Restart=on-failure never fires.
#include <chrono>

#include <rt/scenario.hpp>

using namespace std::chrono_literals;

namespace {

rt::Task<void> collect(int readings) {
  for (int i = 0; i < readings; ++i) co_await rt::sleep(1s);  // read a sensor
}

rt::Task<int> collector_main() {
  std::vector<rt::Handle<void>> collectors{rt::spawn(collect(3), "collect_serial"), rt::spawn(collect(3), "collect_mqtt")};
  co_await rt::wait(collectors);  // BUG: done/pending ignored, errors never looked at
  co_return 0;
}

faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "collector_buggy";
  s.description = "two sensor collectors awaited with rt::wait, results ignored";
  s.trap = "seed 000: asyncio.wait keeps a task's exception; the process exits 0";
  s.twin = "collector_fixed";
  s.expected_oracle = "";  // rt's default (a never-retrieved error exits 1) rescues it
  s.flaws = {{"unretrieved_exit_zero", "exit-code"}};
  s.spec.rules = {faultline::tolerated(faultline::FaultKind::cancel, "collect_", "a cancelled collector stops collecting; nothing fails")};
  s.program = rt::scenario_program(&collector_main);
  return s;
}

faultline::Registration registration(&make);

}  // namespace
