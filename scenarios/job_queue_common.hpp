#pragma once
// What job_queue_buggy and job_queue_fixed share: the jobs, their processing, the supervisor
// that restarts dead workers, and main. The twins differ only in how a worker takes a job.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <rt/scenario.hpp>

namespace scenarios::job_queue {

using namespace std::chrono_literals;

inline constexpr int kJobs = 4;

/// A worker's loop, written by each twin.
using Worker = rt::Task<void> (*)(rt::Queue<int>);

/// Does the job; `done` is set together with the commit (as a database transaction would).
inline rt::Task<void> process(int job, bool& done) {
  co_await rt::sleep(1s);
  faultline::ledger::commit("job" + std::to_string(job));
  done = true;
}

/// After `process` ended by an exception: the job is persisted unless it was done, and
/// acknowledged either way. Synchronous, so it can run in a catch handler.
// NOTE: the try/catch around `co_await process(...)` stays in each worker: a shared coroutine
// wrapping it would add an await point between taking a job and guarding it, and a fault
// there loses the job (the zoo test caught exactly that).
inline void give_back(rt::Queue<int>& queue, int job, bool done) {
  if (!done) faultline::ledger::commit("job" + std::to_string(job));  // persisted for a later run
  queue.task_done();
}

inline rt::Task<void> join(rt::Queue<int> queue) { co_await queue.join(); }

inline rt::Task<int> supervise(rt::Queue<int> queue, Worker worker) {
  std::vector<rt::Handle<void>> watched{rt::spawn(join(queue), "join")};
  for (int i = 0; i < 2; ++i) watched.push_back(rt::spawn(worker(queue), "worker"));
  for (;;) {
    co_await rt::wait(watched, rt::WaitMode::first_completed);
    if (watched[0].done()) {
      watched[0].result();  // a failed or cancelled join fails the supervisor
      break;
    }
    if (rt::shutting_down()) break;  // no restarts once the process is going down
    for (std::size_t i = 1; i < watched.size(); ++i) {
      if (!watched[i].done()) continue;
      (void)watched[i].exception();  // logged; the worker is replaced
      watched[i] = rt::spawn(worker(queue), "worker");
    }
  }
  for (std::size_t i = 1; i < watched.size(); ++i) {
    if (watched[i].done()) (void)watched[i].exception();  // logged
    watched[i].cancel();
  }
  co_return 0;
}

/// Puts kJobs jobs (each a ledger unit) and supervises two workers until all are done.
template <Worker worker>
rt::Task<int> run() {
  rt::Queue<int> queue;
  for (int j = 0; j < kJobs; ++j) {
    faultline::ledger::begin("job" + std::to_string(j));
    queue.put_nowait(j);
  }
  // Jobs still queued are persisted for a later run, whatever ends this one.
  auto persist_queued = [&queue] {
    while (auto job = queue.get_nowait()) faultline::ledger::commit("job" + std::to_string(*job));
  };
  int status = 0;
  try {
    status = co_await supervise(queue, worker);
  } catch (...) {
    persist_queued();
    throw;
  }
  persist_queued();
  co_return status;
}

/// The spec both twins share: a cancelled or failed worker is replaced.
inline faultline::Spec spec() {
  faultline::Spec s;
  s.protected_units = {"job0", "job1", "job2", "job3"};
  s.rules = {tolerated(faultline::FaultKind::cancel, "worker", "the supervisor replaces a cancelled worker"),
             tolerated(faultline::FaultKind::throw_error, "worker", "the supervisor replaces a failed worker")};
  return s;
}

}  // namespace scenarios::job_queue
