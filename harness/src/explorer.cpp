// One scenario's share of a campaign: corpus, discovery, the fault tree (the single-fault sweep
// and then every schedule that extends a survived one, breadth-first, to --max-faults), random
// schedules (mutations of the schedules that reached something new, and fresh ones aimed at
// rarely reached sites), distinct findings (shrunk, confirmed forked, replayed) and the health
// checks.
#include "scenario_explorer.hpp"

#include <algorithm>
#include <bit>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_set>
#include <utility>

#include <faultline/oracle.hpp>

#include "fault_tree.hpp"
#include "mutation_pool.hpp"
#include "text.hpp"

namespace faultline::detail {

std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

namespace {

std::string fault_key(const InjectedFault& e) {
  return kind_to_string(static_cast<FaultKind>(e.kind), e.arg) + (e.timing ? "+" : "");
}

}  // namespace

class Explorer {
 public:
  Explorer(const Scenario& sc, const CampaignOptions& opt, const ShareContext& ctx)
      : sc_(sc), opt_(opt), ctx_(ctx), primary_(opt.exec), tree_(sweep_kinds(), std::max(1, opt.max_faults)),
        pool_(ctx.pool != nullptr ? ctx.pool : &own_pool_) {
    primary_.set_stop_flag(ctx.stop);
    res_.scenario = sc.name;
    res_.flaws = opt.flaws;
    res_.expected_oracle = expected_oracle(sc, opt.flaws);
  }

  ~Explorer() { pool_->leave(); }
  Explorer(const Explorer&) = delete;
  Explorer& operator=(const Explorer&) = delete;

  /// Explores until done, a stop request or `deadline`; true unless the deadline paused it.
  bool run(Clock::time_point deadline) {
    deadline_ = deadline;
    run_began_ = Clock::now();
    primary_.follow_calling_thread();
    if (forked_) forked_->follow_calling_thread();
    res_.complete = true;  // an unfinished corpus or sweep says otherwise again below
    bool done = advance();
    active_s_ += std::chrono::duration<double>(Clock::now() - run_began_).count();
    return done;
  }

  ScenarioResult finish() {
    res_.exhausted_depth = res_.exhausted ? std::max(1, opt_.max_faults) : tree_.complete_depth();
    res_.mutation_pool = pool_->kept().size();
    res_.seconds = active_s_;
    // NOTE: points are added when a pair is first covered, so without this the curve would
    // stop where the last new pair was found (often in the sweep), not at the campaign's end.
    if (res_.coverage_curve.empty() || res_.coverage_curve.back().first < res_.runs)
      res_.coverage_curve.emplace_back(res_.runs, covered_.size());
    res_.worker_restarts = static_cast<std::uint64_t>(primary_.starts() - 1 + (forked_ ? forked_->starts() - 1 : 0));
    health();
    report_progress(true);
    return std::move(res_);
  }

 private:
  /// Each phase resumes where the last run() left it.
  bool advance() {
    stopped_ = false;
    if (!corpus_loaded_ && !opt_.corpus_dir.empty()) corpus_ = read_corpus(opt_.corpus_dir, sc_.name, opt_.flaws);
    corpus_loaded_ = true;
    for (; corpus_next_ < corpus_.size(); ++corpus_next_)
      if (mine(corpus_next_) && run_counted(corpus_[corpus_next_], Phase::corpus).stopped) return interrupted_;
    if (!discovered_) discover();
    discovered_ = true;
    if (opt_.sweep && !res_.exhausted) {
      if (!walk_tree()) return interrupted_;
      res_.exhausted = true;
    }
    // NOTE: an exhausted tree holds every schedule random could draw (a fault past the end of
    // a run never fires), so random runs only where the tree was not walked (--mode random) or,
    // with a budget, beside a tree too big to finish in it.
    if (opt_.random && !res_.exhausted)
      while (random_round()) {
      }
    return !stopped_ || interrupted_;
  }

  enum class Phase { corpus, discovery, sweep, deeper, random };
  struct Step {
    Verdict verdict;
    bool stopped = false;
  };

  bool mine(std::uint64_t index) const {
    return static_cast<int>(index % static_cast<std::uint64_t>(ctx_.shard_count)) == ctx_.shard_index;
  }
  /// Seconds this share has been running (not counting pauses).
  double seconds() const { return active_s_ + std::chrono::duration<double>(Clock::now() - run_began_).count(); }

  /// True when the deadline or a stop request ends this run() of the share. An unfinished
  /// corpus or sweep makes it incomplete (until a later run() finishes it); deeper levels and
  /// random are bounded by the budget by design.
  bool out_of_time(Phase phase) {
    bool stopped = ctx_.stop != nullptr && *ctx_.stop;
    if (stopped || Clock::now() >= deadline_) {
      stopped_ = true;
      interrupted_ = interrupted_ || stopped;
      if (stopped || phase == Phase::corpus || phase == Phase::sweep) res_.complete = false;
      return true;
    }
    return false;
  }

  RunOutcome run_raw(Worker& w, const Schedule& s) {
    RunRequest req{&sc_, opt_.flaws, s, opt_.timeout_ms};
    return w.run(req);
  }

  void discover() {
    RunOutcome o = run_raw(primary_, Schedule{});
    const RunRecord& r = primary_.record();
    res_.await_points = r.await_points;
    for (std::uint32_t i = 0; i < site_count(r); ++i)
      for (int during : {0, 1})
        if (std::uint64_t first = r.sites[i].first_past_faults[during]; first != 0) {
          reached_.insert({r.sites[i].text, during != 0});
          anchors_.push_back(first);
        }
    std::sort(anchors_.begin(), anchors_.end());
    Verdict v = judge(sc_, r, o);
    // Every share runs discovery; only the first counts it, so shares add up to one campaign.
    if (ctx_.shard_index == 0) {
      account(r, o, v, Phase::discovery);
      if (!v.violations.empty()) handle_findings(Schedule{}, v, r);
    }
    // The root is always extended: the single-fault sweep runs even where the trap shows
    // without a fault.
    tree_.survived(Schedule{}, r.await_points, true);
    // NOTE: the fault-free run is always run twice: a scenario that claims determinism but
    // reads the wall clock or a random device parts ways here more often than not.
    if (sc_.deterministic) check_same_path(Schedule{}, fingerprint(primary_.record()));
  }

  /// Walks the fault tree; true if every schedule to max_faults was run, false if stopped (the
  /// schedule it was about to run is held for the next call).
  bool walk_tree() {
    for (;;) {
      bool held = held_.has_value();
      std::optional<FaultTree::Next> next = held ? std::exchange(held_, std::nullopt) : tree_.next();
      if (!next) return true;
      if (next->depth == 1 && !held) {
        if (!mine(next->index)) continue;
        ++res_.sweep_planned;
      }
      Phase phase = next->depth == 1 ? Phase::sweep : Phase::deeper;
      Step st = run_counted(next->schedule, phase);
      if (st.stopped) {
        held_ = std::move(next);
        return false;
      }
      if (res_.tree_schedules.size() <= static_cast<std::size_t>(next->depth)) res_.tree_schedules.resize(next->depth + 1u, 0);
      ++res_.tree_schedules[static_cast<std::size_t>(next->depth)];
      const RunRecord& r = primary_.record();
      if (st.verdict.violations.empty() && last_fault_acted(r))
        tree_.survived(next->schedule, r.await_points, novel(next->schedule, r));
      if (next->depth >= 2 && ++tree_runs_since_random_ >= kRandomRound && tree_too_big()) {
        tree_runs_since_random_ = 0;
        if (!random_round() && stopped_) return false;
      }
    }
    return true;
  }

  /// With a budget: what is left of the tree (a lower bound) would not be run by the deadline at
  /// the rate runs go; random rounds then take turns with the tree.
  bool tree_too_big() {
    if (!opt_.random || deadline_ == Clock::time_point::max()) return false;
    double secs = seconds(), left = std::chrono::duration<double>(deadline_ - Clock::now()).count();
    if (secs <= 0 || left <= 0) return false;
    return static_cast<double>(tree_.pending()) > static_cast<double>(res_.runs) / secs * left;
  }

  /// The schedule's last fault did something (took effect, or was superseded after acting):
  /// otherwise its children would repeat its parent's.
  static bool last_fault_acted(const RunRecord& r) {
    if (r.injected_count == 0) return false;
    auto state = static_cast<FaultState>(r.injected[r.injected_count - 1].state);
    return state == FaultState::took_effect || state == FaultState::superseded;
  }

  /// The contexts a run reached: each site with the faults the run held and whether shutdown
  /// had begun, and each site with its hit count in AFL's buckets (1, 2, 3, 4-7, 8-15, ...),
  /// which tells a retry's second pass from its first.
  static std::vector<std::uint64_t> contexts(const RunRecord& r) {
    std::vector<std::uint64_t> out;
    std::uint32_t faults = r.injected_count;
    for (std::uint32_t i = 0; i < site_count(r); ++i) {
      std::uint64_t site = hash_text(r.sites[i].text);
      for (int during : {0, 1})
        if (r.sites[i].first_past_faults[during] != 0) out.push_back(site ^ mix(faults * 2u + static_cast<unsigned>(during)));
      std::uint64_t hits = r.sites[i].hits, bucket = hits <= 3 ? hits : 2 + static_cast<std::uint64_t>(std::bit_width(hits));
      if (hits != 0) out.push_back(site ^ mix(0x10000 + bucket));
    }
    return out;
  }

  /// The run reached a context no earlier run of this share reached; such a tree schedule is
  /// also kept for random to mutate.
  bool novel(const Schedule& s, const RunRecord& r) {
    std::vector<std::uint64_t> fresh;
    for (std::uint64_t c : contexts(r))
      if (contexts_.insert(c).second) fresh.push_back(c);
    if (fresh.empty()) return false;
    tree_kept_.push_back({tree_kept_.size(), s, std::move(fresh)});
    return true;
  }

  /// One round of random schedules: kRandomRound indices. Index j's schedule depends on the
  /// seed, j and the pool as it stood when j's round began, so every split of the scenario
  /// draws the same schedules; each share runs its own indices and skips any schedule drawn at
  /// an earlier index (and the tree's). False when random is over: every index drawn, or stopped.
  bool random_round() {
    std::uint64_t base = mix(opt_.seed ^ hash_text(sc_.name + "|" + join(opt_.flaws, ",")));
    std::uint64_t max_ordinal = 2 * res_.await_points + 8;
    Round& round = round_;
    if (!round.open) {
      if (random_next_ >= opt_.random_runs) return false;
      // What the tree kept joins the pool: before the first round, then with each round's finds.
      if (random_next_ == 0) pool_->finish_round(std::exchange(tree_kept_, {}), {});
      round = Round{};
      round.open = true;
      round.next = random_next_;
      round.end = random_next_ + std::min(kRandomRound, opt_.random_runs - random_next_);
      random_next_ = round.end;
    }
    for (auto& c : std::exchange(tree_kept_, {})) round.found.push_back(std::move(c));
    for (; round.next < round.end; ++round.next) {
      std::uint64_t j = round.next;
      // NOTE: the other shares' indices are drawn too (not run): a repeat is decided by the
      // earliest index, whichever share holds it.
      Schedule s = draw(base, j, max_ordinal);
      std::uint64_t key = hash_text(to_string(s));
      bool repeat = pool_->was_drawn(key) || !round.drawn_here.insert(key).second;
      if (!mine(j)) continue;
      if (repeat || ran_.count(key) != 0) {
        ++res_.repeats_skipped;
        continue;
      }
      Step st = run_counted(s, Phase::random, key);
      if (st.stopped) {
        round.drawn_here.erase(key);  // drawn again when the round resumes
        return false;
      }
      round.drawn.push_back(key);
      const RunRecord& r = primary_.record();
      if (!st.verdict.violations.empty() || !last_fault_acted(r)) continue;
      std::vector<std::uint64_t> fresh;
      for (std::uint64_t c : contexts(r))
        if (!pool_->knows_context(c, s.faults.size())) fresh.push_back(c);
      if (!fresh.empty()) round.found.push_back({j, s, std::move(fresh)});
    }
    round.open = false;
    pool_->finish_round(std::exchange(round.found, {}), round.drawn);
    return random_next_ < opt_.random_runs;
  }

  /// Index j's random schedule: mostly a mutation of a kept schedule (half of those from the
  /// last round's additions, the frontier), else a fresh one aimed at anchors.
  Schedule draw(std::uint64_t base, std::uint64_t j, std::uint64_t max_ordinal) const {
    std::uint64_t seed = mix(base + j);
    const std::vector<Schedule>& kept = pool_->kept();
    // NOTE: a quarter stay fresh: the pool only holds what runs have reached so far.
    if (!opt_.mutate || kept.empty() || seed % 4 == 0) return random_schedule(seed, max_ordinal, opt_.max_faults, anchors_);
    std::uint64_t pick = mix(seed);
    std::size_t n = kept.size(), frontier = pool_->frontier();
    std::size_t parent = frontier < n && (pick & 1) != 0 ? frontier + (pick >> 1) % (n - frontier) : (pick >> 1) % n;
    const Schedule& other = kept[mix(pick) % n];
    return mutate_schedule(mix(seed ^ pick), kept[parent], other, max_ordinal, opt_.max_faults, anchors_);
  }

  Step run_counted(const Schedule& s, Phase phase, std::optional<std::uint64_t> schedule_hash = std::nullopt) {
    Step st;
    if (out_of_time(phase)) {
      st.stopped = true;
      return st;
    }
    // The tree never repeats itself; its schedules are remembered so random skips them.
    std::uint64_t key = schedule_hash ? *schedule_hash : hash_text(to_string(s));  // one text per run, for both checks
    if (phase != Phase::random) ran_.insert(key);
    RunOutcome o = run_raw(primary_, s);
    if (o.end.kind == ProcessEnd::Kind::interrupted) {  // a stop request: not a run, not a verdict
      stopped_ = interrupted_ = true;
      res_.complete = res_.complete && phase != Phase::corpus && phase != Phase::sweep;
      st.stopped = true;
      return st;
    }
    const RunRecord& r = primary_.record();
    st.verdict = judge(sc_, r, o);
    account(r, o, st.verdict, phase);
    if (!st.verdict.violations.empty()) handle_findings(s, st.verdict, r);
    else if (check_this_run(key)) check_same_path(s, fingerprint(r));
    report_progress(false);
    return st;
  }

  /// Whether a clean run of a schedule (by its text's hash) is replayed to check determinism: chosen by the seed and the
  /// schedule, so that every split of the campaign checks the same runs.
  bool check_this_run(std::uint64_t schedule_hash) const {
    if (!sc_.deterministic || opt_.check_determinism <= 0) return false;
    std::uint64_t h = mix(opt_.seed ^ schedule_hash);
    return static_cast<double>(h >> 11) / 9007199254740992.0 < opt_.check_determinism;
  }

  /// Replays `s` and compares the path with `first`; a divergence is a nondeterminism finding.
  void check_same_path(const Schedule& s, const TraceFingerprint& first) {
    ++res_.determinism_checks;
    if (run_raw(primary_, s).end.kind == ProcessEnd::Kind::interrupted) return;
    std::string where = first_divergence(first, fingerprint(primary_.record()));
    if (where.empty()) return;
    nondeterministic_ = true;
    if (!buckets_.insert(oracle_id::nondeterminism).second) return;
    Finding f;
    f.scenario = sc_.name;
    f.bucket = oracle_id::nondeterminism;
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
    f.replay_command = replay_command(opt_.program, sc_.name, s, opt_.flaws) + " --times 5";
    f.replays = 2;
    f.replays_same_trace = 1;
    publish(std::move(f));
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
    if (!forked_) {
      forked_ = std::make_unique<Worker>(ExecMode::forked);
      forked_->set_stop_flag(ctx_.stop);
    }
    return *forked_;
  }

  /// What tells a finding apart: the oracle, what broke, and the fault that decided (the last
  /// one that took effect: the one the program could not handle).
  static std::string bucket_of(const Violation& v, const RunRecord& r) {
    std::string deciding = "no fault";
    std::vector<FiredFault> fired = fired_faults(r);
    if (!fired.empty()) {
      const FiredFault& f = fired.back();
      deciding = kind_to_string(f.fault.kind, f.fault.arg) + (f.fault.timing == FaultTiming::after ? "+" : "") + " at " + f.site;
    }
    return v.oracle + " | " + v.subject + " | " + deciding;
  }

  void handle_findings(const Schedule& s, const Verdict& v, const RunRecord& r) {
    std::vector<std::pair<Violation, std::string>> fresh;
    for (const Violation& violation : v.violations) {
      std::string bucket = bucket_of(violation, r);
      if (auto it = bucket_hits_.find(bucket); it != bucket_hits_.end()) {
        ++it->second;
        continue;
      }
      if (res_.findings.size() + fresh.size() >= opt_.max_findings) {
        ++res_.further_findings;
        continue;
      }
      bucket_hits_[bucket] = 1;
      fresh.emplace_back(violation, bucket);
    }
    // NOTE: the record is overwritten by shrinking, so the buckets are taken first.
    for (auto& [violation, bucket] : fresh) report(s, violation, bucket);
  }

  void report(const Schedule& s, const Violation& violation, const std::string& bucket) {
    Finding f;
    f.scenario = sc_.name;
    f.bucket = bucket;
    f.flaws = opt_.flaws;
    f.oracle = violation.oracle;
    f.original = s;
    f.runs_until_found = res_.runs;
    f.seconds_until_found = seconds();
    const std::string oracle = violation.oracle, subject = violation.subject;
    auto still_fails = [&](const Schedule& c) {
      if (ctx_.stop != nullptr && *ctx_.stop) return false;
      RunOutcome o = run_raw(primary_, c);
      for (const auto& x : judge(sc_, primary_.record(), o).violations)
        if (x.oracle == oracle && x.subject == subject) return true;
      return false;
    };
    f.schedule = s.faults.empty() ? s : shrink(s, still_fails, opt_.shrink, &f.shrink_runs);
    // NOTE: the bucket is taken again from the shrunk run: two first hits of one bug (which
    // differ with the order runs happen in, e.g. between shards) shrink onto one bucket.
    if (!s.faults.empty()) {
      RunOutcome o = run_raw(primary_, f.schedule);
      for (const auto& x : judge(sc_, primary_.record(), o).violations)
        if (x.oracle == oracle && x.subject == subject) f.bucket = bucket_of(x, primary_.record());
      for (auto& known : res_.findings)
        if (known.bucket == f.bucket) {
          bucket_alias_[bucket] = f.bucket;
          return;
        }
    }
    confirm(f);
    if (f.oracle.empty()) {
      ++res_.unconfirmed;
      bucket_hits_.erase(bucket);
      return;
    }
    f.replay_command = replay_command(opt_.program, sc_.name, f.schedule, opt_.flaws);
    publish(std::move(f));
    if (pending_divergence_) {
      Schedule diverging = *std::exchange(pending_divergence_, std::nullopt);
      run_raw(primary_, diverging);
      check_same_path(diverging, fingerprint(primary_.record()));
    }
  }

  void publish(Finding f) {
    res_.findings.push_back(std::move(f));
    if (ctx_.on_finding) ctx_.on_finding(res_.findings.back());
  }

  /// Replays the shrunk schedule in fresh forked children: the verdict an oracle reports is
  /// always judged on a real exit status, and the trace must be the same every time.
  void confirm(Finding& f) {
    Worker& w = forked();
    RunOutcome o = run_raw(w, f.schedule);
    if (o.end.kind == ProcessEnd::Kind::interrupted) {
      f.explanation = f.oracle + ": found in a persistent run; the campaign was stopped before its forked confirmation";
      f.replays = 0;
      return;
    }
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
    // NOTE: the watchdog is wall-clock time. A run killed by it in the persistent worker whose
    // forked replay ends in time was slowed by the machine (load, swapping), not by its
    // schedule: counted for a health warning, not reported as the program's nondeterminism.
    if (!f.confirmed_forked && f.bucket.find(" | watchdog | ") != std::string::npos && o.end.kind != ProcessEnd::Kind::timed_out) {
      ++slow_unconfirmed_;
      f.oracle.clear();
      return;
    }
    if (!f.confirmed_forked) {
      f.explanation = "a persistent-mode run violated " + f.bucket + " but its forked replay did not (" +
                      (v.violations.empty() ? std::string("clean") : v.violations[0].oracle) + "): the run is not reproducible";
      f.oracle = oracle_id::nondeterminism;
      f.bucket = oracle_id::nondeterminism;
    }
    f.replays = 1;
    f.replays_same_trace = 1;
    for (int i = 1; i < opt_.replays; ++i) {
      if (run_raw(w, f.schedule).end.kind == ProcessEnd::Kind::interrupted) break;
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

  void health() {
    auto warn = [&](const char* id, std::string message) { res_.health.push_back({id, std::move(message)}); };
    if (res_.await_points == 0)
      warn("no-await-points", "the fault-free run reached no await point: no fault can be injected; is the program "
                              "built against the hooked runtime?");
    if (opt_.sweep && !res_.complete)
      warn("sweep-incomplete", "the single-fault sweep did not finish (" + std::to_string(res_.sweep_runs) + " of " +
                                   std::to_string(res_.sweep_planned) + "+ runs): raise --budget or use --shard");
    if (res_.watchdog_kills > 3)
      warn("watchdog-kills", std::to_string(res_.watchdog_kills) + " runs were killed by the " +
                                 std::to_string(opt_.timeout_ms) + " ms watchdog: each costs the whole timeout; "
                                 "check for real-time waits, or raise --timeout");
    if (slow_unconfirmed_ > 0)
      warn("slow-runs", std::to_string(slow_unconfirmed_) + " run(s) hit the " + std::to_string(opt_.timeout_ms) +
                            " ms watchdog in the persistent worker but ended in time when replayed in a forked child: "
                            "the machine was overloaded or --timeout is too tight; their schedules were not judged");
    if (nondeterministic_)
      warn("nondeterministic", "runs of one schedule took different paths: ordinals are not stable, so the sweep "
                               "and replays are not reliable; set `deterministic = false` or remove the source");
    if (!record_limit_.empty()) warn("record-limit", "a run reached a bound of the run record: " + record_limit_);
    const MemoryStats& mem = primary_.memory();
    if (mem.runs >= 100 && mem.grown_bytes >= (8u << 20) && mem.grown_bytes / mem.runs >= 1024)
      warn("memory-leak", "the persistent worker grew by " + std::to_string(mem.grown_bytes >> 20) + " MiB over " +
                              std::to_string(mem.runs) + " runs (~" + std::to_string(mem.grown_bytes / mem.runs / 1024) +
                              " KiB per run; replaced " + std::to_string(mem.recycles) +
                              " times): the program leaks; find it with the asan preset (LeakSanitizer)");
    if (primary_.untrusted_answers() > 0)
      warn("untrusted-answers", std::to_string(primary_.untrusted_answers()) +
                                    " persistent runs ended the worker or wrote on its pipe (exit(), _exit(), closed or "
                                    "forged descriptors); each was decided again in a forked child");
    if (res_.further_findings > 0)
      warn("findings-capped", std::to_string(res_.further_findings) + " runs fell in buckets past the first " +
                                  std::to_string(opt_.max_findings) + " distinct findings; fix those first");
    for (auto& f : res_.findings) {
      f.hits = 0;
      for (const auto& [bucket, hits] : bucket_hits_) {
        auto alias = bucket_alias_.find(bucket);
        if (bucket == f.bucket || (alias != bucket_alias_.end() && alias->second == f.bucket)) f.hits += hits;
      }
    }
  }

  void report_progress(bool force) {
    if (!ctx_.progress) return;
    auto now = Clock::now();
    if (!force && now - last_progress_ < std::chrono::milliseconds(200)) return;
    last_progress_ = now;
    res_.seconds = seconds();
    ctx_.progress(res_);
  }

  const Scenario& sc_;
  const CampaignOptions& opt_;
  const ShareContext& ctx_;
  Clock::time_point deadline_ = Clock::time_point::max();
  Worker primary_;
  std::unique_ptr<Worker> forked_;
  FaultTree tree_;
  ScenarioResult res_;
  Clock::time_point run_began_ = Clock::now();
  double active_s_ = 0;
  Clock::time_point last_progress_{};
  std::set<std::pair<std::string, bool>> reached_;
  std::vector<std::uint64_t> anchors_;
  std::unordered_set<std::uint64_t> contexts_;
  std::unordered_set<std::uint64_t> ran_;  // hashes of the schedules the tree (and corpus) ran
  MutationPool own_pool_{1};                // when the campaign gives none (one share)
  MutationPool* pool_;
  std::vector<MutationPool::Candidate> tree_kept_;  // tree schedules that reached something new, not yet pooled
  static constexpr std::uint64_t kRandomRound = 256;
  std::uint64_t random_next_ = 0;           // the next random index
  std::uint64_t tree_runs_since_random_ = 0;
  std::set<std::string> covered_;
  std::set<std::string> buckets_;  // nondeterminism, reported once
  std::uint64_t slow_unconfirmed_ = 0;  // watchdog kills that ended in time when replayed forked
  std::map<std::string, std::uint64_t> bucket_hits_;
  std::map<std::string, std::string> bucket_alias_;  // first-hit bucket -> the bucket its shrunk run fell in
  bool stopped_ = false;      // this run() ended at the deadline or a stop request
  bool interrupted_ = false;  // a stop request: the share ends, never resumed
  bool corpus_loaded_ = false, discovered_ = false;
  std::vector<Schedule> corpus_;
  std::size_t corpus_next_ = 0;
  std::optional<FaultTree::Next> held_;  // the tree's schedule a deadline kept from running
  struct Round {  // the random round in progress, resumable after a pause
    bool open = false;
    std::uint64_t next = 0, end = 0;
    std::vector<MutationPool::Candidate> found;
    std::vector<std::uint64_t> drawn;
    std::unordered_set<std::uint64_t> drawn_here;
  } round_;
  bool nondeterministic_ = false;
  std::optional<Schedule> pending_divergence_;
  std::string record_limit_;
};

ShareExplorer::ShareExplorer(const Scenario& sc, const CampaignOptions& opt, const ShareContext& ctx)
    : impl_(std::make_unique<Explorer>(sc, opt, ctx)) {}
ShareExplorer::~ShareExplorer() = default;
bool ShareExplorer::run(Clock::time_point deadline) { return impl_->run(deadline); }
ScenarioResult ShareExplorer::finish() { return impl_->finish(); }

ScenarioResult explore_share(const Scenario& sc, const CampaignOptions& opt, const ShareContext& ctx) {
  ShareExplorer e(sc, opt, ctx);
  e.run(ctx.deadline);
  return e.finish();
}

}  // namespace faultline::detail
