#pragma once
// Exploring one scenario (internal): the phases of a campaign for one scenario, or one share of
// it when a scenario is split over several workers, and how the shares are put back together.
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include <faultline/explorer.hpp>

namespace faultline::detail {

class MutationPool;

using Clock = std::chrono::steady_clock;

/// What one share of one scenario's exploration gets from the campaign.
struct ShareContext {
  Clock::time_point deadline = Clock::time_point::max();  ///< for explore_share
  int shard_index = 0;  ///< this share among shard_count (the campaign's --shard split further by --jobs)
  int shard_count = 1;
  const std::atomic<bool>* stop = nullptr;
  std::function<void(const ScenarioResult&)> progress;  ///< called now and then with the share's result so far
  FindingFn on_finding;                                  ///< each confirmed finding, at once
  /// Shared by the shares of this scenario in this process (nullptr: the share keeps its own).
  MutationPool* pool = nullptr;
};

class Explorer;

/// One scenario's share of a campaign, which the campaign may pause at a deadline (to give the
/// time to other scenarios) and resume later where it stopped. `ctx` must outlive it.
class ShareExplorer {
 public:
  ShareExplorer(const Scenario& sc, const CampaignOptions& opt, const ShareContext& ctx);
  ~ShareExplorer();
  ShareExplorer(const ShareExplorer&) = delete;
  ShareExplorer& operator=(const ShareExplorer&) = delete;
  /// Explores until the share is done, a stop request, or `deadline`: true unless the deadline
  /// paused it (then it may be run again, with a later deadline).
  bool run(Clock::time_point deadline);
  /// The share's result, once: its health checked, its counts final.
  ScenarioResult finish();

 private:
  std::unique_ptr<Explorer> impl_;
};

/// Runs the campaign's phases for one scenario's share until ctx.deadline.
ScenarioResult explore_share(const Scenario& sc, const CampaignOptions& opt, const ShareContext& ctx);

/// Puts the shares of one scenario together: counts summed, coverage merged, findings
/// de-duplicated by bucket (the earliest found kept), complete and exhausted only if all are.
ScenarioResult merge_shares(std::vector<ScenarioResult> shares, std::size_t max_findings);

/// A well-mixed 64-bit function (splitmix64), for seeding from one campaign seed.
std::uint64_t mix(std::uint64_t x);

}  // namespace faultline::detail
