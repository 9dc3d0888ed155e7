#include <faultline/run_record.hpp>

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>

#include <faultline/error.hpp>

namespace faultline {

void reset(RunRecord& r) {
  // Only the header fields and counts need clearing; arrays are read up to their counts, and
  // ledger slots are live only when their generation matches.
  r.await_points = 0;
  r.trace_hash = 1469598103934665603ull;
  ++r.generation;
  r.kept_count = 0;
  r.keep_until = 0;
  r.injected_count = 0;
  r.effects = 0;
  r.site_count = 0;
  r.task_name_count = 0;
  r.overflow = {};
  for (auto* c : {&r.tasks_created, &r.tasks_finished, &r.destroyed_pending, &r.swallowed, &r.lost_exceptions, &r.futures_created,
                  &r.futures_resolved, &r.protected_begun, &r.protected_committed, &r.protected_cut,
                  &r.posted_after_close, &r.deadlocks})
    c->store(0, std::memory_order_relaxed);
  r.cut_task_count = 0;
  r.shutdown_began = 0;
  r.shutdown_began_at = 0;
  r.runtime_exit_status = -1;
  r.clock_ns = 0;
  r.limit_hit = 0;
  r.limit_report[0] = '\0';
  r.problems_lock.clear();
  r.problems_len = 0;
  r.problems[0] = '\0';
  r.ledger_lock.clear();
  r.unit_count.store(0, std::memory_order_relaxed);
  r.recorded_signal = 0;
  r.escaped = 0;
  r.escape_what[0] = '\0';
  r.finished = 0;
}

RunRecord* map_shared_record() {
  void* p = mmap(nullptr, sizeof(RunRecord), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) internal_error("cannot map shared memory for a run record", "check the memory limits (ulimit -v)");
  // NOTE: default-initialised on zeroed pages: value-initialising would touch every page of
  // the step array, which most runs never reach.
  auto* r = new (p) RunRecord;
  reset(*r);
  return r;
}

void unmap_shared_record(RunRecord* r) {
  if (r != nullptr) munmap(r, sizeof(RunRecord));
}

std::uint32_t site_count(const RunRecord& r) { return std::min<std::uint32_t>(r.site_count, kMaxSites); }

std::string task_name(const RunRecord& r, std::uint32_t id) {
  for (std::uint32_t i = 0; i < r.task_name_count && i < kMaxTaskNames; ++i)
    if (r.task_names[i].id == id) return std::string(r.task_names[i].name) + "#" + std::to_string(id);
  for (std::uint32_t i = 0; i < r.injected_count && i < kMaxInjected; ++i)
    if (r.injected[i].task_id == id && r.injected[i].task_name[0] != '\0')
      return std::string(r.injected[i].task_name) + "#" + std::to_string(id);
  return "task#" + std::to_string(id);
}

namespace {
std::string site_text(const RunRecord& r, std::uint16_t site) { return site < site_count(r) ? r.sites[site].text : "?"; }
}  // namespace

std::vector<FiredFault> fired_faults(const RunRecord& r) {
  std::vector<const InjectedFault*> took;
  for (std::uint32_t i = 0; i < r.injected_count && i < kMaxInjected; ++i)
    if (r.injected[i].state == static_cast<std::uint8_t>(FaultState::took_effect)) took.push_back(&r.injected[i]);
  std::sort(took.begin(), took.end(), [](auto* a, auto* b) { return a->effect_seq < b->effect_seq; });
  std::vector<FiredFault> out;
  for (const InjectedFault* e : took) {
    FiredFault f;
    f.fault = Fault{e->ordinal, static_cast<FaultTiming>(e->timing), static_cast<FaultKind>(e->kind), e->arg};
    f.task_id = e->task_id;
    f.task = std::string(e->task_name) + "#" + std::to_string(e->task_id);
    f.site = site_text(r, e->site);
    f.during_shutdown = e->during_shutdown != 0;
    out.push_back(f);
  }
  return out;
}

std::string trace_line(const RunRecord& r, const TraceEntry& e) {
  std::string line = "#" + std::to_string(e.ordinal) + " " + site_text(r, e.site) + " [" + task_name(r, e.task_id) + "]";
  if (e.during_shutdown) line += " (shutdown)";
  if (e.fault_kind == 0) return line;
  line += "  <== " + to_string(Fault{e.ordinal, static_cast<FaultTiming>(e.fault_timing), static_cast<FaultKind>(e.fault_kind),
                                     e.fault_arg});
  // The state as of the end of the run lives in the injected list.
  auto state = FaultState::pending;
  for (std::uint32_t i = 0; i < r.injected_count && i < kMaxInjected; ++i)
    if (r.injected[i].ordinal == e.ordinal) state = static_cast<FaultState>(r.injected[i].state);
  if (state == FaultState::pending) line += " (never took effect)";
  if (state == FaultState::superseded) line += " (superseded: an outcome already under way won)";
  return line;
}

std::vector<std::string> trace_excerpt(const RunRecord& r, std::size_t n) {
  std::uint64_t total = r.await_points;
  std::uint64_t tail_len = std::min<std::uint64_t>({total, kTraceTail, n});
  std::uint64_t tail_first = total - tail_len + 1;  // first ordinal of the tail
  std::vector<std::string> out;
  std::uint64_t last = 0;
  auto emit = [&](const TraceEntry& e) {
    if (e.ordinal <= last) return;
    if (e.ordinal > last + 1 && !out.empty()) out.push_back("...");
    if (e.ordinal > last + 1 && out.empty() && e.ordinal > 1) out.push_back("...");
    out.push_back(trace_line(r, e));
    last = e.ordinal;
  };
  for (std::uint32_t i = 0; i < r.kept_count && i < kKeptEntries; ++i)
    if (r.kept[i].ordinal < tail_first) emit(r.kept[i]);
  for (std::uint64_t o = tail_first; o <= total && tail_len > 0; ++o) emit(r.tail[(o - 1) % kTraceTail]);
  return out;
}

std::vector<const LedgerUnit*> ledger_units(const RunRecord& r) {
  std::vector<const LedgerUnit*> out;
  std::uint32_t n = std::min<std::uint32_t>(r.unit_count.load(std::memory_order_acquire), kMaxUnits);
  for (std::uint32_t i = 0; i < n; ++i) out.push_back(&r.units[r.unit_order[i]]);
  return out;
}

std::string problems(const RunRecord& r) { return std::string(r.problems, std::min<std::size_t>(r.problems_len, kProblemsBytes)); }

std::string record_limits(const RunRecord& r) {
  std::string out;
  auto add = [&](std::uint64_t n, const std::string& what) {
    if (n > 0) out += (out.empty() ? "" : "; ") + std::to_string(n) + " " + what;
  };
  add(r.overflow.sites, "await points at sites past the first " + std::to_string(kMaxSites) + " (counted under the last site)");
  add(r.overflow.units, "ledger calls for units past the first " + std::to_string(kMaxUnits) + " (not checked)");
  add(r.overflow.task_names, "tasks past the first " + std::to_string(kMaxTaskNames) + " without a kept name");
  add(r.overflow.steps, "await points past the first " + std::to_string(kMaxSteps) + " where a divergence is found by hash only");
  add(r.overflow.problems, "runtime event lines past the " + std::to_string(kProblemsBytes) + "-byte log");
  return out;
}

TraceFingerprint fingerprint(const RunRecord& r) {
  TraceFingerprint f;
  f.await_points = r.await_points;
  f.trace_hash = r.trace_hash;
  std::uint64_t n = std::min<std::uint64_t>(r.await_points, kMaxSteps);
  f.steps.assign(r.steps, r.steps + n);
  for (std::uint32_t i = 0; i < site_count(r); ++i) f.sites.emplace_back(r.sites[i].text);
  for (std::uint32_t i = 0; i < r.task_name_count && i < kMaxTaskNames; ++i)
    f.task_names.emplace_back(r.task_names[i].id, r.task_names[i].name);
  return f;
}

std::string first_divergence(const TraceFingerprint& a, const TraceFingerprint& b) {
  if (a.trace_hash == b.trace_hash && a.await_points == b.await_points) return "";
  auto describe = [](const TraceFingerprint& f, std::size_t i) {
    if (i >= f.steps.size()) return std::string("(the run had ended)");
    std::uint32_t site = f.steps[i] >> 16, task = f.steps[i] & 0xffff;
    std::string name = "task#" + std::to_string(task);
    for (const auto& [id, n] : f.task_names)
      if ((id & 0xffff) == task) name = n + "#" + std::to_string(id);
    return (site < f.sites.size() ? f.sites[site] : std::string("?")) + " [" + name + "]";
  };
  auto same = [&](std::size_t i) {
    std::uint32_t sa = a.steps[i] >> 16, sb = b.steps[i] >> 16;
    std::string ta = sa < a.sites.size() ? a.sites[sa] : "?", tb = sb < b.sites.size() ? b.sites[sb] : "?";
    return ta == tb && (a.steps[i] & 0xffff) == (b.steps[i] & 0xffff);
  };
  std::size_t common = std::min(a.steps.size(), b.steps.size());
  for (std::size_t i = 0; i < common; ++i)
    if (!same(i)) return "await #" + std::to_string(i + 1) + ": " + describe(a, i) + " vs " + describe(b, i);
  if (a.steps.size() != b.steps.size() && (a.steps.size() < kMaxSteps || b.steps.size() < kMaxSteps))
    return "await #" + std::to_string(common + 1) + ": " + describe(a, common) + " vs " + describe(b, common) + " (" +
           std::to_string(a.await_points) + " vs " + std::to_string(b.await_points) + " await points)";
  return "past await #" + std::to_string(common) + " (only the first " + std::to_string(kMaxSteps) +
         " are kept; the traces' hashes differ)";
}

}  // namespace faultline
