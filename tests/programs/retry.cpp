// A bug that needs three faults on a path that revisits one site: a sender retries a failed
// send up to three times; only when all three attempts fail does the buggy twin give up
// silently, losing the message. One or two failures are handled, so the single-fault sweep and
// any search that only extends new sites never see it.
//  - retry_buggy: gives up after three failures without keeping the message.
//  - retry_fixed: after three failures it keeps the message for the next run (commits it to the outbox).
//  - needle_buggy / needle_fixed: the same sender behind 300 awaits of warm-up whose failures
//    are skipped: a fault tree far too big to run to depth 3, where only a search that builds
//    on the schedules reaching new contexts (a retry's second and third pass) finds the bug.
#include <chrono>
#include <stdexcept>

#include "program.hpp"

using namespace std::chrono_literals;
using faultline::FaultKind;

namespace {

rt::Task<void> send() { co_await rt::sleep(100ms); }

template <bool keeps_on_give_up, int warm_up_steps = 0>
rt::Task<int> retry_main() {
  for (int i = 0; i < warm_up_steps; ++i) {
    try {
      co_await rt::sleep(1ms);
    } catch (const faultline::InjectedError&) {
    }  // a failed warm-up step is skipped
  }
  faultline::ledger::begin("message");
  for (int attempt = 0; attempt < 3; ++attempt) {
    bool failed = false;
    try {
      co_await send();
      faultline::ledger::commit("message");
      co_return 0;
    } catch (const std::exception&) {
      failed = true;
    }
    if (!failed) continue;
    try {
      co_await rt::sleep(1s);  // back-off; a failed back-off timer only shortens it
    } catch (const std::exception&) {
    }
  }
  if (keeps_on_give_up) faultline::ledger::commit("message");  // FIX: kept in the outbox
  co_return 0;  // BUG (buggy twin): the message is dropped
}

faultline::Scenario make(const char* name, rt::Task<int> (*main)(), const char* description) {
  faultline::Scenario s = test_programs::program(name, main, description);
  s.spec.protected_units = {"message"};
  s.spec.rules = {faultline::tolerated_at(FaultKind::throw_error, "::send)", "a failed send is retried, then kept"),
                  faultline::tolerated_at(FaultKind::throw_error, "::retry_main)", "a failed send is retried, then kept"),
                  faultline::loses_work(FaultKind::cancel, "", "a sender cancelled mid-send sends again next run"),
                  faultline::loses_work(FaultKind::exit, "", "a sender that exits mid-send sends again next run"),
                  faultline::loses_work(FaultKind::signal, "", "a sender stopped mid-send sends again next run")};
  return s;
}

faultline::Registration r1(+[] { return make("retry_buggy", &retry_main<false>, "drops the message after three failed sends"); });
faultline::Registration r2(+[] { return make("retry_fixed", &retry_main<true>, "keeps the message after three failed sends"); });
faultline::Registration r3(+[] { return make("needle_buggy", &retry_main<false, 300>, "the retry bug behind 300 warm-up awaits"); });
faultline::Registration r4(+[] { return make("needle_fixed", &retry_main<true, 300>, "the fixed retry behind 300 warm-up awaits"); });

}  // namespace
