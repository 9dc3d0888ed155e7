#include <faultline/schedule.hpp>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <csignal>

#include <faultline/error.hpp>

using namespace faultline;

TEST(Schedule, ParsesTheDesignExample) {
  Schedule s = parse_schedule("12:cancel;40+:signal=TERM;7:exit=3");
  ASSERT_EQ(s.faults.size(), 3u);
  EXPECT_EQ(s.faults[0], (Fault{7, FaultTiming::at, FaultKind::exit, 3}));
  EXPECT_EQ(s.faults[1], (Fault{12, FaultTiming::at, FaultKind::cancel, 0}));
  EXPECT_EQ(s.faults[2], (Fault{40, FaultTiming::after, FaultKind::signal, SIGTERM}));
  EXPECT_EQ(to_string(s), "7:exit=3;12:cancel;40+:signal=TERM");
}

TEST(Schedule, EmptyTextIsTheFaultFreeSchedule) { EXPECT_TRUE(parse_schedule("").faults.empty()); }

TEST(Schedule, ErrorsNameTheOffendingToken) {
  auto message_of = [](const char* text) {
    try {
      parse_schedule(text);
    } catch (const Error& e) {
      EXPECT_EQ(e.exit_status(), 2);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message_of("12:cancel;x:throw").find("'x:throw'"), std::string::npos);
  EXPECT_NE(message_of("3:explode").find("unknown fault kind 'explode'"), std::string::npos);
  EXPECT_NE(message_of("0:cancel").find("'0:cancel'"), std::string::npos);
  EXPECT_NE(message_of("4:signal=KILL").find("INT, TERM or HUP"), std::string::npos);
  EXPECT_NE(message_of("4:exit=300").find("0..255"), std::string::npos);
  EXPECT_NE(message_of("4:cancel;;5:throw").find("empty fault"), std::string::npos);
  EXPECT_NE(message_of("4:cancel;4+:throw").find("two faults at await point 4"), std::string::npos);
  EXPECT_NE(message_of("4cancel").find("missing ':'"), std::string::npos);
  EXPECT_NE(message_of("99999999999999999999999:cancel").find("positive integer"), std::string::npos);
}

namespace {
rc::Gen<Fault> gen_fault() {
  return rc::gen::build<Fault>(
      rc::gen::set(&Fault::ordinal, rc::gen::inRange<std::uint64_t>(1, 100000)),
      rc::gen::set(&Fault::timing, rc::gen::element(FaultTiming::at, FaultTiming::after)),
      rc::gen::set(&Fault::kind, rc::gen::element(FaultKind::cancel, FaultKind::throw_error, FaultKind::exit, FaultKind::signal)),
      rc::gen::set(&Fault::arg, rc::gen::inRange(0, 256)));
}
Fault fix_arg(Fault f) {
  if (f.kind == FaultKind::signal) f.arg = f.arg % 3 == 0 ? SIGINT : f.arg % 3 == 1 ? SIGTERM : SIGHUP;
  if (f.kind == FaultKind::cancel || f.kind == FaultKind::throw_error) f.arg = 0;
  return f;
}
}  // namespace

RC_GTEST_PROP(ScheduleProperty, PrintThenParseRoundTrips, ()) {
  auto faults = *rc::gen::container<std::vector<Fault>>(gen_fault());
  Schedule s;
  for (auto f : faults) {
    f = fix_arg(f);
    bool taken = false;
    for (auto& g : s.faults) taken = taken || g.ordinal == f.ordinal;
    if (!taken && s.faults.size() < kMaxScheduleFaults) s.faults.push_back(f);
  }
  normalize(s);
  RC_ASSERT(parse_schedule(to_string(s)) == s);
}

TEST(Schedule, MoreFaultsThanTheRecordTracksIsAUsageError) {
  std::string text;
  for (std::size_t i = 1; i <= kMaxScheduleFaults + 1; ++i) text += (i > 1 ? ";" : "") + std::to_string(i) + ":cancel";
  try {
    parse_schedule(text);
    FAIL() << "a schedule of " << kMaxScheduleFaults + 1 << " faults was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("at most 64 faults"), std::string::npos) << e.what();
  }
}

RC_GTEST_PROP(ScheduleProperty, ArbitraryTextNeverCrashes, ()) {
  auto text = *rc::gen::container<std::string>(rc::gen::element('1', '2', '+', ':', ';', 'c', 'a', 'n', 'e', 'l', 'x', 'i', 't', '=', 's'));
  try {
    Schedule s = parse_schedule(text);
    RC_ASSERT(parse_schedule(to_string(s)) == s);
  } catch (const Error& e) {
    RC_ASSERT(e.exit_status() == 2);
  }
}
