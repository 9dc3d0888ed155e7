// The engine called directly: a campaign over the scenario in scenario.cpp must find its bug.
#include <cstdio>

#include <faultline/explorer.hpp>

int main() {
  faultline::CampaignOptions o;
  o.seed = 1;
  o.random_runs = 50;
  faultline::CampaignResult r = faultline::run_campaign(o, {}, {});
  for (const auto& f : r.scenarios[0].findings)
    std::printf("finding: %s with '%s'\n", f.oracle.c_str(), faultline::to_string(f.schedule).c_str());
  bool found = !r.scenarios[0].findings.empty() && r.scenarios[0].findings[0].oracle == "swallowed-cancel";
  std::printf("%s\n", found ? "other runtime: swallowed-cancel found" : "other runtime: NOT found");
  return found ? 0 : 1;
}
