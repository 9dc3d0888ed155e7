#pragma once
// The bridge between faultline's scenario registry and rt: runs a scenario's main on a fresh
// rt::Runtime configured from the run's flaws, and helpers to write spec rows.
#include <functional>
#include <string>
#include <vector>

#include <faultline/ledger.hpp>
#include <faultline/scenario.hpp>
#include <faultline/spec_rows.hpp>
#include <rt/rt.hpp>

namespace scenarios {

/// rt's flaws by name (`--flaw NAME`), each with a one-line description.
struct FlawInfo {
  const char* name;
  bool rt::Flaws::*field;
  const char* description;
};
const std::vector<FlawInfo>& rt_flaws();

/// Maps flaw names to rt::Flaws (unknown names are rejected before a run starts).
rt::Flaws flaws_from(const std::vector<std::string>& names);

/// A scenario program: builds main's task for a runtime.
using MainFn = rt::Task<int> (*)();

/// Runs `main` on a deterministic rt::Runtime with the run's flaws; signals end the process
/// by the signal (through faultline's seam).
std::function<int(const faultline::RunContext&)> on_rt(MainFn main, rt::Options base = {});

// The spec-writing rows are public: <faultline/spec_rows.hpp>.
using faultline::fails_losing_work;
using faultline::loses_own_work;
using faultline::loses_work;
using faultline::tolerated;
using faultline::tolerated_at;

}  // namespace scenarios
