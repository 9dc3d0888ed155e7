#pragma once
/// GoogleTest glue (target faultline::gtest): one line makes a scenario a gtest test that runs a
/// campaign over it and fails with each finding and a reproduce string.
///
///   FAULTLINE_TEST(my_scenario);          // at namespace scope, in any test source
///
/// or link faultline::gtest_main, whose main() registers every scenario of the binary (what
/// faultline_add_scenarios(... GTEST) does).
///
/// Environment (as rapidcheck's RC_PARAMS):
///   FAULTLINE_BUDGET=SECONDS     the campaign's budget per scenario (default 10)
///   FAULTLINE_SEED=N             the campaign's seed (default: drawn, and printed on failure)
///   FAULTLINE_MAX_FAULTS=K       faults per schedule (default 3)
///   FAULTLINE_REPLAY='SCENARIO|SCHEDULE|FLAW,FLAW'
///                                instead of a campaign, run that one schedule in this process
///                                (break in a debugger), judge it, and fail on a violation.
/// ctest sees one test per scenario (gtest_discover_tests), named Faultline.<scenario>.
#include <string>

namespace faultline {

/// Registers the gtest test Faultline.<scenario>; returns true (for a static initializer).
bool register_gtest_campaign(const std::string& scenario);

/// Registers Faultline.<name> for every scenario registered so far (call it from main, before
/// RUN_ALL_TESTS); scenarios already registered by FAULTLINE_TEST are not registered twice.
void register_gtest_campaigns();

}  // namespace faultline

#define FAULTLINE_GTEST_CONCAT2(a, b) a##b
#define FAULTLINE_GTEST_CONCAT(a, b) FAULTLINE_GTEST_CONCAT2(a, b)
/// Registers scenario `name` (an identifier, the scenario's registered name) as a gtest test.
#define FAULTLINE_TEST(name) \
  static const bool FAULTLINE_GTEST_CONCAT(faultline_gtest_registered_, name) = ::faultline::register_gtest_campaign(#name)
