#pragma once
/// Scenarios on rt (target faultline::rt_scenario): everything a scenario file includes to put a
/// program written on rt under faultline — the registry, the spec rows, the ledger and rt.
///
///   rt::Task<int> my_main() { ... }
///   faultline::Scenario make() {
///     faultline::Scenario s;
///     s.name = "my_scenario";
///     s.spec.rules = {faultline::tolerated(faultline::FaultKind::cancel, "retry", "retried")};
///     s.program = rt::scenario_program(&my_main);
///     return s;
///   }
///   faultline::Registration registration(&make);
#include <functional>
#include <string>
#include <vector>

#include <faultline/ledger.hpp>
#include <faultline/scenario.hpp>
#include <faultline/spec_rows.hpp>
#include <rt/rt.hpp>

namespace rt {

/// One of rt's deliberate flaws (`--flaw NAME`), each reproducing a trap of real runtimes.
struct FlawInfo {
  const char* name;         ///< the name `--flaw` takes
  bool Flaws::*field;       ///< the switch in rt::Flaws
  const char* description;  ///< one line: what goes wrong when it is on
};

/// Every flaw rt knows; they are registered with faultline when this library is linked.
const std::vector<FlawInfo>& flaw_infos();

/// rt::Flaws with the named flaws on (names are checked by the CLI before a run starts).
Flaws flaws_from(const std::vector<std::string>& names);

/// A scenario's main: builds the task a run awaits; its result is the exit status.
using ScenarioMain = Task<int> (*)();

/// The program of a scenario: runs `main` on a fresh deterministic Runtime built from `base`
/// with the run's flaws, and returns main's status. A signal-driven shutdown ends the process by
/// the signal through faultline's seam, as a real program would.
std::function<int(const faultline::RunContext&)> scenario_program(ScenarioMain main, Options base = {});

}  // namespace rt
