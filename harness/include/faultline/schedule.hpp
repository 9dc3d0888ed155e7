#pragma once
/// Fault schedules and their text form, one grammar for CLI, reports and corpus:
///   schedule := "" | fault (";" fault)*
///   fault    := ORDINAL ("" | "+") ":" kind      ("+" = after the operation completed)
///   kind     := "cancel" | "throw" | "exit=" CODE | "signal=" ("INT" | "TERM" | "HUP")
/// e.g. `12:cancel;40+:signal=TERM;7:exit=3`. Ordinals are 1-based await-point counts.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <faultline/hook.hpp>

namespace faultline {

/// One fault: what happens at the `ordinal`-th await point of a run.
struct Fault {
  std::uint64_t ordinal = 1;               ///< 1-based await-point number
  FaultTiming timing = FaultTiming::at;     ///< at (while suspended) or after (on resumption)
  FaultKind kind = FaultKind::cancel;       ///< what is injected
  int arg = 0;                              ///< exit code, or signal number
  friend bool operator==(const Fault&, const Fault&) = default;
};

/// Most faults one schedule may hold; the run record tracks each of them exactly.
constexpr std::size_t kMaxScheduleFaults = 64;

/// Faults of one run, sorted by ordinal, at most one per ordinal, at most kMaxScheduleFaults.
struct Schedule {
  std::vector<Fault> faults;
  friend bool operator==(const Schedule&, const Schedule&) = default;
};

/// Parses schedule text. Throws faultline::Error (usage) naming the offending token.
Schedule parse_schedule(std::string_view text);
/// Prints a schedule in the grammar above; parse_schedule(to_string(s)) == s.
std::string to_string(const Schedule& schedule);
std::string to_string(const Fault& fault);
/// "cancel", "throw", "exit=3", "signal=TERM".
std::string kind_to_string(FaultKind kind, int arg);
/// Sorts by ordinal and rejects two faults at one ordinal (usage error).
void normalize(Schedule& schedule);
/// Signal name without "SIG" for INT/TERM/HUP, else the number.
std::string signal_name(int signo);

}  // namespace faultline
