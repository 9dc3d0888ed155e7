#include <faultline/spec.hpp>

#include <gtest/gtest.h>

#include <faultline/spec_rows.hpp>

#include <csignal>

using namespace faultline;

namespace {
FiredFault fired(std::uint64_t ordinal, FaultKind kind, int arg = 0, std::string task = "main", bool shutdown = false,
                 std::uint64_t task_id = 1) {
  return FiredFault{Fault{ordinal, FaultTiming::at, kind, arg}, task_id, std::move(task), "x.cpp:1 (f)", shutdown};
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
  excuse.lost_work = LostWork::any;
  spec.rules = {tolerate, excuse};
  auto e = expected_outcome(spec, {fired(1, FaultKind::cancel, 0, "handler#3")});
  EXPECT_EQ(e.status, ExitStatus::code(0));
  EXPECT_FALSE(e.lost_work_excused);
  e = expected_outcome(spec, {fired(1, FaultKind::throw_error, 0, "worker#2")});
  EXPECT_EQ(e.status, ExitStatus::code(1));  // the excusing row does not decide the status
  EXPECT_TRUE(e.lost_work_excused);
}

TEST(Spec, RowsMatchTheSignalNumberAndTheExitCode) {
  Spec spec;
  spec.rules = {when(FaultKind::signal).arg(SIGHUP).tolerated("HUP reloads the configuration"),
                when(FaultKind::signal).arg(SIGTERM).ends_with(ExitStatus::code(0), "TERM stops cleanly"),
                when(FaultKind::exit).arg(0).ends_with(ExitStatus::code(0), "exit 0 is a clean stop")};
  EXPECT_EQ(expected_outcome(spec, {fired(1, FaultKind::signal, SIGHUP)}).status, ExitStatus::code(0));
  EXPECT_EQ(expected_outcome(spec, {fired(1, FaultKind::signal, SIGTERM)}).status, ExitStatus::code(0));
  // INT has no row of its own: the default (killed by the signal) decides.
  EXPECT_EQ(expected_outcome(spec, {fired(1, FaultKind::signal, SIGINT)}).status, ExitStatus::killed_by(SIGINT));
  // HUP tolerated, then TERM decides.
  EXPECT_EQ(expected_outcome(spec, {fired(1, FaultKind::signal, SIGHUP), fired(2, FaultKind::signal, SIGINT)}).status,
            ExitStatus::killed_by(SIGINT));
  EXPECT_EQ(expected_outcome(spec, {fired(1, FaultKind::exit, 5)}).status, ExitStatus::code(5));
}

TEST(Spec, OwnWorkExcusesOnlyTheUnitsOfTheFaultedTask) {
  Spec spec;
  spec.rules = {loses_own_work(FaultKind::cancel, "worker", "cancelling a worker loses its own job")};
  auto e = expected_outcome(spec, {fired(1, FaultKind::cancel, 0, "worker#7", false, 7)});
  EXPECT_FALSE(e.lost_work_excused);
  EXPECT_TRUE(e.excuses_loss(7));
  EXPECT_FALSE(e.excuses_loss(8));  // another worker's job must still be done
  EXPECT_FALSE(e.excuses_loss(0));  // a unit nobody holds is never excused per task
  // The row does not decide: the default for cancel (status 1) does.
  EXPECT_EQ(e.status, ExitStatus::code(1));
  spec.rules = {loses_work(FaultKind::cancel, "worker", "a cancelled worker stops the whole batch")};
  EXPECT_TRUE(expected_outcome(spec, {fired(1, FaultKind::cancel, 0, "worker#7", false, 7)}).excuses_loss(8));
}

TEST(Spec, AFaultRacingTheNormalEndAcceptsBothOutcomes) {
  Spec spec;
  spec.rules = {when(FaultKind::signal).in_task("main").racing_normal_end("main may already be returning")};
  auto e = expected_outcome(spec, {fired(9, FaultKind::signal, SIGTERM)});
  EXPECT_EQ(e.status, ExitStatus::killed_by(SIGTERM));
  EXPECT_TRUE(e.accepts(ExitStatus::code(0)));
  EXPECT_TRUE(e.accepts(ExitStatus::killed_by(SIGTERM)));
  EXPECT_FALSE(e.accepts(ExitStatus::code(1)));
  // Racing faults combine with a deciding one: the throw decides either way.
  e = expected_outcome(spec, {fired(2, FaultKind::throw_error, 0, "worker"), fired(9, FaultKind::signal, SIGTERM)});
  EXPECT_TRUE(e.accepts(ExitStatus::code(1)));
  EXPECT_TRUE(e.accepts(ExitStatus::killed_by(SIGTERM)));
  EXPECT_FALSE(e.accepts(ExitStatus::code(0)));
}

TEST(Spec, AnExitIsOvertakenOnlyWhereTheSpecSaysItUnwinds) {
  Spec spec;
  std::vector<FiredFault> exit_then_cancel = {fired(2, FaultKind::exit, 3), fired(3, FaultKind::cancel)};
  auto e = expected_outcome(spec, exit_then_cancel);  // rt: the exit request wins
  EXPECT_TRUE(e.accepts(ExitStatus::code(3)));
  EXPECT_FALSE(e.accepts(ExitStatus::code(1)));
  spec.exit_can_be_overtaken = true;  // Python: a cancel at an await of the unwinding replaces SystemExit
  e = expected_outcome(spec, exit_then_cancel);
  EXPECT_EQ(e.status, ExitStatus::code(3));
  EXPECT_TRUE(e.accepts(ExitStatus::code(1)));
  EXPECT_FALSE(e.accepts(ExitStatus::code(0)));  // one of the two always decides
  e = expected_outcome(spec, {fired(2, FaultKind::exit, 3), fired(3, FaultKind::signal, SIGTERM), fired(4, FaultKind::exit, 4)});
  EXPECT_TRUE(e.accepts(ExitStatus::code(3)));
  EXPECT_TRUE(e.accepts(ExitStatus::killed_by(SIGTERM)));
  EXPECT_FALSE(e.accepts(ExitStatus::code(4)));  // the signal came before the second exit
  EXPECT_FALSE(e.accepts(ExitStatus::code(0)));
}

TEST(Spec, NothingOvertakesAnExitFromShutdownOrAToleratedRow) {
  Spec spec;
  spec.exit_can_be_overtaken = true;
  auto e = expected_outcome(spec, {fired(2, FaultKind::exit, 3), fired(3, FaultKind::cancel, 0, "w", true)});
  EXPECT_FALSE(e.accepts(ExitStatus::code(1)));
  spec.rules = {when(FaultKind::cancel).in_task("w").tolerated("w retries")};
  e = expected_outcome(spec, {fired(2, FaultKind::exit, 3), fired(3, FaultKind::cancel, 0, "w")});
  EXPECT_FALSE(e.accepts(ExitStatus::code(1)));
  // An exit after the others is not overtaken by what came before it.
  spec.rules.clear();
  e = expected_outcome(spec, {fired(2, FaultKind::cancel), fired(3, FaultKind::exit, 3)});
  EXPECT_FALSE(e.accepts(ExitStatus::code(1)));
}

TEST(Spec, ARowWithSeveralStatusesAcceptsEachWhenItDecides) {
  // asyncio's own race: a second Ctrl-C during asyncio.run's cleanup ends in 0 or 1.
  Spec spec;
  SpecRule r;
  r.kind = FaultKind::signal;
  r.status = ExitStatus::code(0);
  r.also_statuses = {ExitStatus::code(1)};
  r.why = "either";
  spec.rules = {r};
  auto e = expected_outcome(spec, {fired(4, FaultKind::signal, SIGINT)});
  EXPECT_TRUE(e.accepts(ExitStatus::code(0)));
  EXPECT_TRUE(e.accepts(ExitStatus::code(1)));
  EXPECT_FALSE(e.accepts(ExitStatus::killed_by(SIGINT)));
  // It does not decide under an exit that came first: only the exit's status then.
  e = expected_outcome(spec, {fired(2, FaultKind::exit, 3), fired(4, FaultKind::signal, SIGINT)});
  EXPECT_TRUE(e.accepts(ExitStatus::code(3)));
  EXPECT_FALSE(e.accepts(ExitStatus::code(1)));
}

TEST(Spec, RowsNarrowBySiteAndShutdownPhase) {
  Spec spec;
  spec.rules = {when(FaultKind::throw_error).at_site("x.cpp:1").during_shutdown(false).tolerated("logged and retried")};
  EXPECT_EQ(expected_outcome(spec, {fired(1, FaultKind::throw_error)}).status, ExitStatus::code(0));
  EXPECT_EQ(expected_outcome(spec, {fired(1, FaultKind::throw_error, 0, "main", true)}).status, ExitStatus::code(1));
}

TEST(Spec, ARowToleratedUpToNLetsFurtherFaultsEndTheRun) {
  Spec spec;
  spec.rules = {when(FaultKind::cancel).in_task("handler").tolerated_up_to(2, "clients retry twice")};
  auto cancel = [](std::uint64_t n) { return fired(n, FaultKind::cancel, 0, "handler#" + std::to_string(n)); };
  Expectation two = expected_outcome(spec, {cancel(1), cancel(2)});
  EXPECT_EQ(two.status, ExitStatus::code(0));
  EXPECT_TRUE(two.also_accepted.empty()) << "two drops must be handled";
  Expectation three = expected_outcome(spec, {cancel(1), cancel(2), cancel(3)});
  EXPECT_TRUE(three.accepts(ExitStatus::code(0))) << "three drops spread over clients are handled";
  EXPECT_TRUE(three.accepts(ExitStatus::code(1))) << "three drops of one client fail it";
  EXPECT_FALSE(three.accepts(ExitStatus::code(2)));
}
