#pragma once
/// The campaign (docs/architecture.md, "Exploring a scenario"): corpus replay, discovery, the exhaustive sweep,
/// coverage-guided deeper paths, random schedules, shrinking and forked confirmation of every
/// finding. One 64-bit seed determines every schedule; the wall clock only decides when a
/// budget stops the campaign.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <faultline/sandbox.hpp>
#include <faultline/scenario.hpp>
#include <faultline/schedule.hpp>
#include <faultline/shrink.hpp>

namespace faultline {

struct CampaignOptions {
  std::vector<std::string> scenarios;    ///< scenario names; empty = all registered
  std::vector<std::string> flaws;        ///< runtime flaws switched on for every run
  bool sweep = true;                     ///< run the exhaustive sweep and deeper paths
  bool random = true;                    ///< run random schedules
  std::optional<double> budget_s;        ///< wall-clock budget for the whole campaign
  bool mutate = true;                    ///< random mutates kept schedules (false: fresh draws only)
  std::uint64_t random_runs = 2000;      ///< random schedules per scenario once its tree is stopped (--runs); UINT64_MAX: until the budget
  std::uint64_t seed = 0;                ///< the one seed of the campaign
  int jobs = 1;                          ///< workers: scenarios in parallel, and one scenario split over several when fewer scenarios than jobs
  int shard_index = 0;                   ///< this shard (0-based)
  int shard_count = 1;                   ///< number of shards
  int max_faults = 3;                    ///< faults per schedule: the fault tree's depth, and random's most
  int timeout_ms = 2000;                 ///< per-run watchdog
  ExecMode exec = ExecMode::persistent;  ///< where runs happen; findings are always confirmed forked
  std::string corpus_dir;                ///< past failures replayed first, new ones added ("" = none)
  ShrinkLimits shrink;                   ///< caps on shrinking
  int replays = 5;                       ///< forked replays of each finding to measure determinism
  double check_determinism = 0.01;       ///< share of clean runs replayed to compare traces (deterministic scenarios)
  std::string program = "faultline";     ///< the binary replay commands name (the CLI sets its argv[0])
  std::size_t max_findings = 20;         ///< distinct findings (buckets) reported per scenario; further ones are counted
};

/// Something that makes a scenario's results less trustworthy than they look (as Hypothesis's
/// health checks): reported in the CLI, results.json, junit.xml and the summary.
struct HealthWarning {
  std::string id;       ///< stable: no-await-points, sweep-incomplete, watchdog-kills, nondeterministic, record-limit, findings-capped, memory-leak, untrusted-answers
  std::string message;  ///< what was seen and what to do
};

/// Per (site, fault kind, timing): how often it was injected and what came of it.
struct FaultStats {
  std::uint64_t injected = 0;
  std::uint64_t handled = 0;  ///< injected, and the run passed every oracle
  std::uint64_t finding = 0;  ///< injected, and the run violated an oracle
};

struct SiteStats {
  std::uint64_t hits = 0;                     ///< times the await site was reached
  std::map<std::string, FaultStats> faults;   ///< key "cancel", "throw+", "signal=TERM" ...
};

struct Finding {
  std::string scenario;
  std::string bucket;             ///< what tells it apart: oracle | what broke | deciding fault's kind and site
  std::uint64_t hits = 1;         ///< runs that fell in this bucket
  std::vector<std::string> flaws;
  std::string oracle;
  std::string explanation;
  Schedule schedule;              ///< shrunk
  Schedule original;              ///< as first found
  std::string expected, actual;   ///< exit statuses
  std::vector<std::string> trace_tail;  ///< the window around each fault, then the tail
  std::string output_tail;
  std::string divergence;         ///< where a replay's trace parted from the first ("" = all the same)
  std::string replay_command;
  std::uint64_t runs_until_found = 0;
  double seconds_until_found = 0;
  int shrink_runs = 0;
  int replays = 0, replays_same_trace = 0;  ///< forked replays and how many gave the same trace
  bool confirmed_forked = false;
};

struct ScenarioResult {
  std::string scenario;
  std::vector<std::string> flaws;
  std::string expected_oracle;         ///< what the zoo expects ("" = clean)
  std::uint64_t await_points = 0;      ///< in the fault-free run
  std::uint64_t runs = 0;              ///< schedules run (this shard)
  std::uint64_t corpus_runs = 0, sweep_runs = 0, deeper_runs = 0, random_runs = 0;
  std::uint64_t sweep_planned = 0;     ///< sweep schedules in this shard's share
  bool complete = true;                ///< false if the budget stopped the corpus or the single-fault sweep
  bool exhausted = false;              ///< every schedule of <= max_faults faults was run (the whole fault tree)
  int exhausted_depth = 0;             ///< every schedule of <= this many faults was run
  std::vector<std::uint64_t> tree_schedules;  ///< schedules run per depth (index 0: none)
  std::uint64_t further_findings = 0;  ///< runs in buckets past max_findings
  std::uint64_t repeats_skipped = 0;   ///< random schedules skipped because they had been run
  std::uint64_t mutation_pool = 0;     ///< schedules kept for random to mutate (they reached new contexts)
  std::uint64_t worker_restarts = 0;
  std::uint64_t unconfirmed = 0;       ///< violations no forked replay reproduced (non-deterministic scenarios only)
  std::uint64_t determinism_checks = 0;  ///< clean runs replayed to compare their traces
  std::uint64_t watchdog_kills = 0;    ///< runs killed by the wall-clock watchdog
  std::vector<HealthWarning> health;
  double seconds = 0;
  std::map<std::string, SiteStats> coverage;  ///< by site text
  std::vector<std::pair<std::uint64_t, std::uint64_t>> coverage_curve;  ///< (runs, distinct site x fault pairs)
  std::vector<Finding> findings;
  std::vector<std::string> errors;     ///< infrastructure problems met
};

struct CampaignResult {
  CampaignOptions options;
  std::vector<ScenarioResult> scenarios;
  double seconds = 0;
  bool partial = false;  ///< stopped by the budget or a signal before finishing
  std::uint64_t runs() const;
  std::size_t findings() const;
};

/// A live view for progress lines.
struct Progress {
  std::string scenario;
  std::size_t scenario_index = 0;  ///< 1-based, among scenario_count
  std::size_t scenario_count = 0;
  std::uint64_t runs = 0;          ///< this scenario
  std::uint64_t total_runs = 0;    ///< the whole campaign
  double runs_per_s = 0;           ///< the whole campaign
  std::uint64_t covered = 0;       ///< distinct (site, fault) pairs injected in this scenario
  std::size_t findings = 0;        ///< the whole campaign
  std::size_t exhausted = 0;       ///< scenarios whose whole fault tree was run
  double seconds_left = -1;        ///< the whole campaign's budget
};

using ProgressFn = std::function<void(const Progress&)>;
/// Called with each finding as soon as it is confirmed, so it reaches disk before the process ends.
using FindingFn = std::function<void(const Finding&)>;

/// Runs the campaign. `stop` is polled between runs (e.g. set by SIGTERM).
CampaignResult run_campaign(const CampaignOptions& options, const ProgressFn& progress, const FindingFn& on_finding,
                            const std::atomic<bool>* stop = nullptr);

/// The exact command that replays a schedule of a scenario, with `program` (the binary, as the
/// user typed it) in front, shell-quoted where needed.
std::string replay_command(const std::string& program, const std::string& scenario, const Schedule& s,
                           const std::vector<std::string>& flaws);

/// Reads corpus entries for `scenario` with these flaws: one schedule per line in
/// DIR/SCENARIO.txt as `SCHEDULE<TAB>FLAWS<TAB>ORACLE`; '#' starts a comment.
std::vector<Schedule> read_corpus(const std::string& dir, const std::string& scenario, const std::vector<std::string>& flaws);
/// Adds a finding to the corpus (atomic rewrite, no duplicates).
void add_to_corpus(const std::string& dir, const Finding& f);

}  // namespace faultline
