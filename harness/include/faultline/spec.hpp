#pragma once
/// A scenario's spec: what a *correct* program does when faults fire, as a small declarative
/// table, never derived from watching the runtime (docs/architecture.md, "Judging a run").
#include <cstdint>
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

/// Which protected work a fault may legitimately lose.
enum class LostWork : std::uint8_t {
  none,          ///< none: every unit begun must still be committed exactly once
  held_by_task,  ///< the units held by the task the fault hit (begun or taken with ledger::own)
  any,           ///< any unit of the run
};

/// One row of a spec table. The first matching row that decides (tolerated, a status or
/// racing the end) decides; rows that only excuse lost work excuse it and let the next decide.
struct SpecRule {
  FaultKind kind = FaultKind::cancel;          ///< fault kind the row is about
  std::string task;                            ///< task-name substring it applies to ("" = any)
  std::string site;                            ///< await-site substring, "file:line (function)" ("" = any)
  std::optional<int> arg;                      ///< only this exit code (exit=C) or signal number (signal=S)
  std::optional<bool> during_shutdown;         ///< only before (false) / after (true) shutdown began
  bool tolerated = false;                      ///< the program ends as if the fault had not happened
  /// With `tolerated`: only the first N faults this row matches in one run are tolerated (a
  /// program that retries N times); each further one may end the run with the kind's status.
  std::optional<int> tolerated_at_most;
  bool racing_end = false;                     ///< it may race the program's normal end: either outcome is correct
  std::optional<ExitStatus> status;            ///< else the status it must end with (default: the kind's)
  std::vector<ExitStatus> also_statuses;       ///< other statuses as correct when this row decides (a runtime's own race)
  LostWork lost_work = LostWork::none;         ///< protected work this fault may lose (never duplicate)
  std::string why;                             ///< one line: why a correct program behaves so
  bool decides() const noexcept { return tolerated || racing_end || status.has_value(); }
};

/// How a signal-driven shutdown ends the process, as the scenario's runtime is configured.
enum class SignalExit { killed_by_signal, exit_128_plus };

struct Spec {
  ExitStatus normal = ExitStatus::code(0);     ///< status with no fault (or only tolerated ones)
  SignalExit signal_exit = SignalExit::killed_by_signal;  ///< what signal=S must end in
  /// exit=C is an exception that unwinds its task (Python's SystemExit), not an exit at once: a
  /// fault that takes effect after it and before shutdown begins (at an await of a `finally` or
  /// an `__aexit__`, or a signal meanwhile) may end the run instead, as it would unfaulted.
  bool exit_can_be_overtaken = false;
  std::vector<SpecRule> rules;                 ///< scenario rows, checked before the defaults
  std::vector<std::string> protected_units;    ///< ledger unit names the scenario records
};

/// A fault that actually fired in a run, with where it landed.
struct FiredFault {
  Fault fault;
  std::uint64_t task_id = 0;  ///< the runtime's id of the task it hit
  std::string task;
  std::string site;
  bool during_shutdown = false;
};

/// What the spec expects of a run.
struct Expectation {
  ExitStatus status;                       ///< the status a correct program ends with
  std::vector<ExitStatus> also_accepted;   ///< other correct statuses (faults racing the normal end)
  bool lost_work_excused = false;          ///< a fault legitimately loses any protected work
  std::vector<std::uint64_t> lost_work_tasks;  ///< units held by these tasks may be lost
  std::string reason;                      ///< which fault (or none) decided, and why
  /// True if a correct program may end with `s`.
  bool accepts(const ExitStatus& s) const;
  /// True if a unit held by `owner_task` (0: unknown) may be lost.
  bool excuses_loss(std::uint64_t owner_task) const;
};

/// The built-in rows after a scenario's own: during shutdown, cancel/exit/signal are
/// tolerated (shutdown is already under way and the first cause wins); otherwise cancel and
/// throw end in 1, exit=C in C, signal=S killed by S (or 128+S).
const std::vector<SpecRule>& default_rules();

/// Derives the expected outcome from the faults that took effect, in effect order: the first
/// exit or signal that is not tolerated decides, else the first such cancel or throw. A fault
/// whose row says it races the normal end adds the status the run has without it. With
/// `exit_can_be_overtaken`, an exit followed by such a fault before shutdown also accepts the
/// status the run has if the later fault decides instead.
Expectation expected_outcome(const Spec& spec, const std::vector<FiredFault>& fired);

}  // namespace faultline
