// Livelocks: a poller waits for a flag that only a setter task sets. If the setter is cancelled
// the poller loops forever, in virtual time (sleeping) or without it (yielding).
//  - livelock_sleeping: polls every 100 ms of virtual time.
//  - livelock_spinning: polls with rt::yield, so the clock never moves.
#include <chrono>

#include "program.hpp"

using namespace std::chrono_literals;

namespace {

bool flag = false;

template <bool sleeping>
rt::Task<void> setter() {
  // NOTE: the spinning poller never lets virtual time pass, so its setter must not sleep.
  if (sleeping) co_await rt::sleep(1s);
  else
    for (int i = 0; i < 3; ++i) co_await rt::yield();
  flag = true;
}

template <bool sleeping>
rt::Task<void> poller() {
  while (!flag) {
    if (sleeping) co_await rt::sleep(100ms);
    else co_await rt::yield();
  }
}

template <bool sleeping>
rt::Task<int> livelock_main() {
  flag = false;
  auto s = rt::spawn(setter<sleeping>(), "setter");
  auto p = rt::spawn(poller<sleeping>(), "poller");
  // NOTE: only the poller is awaited: a cancelled setter is not noticed, which is the bug.
  co_await p;
  co_return 0;
}

faultline::Registration r3(+[] {
  faultline::Scenario s = test_programs::program("livelock_limited", &livelock_main<true>, "needs 1 s of virtual time but allows 0.5 s");
  s.limits.max_virtual_ns = 500'000'000;
  return s;
});
faultline::Registration r1(+[] { return test_programs::program("livelock_sleeping", &livelock_main<true>, "polls a flag every 100 ms forever"); });
faultline::Registration r2(+[] { return test_programs::program("livelock_spinning", &livelock_main<false>, "polls a flag with yield forever"); });

}  // namespace
