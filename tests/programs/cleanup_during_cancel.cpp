// Correct programs whose cleanup awaits while a cancellation is under way: a throw landing in
// that cleanup is dropped by design (the cancellation wins), so it must not be charged.
//  - wait_cleanup_fixed: a worker runs rt::wait_for(inner, 5 s); main cancels the worker after
//    1 s; inner flushes (awaits) when cancelled; wait_for waits for it and re-raises Cancelled.
//  - group_cleanup_fixed: the same through an rt::TaskGroup whose second error is dropped.
#include <chrono>
#include <vector>

#include "program.hpp"

using namespace std::chrono_literals;
using faultline::FaultKind;

namespace {

rt::Task<void> flush() { co_await rt::sleep(10ms); }

rt::Task<void> inner() {
  bool cancelled = false;
  try {
    co_await rt::sleep(10s);
  } catch (const rt::Cancelled&) {
    cancelled = true;
  }
  if (cancelled) {
    co_await flush();  // cleanup that awaits, while the cancellation is under way
    co_await rt::yield();
    throw rt::Cancelled{};
  }
}

rt::Task<void> worker() { co_await rt::wait_for(inner(), 5s, "inner"); }

rt::Task<int> wait_cleanup_main() { return test_programs::cancel_after_a_second<&worker>("worker"); }

faultline::Scenario make_wait_cleanup() {
  faultline::Scenario s = test_programs::program("wait_cleanup_fixed", &wait_cleanup_main,
                                                 "main cancels a worker inside wait_for; the inner work awaits its cleanup");
  s.spec.rules = {faultline::tolerated(FaultKind::cancel, "worker", "main cancels the worker anyway"),
                  faultline::tolerated(FaultKind::cancel, "inner", "a cancelled inner work ends the worker cancelled")};
  return s;
}

rt::Task<void> member(int n) {
  bool cancelled = false;
  try {
    co_await rt::sleep(std::chrono::seconds(n));
  } catch (const rt::Cancelled&) {
    cancelled = true;
  }
  if (cancelled) {
    co_await flush();
    throw rt::Cancelled{};
  }
}

rt::Task<void> group() {
  rt::TaskGroup g;
  g.spawn(member(5), "member");
  g.spawn(member(6), "member");
  co_await g.join();
}

rt::Task<int> group_cleanup_main() { return test_programs::cancel_after_a_second<&group>("group"); }

faultline::Scenario make_group_cleanup() {
  faultline::Scenario s = test_programs::program("group_cleanup_fixed", &group_cleanup_main,
                                                 "main cancels a TaskGroup whose members await their cleanup");
  s.spec.rules = {faultline::tolerated(FaultKind::cancel, "group", "main cancels the group anyway"),
                  faultline::tolerated(FaultKind::cancel, "member", "a cancelled member is part of the group's cancellation")};
  return s;
}

faultline::Registration r1(&make_wait_cleanup);
faultline::Registration r2(&make_group_cleanup);

}  // namespace
