#pragma once
/// What one run leaves behind, in shared memory so that it survives the run's process: the
/// await-point trace, the faults that fired, the runtime's events and the ledger.
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include <faultline/schedule.hpp>
#include <faultline/spec.hpp>

namespace faultline {

constexpr std::size_t kMaxTrace = 4096;     ///< trace entries kept (the hash covers all)
constexpr std::size_t kMaxSites = 512;      ///< distinct await sites kept per run
constexpr std::size_t kMaxTaskNames = 512;  ///< task names kept per run
constexpr std::size_t kMaxFired = 16;
constexpr std::size_t kMaxUnits = 64;
constexpr std::size_t kProblemsBytes = 2048;

struct TraceEntry {
  std::uint64_t ordinal;
  std::uint32_t task_id;
  std::uint16_t site;           ///< index into RunRecord::sites
  std::uint8_t fault_kind;      ///< FaultKind fired here (none if none)
  std::uint8_t fault_timing;
  std::int16_t fault_arg;
  std::uint8_t during_shutdown;
  std::uint8_t took_effect;     ///< the fault fired (an `after` fault may never take effect)
};

/// A fault that took effect, in the order faults took effect.
struct FiredEntry {
  std::uint64_t ordinal;
  std::uint32_t task_id;
  std::uint16_t site;
  std::uint8_t kind, timing;
  std::int16_t arg;
  std::uint8_t during_shutdown;
};

struct LedgerUnit {
  char name[40];
  std::atomic<std::uint32_t> begun;
  std::atomic<std::uint32_t> committed;
};

/// Plain data in a MAP_SHARED mapping; reset before each run.
struct RunRecord {
  std::uint64_t await_points;  ///< ordinals reached
  std::uint64_t trace_hash;    ///< FNV-1a over (site text, task id, fault) of every await point
  std::uint32_t trace_len;
  TraceEntry trace[kMaxTrace];
  std::uint32_t site_count;
  char sites[kMaxSites][112];  ///< "file.cpp:12 (function)"
  std::uint32_t task_name_count;
  struct {
    std::uint32_t id;
    char name[40];
  } task_names[kMaxTaskNames];
  std::uint32_t fired_count;
  FiredEntry fired[kMaxFired];
  // Runtime events.
  std::atomic<std::uint32_t> tasks_created, tasks_finished, destroyed_pending, swallowed;
  std::atomic<std::uint32_t> futures_created, futures_resolved;
  std::atomic<std::uint32_t> protected_begun, protected_committed, protected_cut;
  std::atomic<std::uint32_t> posted_after_close, deadlocks;
  std::uint32_t shutdown_began;
  std::uint64_t shutdown_began_at;  ///< ordinal count when shutdown began
  std::int32_t runtime_exit_status;
  std::atomic_flag problems_lock;
  std::uint32_t problems_len;
  char problems[kProblemsBytes];    ///< one line per notable event, bounded
  std::atomic<std::uint32_t> unit_count;
  LedgerUnit units[kMaxUnits];
  std::int32_t recorded_signal;     ///< persistent mode: the signal the runtime would re-raise
  std::uint32_t finished;           ///< the program returned
};

/// Resets a record for a new run.
void reset(RunRecord& r);
/// Allocates a zeroed record in an anonymous shared mapping (inherited by forked children).
RunRecord* map_shared_record();
void unmap_shared_record(RunRecord* r);

/// Faults that fired, with task and site, for the spec.
std::vector<FiredFault> fired_faults(const RunRecord& r);
/// Task name for an id seen in the run ("task#ID" if unknown).
std::string task_name(const RunRecord& r, std::uint32_t id);
/// The last `n` trace entries as lines: "#ordinal site [task] fault".
std::vector<std::string> trace_tail(const RunRecord& r, std::size_t n);
/// The problem lines the runtime reported.
std::string problems(const RunRecord& r);

}  // namespace faultline
