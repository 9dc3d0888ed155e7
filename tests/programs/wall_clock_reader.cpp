// A scenario that claims to be deterministic but reads the wall clock: how many awaits it makes
// depends on the time, so two runs of one schedule take different paths.
#include <chrono>

#include "program.hpp"

namespace {

rt::Task<int> wall_clock_main() {
  auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
  int rounds = 2 + static_cast<int>(ticks % 97);  // NOTE: 97 paths: two runs agree once in 97
  for (int i = 0; i < rounds; ++i) co_await rt::yield();
  co_return 0;
}

faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "wall_clock_reader";
  s.description = "the number of awaits depends on the wall clock";
  s.deterministic = true;  // claimed, wrongly
  s.program = rt::scenario_program(&wall_clock_main);
  return s;
}

faultline::Registration r(&make);

}  // namespace
