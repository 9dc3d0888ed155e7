// A bug that needs two faults, in cleanup: a writer whose write fails (fault 1) journals the
// entry in its error path; only when that journal write fails too (fault 2) does the buggy twin
// lose the entry. One failure is handled, so the single-fault sweep never sees it.
//  - journal_buggy: a failed journal write drops the entry.
//  - journal_fixed: a failed journal write keeps the entry for the next run.
#include <chrono>

#include "program.hpp"

using namespace std::chrono_literals;
using faultline::FaultKind;

namespace {

rt::Task<void> write_entry() { co_await rt::sleep(10ms); }
rt::Task<void> write_journal() { co_await rt::sleep(5ms); }

template <bool keeps_on_journal_failure>
rt::Task<int> journal_main() {
  faultline::ledger::begin("entry");
  try {
    co_await write_entry();
    faultline::ledger::commit("entry");
    co_return 0;
  } catch (const faultline::InjectedError&) {
  }
  try {
    co_await write_journal();  // cleanup: the entry goes to the journal instead
    faultline::ledger::commit("entry");
  } catch (const faultline::InjectedError&) {
    if (keeps_on_journal_failure) faultline::ledger::commit("entry");  // FIX: kept for the next run
  }  // BUG (buggy twin): the entry is gone
  co_return 0;
}

faultline::Scenario make(const char* name, rt::Task<int> (*main)(), const char* description) {
  faultline::Scenario s = test_programs::program(name, main, description);
  s.spec.protected_units = {"entry"};
  s.spec.rules = {faultline::tolerated(FaultKind::throw_error, "", "a failed write is journalled, a failed journal kept"),
                  faultline::loses_work(FaultKind::cancel, "", "a writer cancelled mid-write writes again next run"),
                  faultline::loses_work(FaultKind::exit, "", "a writer that exits mid-write writes again next run"),
                  faultline::loses_work(FaultKind::signal, "", "a writer stopped mid-write writes again next run")};
  return s;
}

faultline::Registration r1(+[] { return make("journal_buggy", &journal_main<false>, "drops the entry when the journal write fails too"); });
faultline::Registration r2(+[] { return make("journal_fixed", &journal_main<true>, "keeps the entry when the journal write fails too"); });

}  // namespace
