#include <faultline/explorer.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include <faultline/atomic_file.hpp>
#include <faultline/error.hpp>
#include <faultline/oracle.hpp>

namespace faultline {

std::uint64_t CampaignResult::runs() const {
  std::uint64_t n = 0;
  for (const auto& s : scenarios) n += s.runs;
  return n;
}

std::size_t CampaignResult::findings() const {
  std::size_t n = 0;
  for (const auto& s : scenarios) n += s.findings.size();
  return n;
}

std::string replay_command(const std::string& scenario, const Schedule& s, const std::vector<std::string>& flaws) {
  std::string cmd = "faultline replay " + scenario + " --schedule '" + to_string(s) + "'";
  for (const auto& f : flaws) cmd += " --flaw " + f;
  return cmd;
}

namespace {

using Clock = std::chrono::steady_clock;

std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::uint64_t hash_text(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : sep) + x;
  return out;
}

std::string fault_key(const InjectedFault& e) {
  return kind_to_string(static_cast<FaultKind>(e.kind), e.arg) + (e.timing ? "+" : "");
}

class Explorer {
 public:
  Explorer(const Scenario& sc, const CampaignOptions& opt, Clock::time_point deadline, const ProgressFn& progress,
           const FindingFn& on_finding, const volatile bool* stop)
      : sc_(sc), opt_(opt), deadline_(deadline), progress_(progress), on_finding_(on_finding), stop_(stop),
        primary_(opt.exec) {
    res_.scenario = sc.name;
    res_.flaws = opt.flaws;
    res_.expected_oracle = expected_oracle(sc, opt.flaws);
  }

  ScenarioResult explore() {
    start_ = Clock::now();
    if (!opt_.corpus_dir.empty()) {
      auto corpus = read_corpus(opt_.corpus_dir, sc_.name, opt_.flaws);
      for (std::size_t i = 0; i < corpus.size(); ++i)
        if (mine(i) && run_counted(corpus[i], Phase::corpus).stopped) break;
    }
    discover();
    if (opt_.sweep) sweep_and_deepen();
    bool sweep_done = res_.complete;
    if (opt_.random) random_phase();
    res_.seconds = seconds();
    health(sweep_done);
    res_.worker_restarts = static_cast<std::uint64_t>(primary_.starts() - 1 + (forked_ ? forked_->starts() - 1 : 0));
    report_progress(true);
    return std::move(res_);
  }

 private:
  enum class Phase { corpus, discovery, sweep, deeper, random };
  struct Step {
    Verdict verdict;
    std::vector<std::uint64_t> new_ordinals;  // after the last fault, at sites the fault-free run never reached
    bool stopped = false;
  };

  bool mine(std::uint64_t index) const {
    return static_cast<int>(index % static_cast<std::uint64_t>(opt_.shard_count)) == opt_.shard_index;
  }
  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  /// True when the budget or a stop request ends the scenario. Only an unfinished corpus,
  /// sweep or deeper phase makes it incomplete: the random phase is bounded by the budget.
  bool out_of_time(Phase phase) {
    bool stopped = stop_ != nullptr && *stop_;
    if (stopped || Clock::now() >= deadline_) {
      if (stopped || phase != Phase::random) res_.complete = false;
      return true;
    }
    return false;
  }

  RunOutcome run_raw(Worker& w, const Schedule& s) {
    RunRequest req{&sc_, opt_.flaws, s, opt_.timeout_ms};
    return w.run(req);
  }

  void discover() {
    RunRequest req{&sc_, opt_.flaws, Schedule{}, opt_.timeout_ms};
    RunOutcome o = primary_.run(req);
    const RunRecord& r = primary_.record();
    res_.await_points = r.await_points;
    for (std::uint32_t i = 0; i < site_count(r); ++i)
      for (int during : {0, 1})
        if (r.sites[i].first_past_faults[during] != 0) discovered_.insert({r.sites[i].text, during != 0});
    // Every shard runs discovery; only shard 0 counts it, so shards add up to one campaign.
    Verdict v = judge(sc_, r, o);
    if (opt_.shard_index == 0) {
      account(r, o, v, Phase::discovery);
      if (!v.violations.empty()) handle_findings(Schedule{}, v);
    }
    // NOTE: the fault-free run is always run twice: a scenario that claims determinism but
    // reads the wall clock or a random device parts ways here more often than not.
    if (sc_.deterministic) check_same_path(Schedule{}, fingerprint(primary_.record()));
  }

  /// Replays `s` and compares the path with `first`; a divergence is a nondeterminism finding.
  void check_same_path(const Schedule& s, const TraceFingerprint& first) {
    ++res_.determinism_checks;
    run_raw(primary_, s);
    std::string where = first_divergence(first, fingerprint(primary_.record()));
    if (where.empty()) return;
    nondeterministic_ = true;
    if (!found_.insert(oracle_id::nondeterminism).second) return;
    Finding f;
    f.scenario = sc_.name;
    f.flaws = opt_.flaws;
    f.oracle = oracle_id::nondeterminism;
    f.schedule = f.original = s;
    f.divergence = where;
    f.explanation = "two runs of the same schedule took different paths, first at " + where +
                    ": the scenario claims to be deterministic but reads something that changes between runs "
                    "(the wall clock, a random device, thread timing)";
    f.runs_until_found = res_.runs;
    f.seconds_until_found = seconds();
    f.trace_tail = trace_excerpt(primary_.record(), 12);
    f.replay_command = replay_command(sc_.name, s, opt_.flaws) + " --times 5";
    f.replays = 2;
    f.replays_same_trace = 1;
    res_.findings.push_back(f);
    if (on_finding_) on_finding_(f);
  }

  /// Whether the `index`-th clean run is replayed to check determinism (fixed by the seed).
  bool check_this_run(std::uint64_t index) const {
    if (!sc_.deterministic || opt_.check_determinism <= 0) return false;
    double u = static_cast<double>(mix(opt_.seed ^ (index * 0x9e3779b97f4a7c15ull)) >> 11) / 9007199254740992.0;
    return u < opt_.check_determinism;
  }

  void health(bool sweep_done) {
    auto warn = [&](const char* id, std::string message) { res_.health.push_back({id, std::move(message)}); };
    if (res_.await_points == 0)
      warn("no-await-points", "the fault-free run reached no await point: no fault can be injected; is the program "
                              "built against the hooked runtime?");
    if (opt_.sweep && !sweep_done)
      warn("sweep-incomplete", "the single-fault sweep did not finish (" + std::to_string(res_.sweep_runs) + " of " +
                                   std::to_string(res_.sweep_planned) + " runs): raise --budget or use --shard");
    if (res_.watchdog_kills > 3)
      warn("watchdog-kills", std::to_string(res_.watchdog_kills) + " runs were killed by the " +
                                 std::to_string(opt_.timeout_ms) + " ms watchdog: each costs the whole timeout; "
                                 "check for real-time waits, or raise --timeout");
    if (nondeterministic_)
      warn("nondeterministic", "runs of one schedule took different paths: ordinals are not stable, so the sweep "
                               "and replays are not reliable; set `deterministic = false` or remove the source");
    if (!record_limit_.empty()) warn("record-limit", "a run reached a bound of the run record: " + record_limit_);
  }

  void sweep_and_deepen() {
    const auto& kinds = sweep_kinds();
    std::deque<std::pair<Schedule, std::vector<std::uint64_t>>> deeper;
    std::uint64_t index = 0;
    for (std::uint64_t ordinal = 1; ordinal <= res_.await_points; ++ordinal) {
      for (const Fault& k : kinds) {
        if (!mine(index++)) continue;
        ++res_.sweep_planned;
        Schedule s;
        s.faults.push_back({ordinal, k.timing, k.kind, k.arg});
        Step st = run_counted(s, Phase::sweep);
        if (st.stopped) return;
        if (!st.new_ordinals.empty() && opt_.max_faults > 1) deeper.emplace_back(s, st.new_ordinals);
      }
    }
    while (!deeper.empty()) {
      auto [base, ordinals] = std::move(deeper.front());
      deeper.pop_front();
      for (std::uint64_t ordinal : ordinals) {
        for (const Fault& k : kinds) {
          Schedule s = base;
          s.faults.push_back({ordinal, k.timing, k.kind, k.arg});
          Step st = run_counted(s, Phase::deeper);
          if (st.stopped) return;
          if (!st.new_ordinals.empty() && static_cast<int>(s.faults.size()) < opt_.max_faults)
            deeper.emplace_back(s, st.new_ordinals);
        }
      }
    }
  }

  void random_phase() {
    std::uint64_t base = mix(opt_.seed ^ hash_text(sc_.name + "|" + join(opt_.flaws, ",")));
    std::uint64_t max_ordinal = 2 * res_.await_points + 8;
    for (std::uint64_t j = 0; j < opt_.random_runs; ++j) {
      if (!mine(j)) continue;
      Schedule s = random_schedule(mix(base + j), max_ordinal, opt_.max_faults);
      if (run_counted(s, Phase::random).stopped) return;
    }
  }

  Step run_counted(const Schedule& s, Phase phase) {
    Step st;
    if (out_of_time(phase)) {
      st.stopped = true;
      return st;
    }
    RunOutcome o = run_raw(primary_, s);
    const RunRecord& r = primary_.record();
    st.verdict = judge(sc_, r, o);
    account(r, o, st.verdict, phase);
    if (phase == Phase::sweep || phase == Phase::deeper) st.new_ordinals = new_ordinals(r);
    if (!st.verdict.violations.empty()) handle_findings(s, st.verdict);
    else if (check_this_run(res_.runs)) check_same_path(s, fingerprint(r));
    report_progress(false);
    return st;
  }

  /// Await points past the schedule's last fault at (site, shutdown phase) pairs the
  /// fault-free run never reached, earliest first.
  std::vector<std::uint64_t> new_ordinals(const RunRecord& r) const {
    std::vector<std::uint64_t> out;
    for (std::uint32_t i = 0; i < site_count(r); ++i)
      for (int during : {0, 1}) {
        std::uint64_t o = r.sites[i].first_past_faults[during];
        if (o != 0 && !discovered_.count({r.sites[i].text, during != 0})) out.push_back(o);
      }
    std::sort(out.begin(), out.end());
    if (out.size() > kMaxNewOrdinals) out.resize(kMaxNewOrdinals);
    return out;
  }

  void account(const RunRecord& r, const RunOutcome& o, const Verdict& v, Phase phase) {
    ++res_.runs;
    switch (phase) {
      case Phase::corpus: ++res_.corpus_runs; break;
      case Phase::discovery: break;
      case Phase::sweep: ++res_.sweep_runs; break;
      case Phase::deeper: ++res_.deeper_runs; break;
      case Phase::random: ++res_.random_runs; break;
    }
    if (o.end.kind == ProcessEnd::Kind::timed_out) ++res_.watchdog_kills;
    if (record_limit_.empty()) record_limit_ = record_limits(r);
    bool ok = v.violations.empty();
    for (std::uint32_t i = 0; i < site_count(r); ++i) res_.coverage[r.sites[i].text].hits += r.sites[i].hits;
    for (std::uint32_t i = 0; i < r.injected_count && i < kMaxInjected; ++i) {
      const InjectedFault& e = r.injected[i];
      std::string site = e.site < site_count(r) ? r.sites[e.site].text : "?";
      std::string key = fault_key(e);
      FaultStats& fs = res_.coverage[site].faults[key];
      ++fs.injected;
      ++(ok ? fs.handled : fs.finding);
      if (covered_.insert(site + "|" + key).second) res_.coverage_curve.emplace_back(res_.runs, covered_.size());
    }
  }

  Worker& forked() {
    if (opt_.exec == ExecMode::forked) return primary_;
    if (!forked_) forked_ = std::make_unique<Worker>(ExecMode::forked);
    return *forked_;
  }

  void handle_findings(const Schedule& s, const Verdict& v) {
    for (const Violation& violation : v.violations) {
      if (!found_.insert(violation.oracle).second) continue;
      Finding f;
      f.scenario = sc_.name;
      f.flaws = opt_.flaws;
      f.oracle = violation.oracle;
      f.original = s;
      f.runs_until_found = res_.runs;
      f.seconds_until_found = seconds();
      const std::string oracle = violation.oracle;
      f.schedule = s.faults.empty()
                       ? s
                       : shrink(s, [&](const Schedule& c) {
                           RunOutcome o = run_raw(primary_, c);
                           return judge(sc_, primary_.record(), o).violates(oracle);
                         }, opt_.shrink, &f.shrink_runs);
      confirm(f);
      if (f.oracle.empty()) {
        ++res_.unconfirmed;
        found_.erase(oracle);
        continue;
      }
      f.replay_command = replay_command(sc_.name, f.schedule, opt_.flaws);
      res_.findings.push_back(f);
      if (on_finding_) on_finding_(f);
      if (pending_divergence_) {
        Schedule diverging = *std::exchange(pending_divergence_, std::nullopt);
        check_same_path(diverging, fingerprint_of(diverging));
      }
    }
  }

  TraceFingerprint fingerprint_of(const Schedule& s) {
    run_raw(primary_, s);
    return fingerprint(primary_.record());
  }

  /// Replays the shrunk schedule in fresh forked children: the verdict an oracle reports is
  /// always judged on a real exit status, and the trace must be the same every time.
  void confirm(Finding& f) {
    Worker& w = forked();
    RunOutcome o = run_raw(w, f.schedule);
    Verdict v = judge(sc_, w.record(), o);
    // NOTE: a scenario with real threads or sockets may need several tries to reproduce.
    for (int attempt = 1; !sc_.deterministic && !v.violates(f.oracle) && attempt < opt_.replays; ++attempt) {
      o = run_raw(w, f.schedule);
      v = judge(sc_, w.record(), o);
    }
    const RunRecord& r = w.record();
    TraceFingerprint first = fingerprint(r);
    f.trace_tail = trace_excerpt(r, 12);
    f.output_tail = o.output_tail.size() > 1500 ? o.output_tail.substr(o.output_tail.size() - 1500) : o.output_tail;
    f.expected = to_string(v.expected.status);
    f.actual = v.actual;
    f.confirmed_forked = v.violates(f.oracle);
    f.explanation = f.oracle;
    for (const auto& x : v.violations)
      if (x.oracle == f.oracle) f.explanation = x.explanation;
    if (!f.confirmed_forked && !sc_.deterministic) {
      f.oracle.clear();  // not reproducible in a scenario that says it is not deterministic
      return;
    }
    if (!f.confirmed_forked) {
      f.explanation = "a persistent-mode run violated " + f.oracle + " but its forked replay did not (" +
                      (v.violations.empty() ? std::string("clean") : v.violations[0].oracle) + "): the run is not reproducible";
      f.oracle = oracle_id::nondeterminism;
    }
    f.replays = 1;
    f.replays_same_trace = 1;
    for (int i = 1; i < opt_.replays; ++i) {
      run_raw(w, f.schedule);
      ++f.replays;
      std::string where = first_divergence(first, fingerprint(w.record()));
      if (where.empty()) ++f.replays_same_trace;
      else if (f.divergence.empty()) f.divergence = where;
    }
    // A deterministic scenario whose replays part ways is itself a finding.
    if (!f.divergence.empty() && sc_.deterministic) {
      nondeterministic_ = true;
      if (f.oracle != oracle_id::nondeterminism) pending_divergence_ = f.schedule;
    }
  }

  void report_progress(bool force) {
    if (!progress_) return;
    auto now = Clock::now();
    if (!force && now - last_progress_ < std::chrono::milliseconds(200)) return;
    last_progress_ = now;
    Progress p;
    p.scenario = sc_.name;
    p.runs = res_.runs;
    double secs = seconds();
    p.runs_per_s = secs > 0 ? static_cast<double>(res_.runs) / secs : 0;
    p.covered = covered_.size();
    p.findings = res_.findings.size();
    if (deadline_ != Clock::time_point::max()) p.seconds_left = std::chrono::duration<double>(deadline_ - now).count();
    progress_(p);
  }

  static constexpr std::size_t kMaxNewOrdinals = 4;

  const Scenario& sc_;
  const CampaignOptions& opt_;
  Clock::time_point deadline_;
  const ProgressFn& progress_;
  const FindingFn& on_finding_;
  const volatile bool* stop_;
  Worker primary_;
  std::unique_ptr<Worker> forked_;
  ScenarioResult res_;
  Clock::time_point start_;
  Clock::time_point last_progress_{};
  std::set<std::pair<std::string, bool>> discovered_;
  std::set<std::string> covered_;
  std::set<std::string> found_;
  bool nondeterministic_ = false;
  std::optional<Schedule> pending_divergence_;
  std::string record_limit_;
};

}  // namespace

CampaignResult run_campaign(const CampaignOptions& options, const ProgressFn& progress, const FindingFn& on_finding,
                            const volatile bool* stop) {
  const Registry& reg = Registry::instance();
  reg.check_flaws(options.flaws);
  std::vector<const Scenario*> todo;
  if (options.scenarios.empty()) {
    for (const auto& s : reg.all()) todo.push_back(&s);
  } else {
    for (const auto& n : options.scenarios) todo.push_back(&reg.get(n));
  }
  CampaignResult result;
  result.options = options;
  result.scenarios.resize(todo.size());
  auto start = Clock::now();
  int jobs = std::max(1, std::min<int>(options.jobs, static_cast<int>(todo.size())));
  // Each scenario gets an even share of the budget over the jobs running side by side.
  std::optional<std::chrono::duration<double>> share;
  if (options.budget_s)
    share = std::chrono::duration<double>(*options.budget_s * jobs / std::max<std::size_t>(1, todo.size()));
  std::atomic<std::size_t> next{0};
  std::mutex callback_mutex;
  ProgressFn locked_progress = progress ? ProgressFn([&](const Progress& p) {
    std::lock_guard lock(callback_mutex);
    progress(p);
  }) : ProgressFn();
  FindingFn locked_finding = on_finding ? FindingFn([&](const Finding& f) {
    std::lock_guard lock(callback_mutex);
    on_finding(f);
  }) : FindingFn();
  std::exception_ptr error;
  auto work = [&] {
    for (;;) {
      std::size_t i = next.fetch_add(1);
      if (i >= todo.size()) return;
      auto deadline = share ? Clock::now() + std::chrono::duration_cast<Clock::duration>(*share) : Clock::time_point::max();
      try {
        Explorer e(*todo[i], options, deadline, locked_progress, locked_finding, stop);
        result.scenarios[i] = e.explore();
      } catch (...) {
        std::lock_guard lock(callback_mutex);
        if (!error) error = std::current_exception();
      }
    }
  };
  std::vector<std::thread> threads;
  for (int j = 1; j < jobs; ++j) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (const auto& s : result.scenarios) result.partial = result.partial || !s.complete;
  if (stop != nullptr && *stop) result.partial = true;
  return result;
}

std::vector<Schedule> read_corpus(const std::string& dir, const std::string& scenario, const std::vector<std::string>& flaws) {
  std::vector<Schedule> out;
  std::ifstream in(dir + "/" + scenario + ".txt");
  if (!in) return out;
  std::string want = join(flaws, ",");
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string schedule, flaw_text;
    std::getline(fields, schedule, '\t');
    std::getline(fields, flaw_text, '\t');
    if (flaw_text == "-") flaw_text.clear();
    if (flaw_text != want) continue;
    try {
      out.push_back(parse_schedule(schedule));
    } catch (const Error& e) {
      usage_error(dir + "/" + scenario + ".txt line " + std::to_string(line_no) + ": " + e.what(), "fix or delete that line");
    }
  }
  return out;
}

void add_to_corpus(const std::string& dir, const Finding& f) {
  std::string path = dir + "/" + f.scenario + ".txt";
  std::string content;
  if (std::filesystem::exists(path)) content = read_file(path);
  else content = "# faultline corpus for " + f.scenario + ": SCHEDULE<TAB>FLAWS<TAB>ORACLE, replayed first by every campaign\n";
  std::string flaws = f.flaws.empty() ? "-" : join(f.flaws, ",");
  std::string entry = to_string(f.schedule) + "\t" + flaws + "\t" + f.oracle;
  std::istringstream lines(content);
  for (std::string l; std::getline(lines, l);)
    if (l == entry) return;
  if (!content.empty() && content.back() != '\n') content += '\n';
  write_file_atomic(path, content + entry + "\n");
}

}  // namespace faultline
