#pragma once
/// Generation and shrinking of fault schedules, kept apart from running and checking them
/// (as rapidcheck does). Both use rapidcheck's programmatic API.
#include <cstdint>
#include <functional>
#include <vector>

#include <faultline/schedule.hpp>

namespace faultline {

/// The fault kinds a sweep tries at every await point, simplest first.
const std::vector<Fault>& sweep_kinds();

/// A random schedule of 1..max_faults faults on ordinals 1..max_ordinal, drawn from `seed`.
/// Half the faults land within 2 awaits after one of `anchors` (if given). The same arguments
/// always give the same schedule.
Schedule random_schedule(std::uint64_t seed, std::uint64_t max_ordinal, int max_faults,
                         const std::vector<std::uint64_t>& anchors = {});

/// One mutation of a kept schedule `parent`, drawn from `seed` (as AFL mutates the inputs that
/// reached new coverage): add a fault (mostly just after one of the parent's, where a handled
/// fault leads: a retry, a cleanup), move one, change one's kind or timing, drop one, or splice
/// the parent's faults before an ordinal with `other`'s after it. At most `max_faults` faults,
/// ordinals in 1..max_ordinal (or near an anchor). The same arguments give the same schedule.
Schedule mutate_schedule(std::uint64_t seed, const Schedule& parent, const Schedule& other, std::uint64_t max_ordinal,
                         int max_faults, const std::vector<std::uint64_t>& anchors = {});

/// Schedules one step simpler than `s`, simplest first: a fault fewer, an earlier ordinal, a
/// simpler kind (cancel < throw < exit < signal), `at` instead of `after`.
std::vector<Schedule> simpler_schedules(const Schedule& s);

/// Limits on shrinking.
struct ShrinkLimits {
  int max_runs = 300;        ///< schedules tried at most
  double max_seconds = 5.0;  ///< wall-clock cap
};

/// Greedy descent through rapidcheck's shrink tree: returns the simplest schedule found for
/// which `still_fails` holds (`s` itself if none), and the number of runs it took.
Schedule shrink(const Schedule& s, const std::function<bool(const Schedule&)>& still_fails, ShrinkLimits limits,
                int* runs_used = nullptr);

}  // namespace faultline
