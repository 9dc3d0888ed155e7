#include <faultline/gtest.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <set>
#include <sstream>

#include <faultline/explorer.hpp>
#include <faultline/oracle.hpp>
#include <faultline/report.hpp>
#include <faultline/sandbox.hpp>
#include <faultline/scenario.hpp>

namespace faultline {

namespace {

std::string env(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

/// 'SCENARIO|SCHEDULE|FLAWS', or nothing if FAULTLINE_REPLAY names another scenario.
bool replay_requested(const std::string& scenario, std::string& schedule, std::vector<std::string>& flaws) {
  std::string spec = env("FAULTLINE_REPLAY", "");
  if (spec.empty()) return false;
  std::istringstream in(spec);
  std::string name, flaw_text;
  std::getline(in, name, '|');
  std::getline(in, schedule, '|');
  std::getline(in, flaw_text);
  if (name != scenario) return false;
  std::istringstream fl(flaw_text);
  for (std::string f; std::getline(fl, f, ',');)
    if (!f.empty()) flaws.push_back(f);
  return true;
}

std::string reproduce_string(const Finding& f) {
  std::string flaws;
  for (const auto& x : f.flaws) flaws += (flaws.empty() ? "" : ",") + x;
  return "FAULTLINE_REPLAY='" + f.scenario + "|" + to_string(f.schedule) + "|" + flaws + "' " +
         ::testing::internal::GetArgvs().front() + " --gtest_filter=Faultline." + f.scenario;
}

void replay_in_process(const Scenario& sc, const std::string& schedule, const std::vector<std::string>& flaws) {
  RunRecord* record = map_shared_record();
  RunRequest req{&sc, flaws, parse_schedule(schedule), 60000};
  int status = run_in_this_process(req, *record, true);
  RunOutcome o;
  o.end = record->recorded_signal != 0 ? ProcessEnd{ProcessEnd::Kind::signaled, record->recorded_signal}
                                       : ProcessEnd{ProcessEnd::Kind::exited, status & 0xff};
  Verdict v = judge(sc, *record, o);
  for (const auto& line : trace_excerpt(*record, 12)) std::printf("  %s\n", line.c_str());
  unmap_shared_record(record);
  for (const auto& x : v.violations) ADD_FAILURE() << x.oracle << ": " << x.explanation << "\n  (schedule '" << schedule << "', ended " << v.actual << ")";
}

void run_campaign_test(const std::string& scenario) {
  const Scenario& sc = Registry::instance().get(scenario);
  std::string schedule;
  std::vector<std::string> flaws;
  if (replay_requested(scenario, schedule, flaws)) return replay_in_process(sc, schedule, flaws);
  CampaignOptions o;
  o.scenarios = {scenario};
  o.budget_s = std::strtod(env("FAULTLINE_BUDGET", "10").c_str(), nullptr);
  o.random_runs = UINT64_MAX;
  o.max_faults = std::atoi(env("FAULTLINE_MAX_FAULTS", "3").c_str());
  std::string seed = env("FAULTLINE_SEED", "");
  // NOTE: as the CLI, the seed is drawn only when none is given, and printed with every failure.
  o.seed = seed.empty() ? (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}() : std::strtoull(seed.c_str(), nullptr, 10);
  o.program = ::testing::internal::GetArgvs().front();
  CampaignResult r = run_campaign(o, {}, {});
  for (const auto& f : r.scenarios[0].findings)
    ADD_FAILURE() << "FINDING " << f.oracle << " in " << f.scenario << ": " << f.explanation << "\n  schedule: " << to_string(f.schedule)
                  << " (seed " << o.seed << ")\n  reproduce: " << reproduce_string(f);
}

}  // namespace

namespace {
std::set<std::string>& registered() {
  static std::set<std::string> names;
  return names;
}
}  // namespace

bool register_gtest_campaign(const std::string& scenario) {
  if (!registered().insert(scenario).second) return true;
  ::testing::RegisterTest("Faultline", scenario.c_str(), nullptr, nullptr, __FILE__, __LINE__,
                          [scenario]() -> ::testing::Test* {
                            struct CampaignTest : ::testing::Test {
                              std::string name;
                              void TestBody() override { run_campaign_test(name); }
                            };
                            auto* t = new CampaignTest;
                            t->name = scenario;
                            return t;
                          });
  return true;
}

void register_gtest_campaigns() {
  for (const auto& s : Registry::instance().all()) register_gtest_campaign(s.name);
}

}  // namespace faultline
