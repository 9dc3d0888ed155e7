#pragma once
// What the test programs share: a scenario around a main on rt, with the default spec.
#include <chrono>
#include <vector>

#include <rt/scenario.hpp>

namespace test_programs {

/// A scenario running `main` on rt; the caller adds its spec rows and limits.
inline faultline::Scenario program(const char* name, rt::Task<int> (*main)(), const char* description) {
  faultline::Scenario s;
  s.name = name;
  s.description = description;
  s.program = rt::scenario_program(main);
  return s;
}

/// Main of the cleanup programs: starts `work`, cancels it after 1 s and waits for it without
/// retrieving (catching Cancelled would swallow main's own cancellation, seed 001); a real
/// failure of the work fails main.
template <rt::Task<void> (*work)()>
rt::Task<int> cancel_after_a_second(const char* name) {
  auto h = rt::spawn(work(), name);
  co_await rt::sleep(std::chrono::seconds(1));
  h.cancel();
  std::vector<rt::Handle<void>> just_h(1, h);
  co_await rt::wait(just_h);
  if (h.done() && !h.cancelled()) h.result();
  co_return 0;
}

}  // namespace test_programs
