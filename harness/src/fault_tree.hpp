#pragma once
// The tree of fault schedules (internal to the explorer). The root is the fault-free run; the
// children of a schedule that a run survived are that schedule plus one more fault, at each
// await point that run reached after its last fault, of each sweep kind. Depth 1 is the
// single-fault sweep. Walked breadth-first, so that "every schedule of <= d faults was run"
// holds as soon as depth d is done; within a depth, schedules whose runs reached something new
// are extended first (as AFL extends the inputs that reach new edges).
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include <faultline/schedule.hpp>

namespace faultline::detail {

class FaultTree {
 public:
  /// `kinds`: the faults tried at each await point; `max_depth`: faults per schedule.
  FaultTree(std::vector<Fault> kinds, int max_depth);

  struct Next {
    Schedule schedule;
    int depth = 0;            ///< faults in it
    std::uint64_t index = 0;  ///< position among the root's children (depth 1 only), for sharding
  };

  /// `s` (depth >= 0) ran clean and its last fault took effect; its run reached `await_points`.
  /// `novel`: the run reached a (site, context) no run had reached before.
  void survived(const Schedule& s, std::uint64_t await_points, bool novel);
  /// The next schedule, breadth-first; nullopt when every schedule to max_depth was handed out.
  std::optional<Next> next();
  /// Schedules still to hand out among the children of survivors known so far: a lower bound
  /// on what is left of the tree (their own children are not known yet).
  std::uint64_t pending() const;
  /// The deepest depth whose every schedule was handed out (0 before the sweep is done).
  int complete_depth() const noexcept { return complete_depth_; }
  /// Schedules handed out per depth (index 0 unused).
  const std::vector<std::uint64_t>& handed_out() const noexcept { return handed_out_; }

 private:
  struct Parent {
    Schedule schedule;
    std::uint64_t await_points = 0;
    std::uint64_t ordinal = 0;  // cursor: next ordinal to extend at
    std::size_t kind = 0;       // cursor: next kind at that ordinal
  };
  struct Level {
    std::deque<Parent> novel, plain;
    bool empty() const { return novel.empty() && plain.empty(); }
  };

  std::vector<Fault> kinds_;
  int max_depth_;
  std::vector<Level> levels_;  // levels_[d]: survivors with d faults, waiting to be extended
  std::vector<std::uint64_t> handed_out_;
  std::uint64_t root_index_ = 0;
  int complete_depth_ = 0;
};

}  // namespace faultline::detail
