// seed 001, buggy: `t1.cancel(); co_await t1;` guarded by catch (Cancelled). If the stopper
// itself is cancelled while it waits, that handler swallows the *outer* cancellation.
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
  try {
    co_await t1;
  } catch (const rt::Cancelled&) {  // BUG: cannot tell t1's cancellation from our own
  }
}

rt::Task<int> cancel_await_main() {
  std::vector<rt::Handle<void>> tasks{rt::spawn(stopper(), "stopper")};
  co_await rt::gather(tasks);
  co_return 0;
}

faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "cancel_await_buggy";
  s.description = "a task cancels a child and awaits it inside catch (rt::Cancelled)";
  s.trap = "seed 001: except CancelledError around `await t` swallows the outer cancellation";
  s.twin = "cancel_await_fixed";
  s.expected_oracle = "swallowed-cancel";
  s.spec.rules = {faultline::tolerated(faultline::FaultKind::cancel, "t1", "the stopper cancels t1 anyway")};
  s.program = rt::scenario_program(&cancel_await_main);
  return s;
}

faultline::Registration registration(&make);

}  // namespace
