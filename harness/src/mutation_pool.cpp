#include "mutation_pool.hpp"

#include <algorithm>

#include <faultline/detail/fork_gate.hpp>

namespace faultline::detail {

namespace {
// NOTE: enough parents for every context a scenario's runs reach in practice; past it the pool
// stops growing rather than slowing every draw.
constexpr std::size_t kMaxKept = 4096;
}  // namespace

void MutationPool::finish_round(std::vector<Candidate> candidates, const std::vector<std::uint64_t>& drawn) {
  std::unique_lock lock(mutex_);
  for (auto& c : candidates) pending_.push_back(std::move(c));
  pending_drawn_.insert(pending_drawn_.end(), drawn.begin(), drawn.end());
  std::uint64_t round = round_;
  if (++arrived_ >= shares_) {
    complete_round();
    return;
  }
  wait_parked(round_done_, lock, [&] { return round_ != round; });
}

void MutationPool::leave() {
  std::lock_guard lock(mutex_);
  --shares_;
  if (arrived_ > 0 && arrived_ >= shares_) complete_round();
}

void MutationPool::complete_round() {
  std::sort(pending_.begin(), pending_.end(), [](const Candidate& a, const Candidate& b) { return a.index < b.index; });
  frontier_ = kept_.size();
  for (auto& c : pending_) {
    bool fresh = false;
    std::size_t faults = c.schedule.faults.size();
    for (std::uint64_t ctx : c.contexts) {
      auto [it, added] = contexts_.try_emplace(ctx, faults);
      if (added || faults < it->second) {
        it->second = faults;
        fresh = true;
      }
    }
    if (fresh && kept_.size() < kMaxKept) kept_.push_back(std::move(c.schedule));
  }
  drawn_.insert(pending_drawn_.begin(), pending_drawn_.end());
  pending_.clear();
  pending_drawn_.clear();
  arrived_ = 0;
  ++round_;
  round_done_.notify_all();
}

}  // namespace faultline::detail
