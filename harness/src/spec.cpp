#include <faultline/spec.hpp>

#include <csignal>
#include <deque>
#include <map>

namespace faultline {

std::string to_string(const ExitStatus& s) {
  if (s.kind == ExitStatus::Kind::exited) return "exit " + std::to_string(s.value);
  return "killed by SIG" + signal_name(s.value);
}

const std::vector<SpecRule>& default_rules() {
  static const std::vector<SpecRule> rules = [] {
    std::vector<SpecRule> r;
    auto add = [&](FaultKind k, std::optional<bool> shutdown, bool tolerated, std::optional<ExitStatus> st, std::string why) {
      SpecRule rule;
      rule.kind = k;
      rule.during_shutdown = shutdown;
      rule.tolerated = tolerated;
      rule.status = st;
      rule.why = std::move(why);
      r.push_back(rule);
    };
    add(FaultKind::cancel, true, true, std::nullopt, "shutdown is already cancelling tasks");
    add(FaultKind::exit, true, true, std::nullopt, "shutdown is under way; its first cause decides the status");
    add(FaultKind::signal, true, true, std::nullopt, "shutdown is under way; its first cause decides the status");
    add(FaultKind::cancel, std::nullopt, false, ExitStatus::code(1), "an unforeseen cancellation is an error");
    add(FaultKind::throw_error, std::nullopt, false, ExitStatus::code(1), "an unforeseen error must end in failure (seed 000)");
    add(FaultKind::exit, std::nullopt, false, std::nullopt, "exit=C ends in C");
    add(FaultKind::signal, std::nullopt, false, std::nullopt, "a signal ends the process by that signal after graceful shutdown");
    return r;
  }();
  return rules;
}

bool Expectation::accepts(const ExitStatus& s) const {
  if (s == status) return true;
  for (const auto& a : also_accepted)
    if (a == s) return true;
  return false;
}

bool Expectation::excuses_loss(std::uint64_t owner_task) const {
  if (lost_work_excused) return true;
  if (owner_task == 0) return false;
  for (auto t : lost_work_tasks)
    if (t == owner_task) return true;
  return false;
}

namespace {

bool matches(const SpecRule& r, const FiredFault& f) {
  if (r.kind != f.fault.kind) return false;
  if (!r.task.empty() && f.task.find(r.task) == std::string::npos) return false;
  if (!r.site.empty() && f.site.find(r.site) == std::string::npos) return false;
  if (r.arg && *r.arg != f.fault.arg) return false;
  if (r.during_shutdown && *r.during_shutdown != f.during_shutdown) return false;
  return true;
}

/// The row that decides a fault's status: the first scenario row that decides, else the first
/// default row. Rows that only excuse lost work do not decide.
const SpecRule& rule_for(const Spec& spec, const FiredFault& f) {
  for (const SpecRule& r : spec.rules)
    if (matches(r, f) && r.decides()) return r;
  for (const SpecRule& r : default_rules())
    if (matches(r, f)) return r;
  return default_rules().back();
}

ExitStatus status_of(const Spec& spec, const SpecRule& r, const FiredFault& f) {
  if (r.status) return *r.status;
  if (f.fault.kind == FaultKind::exit) return ExitStatus::code(f.fault.arg);
  if (f.fault.kind == FaultKind::signal)
    return spec.signal_exit == SignalExit::killed_by_signal ? ExitStatus::killed_by(f.fault.arg)
                                                            : ExitStatus::code(128 + f.fault.arg);
  return ExitStatus::code(1);
}

struct Decision {
  ExitStatus status;
  std::string reason;
  std::vector<ExitStatus> also;  ///< the deciding row's other correct statuses
};

/// The status with the faults in `ignored` taken as not deciding (racing the end, or overtaken).
Decision decide(const Spec& spec, const std::vector<FiredFault>& fired, const std::vector<const SpecRule*>& rules,
                const std::vector<bool>& ignored) {
  // NOTE: exit and signal act on the process at once; cancel and throw decide the status only
  // once they have ended the program, by which time an exit or signal may have come first.
  // So the first process-level fault decides, else the first program-level one.
  const FiredFault* process_level = nullptr;
  const FiredFault* program_level = nullptr;
  const SpecRule* process_rule = nullptr;
  const SpecRule* program_rule = nullptr;
  for (std::size_t i = 0; i < fired.size(); ++i) {
    const SpecRule& r = *rules[i];
    if (r.tolerated || ignored[i]) continue;
    const FiredFault& f = fired[i];
    bool is_process = f.fault.kind == FaultKind::exit || f.fault.kind == FaultKind::signal;
    if (is_process && process_level == nullptr) process_level = &f, process_rule = &r;
    if (!is_process && program_level == nullptr) program_level = &f, program_rule = &r;
  }
  const FiredFault* f = process_level != nullptr ? process_level : program_level;
  const SpecRule* r = process_level != nullptr ? process_rule : program_rule;
  if (f == nullptr) return {spec.normal, "no fault took effect that the spec does not tolerate"};
  return {status_of(spec, *r, *f), to_string(f->fault) + " in task " + f->task + " at " + f->site + ": " + r->why, r->also_statuses};
}

/// True if fault `j` may overtake the exit `i`: it took effect after it, before shutdown, and
/// the spec does not tolerate it.
bool overtakes(const std::vector<FiredFault>& fired, const std::vector<const SpecRule*>& rules, std::size_t i, std::size_t j) {
  return j > i && !fired[j].during_shutdown && !rules[j]->tolerated;
}

/// The exits a later fault may overtake (Spec::exit_can_be_overtaken).
std::vector<std::size_t> overtakable_exits(const Spec& spec, const std::vector<FiredFault>& fired,
                                           const std::vector<const SpecRule*>& rules) {
  std::vector<std::size_t> out;
  if (!spec.exit_can_be_overtaken) return out;
  for (std::size_t i = 0; i < fired.size(); ++i) {
    if (fired[i].fault.kind != FaultKind::exit || fired[i].during_shutdown || rules[i]->tolerated) continue;
    for (std::size_t j = i + 1; j < fired.size(); ++j)
      if (overtakes(fired, rules, i, j)) {
        out.push_back(i);
        break;
      }
  }
  return out;
}

/// True if the exit `i`, taken as overtaken, has a later overtaking fault not itself ignored.
bool overtaker_counts(const std::vector<FiredFault>& fired, const std::vector<const SpecRule*>& rules,
                      const std::vector<bool>& ignored, std::size_t i) {
  for (std::size_t j = i + 1; j < fired.size(); ++j)
    if (overtakes(fired, rules, i, j) && !ignored[j]) return true;
  return false;
}

}  // namespace

Expectation expected_outcome(const Spec& spec, const std::vector<FiredFault>& fired) {
  Expectation e;
  std::vector<const SpecRule*> rules;
  std::vector<std::size_t> racing;  // faults that may or may not have counted
  std::map<const SpecRule*, int> tolerated_so_far;
  std::deque<SpecRule> beyond;      // rows past their tolerated_at_most: racing the kind's status
  for (std::size_t i = 0; i < fired.size(); ++i) {
    const FiredFault& f = fired[i];
    rules.push_back(&rule_for(spec, f));
    if (const SpecRule* r = rules.back(); r->tolerated && r->tolerated_at_most && ++tolerated_so_far[r] > *r->tolerated_at_most) {
      SpecRule past = *r;
      past.tolerated = false;
      past.racing_end = true;
      past.why = r->why + " (past the " + std::to_string(*r->tolerated_at_most) + " tolerated, it may end the run)";
      beyond.push_back(std::move(past));
      rules.back() = &beyond.back();
    }
    for (const SpecRule& x : spec.rules) {
      if (!matches(x, f)) continue;
      if (x.lost_work == LostWork::any) e.lost_work_excused = true;
      if (x.lost_work == LostWork::held_by_task && f.task_id != 0) e.lost_work_tasks.push_back(f.task_id);
    }
    // NOTE: at most 8 racing faults are combined (256 outcomes); schedules are far shorter.
    if (rules.back()->racing_end && racing.size() < 8) racing.push_back(i);
  }
  std::vector<std::size_t> overtaken = overtakable_exits(spec, fired, rules);
  if (racing.size() + overtaken.size() > 8) overtaken.resize(racing.size() < 8 ? 8 - racing.size() : 0);
  std::vector<std::size_t> optional = racing;
  optional.insert(optional.end(), overtaken.begin(), overtaken.end());
  std::vector<bool> none(fired.size(), false);
  Decision primary = decide(spec, fired, rules, none);
  e.status = primary.status;
  e.reason = primary.reason;
  auto accept = [&e](const Decision& d) {
    if (!e.accepts(d.status)) e.also_accepted.push_back(d.status);
    for (const auto& a : d.also)
      if (!e.accepts(a)) e.also_accepted.push_back(a);
  };
  accept(primary);
  for (std::uint32_t mask = 1; mask < (1u << optional.size()); ++mask) {
    std::vector<bool> ignored(fired.size(), false);
    for (std::size_t b = 0; b < optional.size(); ++b)
      if (mask & (1u << b)) ignored[optional[b]] = true;
    bool real = true;  // an exit is overtaken only by a later fault that still counts
    for (std::size_t b = racing.size(); b < optional.size(); ++b)
      if (ignored[optional[b]] && !overtaker_counts(fired, rules, ignored, optional[b])) real = false;
    if (real) accept(decide(spec, fired, rules, ignored));
  }
  if (!e.also_accepted.empty()) {
    e.reason += " (a racing or overtaking fault or the deciding row may also leave";
    for (const auto& a : e.also_accepted) e.reason += " " + to_string(a);
    e.reason += ")";
  }
  return e;
}

}  // namespace faultline
