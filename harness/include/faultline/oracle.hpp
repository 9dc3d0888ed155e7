#pragma once
/// The oracles (docs/architecture.md, "Judging a run"), with their stable ids. They judge one run from what the
/// runtime cannot fake: the exit status from waitpid, the ledger and the watchdog, plus the
/// runtime's reported events.
#include <string>
#include <vector>

#include <faultline/run_record.hpp>
#include <faultline/sandbox.hpp>
#include <faultline/scenario.hpp>
#include <faultline/spec.hpp>

namespace faultline {

namespace oracle_id {
inline constexpr const char* exit_code = "exit-code";
inline constexpr const char* protected_work = "protected-work";
inline constexpr const char* hung_future = "hung-future";
inline constexpr const char* leaked_task = "leaked-task";
inline constexpr const char* swallowed_cancel = "swallowed-cancel";
inline constexpr const char* lost_exception = "lost-exception";
inline constexpr const char* crash = "crash";
/// A replay that does not reproduce the run's trace (docs/architecture.md, "Where runs happen").
inline constexpr const char* nondeterminism = "nondeterminism";
}  // namespace oracle_id

/// Every oracle id, in reporting order.
const std::vector<std::string>& all_oracles();

struct Violation {
  std::string oracle;       ///< stable id
  std::string explanation;  ///< what was wrong, in one or two sentences
  std::string subject;      ///< what broke, for telling findings apart: the unit, the kind of hang, the statuses
};

struct Verdict {
  std::vector<Violation> violations;
  Expectation expected;           ///< what the spec expected of the run
  std::string actual;             ///< how the process actually ended
  bool violates(const std::string& oracle) const;
};

/// Judges one run of `scenario`.
Verdict judge(const Scenario& scenario, const RunRecord& record, const RunOutcome& outcome);

/// "exit 3", "killed by SIGTERM", "hung (killed by the watchdog after 2000 ms)".
std::string to_string(const ProcessEnd& end);

}  // namespace faultline
