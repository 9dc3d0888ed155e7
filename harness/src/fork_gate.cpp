#include <faultline/detail/fork_gate.hpp>

namespace faultline::detail {

namespace {

struct Gate {
  std::mutex mutex;
  std::condition_variable all_parked;
  int members = 0;
  int parked = 0;
};

Gate& gate() {
  static Gate g;
  return g;
}

thread_local bool is_member = false;

}  // namespace

ForkGateMembers::ForkGateMembers(int threads) : threads_(threads) {
  Gate& g = gate();
  std::lock_guard lock(g.mutex);
  g.members += threads_;
}

ForkGateMembers::~ForkGateMembers() {
  Gate& g = gate();
  std::lock_guard lock(g.mutex);
  g.members -= threads_;
  g.parked -= threads_;  // each ended its ForkGateMember: parked for good
  g.all_parked.notify_all();
}

ForkGateMember::ForkGateMember() { is_member = true; }

ForkGateMember::~ForkGateMember() {
  Gate& g = gate();
  std::lock_guard lock(g.mutex);
  is_member = false;
  ++g.parked;
  g.all_parked.notify_all();
}

ForkGateParked::ForkGateParked() : counted_(is_member) {
  if (!counted_) return;
  Gate& g = gate();
  std::lock_guard lock(g.mutex);
  ++g.parked;
  g.all_parked.notify_all();
}

ForkGateParked::~ForkGateParked() {
  if (!counted_) return;
  Gate& g = gate();
  std::lock_guard lock(g.mutex);  // NOTE: held by a fork in progress: this is the wait for it
  --g.parked;
}

ForkGateAlone::ForkGateAlone() : lock_(gate().mutex), counted_(is_member) {
  Gate& g = gate();
  if (counted_) ++g.parked;
  g.all_parked.wait(lock_, [&g] { return g.parked == g.members; });
}

ForkGateAlone::~ForkGateAlone() {
  if (counted_) --gate().parked;
}

}  // namespace faultline::detail
