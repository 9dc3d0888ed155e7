#pragma once
/// Writing a scenario's spec: one row per thing a *correct* program does with a fault. Each
/// function returns a SpecRule to put in Spec::rules; `when` narrows a row step by step:
///
///   spec.rules = {
///     faultline::when(FaultKind::signal).arg(SIGHUP).tolerated("HUP reloads the configuration"),
///     faultline::when(FaultKind::signal).arg(SIGTERM).ends_with(ExitStatus::code(0), "TERM stops cleanly"),
///     faultline::when(FaultKind::cancel).in_task("worker").losing_own_work().ends_with(ExitStatus::code(1), "..."),
///     faultline::when(FaultKind::signal).during_shutdown(false).racing_normal_end("a signal may race the end"),
///   };
///
/// Rows are matched in order; the first row that decides (tolerated, a status, racing the end)
/// decides; rows that only excuse lost work (`loses_work`) excuse it and let the next row decide.
#include <string>

#include <faultline/spec.hpp>

namespace faultline {

/// Builds one spec row for faults of one kind.
class RowBuilder {
 public:
  explicit RowBuilder(FaultKind kind) { rule_.kind = kind; }
  /// Only faults in tasks whose name contains `substring`.
  RowBuilder& in_task(std::string substring) { rule_.task = std::move(substring); return *this; }
  /// Only faults at await sites whose text ("file.cpp:12 (function)") contains `substring`.
  RowBuilder& at_site(std::string substring) { rule_.site = std::move(substring); return *this; }
  /// Only `exit=C` with this code, or `signal=S` with this signal number.
  RowBuilder& arg(int code_or_signal) { rule_.arg = code_or_signal; return *this; }
  /// Only faults that took effect before (false) or after (true) shutdown began.
  RowBuilder& during_shutdown(bool during) { rule_.during_shutdown = during; return *this; }
  /// The protected units the faulted task holds (began, or took with ledger::own) may be lost.
  RowBuilder& losing_own_work() { rule_.lost_work = LostWork::held_by_task; return *this; }
  /// Any protected unit of the run may be lost.
  RowBuilder& losing_any_work() { rule_.lost_work = LostWork::any; return *this; }

  /// The program ends as if the fault had not happened.
  SpecRule tolerated(std::string why) { return finish(std::move(why), [](SpecRule& r) { r.tolerated = true; }); }
  /// The first `n` such faults in a run are tolerated (a program retrying `n` times); each
  /// further one may end the run with the kind's default status, or be tolerated as well.
  SpecRule tolerated_up_to(int n, std::string why) {
    return finish(std::move(why), [n](SpecRule& r) {
      r.tolerated = true;
      r.tolerated_at_most = n;
    });
  }
  /// The program must end with `status`.
  SpecRule ends_with(ExitStatus status, std::string why) {
    return finish(std::move(why), [&](SpecRule& r) { r.status = status; });
  }
  /// The fault may race the program's normal end: it ends either as if the fault had not
  /// happened or with the status the fault decides (the kind's default, or `ends_with`'s).
  SpecRule racing_normal_end(std::string why) { return finish(std::move(why), [](SpecRule& r) { r.racing_end = true; }); }
  /// Decides nothing: only excuses the work chosen by losing_own_work / losing_any_work (own
  /// work if neither was said); the status comes from the next row that decides.
  SpecRule loses_work(std::string why) {
    return finish(std::move(why), [](SpecRule& r) {
      if (r.lost_work == LostWork::none) r.lost_work = LostWork::held_by_task;
    });
  }

 private:
  template <class F>
  SpecRule finish(std::string why, F&& f) {
    SpecRule r = rule_;
    r.why = std::move(why);
    f(r);
    return r;
  }
  SpecRule rule_;
};

/// Starts a row for faults of `kind`.
inline RowBuilder when(FaultKind kind) { return RowBuilder(kind); }

/// A fault of `kind` in tasks whose name contains `task` is tolerated.
inline SpecRule tolerated(FaultKind kind, std::string task, std::string why) {
  return when(kind).in_task(std::move(task)).tolerated(std::move(why));
}
/// A fault of `kind` at await sites whose text contains `site` is tolerated.
inline SpecRule tolerated_at(FaultKind kind, std::string site, std::string why) {
  return when(kind).at_site(std::move(site)).tolerated(std::move(why));
}
/// Such a fault must end the process with `status`; any protected work may be lost.
inline SpecRule fails_losing_work(FaultKind kind, std::string task, ExitStatus status, std::string why) {
  return when(kind).in_task(std::move(task)).losing_any_work().ends_with(status, std::move(why));
}
/// Such a fault may lose any protected work of the run; the status comes from the next row.
inline SpecRule loses_work(FaultKind kind, std::string task, std::string why) {
  return when(kind).in_task(std::move(task)).losing_any_work().loses_work(std::move(why));
}
/// Such a fault may lose the protected work the faulted task holds, and only that.
inline SpecRule loses_own_work(FaultKind kind, std::string task, std::string why) {
  return when(kind).in_task(std::move(task)).losing_own_work().loses_work(std::move(why));
}

}  // namespace faultline
