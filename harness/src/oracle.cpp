#include <faultline/oracle.hpp>

#include <csignal>
#include <cstring>

namespace faultline {

const std::vector<std::string>& all_oracles() {
  static const std::vector<std::string> ids = {oracle_id::exit_code,      oracle_id::protected_work,
                                               oracle_id::hung_future,    oracle_id::leaked_task,
                                               oracle_id::swallowed_cancel, oracle_id::lost_exception,
                                               oracle_id::crash};
  return ids;
}

bool Verdict::violates(const std::string& oracle) const {
  for (const auto& v : violations)
    if (v.oracle == oracle) return true;
  return false;
}

std::string to_string(const ProcessEnd& end) {
  switch (end.kind) {
    case ProcessEnd::Kind::exited: return "exit " + std::to_string(end.value);
    case ProcessEnd::Kind::signaled: return "killed by SIG" + signal_name(end.value) + " (" + strsignal(end.value) + ")";
    case ProcessEnd::Kind::timed_out: return "hung (killed by the watchdog after " + std::to_string(end.value) + " ms)";
    case ProcessEnd::Kind::lost: return "lost (no exit status could be had)";
    case ProcessEnd::Kind::interrupted: return "interrupted (the campaign was stopped)";
  }
  return "?";
}

namespace {

bool is_crash_signal(int s) {
  return s == SIGSEGV || s == SIGABRT || s == SIGBUS || s == SIGILL || s == SIGFPE || s == SIGSYS || s == SIGTRAP ||
         s == SIGKILL || s == SIGXCPU || s == SIGXFSZ;
}

const char* crash_marker(const std::string& output) {
  for (const char* m : {"AddressSanitizer", "UndefinedBehaviorSanitizer", "ThreadSanitizer", "LeakSanitizer",
                        "runtime error:", "terminate called"})
    if (output.find(m) != std::string::npos) return m;
  return nullptr;
}

}  // namespace

Verdict judge(const Scenario& scenario, const RunRecord& rec, const RunOutcome& outcome) {
  Verdict v;
  v.expected = expected_outcome(scenario.spec, fired_faults(rec));
  v.actual = to_string(outcome.end);
  auto add = [&](const char* id, std::string why, std::string subject = "") {
    v.violations.push_back({id, std::move(why), std::move(subject)});
  };
  std::string events = problems(rec);

  bool crashed = false;
  bool stopped_at_limit = rec.limit_hit != static_cast<std::uint8_t>(RunLimitHit::none);
  if (stopped_at_limit) v.actual = "stopped by faultline at a run limit (livelock)";
  if (stopped_at_limit) {
    // The harness itself ended the run (a livelock): not a crash, whatever the process did.
  } else if (rec.escaped != 0) {
    crashed = true;
    std::string what(rec.escape_what, strnlen(rec.escape_what, sizeof rec.escape_what));
    if (rec.escaped == static_cast<std::uint8_t>(RunEscape::out_of_memory))
      add(oracle_id::crash, "the run ran out of memory: an allocation failed under the run's memory limit (" + what + ")", "out of memory");
    else
      add(oracle_id::crash, "an exception escaped the program (what: " + what + "); outside the harness it would end in std::terminate",
          "escaped exception");
  } else if (outcome.end.kind == ProcessEnd::Kind::lost) {
    crashed = true;
    add(oracle_id::crash, "the run's process died without an exit status", "lost");
  } else if (outcome.end.kind == ProcessEnd::Kind::signaled && is_crash_signal(outcome.end.value)) {
    crashed = true;
    add(oracle_id::crash, "the process was " + v.actual, "signal " + std::to_string(outcome.end.value));
  } else if (const char* m = crash_marker(outcome.output_tail)) {
    crashed = true;
    add(oracle_id::crash, std::string("the run's output reports '") + m + "'", m);
  }

  bool hung = false;
  if (stopped_at_limit) {
    hung = true;
    add(oracle_id::hung_future, std::string(rec.limit_report), "livelock");
  } else if (outcome.end.kind == ProcessEnd::Kind::timed_out) {
    hung = true;
    add(oracle_id::hung_future, "the run did not end within its budget: " + v.actual, "watchdog");
  } else if (rec.deadlocks.load() > 0) {
    hung = true;
    add(oracle_id::hung_future, "the runtime deadlocked: " + events.substr(0, events.find('\n')), "deadlock");
  } else if (rec.futures_created.load() != rec.futures_resolved.load()) {
    hung = true;
    add(oracle_id::hung_future, std::to_string(rec.futures_created.load() - rec.futures_resolved.load()) +
                                    " future(s) or awaited operation(s) never resolved", "future");
  }

  std::uint32_t leaked = rec.destroyed_pending.load() - std::min(rec.destroyed_pending.load(), rec.protected_cut.load());
  if (leaked > 0) add(oracle_id::leaked_task, std::to_string(leaked) + " task(s) destroyed while pending", "destroyed pending");
  if (rec.posted_after_close.load() > 0)
    add(oracle_id::leaked_task, std::to_string(rec.posted_after_close.load()) + " completion(s) posted to a closed loop", "posted after close");

  if (rec.lost_exceptions.load() > 0) {
    add(oracle_id::lost_exception, std::to_string(rec.lost_exceptions.load()) +
                                       " task(s) ended by an exception that nobody sees (co_spawn(..., detached))", "detached");
  }
  if (rec.swallowed.load() > 0)
    add(oracle_id::swallowed_cancel, std::to_string(rec.swallowed.load()) + " cancelled task(s) finished normally without uncancel", "");

  {
    // Work committed more often than begun is never excused; lost work may be, by the spec:
    // for the units held by the task a fault hit, or for the whole run.
    std::string wrong, first_unit;
    auto say = [&](const std::string& what) { wrong += (wrong.empty() ? "" : "; ") + what; };
    for (const LedgerUnit* u : ledger_units(rec)) {
      std::uint32_t b = u->begun.load(), c = u->committed.load();
      if (c > b || (c < b && !v.expected.excuses_loss(u->owner_task))) {
        if (first_unit.empty()) first_unit = std::string(u->name) + (c > b ? " duplicated" : " lost");
        say("unit '" + std::string(u->name) + "' begun " + std::to_string(b) + "x, committed " + std::to_string(c) + "x" +
            (c < b && u->owner_task != 0 ? " (held by " + task_name(rec, u->owner_task) + ")" : ""));
      }
    }
    std::uint32_t cut = rec.protected_cut.load(), cut_excused = 0;
    for (std::uint32_t i = 0; i < rec.cut_task_count && i < kMaxCutTasks; ++i)
      if (v.expected.excuses_loss(rec.cut_tasks[i])) ++cut_excused;
    if (v.expected.lost_work_excused) cut_excused = cut;
    if (cut > cut_excused) say(std::to_string(cut - cut_excused) + " protected task(s) cut by the grace period");
    if (!wrong.empty()) add(oracle_id::protected_work, wrong, first_unit.empty() ? "cut" : first_unit);
  }

  if (!crashed && !hung) {
    ExitStatus actual = outcome.end.kind == ProcessEnd::Kind::signaled ? ExitStatus::killed_by(outcome.end.value)
                                                                       : ExitStatus::code(outcome.end.value);
    if (!v.expected.accepts(actual))
      add(oracle_id::exit_code, "expected " + to_string(v.expected.status) + " (" + v.expected.reason + "), got " + v.actual,
          to_string(v.expected.status) + " vs " + to_string(actual));
  }
  // Each oracle once, with the first explanation.
  std::vector<Violation> unique;
  for (auto& x : v.violations) {
    bool seen = false;
    for (auto& u : unique) seen = seen || u.oracle == x.oracle;
    if (!seen) unique.push_back(std::move(x));
  }
  v.violations = std::move(unique);
  return v;
}

}  // namespace faultline
