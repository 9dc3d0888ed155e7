#pragma once
// Exploring one scenario (internal): the phases of a campaign for one scenario, or one share of
// it when a scenario is split over several workers, and how the shares are put back together.
#include <chrono>
#include <functional>
#include <vector>

#include <faultline/explorer.hpp>

namespace faultline::detail {

using Clock = std::chrono::steady_clock;

/// What one share of one scenario's exploration gets from the campaign.
struct ShareContext {
  Clock::time_point deadline = Clock::time_point::max();
  /// Asked when the deadline passes: may move it later (time others did not need); true if so.
  std::function<bool(Clock::time_point&)> extend;
  int shard_index = 0;  ///< this share among shard_count (the campaign's --shard split further by --jobs)
  int shard_count = 1;
  const volatile bool* stop = nullptr;
  std::function<void(const ScenarioResult&)> progress;  ///< called now and then with the share's result so far
  FindingFn on_finding;                                  ///< each confirmed finding, at once
};

/// Runs the campaign's phases for one scenario's share.
ScenarioResult explore_share(const Scenario& sc, const CampaignOptions& opt, const ShareContext& ctx);

/// Puts the shares of one scenario together: counts summed, coverage merged, findings
/// de-duplicated by bucket (the earliest found kept), complete and exhausted only if all are.
ScenarioResult merge_shares(std::vector<ScenarioResult> shares, std::size_t max_findings);

/// A well-mixed 64-bit function (splitmix64), for seeding from one campaign seed.
std::uint64_t mix(std::uint64_t x);

}  // namespace faultline::detail
