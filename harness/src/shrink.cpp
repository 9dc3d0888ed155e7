#include <faultline/shrink.hpp>

#include <rapidcheck.h>

#include <faultline/detail/fork_gate.hpp>

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
  auto lock = detail::lock_parked(rapidcheck_mutex);  // NOTE: held across runs, which may fork
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

namespace {

/// splitmix64 as a stream: mutations are drawn without rapidcheck's global lock.
class Draw {
 public:
  explicit Draw(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t x = (state_ += 0x9e3779b97f4a7c15ull);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
  }
  /// Uniform in [0, n); n > 0.
  std::uint64_t below(std::uint64_t n) { return next() % n; }

 private:
  std::uint64_t state_;
};

/// A fault of a sweep kind (either timing), or a copy of `like`'s kind half the time: a kind
/// that was handled once is often the one a second pass mishandles.
void draw_kind(Draw& d, Fault& f, const Fault* like) {
  if (like != nullptr && d.below(2) == 0) {
    f.kind = like->kind;
    f.arg = like->arg;
    f.timing = like->timing;
    return;
  }
  const Fault& k = sweep_kinds()[d.below(sweep_kinds().size())];
  f.kind = k.kind;
  f.arg = k.arg;
  f.timing = k.timing;
}

/// 1..16, small offsets far likelier: where the path a fault opened goes next.
std::uint64_t near_offset(Draw& d) { return 1 + d.below(1u << d.below(5)); }

}  // namespace

Schedule mutate_schedule(std::uint64_t seed, const Schedule& parent, const Schedule& other, std::uint64_t max_ordinal,
                         int max_faults, const std::vector<std::uint64_t>& anchors) {
  Draw d(seed);
  max_ordinal = std::max<std::uint64_t>(max_ordinal, 1);
  std::size_t cap = std::min<std::size_t>(kMaxScheduleFaults, static_cast<std::size_t>(std::max(1, max_faults)));
  Schedule s = parent;
  std::uint64_t op = d.below(8);
  if (s.faults.empty()) op = 0;
  if (op <= 3 && s.faults.size() < cap) {  // add (half of all mutations)
    Fault f;
    const Fault* like = s.faults.empty() ? nullptr : &s.faults[d.below(s.faults.size())];
    std::uint64_t where = d.below(4);
    if (like != nullptr && where <= 1) f.ordinal = like->ordinal + near_offset(d);
    else if (!anchors.empty() && where == 2) f.ordinal = anchors[d.below(anchors.size())] + d.below(3);
    else f.ordinal = 1 + d.below(max_ordinal);
    draw_kind(d, f, like);
    if (ordinal_free(s, f.ordinal, s.faults.size())) s.faults.push_back(f);
  } else if (op == 4) {  // move one a little
    Fault& f = s.faults[d.below(s.faults.size())];
    std::uint64_t delta = near_offset(d);
    std::uint64_t to = d.below(2) == 0 ? f.ordinal + delta : (f.ordinal > delta ? f.ordinal - delta : 1);
    if (ordinal_free(s, to, static_cast<std::size_t>(&f - s.faults.data()))) f.ordinal = to;
  } else if (op == 5) {  // change kind or timing
    draw_kind(d, s.faults[d.below(s.faults.size())], nullptr);
  } else if (op == 6 && s.faults.size() > 1) {  // drop one
    s.faults.erase(s.faults.begin() + static_cast<std::ptrdiff_t>(d.below(s.faults.size())));
  } else if (!other.faults.empty()) {  // splice: the parent's start, the other's end
    std::uint64_t cut = other.faults[d.below(other.faults.size())].ordinal;
    std::vector<Fault> spliced;
    for (const Fault& f : s.faults)
      if (f.ordinal < cut) spliced.push_back(f);
    for (const Fault& f : other.faults)
      if (f.ordinal >= cut && spliced.size() < cap) spliced.push_back(f);
    s.faults = std::move(spliced);
  }
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
  auto lock = detail::lock_parked(rapidcheck_mutex);  // NOTE: held across runs, which may fork
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
