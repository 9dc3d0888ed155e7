// seed 001, fixed: wait for t1 to finish without taking its result (rt::wait raises nothing),
// then read it; a cancellation of the stopper itself propagates from the wait.
#include <chrono>

#include <rt/scenario.hpp>

using namespace std::chrono_literals;

namespace {

rt::Task<void> func2() { co_await rt::sleep(2s); }
rt::Task<void> func1() { co_await func2(); }

rt::Task<void> stopper() {
  auto t1 = rt::spawn(func1(), "t1");
  co_await rt::sleep(1s);
  t1.cancel();
  std::vector<rt::Handle<void>> just_t1(1, t1);
  co_await rt::wait(just_t1);  // FIX: our own cancellation is raised here, not swallowed
  if (!t1.cancelled()) t1.result();  // an error of t1 still surfaces
}

rt::Task<int> cancel_await_main() {
  std::vector<rt::Handle<void>> tasks{rt::spawn(stopper(), "stopper")};
  co_await rt::gather(tasks);
  co_return 0;
}

faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "cancel_await_fixed";
  s.description = "a task cancels a child, waits for it with rt::wait, then reads its result";
  s.trap = "seed 001: fixed by waiting without retrieving";
  s.twin = "cancel_await_buggy";
  s.spec.rules = {faultline::tolerated(faultline::FaultKind::cancel, "t1", "the stopper cancels t1 anyway")};
  s.program = rt::scenario_program(&cancel_await_main);
  return s;
}

faultline::Registration registration(&make);

}  // namespace
