#pragma once
// The schedules random mutates (internal to the explorer), shared by the shares of one scenario
// that run in one process (--jobs). Random runs in rounds of indices; what a round keeps joins
// the pool only when every share has finished the round, in index order, so the schedule drawn
// for an index depends on the seed and the index alone, however the scenario is split.
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <faultline/schedule.hpp>

namespace faultline::detail {

class MutationPool {
 public:
  /// A run worth keeping: it survived its faults and reached contexts the pool had not, or had
  /// only from schedules of more faults (as AFL favours the smallest input for an edge).
  struct Candidate {
    std::uint64_t index = 0;               ///< the random index (or tree order) that ran it
    Schedule schedule;
    std::vector<std::uint64_t> contexts;   ///< its contexts the pool lacked (with as few faults) when the round began
  };

  /// `shares`: how many shares take part; each calls finish_round or leave.
  explicit MutationPool(int shares) : shares_(shares) {}

  /// Hands in a share's round and waits for the others; then keeps, in index order, each
  /// candidate still bringing a new context, or a known one with fewer faults. Schedules drawn in the round join `drawn`.
  void finish_round(std::vector<Candidate> candidates, const std::vector<std::uint64_t>& drawn);
  /// The share takes no further part (out of time, exhausted, or done); never blocks.
  void leave();

  // NOTE: read without the lock: they change only while every remaining share waits in
  // finish_round, and the waiters see the change through the lock they wake with.
  const std::vector<Schedule>& kept() const noexcept { return kept_; }
  /// Index in kept() where the last round's additions begin: the frontier, mutated more.
  std::size_t frontier() const noexcept { return frontier_; }
  /// Whether a schedule of `faults` faults reaching context `c` adds nothing to the pool.
  bool knows_context(std::uint64_t c, std::size_t faults) const {
    auto it = contexts_.find(c);
    return it != contexts_.end() && it->second <= faults;
  }
  bool was_drawn(std::uint64_t schedule_hash) const { return drawn_.count(schedule_hash) != 0; }

 private:
  void complete_round();  // under the lock, when every share still taking part arrived

  std::mutex mutex_;
  std::condition_variable round_done_;
  int shares_;
  int arrived_ = 0;
  std::uint64_t round_ = 0;
  std::vector<Candidate> pending_;
  std::vector<std::uint64_t> pending_drawn_;
  std::vector<Schedule> kept_;
  std::size_t frontier_ = 0;
  std::unordered_map<std::uint64_t, std::size_t> contexts_;  // context -> fewest faults of a kept schedule reaching it
  std::unordered_set<std::uint64_t> drawn_;
};

}  // namespace faultline::detail
