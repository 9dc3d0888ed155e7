#include <faultline/run_record.hpp>

#include <sys/mman.h>

#include <cstring>
#include <new>

#include <faultline/error.hpp>

namespace faultline {

void reset(RunRecord& r) {
  // Only the header fields and counts need clearing; arrays are read up to their counts.
  r.await_points = 0;
  r.trace_hash = 1469598103934665603ull;
  r.trace_len = 0;
  r.site_count = 0;
  r.task_name_count = 0;
  r.fired_count = 0;
  for (auto* c : {&r.tasks_created, &r.tasks_finished, &r.destroyed_pending, &r.swallowed, &r.futures_created,
                  &r.futures_resolved, &r.protected_begun, &r.protected_committed, &r.protected_cut,
                  &r.posted_after_close, &r.deadlocks})
    c->store(0, std::memory_order_relaxed);
  r.shutdown_began = 0;
  r.shutdown_began_at = 0;
  r.runtime_exit_status = -1;
  r.problems_lock.clear();
  r.problems_len = 0;
  r.problems[0] = '\0';
  r.unit_count.store(0, std::memory_order_relaxed);
  r.recorded_signal = 0;
  r.finished = 0;
}

RunRecord* map_shared_record() {
  void* p = mmap(nullptr, sizeof(RunRecord), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) internal_error("cannot map shared memory for a run record", "check the memory limits (ulimit -v)");
  auto* r = new (p) RunRecord();
  reset(*r);
  return r;
}

void unmap_shared_record(RunRecord* r) {
  if (r != nullptr) munmap(r, sizeof(RunRecord));
}

std::string task_name(const RunRecord& r, std::uint32_t id) {
  for (std::uint32_t i = 0; i < r.task_name_count && i < kMaxTaskNames; ++i)
    if (r.task_names[i].id == id) return std::string(r.task_names[i].name) + "#" + std::to_string(id);
  return "task#" + std::to_string(id);
}

std::vector<FiredFault> fired_faults(const RunRecord& r) {
  std::vector<FiredFault> out;
  for (std::uint32_t i = 0; i < r.fired_count && i < kMaxFired; ++i) {
    const FiredEntry& e = r.fired[i];
    FiredFault f;
    f.fault = Fault{e.ordinal, static_cast<FaultTiming>(e.timing), static_cast<FaultKind>(e.kind), e.arg};
    f.task = task_name(r, e.task_id);
    f.site = e.site < r.site_count ? r.sites[e.site] : "?";
    f.during_shutdown = e.during_shutdown != 0;
    out.push_back(f);
  }
  return out;
}

std::vector<std::string> trace_tail(const RunRecord& r, std::size_t n) {
  std::vector<std::string> out;
  std::uint32_t len = r.trace_len < kMaxTrace ? r.trace_len : static_cast<std::uint32_t>(kMaxTrace);
  std::uint32_t start = len > n ? len - static_cast<std::uint32_t>(n) : 0;
  for (std::uint32_t i = start; i < len; ++i) {
    const TraceEntry& e = r.trace[i];
    std::string line = "#" + std::to_string(e.ordinal) + " " + (e.site < r.site_count ? r.sites[e.site] : "?") +
                       " [" + task_name(r, e.task_id) + "]";
    if (e.during_shutdown) line += " (shutdown)";
    if (e.fault_kind != 0)
      line += "  <== " + to_string(Fault{e.ordinal, static_cast<FaultTiming>(e.fault_timing),
                                         static_cast<FaultKind>(e.fault_kind), e.fault_arg}) +
              (e.took_effect ? "" : " (never took effect)");
    out.push_back(line);
  }
  return out;
}

std::string problems(const RunRecord& r) { return std::string(r.problems, r.problems_len); }

}  // namespace faultline
