// Exploration figures, measured side by side in one run (README "Exploration"): how fast the
// fault tree exhausts each zoo scenario at depth 2 and 3, how fast bugs that need several faults
// are found by the tree and by random schedules alone, --jobs 2 against --jobs 1 on one
// scenario, and how the single-fault sweep scales with the program's length.
// Usage: exploration_bench [SECONDS_CAP]   (per campaign; default 60)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <faultline/explorer.hpp>
#include <faultline/scenario.hpp>

using namespace faultline;

namespace {

double cap_s = 60;

CampaignOptions options(const std::string& scenario, int max_faults, bool sweep, bool random, std::uint64_t runs, int jobs = 1,
                        double budget = cap_s) {
  CampaignOptions o;
  o.scenarios = {scenario};
  o.max_faults = max_faults;
  o.sweep = sweep;
  o.random = random;
  o.random_runs = runs;
  o.jobs = jobs;
  o.seed = 20261122;
  o.replays = 1;
  o.budget_s = budget;
  return o;
}

CampaignResult campaign(const std::string& scenario, int max_faults, bool sweep, bool random, std::uint64_t runs, int jobs = 1,
                        double budget = cap_s) {
  return run_campaign(options(scenario, max_faults, sweep, random, runs, jobs, budget), {}, {});
}

void exhaust_table() {
  std::printf("| scenario | await points | depth 2: schedules, seconds | depth 3: schedules, seconds | findings |\n|---|---|---|---|---|\n");
  for (const auto& s : Registry::instance().all()) {
    if (s.name.find("_buggy") == std::string::npos && s.name.find("_fixed") == std::string::npos && s.name != "threadsafe_submit") continue;
    if (s.name.rfind("retry", 0) == 0 || s.name.rfind("own_work", 0) == 0 || s.name.rfind("long_run", 0) == 0 ||
        s.name.rfind("needle", 0) == 0 || s.name.rfind("journal", 0) == 0 || s.name.find("cleanup") != std::string::npos)
      continue;  // test programs, not the zoo
    auto cell = [](const ScenarioResult& r) {
      std::uint64_t n = 0;
      for (auto x : r.tree_schedules) n += x;
      char buf[96];
      std::snprintf(buf, sizeof buf, "%s%llu, %.2f s", r.exhausted ? "" : "not exhausted: ", static_cast<unsigned long long>(n), r.seconds);
      return std::string(buf);
    };
    CampaignResult d2 = campaign(s.name, 2, true, false, 0);
    CampaignResult d3 = campaign(s.name, 3, true, false, 0);
    std::printf("| %s | %llu | %s | %s | %zu |\n", s.name.c_str(), static_cast<unsigned long long>(d2.scenarios[0].await_points),
                cell(d2.scenarios[0]).c_str(), cell(d3.scenarios[0]).c_str(), d3.scenarios[0].findings.size());
    std::fflush(stdout);
  }
}

void multi_fault_table() {
  std::printf("\n| bug | search | found | runs until found | seconds until found | faults |\n|---|---|---|---|---|---|\n");
  struct Case {
    const char* scenario;
    const char* bug;
  };
  struct Search {
    const char* name;
    bool sweep, random, mutate;
    std::uint64_t runs;
  };
  const Search searches[] = {
      {"fault tree to depth 3", true, false, true, 0},
      {"random only, fresh draws (20,000, half near each site's first await)", false, true, false, 20000},
      {"random only, mutating kept schedules (20,000)", false, true, true, 20000},
      {"default: tree, random rounds beside it when it is too big", true, true, true, UINT64_MAX},
  };
  for (Case c : {Case{"retry_buggy", "3 failed sends at one site"}, Case{"journal_buggy", "a failed write, then a failed journal write in its cleanup (2 faults)"},
                 Case{"needle_buggy", "3 failed sends behind 300 warm-up awaits"},
                 Case{"own_work_buggy", "a cancelled worker cancels its neighbour"}, Case{"two_bugs", "two independent lost units"}}) {
    for (const Search& search : searches) {
      CampaignOptions o = options(c.scenario, 3, search.sweep, search.random, search.runs);
      o.mutate = search.mutate;
      CampaignResult r = run_campaign(o, {}, {});
      const ScenarioResult& s = r.scenarios[0];
      const Finding* f = s.findings.empty() ? nullptr : &s.findings[0];
      std::printf("| %s: %s | %s | %s | %llu | %.3f | %zu |\n", c.scenario, c.bug, search.name, f ? "yes" : "no",
                  static_cast<unsigned long long>(f ? f->runs_until_found : s.runs), f ? f->seconds_until_found : s.seconds,
                  f ? f->schedule.faults.size() : 0);
      std::fflush(stdout);
    }
  }
}

void jobs_table() {
  std::printf("\n| one scenario, 10 s budget | runs | runs/s |\n|---|---|---|\n");
  for (int jobs : {1, 2}) {
    CampaignResult r = campaign("job_queue_fixed", 3, true, true, UINT64_MAX, jobs, 10);
    std::printf("| job_queue_fixed --jobs %d | %llu | %.0f |\n", jobs, static_cast<unsigned long long>(r.runs()),
                static_cast<double>(r.runs()) / r.seconds);
    std::fflush(stdout);
  }
}

void sweep_table() {
  std::printf("\n| program | await points | sweep schedules | seconds | runs/s | await points/s |\n|---|---|---|---|---|---|\n");
  for (const char* name : {"chain_100", "chain_1000", "chain_10000"}) {
    CampaignResult r = campaign(name, 1, true, false, 0, 2, 300);
    const ScenarioResult& s = r.scenarios[0];
    double awaits = static_cast<double>(s.runs) * static_cast<double>(s.await_points);
    std::printf("| %s | %llu | %llu%s | %.2f | %.0f | %.3g |\n", name, static_cast<unsigned long long>(s.await_points),
                static_cast<unsigned long long>(s.sweep_runs), s.exhausted ? "" : " (not finished)", s.seconds,
                static_cast<double>(s.runs) / s.seconds, awaits / s.seconds);
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) cap_s = std::atof(argv[1]);
  std::string only = argc > 2 ? argv[2] : "";
  if (only.empty() || only == "exhaust") exhaust_table();
  if (only.empty() || only == "multi") multi_fault_table();
  if (only.empty() || only == "jobs") jobs_table();
  if (only.empty() || only == "sweep") sweep_table();
  return 0;
}
