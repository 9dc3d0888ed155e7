// Job queue, fixed: workers wait for the queue to be non-empty (an await with no effect to
// lose) and take the job with get_nowait(), so no await lies between dequeuing a job and
// owning it. A supervisor restarts dead workers.
#include "job_queue_common.hpp"

namespace {

rt::Task<void> worker(rt::Queue<int> queue) {
  for (;;) {
    co_await queue.wait_not_empty();  // FIX: nothing is taken at the await
    std::optional<int> next = queue.get_nowait();
    if (!next) continue;
    int job = *next;
    bool done = false;
    try {
      co_await scenarios::job_queue::process(job, done);
    } catch (...) {
      scenarios::job_queue::give_back(queue, job, done);
      throw;
    }
    queue.task_done();
  }
}

faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "job_queue_fixed";
  s.description = "a supervised pool of workers taking jobs with wait_not_empty() + get_nowait()";
  s.trap = "fixed: no await between dequeuing a job and owning it";
  s.twin = "job_queue_buggy";
  s.spec = scenarios::job_queue::spec();
  s.program = rt::scenario_program(&scenarios::job_queue::run<&worker>);
  return s;
}

faultline::Registration registration(&make);

}  // namespace
