// How a campaign's budget flows between scenarios. These tests measure wall-clock shares, so
// they run alone (RUN_SERIAL): under a loaded machine a share's time says nothing.
#include <faultline/explorer.hpp>

#include <gtest/gtest.h>

using namespace faultline;

TEST(CampaignBudget, TimeAScenarioDoesNotNeedGoesToTheOthers) {
  CampaignOptions o;
  o.scenarios = {"cancel_await_fixed", "job_queue_fixed"};
  o.budget_s = 3;
  o.random_runs = UINT64_MAX;  // --budget alone
  o.seed = 3;
  CampaignResult r = run_campaign(o, {}, {});
  EXPECT_TRUE(r.scenarios[0].exhausted);
  EXPECT_FALSE(r.scenarios[1].exhausted);
  // An even split would give job_queue_fixed 1.5 s; it gets what cancel_await_fixed left.
  EXPECT_GT(r.scenarios[1].seconds, 2.0);
  EXPECT_FALSE(r.partial);
}

TEST(CampaignBudget, AScenarioPausedAtItsShareGetsTheTimeLaterOnesLeave) {
  CampaignOptions o;
  o.scenarios = {"job_queue_fixed", "cancel_await_fixed", "collector_fixed"};  // the big one first
  o.budget_s = 6;
  o.random_runs = UINT64_MAX;
  o.seed = 3;
  CampaignResult r = run_campaign(o, {}, {});
  EXPECT_TRUE(r.scenarios[1].exhausted);
  EXPECT_TRUE(r.scenarios[2].exhausted);
  // Its first share is a third of the budget (2 s); paused there, it resumes once the others
  // are done (well under a second each alone).
  EXPECT_GT(r.scenarios[0].seconds, 4.0);
  EXPECT_GT(r.seconds, 5.8);
  EXPECT_TRUE(r.scenarios[0].complete);
  EXPECT_FALSE(r.partial);
}
