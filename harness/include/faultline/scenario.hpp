#pragma once
/// Scenarios: a program on a runtime under test plus its spec. Adding one is one file with one
/// registration line: `static faultline::Registration r(&make_my_scenario);`
#include <functional>
#include <string>
#include <vector>

#include <faultline/run_record.hpp>
#include <faultline/schedule.hpp>
#include <faultline/spec.hpp>

namespace faultline {

/// What a run asks of the program.
struct RunContext {
  std::vector<std::string> flaws;  ///< runtime flaws to switch on, by name
  /// The run's faults. The hook decides by them at each await point; a program that cannot
  /// ask the hook at every await point cheaply (a child process's shim) may be told them up
  /// front and decide by ordinal the same way.
  Schedule schedule;
};

/// A runtime flaw a scenario exercises, and the oracle that must fire when it is on.
struct FlawExpectation {
  std::string flaw;    ///< flaw name, as `--flaw NAME`
  std::string oracle;  ///< oracle id that must fire; "" if the scenario must stay clean
};

struct Scenario {
  std::string name;                     ///< unique snake_case id
  std::string description;              ///< one line: what the program does
  std::string trap;                     ///< the trap it models ("seed 000: ...") or ""
  std::string twin;                     ///< its buggy/fixed twin's name, if any
  std::string expected_oracle;          ///< oracle a campaign must report with no flaw; "" = clean
  std::vector<FlawExpectation> flaws;   ///< flaws it exercises
  bool deterministic = true;            ///< same schedule, same trace (no real threads/sockets)
  Spec spec;                            ///< expected outcomes
  RunLimits limits;                     ///< await points and virtual time one run may take (livelock)
  /// Runs the program in this process and returns its exit status. After a signal-driven
  /// shutdown it ends the process by the signal through faultline's seam.
  std::function<int(const RunContext&)> program;
};

/// Every registered scenario, and every flaw name any of them knows.
class Registry {
 public:
  static Registry& instance();
  void add(Scenario s);
  const std::vector<Scenario>& all() const noexcept { return scenarios_; }
  /// The scenario called `name`, or nullptr.
  const Scenario* find(const std::string& name) const;
  /// The scenario called `name`; a usage error naming the known ones otherwise.
  const Scenario& get(const std::string& name) const;
  /// Registered flaw names (from scenarios' FlawExpectations and add_flaw).
  const std::vector<std::string>& flaw_names() const noexcept { return flaws_; }
  void add_flaw(const std::string& name);
  /// Checks that every name is a known flaw (usage error otherwise).
  void check_flaws(const std::vector<std::string>& names) const;

 private:
  std::vector<Scenario> scenarios_;
  std::vector<std::string> flaws_;
};

/// A static object whose construction registers a scenario.
struct Registration {
  explicit Registration(Scenario (*make)());
};

/// The oracle a campaign must report for `s` run with `flaws` ("" = clean).
std::string expected_oracle(const Scenario& s, const std::vector<std::string>& flaws);

}  // namespace faultline
