#include <faultline/shrink.hpp>

#include <gtest/gtest.h>

#include <csignal>

using namespace faultline;

TEST(Shrink, CandidatesAreSimplerFirstFewerFaults) {
  Schedule s = parse_schedule("5+:signal=TERM;9:throw");
  auto c = simpler_schedules(s);
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(c[0].faults.size(), 1u);
  for (const auto& x : c) EXPECT_NE(x, s);
}

TEST(Shrink, FindsTheMinimalFailingSchedule) {
  // Fails whenever some fault at ordinal >= 3 is a throw: minimal is "3:throw".
  auto fails = [](const Schedule& s) {
    for (const auto& f : s.faults)
      if (f.ordinal >= 3 && f.kind == FaultKind::throw_error) return true;
    return false;
  };
  int runs = 0;
  Schedule out = shrink(parse_schedule("2:cancel;17+:throw;40:signal=HUP"), fails, {}, &runs);
  EXPECT_EQ(to_string(out), "3:throw");
  EXPECT_GT(runs, 0);
}

TEST(Shrink, RespectsItsRunCap) {
  int runs = 0;
  ShrinkLimits limits;
  limits.max_runs = 3;
  shrink(parse_schedule("50:signal=HUP;60:signal=INT"), [](const Schedule&) { return true; }, limits, &runs);
  EXPECT_LE(runs, 3);
}

TEST(Generate, SameSeedSameScheduleAndWithinBounds) {
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    Schedule a = random_schedule(seed, 20, 3);
    EXPECT_EQ(a, random_schedule(seed, 20, 3));
    EXPECT_GE(a.faults.size(), 1u);
    EXPECT_LE(a.faults.size(), 3u);
    for (const auto& f : a.faults) {
      EXPECT_GE(f.ordinal, 1u);
      EXPECT_LE(f.ordinal, 20u);
    }
  }
}
