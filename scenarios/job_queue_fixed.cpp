// Job queue, fixed: workers wait for the queue to be non-empty (an await with no effect to
// lose) and take the job with get_nowait(), so no await lies between dequeuing a job and
// owning it. A supervisor restarts dead workers.
#include <chrono>
#include <string>

#include "support.hpp"

using namespace std::chrono_literals;
using faultline::FaultKind;

namespace {

constexpr int kJobs = 4;

/// Does the job; `done` is set together with the commit (as a database transaction would).
rt::Task<void> process(int job, bool& done) {
  co_await rt::sleep(1s);
  faultline::ledger::commit("job" + std::to_string(job));
  done = true;
}

rt::Task<void> worker(rt::Queue<int> queue) {
  for (;;) {
    co_await queue.wait_not_empty();  // FIX: nothing is taken at the await
    std::optional<int> next = queue.get_nowait();
    if (!next) continue;
    int job = *next;
    bool done = false;
    try {
      co_await process(job, done);
    } catch (...) {
      if (!done) faultline::ledger::commit("job" + std::to_string(job));  // persisted for a later run
      queue.task_done();
      throw;
    }
    queue.task_done();
  }
}

rt::Task<void> join(rt::Queue<int> queue) { co_await queue.join(); }

rt::Task<int> supervise(rt::Queue<int> queue) {
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

rt::Task<int> job_queue_main() {
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
    status = co_await supervise(queue);
  } catch (...) {
    persist_queued();
    throw;
  }
  persist_queued();
  co_return status;
}

faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "job_queue_fixed";
  s.description = "a supervised pool of workers taking jobs with wait_not_empty() + get_nowait()";
  s.trap = "fixed: no await between dequeuing a job and owning it";
  s.twin = "job_queue_buggy";
  s.spec.protected_units = {"job0", "job1", "job2", "job3"};
  s.spec.rules = {scenarios::tolerated(FaultKind::cancel, "worker", "the supervisor replaces a cancelled worker"),
                  scenarios::tolerated(FaultKind::throw_error, "worker", "the supervisor replaces a failed worker")};
  s.program = scenarios::on_rt(&job_queue_main);
  return s;
}

faultline::Registration registration(&make);

}  // namespace
