#pragma once
/// A scenario's spec: what a *correct* program does when faults fire, as a small declarative
/// table, never derived from watching the runtime (DESIGN.md "Scenario specs").
#include <optional>
#include <string>
#include <vector>

#include <faultline/schedule.hpp>

namespace faultline {

/// A process end as waitpid reports it.
struct ExitStatus {
  enum class Kind { exited, signaled };
  Kind kind = Kind::exited;  ///< exited with a code, or killed by a signal
  int value = 0;             ///< the code or the signal number
  static ExitStatus code(int c) { return {Kind::exited, c}; }
  static ExitStatus killed_by(int s) { return {Kind::signaled, s}; }
  friend bool operator==(const ExitStatus&, const ExitStatus&) = default;
};
/// "exit 1", "killed by SIGTERM".
std::string to_string(const ExitStatus& s);

/// One row of a spec table. The first matching row decides; built-in defaults follow.
struct SpecRule {
  FaultKind kind = FaultKind::cancel;          ///< fault kind the row is about
  std::string task;                            ///< task-name substring it applies to ("" = any)
  std::string site;                            ///< await-site substring, "file:line (function)" ("" = any)
  std::optional<bool> during_shutdown;         ///< only before (false) / after (true) shutdown began
  bool tolerated = false;                      ///< the program ends as if the fault had not happened
  std::optional<ExitStatus> status;            ///< else the status it must end with (default: the kind's)
  bool excuses_lost_work = false;              ///< protected work lost (never duplicated) to this fault is expected
  std::string why;                             ///< one line: why a correct program behaves so
};

/// How a signal-driven shutdown ends the process, as the scenario's runtime is configured.
enum class SignalExit { killed_by_signal, exit_128_plus };

struct Spec {
  ExitStatus normal = ExitStatus::code(0);     ///< status with no fault (or only tolerated ones)
  SignalExit signal_exit = SignalExit::killed_by_signal;  ///< what signal=S must end in
  std::vector<SpecRule> rules;                 ///< scenario rows, checked before the defaults
  std::vector<std::string> protected_units;    ///< ledger unit names the scenario records
};

/// A fault that actually fired in a run, with where it landed.
struct FiredFault {
  Fault fault;
  std::string task;
  std::string site;
  bool during_shutdown = false;
};

/// What the spec expects of a run.
struct Expectation {
  ExitStatus status;             ///< the status a correct program ends with
  bool lost_work_excused = false;  ///< some fired fault legitimately loses protected work
  std::string reason;            ///< which fault (or none) decided, and why
};

/// Rows that say neither tolerated nor a status only excuse lost work; the status then comes
/// from the next row that decides.
/// The built-in rows after a scenario's own: during shutdown, cancel/exit/signal are
/// tolerated (shutdown is already under way and the first cause wins); otherwise cancel and
/// throw end in 1, exit=C in C, signal=S killed by S (or 128+S).
const std::vector<SpecRule>& default_rules();

/// Derives the expected outcome from the faults that took effect, in effect order: the first
/// exit or signal that is not tolerated decides, else the first such cancel or throw.
Expectation expected_outcome(const Spec& spec, const std::vector<FiredFault>& fired);

}  // namespace faultline
