#include <faultline/spec.hpp>

#include <gtest/gtest.h>

#include <csignal>

using namespace faultline;

namespace {
FiredFault fired(std::uint64_t ordinal, FaultKind kind, int arg = 0, std::string task = "main", bool shutdown = false) {
  return FiredFault{Fault{ordinal, FaultTiming::at, kind, arg}, std::move(task), "x.cpp:1 (f)", shutdown};
}
}  // namespace

TEST(Spec, NoFaultGivesTheNormalStatus) {
  Spec spec;
  spec.normal = ExitStatus::code(4);
  EXPECT_EQ(expected_outcome(spec, {}).status, ExitStatus::code(4));
}

TEST(Spec, DefaultsForEachKind) {
  Spec spec;
  EXPECT_EQ(expected_outcome(spec, {fired(1, FaultKind::throw_error)}).status, ExitStatus::code(1));
  EXPECT_EQ(expected_outcome(spec, {fired(1, FaultKind::cancel)}).status, ExitStatus::code(1));
  EXPECT_EQ(expected_outcome(spec, {fired(1, FaultKind::exit, 7)}).status, ExitStatus::code(7));
  EXPECT_EQ(expected_outcome(spec, {fired(1, FaultKind::signal, SIGTERM)}).status, ExitStatus::killed_by(SIGTERM));
  spec.signal_exit = SignalExit::exit_128_plus;
  EXPECT_EQ(expected_outcome(spec, {fired(1, FaultKind::signal, SIGINT)}).status, ExitStatus::code(128 + SIGINT));
}

TEST(Spec, ProcessLevelFaultsOutrankProgramLevelOnes) {
  Spec spec;
  // A cancel took effect first, but the exit ended the process before the cancel ended main.
  auto e = expected_outcome(spec, {fired(1, FaultKind::cancel), fired(2, FaultKind::exit, 3)});
  EXPECT_EQ(e.status, ExitStatus::code(3));
}

TEST(Spec, DuringShutdownCancelExitAndSignalAreTolerated) {
  Spec spec;
  auto e = expected_outcome(spec, {fired(1, FaultKind::throw_error), fired(2, FaultKind::signal, SIGTERM, "w", true)});
  EXPECT_EQ(e.status, ExitStatus::code(1));
}

TEST(Spec, ScenarioRowsComeFirstAndExcuseLostWork) {
  Spec spec;
  SpecRule tolerate;
  tolerate.kind = FaultKind::cancel;
  tolerate.task = "handler";
  tolerate.tolerated = true;
  SpecRule excuse;
  excuse.kind = FaultKind::throw_error;
  excuse.task = "worker";
  excuse.excuses_lost_work = true;
  spec.rules = {tolerate, excuse};
  auto e = expected_outcome(spec, {fired(1, FaultKind::cancel, 0, "handler#3")});
  EXPECT_EQ(e.status, ExitStatus::code(0));
  EXPECT_FALSE(e.lost_work_excused);
  e = expected_outcome(spec, {fired(1, FaultKind::throw_error, 0, "worker#2")});
  EXPECT_EQ(e.status, ExitStatus::code(1));  // the excusing row does not decide the status
  EXPECT_TRUE(e.lost_work_excused);
}
