#pragma once
// Internal: fork() from a harness with several campaign threads.
//
// A child of fork() has one thread, and every lock another thread held at that moment stays held
// in it for ever. glibc releases its own malloc and stdio locks in the child, but no other
// allocator does (ASan's did not: a worker hung in its first `new`), nor does any library lock.
// So a campaign thread forks only while every other campaign thread is *parked*: blocked at a
// wait the harness marked, where it holds nothing a child could need.
//
// - `ForkGateMembers`: the threads a campaign starts count as members from before they start
//   until after they are joined (a starting thread allocates); each says so with
//   `ForkGateMember` while it runs.
// - `ForkGateParked`: the calling thread blocks (poll, a condition variable) for this scope and
//   neither allocates nor takes a lock there, bar the one it waits for.
// - `ForkGateAlone`: waits until every other member is parked and keeps them parked (a parked
//   member leaving its wait blocks) for this scope; fork inside it.
//
// Rule: a member never waits for another thread outside a parked scope, and never leaves one
// while it holds a lock that an active member may wait for; otherwise a fork waits for ever.
// Threads that are not members (a test's main thread) neither count nor wait.
#include <condition_variable>
#include <mutex>

namespace faultline::detail {

/// Counts `threads` threads as members, active until each runs a `ForkGateMember`: construct it
/// before starting them and end it after joining them.
class ForkGateMembers {
 public:
  explicit ForkGateMembers(int threads);
  ~ForkGateMembers();
  ForkGateMembers(const ForkGateMembers&) = delete;
  ForkGateMembers& operator=(const ForkGateMembers&) = delete;

 private:
  int threads_;
};

/// The calling thread is one of the counted members (its parked scopes count) for this scope;
/// at its end the thread counts as parked for good: it is about to end.
class ForkGateMember {
 public:
  ForkGateMember();
  ~ForkGateMember();
  ForkGateMember(const ForkGateMember&) = delete;
  ForkGateMember& operator=(const ForkGateMember&) = delete;
};

/// The calling member is parked for this scope: blocked, allocating nothing. On leaving it
/// waits for a fork in progress to end. Costs two uncontended mutex operations for a member,
/// a thread-local read otherwise.
class ForkGateParked {
 public:
  ForkGateParked();
  ~ForkGateParked();
  ForkGateParked(const ForkGateParked&) = delete;
  ForkGateParked& operator=(const ForkGateParked&) = delete;

 private:
  bool counted_;
};

/// Blocks until every other member is parked; they stay parked until it ends. The caller, if a
/// member, counts as parked while it waits. Fork inside it, and end it in the child too.
class ForkGateAlone {
 public:
  ForkGateAlone();
  ~ForkGateAlone();
  ForkGateAlone(const ForkGateAlone&) = delete;
  ForkGateAlone& operator=(const ForkGateAlone&) = delete;

 private:
  std::unique_lock<std::mutex> lock_;
  bool counted_;
};

/// Takes `m`, parked while it waits for it: for a mutex a member may hold across a fork (every
/// taker of such a mutex must take it this way).
template <class Mutex>
[[nodiscard]] std::unique_lock<Mutex> lock_parked(Mutex& m) {
  std::unique_lock<Mutex> lock(m, std::try_to_lock);
  if (!lock.owns_lock()) {
    ForkGateParked parked;
    lock.lock();
  }
  return lock;
}

/// `cv.wait(lock, pred)`, parked while it waits and never leaving the parked scope with `lock`
/// held (an active member may be waiting for it). `lock` is held on entry and on return, with
/// `pred()` true. `pred` must not allocate.
template <class Pred>
void wait_parked(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, Pred pred) {
  while (!pred()) {
    lock.unlock();
    {
      ForkGateParked parked;
      std::unique_lock<std::mutex> waiting(*lock.mutex());
      cv.wait(waiting, pred);
    }  // NOTE: `waiting` is released before `parked` ends
    lock.lock();  // pred may have turned false again meanwhile (another thread took the work)
  }
}

}  // namespace faultline::detail
