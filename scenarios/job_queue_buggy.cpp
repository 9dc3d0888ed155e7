// Job queue, buggy: workers take jobs with `co_await queue.get()`. A worker cancelled right
// after the get completed loses the job it dequeued but never saw ("dequeued, then
// cancelled"): the `after` timing's lost-work class. A supervisor restarts dead workers.
#include "job_queue_common.hpp"

namespace {

rt::Task<void> worker(rt::Queue<int> queue) {
  for (;;) {
    int job = co_await queue.get();  // BUG: a cancellation on resumption loses `job`
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
  s.name = "job_queue_buggy";
  s.description = "a supervised pool of workers taking jobs with co_await queue.get()";
  s.trap = "a job dequeued, then the worker cancelled before it saw it: lost work";
  s.twin = "job_queue_fixed";
  s.expected_oracle = "protected-work";
  s.spec = scenarios::job_queue::spec();
  s.program = rt::scenario_program(&scenarios::job_queue::run<&worker>);
  return s;
}

faultline::Registration registration(&make);

}  // namespace
