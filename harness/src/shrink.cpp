#include <faultline/shrink.hpp>

#include <rapidcheck.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <mutex>

namespace faultline {

namespace {
// NOTE: rapidcheck keeps its implicit generation parameters in global state; campaigns run
// scenarios on several threads (--jobs), so every use of rapidcheck goes through this lock.
std::recursive_mutex rapidcheck_mutex;
}  // namespace

const std::vector<Fault>& sweep_kinds() {
  static const std::vector<Fault> kinds = [] {
    std::vector<Fault> k;
    for (FaultTiming t : {FaultTiming::at, FaultTiming::after}) {
      k.push_back({0, t, FaultKind::cancel, 0});
      k.push_back({0, t, FaultKind::throw_error, 0});
      k.push_back({0, t, FaultKind::exit, 3});
      k.push_back({0, t, FaultKind::signal, SIGTERM});
      k.push_back({0, t, FaultKind::signal, SIGINT});
      k.push_back({0, t, FaultKind::signal, SIGHUP});
    }
    return k;
  }();
  return kinds;
}

namespace {

rc::Gen<Fault> gen_fault(std::uint64_t max_ordinal, const std::vector<std::uint64_t>* anchors = nullptr) {
  return rc::gen::exec([max_ordinal, anchors] {
    Fault f;
    // NOTE: half the faults land near an anchor (each site's first await point), so a site
    // reached once gets as many faults as one reached a thousand times.
    if (anchors != nullptr && !anchors->empty() && *rc::gen::inRange(0, 2) == 0)
      f.ordinal = (*anchors)[*rc::gen::inRange<std::size_t>(0, anchors->size())] + *rc::gen::inRange<std::uint64_t>(0, 3);
    else
      f.ordinal = *rc::gen::inRange<std::uint64_t>(1, max_ordinal + 1);
    f.timing = *rc::gen::element(FaultTiming::at, FaultTiming::after);
    const auto& kinds = sweep_kinds();
    const Fault& k = kinds[*rc::gen::inRange<std::size_t>(0, kinds.size() / 2)];
    f.kind = k.kind;
    f.arg = k.arg;
    return f;
  });
}

int kind_rank(const Fault& f) {
  switch (f.kind) {
    case FaultKind::cancel: return 0;
    case FaultKind::throw_error: return 1;
    case FaultKind::exit: return 2;
    default: return 3;
  }
}

bool ordinal_free(const Schedule& s, std::uint64_t ordinal, std::size_t except) {
  for (std::size_t i = 0; i < s.faults.size(); ++i)
    if (i != except && s.faults[i].ordinal == ordinal) return false;
  return true;
}

}  // namespace

Schedule random_schedule(std::uint64_t seed, std::uint64_t max_ordinal, int max_faults, const std::vector<std::uint64_t>& anchors) {
  std::lock_guard lock(rapidcheck_mutex);
  max_ordinal = std::max<std::uint64_t>(max_ordinal, 1);
  auto gen = rc::gen::exec([max_ordinal, max_faults, &anchors] {
    int n = *rc::gen::inRange(1, std::max(1, max_faults) + 1);
    return *rc::gen::container<std::vector<Fault>>(static_cast<std::size_t>(n), gen_fault(max_ordinal, &anchors));
  });
  std::vector<Fault> faults = gen(rc::Random(seed), 100).value();
  Schedule s;
  for (const Fault& f : faults)
    if (ordinal_free(s, f.ordinal, s.faults.size())) s.faults.push_back(f);
  normalize(s);
  return s;
}

std::vector<Schedule> simpler_schedules(const Schedule& s) {
  std::vector<Schedule> out;
  for (std::size_t i = 0; i < s.faults.size() && s.faults.size() > 1; ++i) {
    Schedule c = s;
    c.faults.erase(c.faults.begin() + static_cast<std::ptrdiff_t>(i));
    out.push_back(c);
  }
  for (std::size_t i = 0; i < s.faults.size(); ++i) {
    std::uint64_t o = s.faults[i].ordinal;
    for (std::uint64_t earlier : {std::uint64_t{1}, o / 2, o - 1}) {
      if (earlier == 0 || earlier >= o || !ordinal_free(s, earlier, i)) continue;
      Schedule c = s;
      c.faults[i].ordinal = earlier;
      normalize(c);
      if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
    }
  }
  for (std::size_t i = 0; i < s.faults.size(); ++i) {
    for (const Fault& k : sweep_kinds()) {
      if (k.timing != FaultTiming::at || kind_rank(k) >= kind_rank(s.faults[i])) continue;
      Schedule c = s;
      c.faults[i].kind = k.kind;
      c.faults[i].arg = k.arg;
      if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
    }
    if (s.faults[i].timing == FaultTiming::after) {
      Schedule c = s;
      c.faults[i].timing = FaultTiming::at;
      out.push_back(c);
    }
  }
  return out;
}

Schedule shrink(const Schedule& s, const std::function<bool(const Schedule&)>& still_fails, ShrinkLimits limits,
                int* runs_used) {
  std::lock_guard lock(rapidcheck_mutex);
  auto tree = rc::shrinkable::shrinkRecur(s, [](const Schedule& x) { return rc::seq::fromContainer(simpler_schedules(x)); });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(limits.max_seconds);
  int runs = 0;
  bool progressed = true;
  while (progressed) {
    progressed = false;
    auto candidates = tree.shrinks();
    while (auto next = candidates.next()) {
      if (runs >= limits.max_runs || std::chrono::steady_clock::now() > deadline) break;
      ++runs;
      if (still_fails(next->value())) {
        tree = *next;
        progressed = true;
        break;
      }
    }
  }
  if (runs_used != nullptr) *runs_used = runs;
  return tree.value();
}

}  // namespace faultline
