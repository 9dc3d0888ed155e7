#include <faultline/explorer.hpp>

#include <gtest/gtest.h>

#include <faultline/report.hpp>
#include <faultline/shrink.hpp>

#include <set>

#include <signal.h>

#include <faultline/oracle.hpp>

using namespace faultline;

namespace {

CampaignOptions options_for(const std::string& scenario, std::uint64_t random_runs) {
  CampaignOptions o;
  o.scenarios = {scenario};
  o.random_runs = random_runs;
  o.max_faults = 2;
  o.seed = 42;
  o.replays = 2;
  return o;
}

/// Coverage as (site|fault, injected) pairs: what a campaign tried, independent of timing.
std::map<std::string, std::uint64_t> injected(const ScenarioResult& r) {
  std::map<std::string, std::uint64_t> out;
  for (const auto& [site, st] : r.coverage)
    for (const auto& [key, fs] : st.faults) out[site + "|" + key] += fs.injected;
  return out;
}

}  // namespace

TEST(Explorer, FindsAndShrinksTheBuggyCollector) {
  CampaignOptions o = options_for("collector_buggy", 200);
  o.flaws = {"unretrieved_exit_zero"};
  CampaignResult r = run_campaign(o, {}, {});
  ASSERT_EQ(r.scenarios.size(), 1u);
  ASSERT_FALSE(r.scenarios[0].findings.empty());
  const Finding& f = r.scenarios[0].findings[0];
  EXPECT_EQ(f.oracle, "exit-code");
  EXPECT_EQ(f.schedule.faults.size(), 1u);
  EXPECT_TRUE(f.confirmed_forked);
  EXPECT_EQ(f.replays_same_trace, f.replays);
  EXPECT_NE(f.replay_command.find("--flaw unretrieved_exit_zero"), std::string::npos);
}

TEST(Explorer, SameSeedSameCampaign) {
  CampaignOptions o = options_for("payment_retry_buggy", 300);
  CampaignResult a = run_campaign(o, {}, {});
  CampaignResult b = run_campaign(o, {}, {});
  EXPECT_EQ(a.scenarios[0].runs, b.scenarios[0].runs);
  EXPECT_EQ(injected(a.scenarios[0]), injected(b.scenarios[0]));
  ASSERT_EQ(a.scenarios[0].findings.size(), b.scenarios[0].findings.size());
  for (std::size_t i = 0; i < a.scenarios[0].findings.size(); ++i)
    EXPECT_EQ(a.scenarios[0].findings[i].schedule, b.scenarios[0].findings[i].schedule);
}

TEST(Explorer, ShardsCoverExactlyWhatOneRunCovers) {
  CampaignOptions whole = options_for("graceful_shutdown_fixed", 400);
  CampaignResult one = run_campaign(whole, {}, {});
  std::map<std::string, std::uint64_t> merged;
  std::uint64_t runs = 0;
  for (int i = 0; i < 3; ++i) {
    CampaignOptions part = whole;
    part.shard_index = i;
    part.shard_count = 3;
    CampaignResult r = run_campaign(part, {}, {});
    runs += r.scenarios[0].runs;
    for (const auto& [k, n] : injected(r.scenarios[0])) merged[k] += n;
  }
  EXPECT_EQ(runs, one.scenarios[0].runs);
  EXPECT_EQ(merged, injected(one.scenarios[0]));
}

TEST(Explorer, ReportsAreWellFormed) {
  CampaignOptions o = options_for("collector_buggy", 50);
  o.flaws = {"unretrieved_exit_zero"};
  CampaignResult r = run_campaign(o, {}, {});
  std::string json = results_json(r);
  EXPECT_NE(json.find("\"schema_version\": 2"), std::string::npos);
  EXPECT_NE(json.find("\"oracle\": \"exit-code\""), std::string::npos);
  std::string xml = junit_xml(r);
  EXPECT_NE(xml.find("<testcase classname=\"collector_buggy+unretrieved_exit_zero\" name=\"exit-code\">"), std::string::npos);
  EXPECT_NE(xml.find("<failure"), std::string::npos);
  FindingFile f = parse_finding_file(finding_text(r.scenarios[0].findings[0]), "x");
  EXPECT_EQ(f.scenario, "collector_buggy");
  EXPECT_EQ(f.flaws, std::vector<std::string>{"unretrieved_exit_zero"});
}

TEST(Explorer, ExhaustsTheFaultTreeAndSaysSo) {
  CampaignOptions o = options_for("cancel_await_fixed", 100);
  CampaignResult r = run_campaign(o, {}, {});
  const ScenarioResult& s = r.scenarios[0];
  EXPECT_TRUE(s.exhausted);
  EXPECT_EQ(s.exhausted_depth, 2);
  ASSERT_EQ(s.tree_schedules.size(), 3u);
  EXPECT_EQ(s.tree_schedules[1], s.await_points * sweep_kinds().size());  // the single-fault sweep
  EXPECT_GT(s.tree_schedules[2], s.tree_schedules[1]);
  EXPECT_EQ(s.random_runs, 0u) << "an exhausted tree already holds every random schedule";
  EXPECT_EQ(s.runs, 1 + s.tree_schedules[1] + s.tree_schedules[2]);
  // The coverage curve spans the whole campaign, not only the runs that found a new pair.
  ASSERT_FALSE(s.coverage_curve.empty());
  EXPECT_EQ(s.coverage_curve.back().first, s.runs);
  std::uint64_t pairs = 0;
  for (const auto& [site, st] : s.coverage) pairs += st.faults.size();
  EXPECT_EQ(s.coverage_curve.back().second, pairs);
}

TEST(Explorer, JobsSplitOneScenarioWithNoOverlapAndNoGap) {
  CampaignOptions one = options_for("payment_retry_buggy", 300);
  CampaignOptions two = one;
  two.jobs = 2;
  CampaignResult a = run_campaign(one, {}, {});
  CampaignResult b = run_campaign(two, {}, {});
  EXPECT_EQ(a.scenarios[0].runs, b.scenarios[0].runs);
  EXPECT_EQ(injected(a.scenarios[0]), injected(b.scenarios[0]));
  EXPECT_EQ(a.scenarios[0].exhausted, b.scenarios[0].exhausted);
  std::set<std::string> buckets_a, buckets_b;
  for (const auto& f : a.scenarios[0].findings) buckets_a.insert(f.bucket);
  for (const auto& f : b.scenarios[0].findings) buckets_b.insert(f.bucket);
  EXPECT_EQ(buckets_a, buckets_b);
}

TEST(Explorer, RunsIgnoreTheCallersSignalDispositionsAndMask) {
  // The same signal fault, judged with SIGTERM blocked and SIGHUP ignored in the harness (as
  // under nohup or a CI runner), and with them untouched: the same verdict and trace.
  auto judge_all = [] {
    std::vector<std::string> out;
    for (ExecMode mode : {ExecMode::persistent, ExecMode::forked}) {
      Worker w(mode);
      for (const char* s : {"3:signal=TERM", "3:signal=HUP", "2+:signal=INT", "4:signal=TERM;5:signal=HUP"}) {
        const Scenario& sc = Registry::instance().get("graceful_shutdown_fixed");
        RunOutcome o = w.run(RunRequest{&sc, {}, parse_schedule(s), 10000});
        Verdict v = judge(sc, w.record(), o);
        out.push_back(std::string(s) + " -> " + v.actual + " " + std::to_string(w.record().trace_hash) +
                      (v.violations.empty() ? " clean" : " " + v.violations[0].oracle));
      }
    }
    return out;
  };
  std::vector<std::string> plain = judge_all();
  sigset_t term, old;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, &old);
  struct sigaction ignore {}, old_hup {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGHUP, &ignore, &old_hup);
  std::vector<std::string> hostile = judge_all();
  sigaction(SIGHUP, &old_hup, nullptr);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  EXPECT_EQ(plain, hostile);
  for (const auto& line : plain) EXPECT_NE(line.find(" clean"), std::string::npos) << line;
}
