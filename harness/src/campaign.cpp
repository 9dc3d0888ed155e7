// The campaign: every scenario (or, with fewer scenarios than --jobs, shares of one) on a pool
// of workers; the budget handed out as it is used, so time one scenario does not need flows to
// the others; progress for the whole campaign.
#include <faultline/explorer.hpp>

#include <faultline/detail/fork_gate.hpp>

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "mutation_pool.hpp"
#include "scenario_explorer.hpp"

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

namespace detail {

namespace {

/// Pins the calling thread to the `slot`-th CPU it may run on; the worker processes it forks
/// later inherit the pin.
// NOTE: a run is a ping-pong between the explorer and its worker process. Left to the
// scheduler the two land on different cores and every hand-over wakes an idle core, which on a
// VM costs more than the run itself (persistent runs measured 344 µs unpinned, 78 µs pinned).
void pin_to_cpu_slot(int slot) {
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return;
  int count = CPU_COUNT(&allowed);
  if (count <= 1) return;
  int want = slot % count;
  for (int cpu = 0, seen = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &allowed)) continue;
    if (seen++ != want) continue;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    sched_setaffinity(0, sizeof one, &one);  // NOTE: best effort; an error leaves it unpinned
    return;
  }
}

/// Restores the thread's affinity when the campaign is over (the CLI's main thread runs one).
class PinnedThread {
 public:
  explicit PinnedThread(int slot) { saved_ok_ = sched_getaffinity(0, sizeof saved_, &saved_) == 0; pin_to_cpu_slot(slot); }
  ~PinnedThread() {
    if (saved_ok_) sched_setaffinity(0, sizeof saved_, &saved_);
  }
  PinnedThread(const PinnedThread&) = delete;
  PinnedThread& operator=(const PinnedThread&) = delete;

 private:
  cpu_set_t saved_;
  bool saved_ok_ = false;
};

}  // namespace

ScenarioResult merge_shares(std::vector<ScenarioResult> shares, std::size_t max_findings) {
  ScenarioResult m = std::move(shares.front());
  std::set<std::string> buckets;
  for (const auto& f : m.findings) buckets.insert(f.bucket);
  for (std::size_t i = 1; i < shares.size(); ++i) {
    ScenarioResult& s = shares[i];
    m.await_points = std::max(m.await_points, s.await_points);
    for (auto count : {&ScenarioResult::runs, &ScenarioResult::corpus_runs, &ScenarioResult::sweep_runs,
                       &ScenarioResult::deeper_runs, &ScenarioResult::random_runs, &ScenarioResult::sweep_planned,
                       &ScenarioResult::worker_restarts, &ScenarioResult::unconfirmed, &ScenarioResult::determinism_checks,
                       &ScenarioResult::watchdog_kills, &ScenarioResult::further_findings, &ScenarioResult::repeats_skipped})
      m.*count += s.*count;
    m.mutation_pool = std::max(m.mutation_pool, s.mutation_pool);  // one shared pool (--runs), or the largest share's
    m.complete = m.complete && s.complete;
    m.exhausted = m.exhausted && s.exhausted;
    m.exhausted_depth = std::min(m.exhausted_depth, s.exhausted_depth);
    m.seconds = std::max(m.seconds, s.seconds);
    if (m.tree_schedules.size() < s.tree_schedules.size()) m.tree_schedules.resize(s.tree_schedules.size(), 0);
    for (std::size_t d = 0; d < s.tree_schedules.size(); ++d) m.tree_schedules[d] += s.tree_schedules[d];
    for (auto& [site, st] : s.coverage) {
      SiteStats& dst = m.coverage[site];
      dst.hits += st.hits;
      for (auto& [key, fs] : st.faults) {
        FaultStats& d = dst.faults[key];
        d.injected += fs.injected;
        d.handled += fs.handled;
        d.finding += fs.finding;
      }
    }
    for (auto& f : s.findings) {
      // As within one share: one finding per bucket (taken from the shrunk run).
      for (auto& known : m.findings)
        if (known.bucket == f.bucket) known.hits += f.hits;
      if (buckets.insert(f.bucket).second && m.findings.size() < max_findings) m.findings.push_back(std::move(f));
    }
    for (auto& w : s.health) {
      bool seen = false;
      for (const auto& x : m.health) seen = seen || x.id == w.id;
      if (!seen) m.health.push_back(std::move(w));
    }
    for (auto& e : s.errors) m.errors.push_back(std::move(e));
  }
  // The curve is kept per share only: the first share's stands for the scenario, ended by the
  // merged totals (every share's runs, every pair any share covered).
  std::uint64_t pairs = 0;
  for (const auto& [site, st] : m.coverage) pairs += st.faults.size();
  if (!m.coverage_curve.empty() && m.coverage_curve.back().first < m.runs) m.coverage_curve.emplace_back(m.runs, pairs);
  std::sort(m.findings.begin(), m.findings.end(),
            [](const Finding& a, const Finding& b) { return a.runs_until_found < b.runs_until_found; });
  return m;
}

}  // namespace detail

CampaignResult run_campaign(const CampaignOptions& options, const ProgressFn& progress, const FindingFn& on_finding,
                            const std::atomic<bool>* stop) {
  using detail::Clock;
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
  std::optional<Clock::time_point> end;
  if (options.budget_s) end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(*options.budget_s));
  int jobs = std::max(1, options.jobs);
  // NOTE: with fewer scenarios than jobs, each scenario is split into shares exactly as
  // --shard splits a campaign (no overlap, no gap), so one big program gets every core.
  int split = std::max(1, jobs / static_cast<int>(std::max<std::size_t>(1, todo.size())));
  struct Item {
    std::size_t scenario;
    int share;
  };
  std::vector<Item> items;
  for (std::size_t i = 0; i < todo.size(); ++i)
    for (int j = 0; j < split; ++j) items.push_back({i, j});
  std::vector<std::vector<ScenarioResult>> shares(todo.size(), std::vector<ScenarioResult>(static_cast<std::size_t>(split)));

  std::mutex mutex;  // guards the callbacks, the progress totals and the paused shares
  std::atomic<std::size_t> next{0};
  std::size_t finished_items = 0;
  std::uint64_t finished_runs = 0;
  std::size_t total_findings = 0, exhausted = 0;
  std::map<std::pair<std::size_t, int>, std::uint64_t> live_runs;
  std::set<std::pair<std::size_t, std::string>> published;  // (scenario, bucket): shares may find one twice
  std::exception_ptr error;
  // NOTE: without a budget the shares of a scenario draw random schedules in lockstep from one
  // pool, so a --runs campaign is the same for any --jobs; with a budget each share keeps its own
  // (a share never waits for another's round).
  std::vector<std::unique_ptr<detail::MutationPool>> pools(todo.size());
  if (!end && split > 1)
    for (auto& p : pools) p = std::make_unique<detail::MutationPool>(split);

  // A share in progress: paused at its deadline, it waits here for time the others leave.
  struct Share {
    Item item;
    std::unique_ptr<detail::ShareContext> ctx;
    std::unique_ptr<detail::ShareExplorer> explorer;
  };
  std::deque<Share> paused;

  auto make_share = [&](const Item item) {
    Share sh{item, std::make_unique<detail::ShareContext>(), nullptr};
    detail::ShareContext& ctx = *sh.ctx;
    ctx.stop = stop;
    ctx.pool = pools[item.scenario].get();
    ctx.shard_index = options.shard_index * split + item.share;
    ctx.shard_count = options.shard_count * split;
    ctx.on_finding = [&, item](const Finding& f) {
      std::lock_guard lock(mutex);
      if (!published.insert({item.scenario, f.bucket}).second) return;
      ++total_findings;
      if (on_finding) on_finding(f);
    };
    if (progress) {
      ctx.progress = [&, item](const ScenarioResult& r) {
        std::lock_guard lock(mutex);
        live_runs[{item.scenario, item.share}] = r.runs;
        Progress p;
        p.scenario = r.scenario;
        p.scenario_index = item.scenario + 1;
        p.scenario_count = todo.size();
        p.runs = r.runs;
        p.total_runs = finished_runs;
        for (const auto& [key, n] : live_runs) p.total_runs += n;
        double secs = std::chrono::duration<double>(Clock::now() - start).count();
        p.runs_per_s = secs > 0 ? static_cast<double>(p.total_runs) / secs : 0;
        p.covered = r.coverage_curve.empty() ? 0 : r.coverage_curve.back().second;
        p.findings = total_findings;
        p.exhausted = exhausted;
        if (end) p.seconds_left = std::chrono::duration<double>(*end - Clock::now()).count();
        progress(p);
      };
    }
    sh.explorer = std::make_unique<detail::ShareExplorer>(*todo[item.scenario], options, ctx);
    return sh;
  };

  /// The budget left, shared among the shares not finished that can run side by side: time
  /// one share does not need goes to the others; a share that used its part is paused and
  /// resumed with what the others leave.
  auto deadline_now = [&] {
    if (!end) return Clock::time_point::max();
    auto now = Clock::now();
    std::lock_guard lock(mutex);
    std::size_t left = std::max<std::size_t>(1, items.size() - finished_items);
    std::size_t side_by_side = std::min<std::size_t>(static_cast<std::size_t>(jobs), left);
    auto remaining = *end > now ? *end - now : Clock::duration::zero();
    return now + remaining * static_cast<long>(side_by_side) / static_cast<long>(left);
  };

  // NOTE: a worker process dies with the thread that forked it (PR_SET_PDEATHSIG), and a paused
  // share may resume on another thread; so no campaign thread ends before every share has.
  std::condition_variable all_finished;
  auto work = [&](int slot) {
    detail::ForkGateMember member;  // its forks wait for the other campaign threads to park, and it parks for theirs
    detail::PinnedThread pinned(slot);
    for (;;) {
      Share sh;
      if (std::size_t k = next.fetch_add(1); k < items.size()) {
        try {
          sh = make_share(items[k]);
        } catch (...) {
          std::lock_guard lock(mutex);
          if (!error) error = std::current_exception();
          ++finished_items;
          all_finished.notify_all();
          continue;
        }
      } else {
        std::unique_lock lock(mutex);
        if (paused.empty()) {
          detail::wait_parked(all_finished, lock, [&] { return finished_items >= items.size() || !paused.empty(); });
          if (paused.empty()) return;
        }
        sh = std::move(paused.front());
        paused.pop_front();
      }
      bool done = true;
      try {
        done = sh.explorer->run(deadline_now());
        // NOTE: paused only while budget is left; at the end of it the share is finished as it is.
        if (!done && (!end || Clock::now() >= *end)) done = true;
        if (done) {
          ScenarioResult r = sh.explorer->finish();
          sh.explorer.reset();  // its workers end, and its pool share leaves, before the next share starts
          std::lock_guard lock(mutex);
          live_runs.erase({sh.item.scenario, sh.item.share});
          finished_runs += r.runs;
          shares[sh.item.scenario][static_cast<std::size_t>(sh.item.share)] = std::move(r);
        }
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!error) error = std::current_exception();
      }
      std::lock_guard lock(mutex);
      if (!done) {
        paused.push_back(std::move(sh));
        all_finished.notify_all();
        continue;
      }
      ++finished_items;
      all_finished.notify_all();
      bool all_done = true, ex = true;
      for (const auto& s : shares[sh.item.scenario]) {
        all_done = all_done && !s.scenario.empty();
        ex = ex && s.exhausted;
      }
      if (all_done && ex) ++exhausted;
    }
  };
  std::vector<std::thread> threads;
  int threads_needed = std::min<int>(jobs, static_cast<int>(items.size()));
  // NOTE: counted before they start: a thread starting up allocates, and a fork must not catch it.
  // None ends before every share has, so none is torn down while another forks.
  detail::ForkGateMembers members(threads_needed);
  for (int j = 1; j < threads_needed; ++j) threads.emplace_back(work, j);
  work(0);
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
  for (std::size_t i = 0; i < todo.size(); ++i) result.scenarios[i] = detail::merge_shares(std::move(shares[i]), options.max_findings);
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (const auto& s : result.scenarios) result.partial = result.partial || !s.complete;
  if (stop != nullptr && *stop) result.partial = true;
  return result;
}

}  // namespace faultline
