#include "fault_tree.hpp"

#include <algorithm>

namespace faultline::detail {

FaultTree::FaultTree(std::vector<Fault> kinds, int max_depth)
    : kinds_(std::move(kinds)), max_depth_(max_depth), levels_(static_cast<std::size_t>(max_depth) + 1),
      handed_out_(static_cast<std::size_t>(max_depth) + 1, 0) {}

void FaultTree::survived(const Schedule& s, std::uint64_t await_points, bool novel) {
  int depth = static_cast<int>(s.faults.size());
  if (depth >= max_depth_) return;
  std::uint64_t first = s.faults.empty() ? 1 : s.faults.back().ordinal + 1;
  if (first > await_points) return;  // no await point after its last fault
  Parent p{s, await_points, first, 0};
  Level& level = levels_[static_cast<std::size_t>(depth)];
  (novel ? level.novel : level.plain).push_back(std::move(p));
}

std::uint64_t FaultTree::pending() const {
  std::uint64_t n = 0;
  for (const Level& level : levels_)
    for (const auto* queue : {&level.novel, &level.plain})
      for (const Parent& p : *queue)
        if (p.ordinal <= p.await_points) n += (p.await_points - p.ordinal + 1) * kinds_.size() - p.kind;
  return n;
}

std::optional<FaultTree::Next> FaultTree::next() {
  for (int depth = 0; depth < max_depth_; ++depth) {
    Level& level = levels_[static_cast<std::size_t>(depth)];
    while (!level.empty()) {
      std::deque<Parent>& queue = level.novel.empty() ? level.plain : level.novel;
      Parent& p = queue.front();
      if (p.ordinal > p.await_points) {
        queue.pop_front();
        continue;
      }
      Next n;
      n.schedule = p.schedule;
      Fault f = kinds_[p.kind];
      f.ordinal = p.ordinal;
      n.schedule.faults.push_back(f);
      n.depth = depth + 1;
      if (depth == 0) n.index = root_index_++;
      if (++p.kind == kinds_.size()) {
        p.kind = 0;
        ++p.ordinal;
      }
      ++handed_out_[static_cast<std::size_t>(n.depth)];
      return n;
    }
    // NOTE: every shallower level is empty too and each run reports its survival before the
    // next call, so every schedule of depth + 1 faults has been handed out and run.
    complete_depth_ = std::max(complete_depth_, depth + 1);
  }
  complete_depth_ = max_depth_;
  return std::nullopt;
}

}  // namespace faultline::detail
