#pragma once
/// What one run leaves behind, in shared memory so that it survives the run's process: the
/// faults injected and what became of them, per-site counts, the trace's tail and the window
/// around each fault, the runtime's events and the ledger.
///
/// Counts are exact however long the run is: await points, per-site hits, every injected
/// fault (a schedule holds at most kMaxScheduleFaults) and the ledger's units. What is bounded
/// is kept as an excerpt (the trace) or, where a bound is reached, counted in `overflow` and
/// reported as a health warning, never dropped silently.
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include <faultline/schedule.hpp>
#include <faultline/spec.hpp>

namespace faultline {

constexpr std::size_t kTraceTail = 1024;         ///< last await points kept
constexpr std::size_t kFaultWindow = 8;          ///< await points kept before and after each injected fault
constexpr std::size_t kMaxInjected = kMaxScheduleFaults;
constexpr std::size_t kKeptEntries = kMaxInjected * (2 * kFaultWindow + 1);
constexpr std::size_t kMaxSites = 4096;          ///< distinct await sites per run
constexpr std::size_t kMaxTaskNames = 4096;      ///< task names kept per run (faulted tasks' names are always kept)
constexpr std::size_t kMaxUnits = 4096;          ///< ledger units per run (hash table slots)
constexpr std::size_t kMaxSteps = std::size_t{1} << 20;  ///< await points whose (site, task) is kept to locate a divergence
constexpr std::size_t kProblemsBytes = 4096;
constexpr std::size_t kMaxCutTasks = 64;
constexpr std::size_t kLimitReportBytes = 1024;

/// What became of a fault the schedule placed at an await point.
enum class FaultState : std::uint8_t {
  none,         ///< no fault here
  pending,      ///< returned to the runtime, not (yet) acted on
  took_effect,  ///< the program saw it
  superseded,   ///< it acted, but an outcome already under way won and the program never saw it
};

struct TraceEntry {
  std::uint64_t ordinal;
  std::uint32_t task_id;
  std::uint16_t site;           ///< index into RunRecord::sites
  std::uint8_t fault_kind;      ///< FaultKind placed here (none if none)
  std::uint8_t fault_timing;
  std::int16_t fault_arg;
  std::uint8_t during_shutdown;
  std::uint8_t fault_state;     ///< FaultState, as of the end of the run
};

/// A fault the schedule placed, with where it landed and what became of it.
struct InjectedFault {
  std::uint64_t ordinal;
  std::uint32_t task_id;
  std::uint16_t site;
  std::uint8_t kind, timing;
  std::int16_t arg;
  std::uint8_t state;            ///< FaultState
  std::uint8_t during_shutdown;  ///< when it took effect (an `after` fault may land in shutdown)
  std::uint32_t effect_seq;      ///< order in which faults took effect (1-based; 0 = never)
  char task_name[48];
};

/// One await site: its text and exact counts.
struct SiteEntry {
  char text[112];                      ///< "file.cpp:12 (function)"
  std::uint64_t hits;                  ///< await points at this site
  std::uint64_t first_past_faults[2];  ///< first ordinal past the schedule's last fault, before / during shutdown (0: none)
};

struct LedgerUnit {
  std::atomic<std::uint32_t> generation;  ///< the slot is in use in the run whose generation this is
  std::uint64_t key;                      ///< hash of the full name
  std::uint32_t owner_task;               ///< task that began or took it last (0: none known)
  std::atomic<std::uint32_t> begun;
  std::atomic<std::uint32_t> committed;
  char name[64];
};

/// Why a run was stopped by the harness before it ended.
enum class RunLimitHit : std::uint8_t { none, awaits, virtual_time };
/// What escaped the program instead of an exit status (caught by the sandbox's last resort).
enum class RunEscape : std::uint8_t { none, exception, out_of_memory };

/// Per-run limits that turn a livelock into a prompt `hung-future` (see Scenario::limits).
/// NOTE: the defaults are far above what the zoo's runs need (under 2,000 await points and a
/// minute of virtual time) and low enough that a livelock ends in milliseconds, not at the
/// wall-clock watchdog; a scenario that legitimately runs longer raises them.
struct RunLimits {
  std::uint64_t max_await_points = 1'000'000;            ///< await points in one run
  std::int64_t max_virtual_ns = 3600ll * 1'000'000'000;  ///< runtime clock (virtual time) in one run: 1 h
};

/// The exit status of a run the harness stopped at a limit (the record says which).
constexpr int kLimitExitStatus = 86;

/// Plain data in a MAP_SHARED mapping; reset before each run.
struct RunRecord {
  std::uint64_t await_points;  ///< ordinals reached (exact)
  std::uint64_t trace_hash;    ///< FNV-1a over (site text, task id, fault) of every await point
  std::uint32_t generation;    ///< bumped by reset; marks live ledger slots
  // The trace as an excerpt: a ring of the last kTraceTail entries, plus the entries within
  // kFaultWindow of each injected fault.
  TraceEntry tail[kTraceTail];
  std::uint32_t kept_count;
  TraceEntry kept[kKeptEntries];
  std::uint64_t keep_until;    ///< ordinals up to this one are copied into `kept`
  std::uint32_t injected_count;
  InjectedFault injected[kMaxInjected];
  std::uint32_t effects;       ///< faults that took effect so far (effect_seq source)
  std::uint32_t site_count;
  SiteEntry sites[kMaxSites];
  std::uint32_t task_name_count;
  struct {
    std::uint32_t id;
    char name[40];
  } task_names[kMaxTaskNames];
  // Where a bound was reached: counted, and reported as a health warning.
  struct {
    std::uint64_t sites, task_names, units, steps, problems;
  } overflow;
  // Runtime events.
  std::atomic<std::uint32_t> tasks_created, tasks_finished, destroyed_pending, swallowed, lost_exceptions;
  std::atomic<std::uint32_t> futures_created, futures_resolved;
  std::atomic<std::uint32_t> protected_begun, protected_committed, protected_cut;
  std::atomic<std::uint32_t> posted_after_close, deadlocks;
  std::uint32_t cut_task_count;
  std::uint32_t cut_tasks[kMaxCutTasks];
  std::uint32_t shutdown_began;
  std::uint64_t shutdown_began_at;  ///< ordinal count when shutdown began
  std::int32_t runtime_exit_status;
  std::int64_t clock_ns;            ///< the runtime's clock at its last jump
  std::uint8_t limit_hit;           ///< RunLimitHit
  char limit_report[kLimitReportBytes];
  std::atomic_flag problems_lock;
  std::uint32_t problems_len;
  char problems[kProblemsBytes];    ///< one line per notable event, bounded
  std::atomic_flag ledger_lock;
  std::atomic<std::uint32_t> unit_count;
  std::uint16_t unit_order[kMaxUnits];  ///< slots in use, in the order units first appeared
  LedgerUnit units[kMaxUnits];
  std::uint8_t escaped;             ///< RunEscape
  char escape_what[160];            ///< the escaped exception's what(), bounded
  std::int32_t recorded_signal;     ///< persistent mode: the signal the runtime would re-raise
  std::uint32_t finished;           ///< the program returned
  /// (site << 16 | task id & 0xffff) of the first kMaxSteps await points: where two runs of one
  /// schedule part ways. Last, so that pages a short run never touches stay unmapped.
  std::uint32_t steps[kMaxSteps];
};

/// Resets a record for a new run.
void reset(RunRecord& r);
/// Allocates a zeroed record in an anonymous shared mapping (inherited by forked children).
RunRecord* map_shared_record();
void unmap_shared_record(RunRecord* r);

/// Faults that took effect, in the order they did, with task and site, for the spec.
std::vector<FiredFault> fired_faults(const RunRecord& r);
/// Task name for an id seen in the run ("task#ID" if unknown).
std::string task_name(const RunRecord& r, std::uint32_t id);
/// One trace entry as a line: "#ordinal site [task] (shutdown)  <== fault (state)".
std::string trace_line(const RunRecord& r, const TraceEntry& e);
/// The last `n` await points as lines, preceded by the window around every injected fault
/// that lies before them ("..." marks a gap): a fault is always in the excerpt.
std::vector<std::string> trace_excerpt(const RunRecord& r, std::size_t n);
/// The problem lines the runtime reported.
std::string problems(const RunRecord& r);
/// Sites in use (min of site_count and kMaxSites).
std::uint32_t site_count(const RunRecord& r);
/// The ledger's units of this run, in the order they first appeared.
std::vector<const LedgerUnit*> ledger_units(const RunRecord& r);
/// Health warnings about bounds this run reached ("" if none).
std::string record_limits(const RunRecord& r);

/// What a run's path was, copied out of the record to compare it with another run's.
struct TraceFingerprint {
  std::uint64_t await_points = 0;
  std::uint64_t trace_hash = 0;
  std::vector<std::uint32_t> steps;  ///< as RunRecord::steps, for the kept prefix
  std::vector<std::string> sites;
  std::vector<std::pair<std::uint32_t, std::string>> task_names;
};
TraceFingerprint fingerprint(const RunRecord& r);
/// Where two runs of one schedule part ways: "await #N: SITE [task] vs SITE [task]", or "" if
/// they agree. Past the kept prefix only the hashes can tell, and the message says so.
std::string first_divergence(const TraceFingerprint& a, const TraceFingerprint& b);

}  // namespace faultline
