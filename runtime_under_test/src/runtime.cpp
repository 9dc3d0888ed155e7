#include <rt/runtime.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <sstream>
#include <thread>
#include <utility>

#include <rt/detail/io.hpp>
#include <rt/handle.hpp>

namespace rt {

namespace {

thread_local Runtime* current_runtime = nullptr;
// NOTE: a plain flag rather than asio::signal_set: in deterministic mode the signal is taken
// in at defined points of the loop, so a replay sees it at the same place every time.
volatile std::sig_atomic_t pending_signal = 0;
constexpr int handled_signals[] = {SIGINT, SIGTERM, SIGHUP};

extern "C" void on_signal(int signo) {
  if (pending_signal == 0) pending_signal = signo;
}

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool timer_later(const auto& a, const auto& b) {
  return a.deadline_ns != b.deadline_ns ? a.deadline_ns > b.deadline_ns : a.seq > b.seq;
}

}  // namespace

namespace detail {

std::string describe_site(const std::source_location& site) {
  std::string function = site.function_name();
  // GCC prints coroutine bodies as "R name(name()::_Z...Frame*)": keep the part before '('.
  if (auto paren = function.find('('); paren != std::string::npos) function.resize(paren);
  if (auto space = function.rfind(' '); space != std::string::npos) function.erase(0, space + 1);
  std::string file = site.file_name();
  if (auto slash = file.rfind('/'); slash != std::string::npos) file.erase(0, slash + 1);
  return file + ":" + std::to_string(site.line()) + " (" + function + ")";
}

void exit_raised(TaskState& task) noexcept { task.runtime.exit_raised(task); }

void signal_fault_raised(TaskState& task, std::uint64_t ordinal) noexcept { task.runtime.signal_fault_raised(ordinal); }

void drop_error(const std::exception_ptr& error) noexcept {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const faultline::InjectedError& e) {
    faultline::fault_superseded(e.ordinal());
  } catch (const ExitRequest& e) {
    faultline::fault_superseded(e.injected_at);
  } catch (...) {
  }
}

void wake_on_cancel(void* ctx) {
  auto& task = *static_cast<TaskState*>(ctx);
  task.runtime.wake(task, task.wait_generation);
}

ErrorKind classify_current_exception() noexcept {
  try {
    throw;
  } catch (const Cancelled&) {
    return ErrorKind::cancelled;
  } catch (const ExitRequest&) {
    return ErrorKind::exit;
  } catch (const Interrupt&) {
    return ErrorKind::interrupt;
  } catch (...) {
    return ErrorKind::other;
  }
}

TaskState::TaskState(Runtime& rt, std::string task_name)
    : runtime(rt), id(rt.next_id()), name(std::move(task_name)) {}

TaskState::~TaskState() = default;

bool TaskState::cancel() noexcept {
  if (done) return false;
  ++cancel_requests;
  cancel_pending = true;
  if (on_cancel) {
    CancelHook hook = std::exchange(on_cancel, {});
    hook.fn(hook.ctx);
  }
  return true;
}

void TaskState::uncancel() noexcept {
  if (uncancels < cancel_requests) ++uncancels;
  if (cancelling() == 0) cancel_pending = false;
}

void TaskState::finish(ErrorKind kind, std::exception_ptr err) noexcept {
  release_frame();
  if (kind == ErrorKind::none && cancel_pending) {
    // asyncio: a task cancelled right before its coroutine returned ends cancelled.
    kind = ErrorKind::cancelled;
    err = std::make_exception_ptr(Cancelled{});
  }
  error_kind = kind;
  error = std::move(err);
  if (error_kind == ErrorKind::cancelled) error_retrieved = true;
  runtime.task_finished(*this);
}

void TaskState::on_done(std::function<void()> fn) {
  if (done) {
    fn();
    return;
  }
  done_callbacks.push_back(std::move(fn));
}

void TaskState::rethrow_if_error() {
  error_retrieved = true;
  if (error) std::rethrow_exception(error);
}

}  // namespace detail

Runtime::Runtime(Options options)
    : options_(options), observer_(faultline::observer()), previous_current_(current_runtime) {
  current_runtime = this;
  real_epoch_ns_ = steady_ns();
  io_ = std::make_unique<Io>(observer_);
  if (options_.handle_signals) install_signals();
}

Runtime::~Runtime() {
  // Tasks still alive here never ran to the end (run() was not called or was cut short).
  while (live_head_ != nullptr) {
    detail::TaskState* t = live_head_;
    live_head_ = t->next;
    t->done = true;
    t->destroy_frame();
    t->release();
  }
  for (auto& timer : timers_) timer.task->release();
  timers_.clear();
  if (io_) {
    io_->gate->close();
    for (auto& th : io_->threads) th.join();
  }
  restore_signals();
  current_runtime = previous_current_;
}

Runtime* Runtime::current() noexcept { return current_runtime; }

void exit(int code) {
  if (Runtime* rt = Runtime::current(); rt != nullptr && rt->current_task() != nullptr) rt->exit_raised(*rt->current_task());
  throw ExitRequest{code};
}

std::int64_t Runtime::now_ns() const noexcept {
  return options_.mode == Mode::deterministic ? virtual_now_ns_ : steady_ns() - real_epoch_ns_;
}

Runtime::Io& Runtime::io() { return *io_; }

void Runtime::install_signals() {
  pending_signal = 0;
  for (int s : handled_signals) {
    struct sigaction sa {};
    sa.sa_handler = &on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(s, &sa, nullptr);
    installed_signals_.push_back(s);
  }
}

void Runtime::restore_signals() {
  for (int s : installed_signals_) std::signal(s, SIG_DFL);
  installed_signals_.clear();
}

void Runtime::wake(detail::TaskState& t, std::uint64_t generation) noexcept {
  if (t.done || t.scheduled || t.wait_generation != generation) return;
  ++t.wait_generation;
  t.on_cancel = {};
  t.scheduled = true;
  ready_.push_back(&t);
}

void Runtime::add_timer(std::int64_t deadline_ns, detail::TaskState& t) {
  t.add_ref();
  timers_.push_back({deadline_ns, ++timer_seq_, &t, t.wait_generation});
  std::push_heap(timers_.begin(), timers_.end(), [](auto& a, auto& b) { return timer_later(a, b); });
}

void Runtime::adopt(detail::TaskState& t) {
  t.add_ref();
  if (shutting_down_ && options_.flaws.spawn_in_shutdown_destroyed) {
    // asyncio's behaviour: the loop stops taking steps; the task is destroyed pending.
    held_.emplace_back(&t);
    t.release();
    if (observer_ != nullptr) observer_->task_created(t.id, t.name.c_str());
    return;
  }
  t.prev = live_tail_;
  if (live_tail_ != nullptr) live_tail_->next = &t;
  else live_head_ = &t;
  live_tail_ = &t;
  ++live_count_;
  if (observer_ != nullptr) observer_->task_created(t.id, t.name.c_str());
  t.resume_at = t.root();
  t.scheduled = true;
  ready_.push_back(&t);
  // NOTE: a task spawned during shutdown starts cancelled (unless protected later) and the
  // shutdown waits for it: it is never left pending (seed 004).
  if (shutting_down_) t.cancel();
}

void Runtime::protect(detail::TaskState& t) {
  if (t.is_protected || t.done) return;
  t.is_protected = true;
  if (observer_ != nullptr) observer_->protected_begun(t.id, t.name.c_str());
}

void Runtime::task_finished(detail::TaskState& t) noexcept {
  t.done = true;
  bool was_exiting = t.exiting;
  if (t.exiting) {
    t.exiting = false;
    --exits_in_flight_;
  }
  t.on_cancel = {};
  using detail::ErrorKind;
  if (t.cancel_requests > t.uncancels && t.error_kind == ErrorKind::none && observer_ != nullptr)
    observer_->cancel_swallowed(t.id, t.name.c_str());
  if (observer_ != nullptr) {
    faultline::TaskEnd how = t.error_kind == ErrorKind::none        ? faultline::TaskEnd::value
                             : t.error_kind == ErrorKind::cancelled ? faultline::TaskEnd::cancelled
                                                                    : faultline::TaskEnd::error;
    observer_->task_finished(t.id, how);
  }
  if (t.is_protected && t.error_kind == ErrorKind::none && observer_ != nullptr) observer_->protected_committed(t.id);
  auto set_cause = [&](faultline::ShutdownCause cause, int detail) {
    if (!was_exiting) take_pending_signal();  // a signal that arrived earlier in this step came first
    if (cause_set_) return;
    cause_set_ = true;
    cause_ = cause;
    cause_detail_ = detail;
    shutting_down_ = true;
  };
  if (t.error_kind == ErrorKind::exit || t.error_kind == ErrorKind::interrupt) {
    t.error_retrieved = true;
    try {
      std::rethrow_exception(t.error);
    } catch (const ExitRequest& e) {
      set_cause(faultline::ShutdownCause::exit_request, e.code);
    } catch (const Interrupt& e) {
      set_cause(faultline::ShutdownCause::signal, e.signo);
    } catch (...) {
    }
  }
  if (&t == main_) {
    t.error_retrieved = true;
    main_status_ = 1;
    if (t.error_kind == ErrorKind::none) {
      try {
        main_status_ = static_cast<detail::TaskStateOf<int>&>(t).take();
      } catch (...) {
      }
    }
  }
  auto callbacks = std::move(t.done_callbacks);
  for (auto& cb : callbacks) cb();
  if (t.error_kind == ErrorKind::other) held_.emplace_back(&t);  // kept to check retrieval
  // Unlink from the live list; the runtime's reference goes last.
  if (t.prev != nullptr) t.prev->next = t.next;
  else live_head_ = t.next;
  if (t.next != nullptr) t.next->prev = t.prev;
  else live_tail_ = t.prev;
  t.prev = t.next = nullptr;
  --live_count_;
  t.release();
}

void Runtime::request_signal_shutdown(int signo) noexcept {
  if (cause_set_) return;
  cause_set_ = true;
  cause_ = faultline::ShutdownCause::signal;
  cause_detail_ = signo;
  shutting_down_ = true;
}

void Runtime::run_ready() {
  // NOTE: one pass runs the tasks that were ready when it began, as asyncio's _run_once does:
  // a task that yields in a loop must not keep the loop from noticing a signal or shutdown.
  for (std::size_t n = ready_.size(); n > 0 && !ready_.empty(); --n) {
    detail::TaskState* t = ready_.front();
    ready_.pop_front();
    t->scheduled = false;
    if (t->done) continue;
    if (!t->started) {
      t->started = true;
      if (t->cancel_pending) {
        // asyncio: a task cancelled before its first step ends cancelled without running.
        t->cancel_pending = false;
        t->finish(detail::ErrorKind::cancelled, std::make_exception_ptr(Cancelled{}));
        continue;
      }
    }
    current_ = t;
    faultline::set_current_task(t->id);
    t->resume_at.resume();
    faultline::set_current_task(0);
    current_ = nullptr;
    take_pending_signal();
  }
}

bool Runtime::phase_done(Phase phase) const noexcept {
  if (phase == Phase::running) return shutting_down_ || (main_ != nullptr && main_->done);
  bool threads_idle = io_ == nullptr || io_->thread_work == 0 || options_.flaws.close_before_executor;
  return live_count_ == 0 && threads_idle;
}

void Runtime::poll_external(bool may_block, std::int64_t wait_ns) {
  if (!io_) return;
  auto& ctx = io_->ctx;
  if (ctx.stopped()) ctx.restart();
  if (!may_block) {
    ctx.poll();
    return;
  }
  ctx.run_one_for(std::chrono::nanoseconds(wait_ns));
  if (ctx.stopped()) ctx.restart();
  ctx.poll();
}

bool Runtime::advance_clock(Phase phase) {
  // Drop timers whose task moved on; they must not move the clock.
  auto later = [](auto& a, auto& b) { return timer_later(a, b); };
  while (!timers_.empty()) {
    Timer& top = timers_.front();
    if (!top.task->done && top.task->wait_generation == top.generation) break;
    top.task->release();
    std::pop_heap(timers_.begin(), timers_.end(), later);
    timers_.pop_back();
  }
  if (timers_.empty()) return false;
  std::int64_t deadline = timers_.front().deadline_ns;
  if (phase == Phase::shutdown && deadline > grace_deadline_ns_) return false;
  if (options_.mode == Mode::real_time) {
    std::int64_t remaining = deadline - now_ns();
    if (remaining > 0) {
      std::int64_t slice = std::min<std::int64_t>(remaining, 10'000'000);
      if (io_) poll_external(true, slice);
      else std::this_thread::sleep_for(std::chrono::nanoseconds(slice));
      return true;
    }
  } else {
    virtual_now_ns_ = std::max(virtual_now_ns_, deadline);
    if (observer_ != nullptr) observer_->clock_advanced(virtual_now_ns_);
  }
  std::int64_t now = now_ns();
  while (!timers_.empty() && timers_.front().deadline_ns <= now) {
    Timer timer = timers_.front();
    std::pop_heap(timers_.begin(), timers_.end(), later);
    timers_.pop_back();
    wake(*timer.task, timer.generation);
    timer.task->release();
  }
  return true;
}

void Runtime::loop(Phase phase) {
  for (;;) {
    run_ready();
    take_pending_signal();
    // NOTE: checked before polling I/O: with completions arriving all the time, a signal's
    // shutdown must not wait for the sockets to go quiet.
    if (phase_done(phase)) return;
    if (!ready_.empty()) {
      // Tasks made ready during the pass run in the next one; time stands still meanwhile.
      // NOTE: polling Asio costs more than a pass; every 64th busy pass keeps I/O flowing.
      if (io_ && (++busy_passes_ & 63u) == 0) poll_external(false, 0);
      continue;
    }
    if (io_) {
      poll_external(false, 0);
      if (!ready_.empty()) continue;
      if (phase_done(phase)) return;  // the poll may have finished the last thread work
    }
    bool external = io_ && (io_->thread_work > 0 || io_->io_ops > 0 || io_->pending_submissions > 0);
    if (external) {
      // Give threads and sockets a bounded real-time chance before the virtual clock jumps.
      poll_external(true, std::chrono::nanoseconds(options_.io_settle).count());
      if (!ready_.empty()) continue;
      if (timers_.empty()) continue;  // nothing else can happen: keep waiting for them
    }
    if (advance_clock(phase)) continue;
    if (phase == Phase::shutdown && !timers_.empty()) return;  // grace period over
    if (!external) {
      report_deadlock();
      return;
    }
  }
}

void Runtime::report_deadlock() {
  deadlocked_ = true;
  std::ostringstream out;
  out << "deadlock: nothing is runnable, no timer or I/O is pending (" << live_count_ << " live task(s), "
      << (shutting_down_ ? "during shutdown" : "before shutdown") << ", thread work " << (io_ ? io_->thread_work : 0)
      << ", submissions " << (io_ ? io_->pending_submissions.load() : 0) << ")";
  for (detail::TaskState* t = live_head_; t != nullptr; t = t->next) {
    out << "; task " << t->name << "#" << t->id;
    if (t->waiting) out << " waits at " << detail::describe_site(t->waiting_site);
    else out << " never started";
  }
  std::string report = out.str();
  std::fprintf(stderr, "rt: %s\n", report.c_str());
  if (observer_ != nullptr) observer_->deadlock(report.c_str());
  if (!cause_set_) {
    cause_set_ = true;
    cause_ = faultline::ShutdownCause::deadlock;
  }
  shutting_down_ = true;
}

void Runtime::exit_raised(detail::TaskState& t) noexcept {
  take_pending_signal();  // a signal that arrived before the exit came first
  if (t.exiting) return;
  t.exiting = true;
  ++exits_in_flight_;
}

void Runtime::take_pending_signal() noexcept {
  if (pending_signal == 0 || exits_in_flight_ > 0) return;
  int s = pending_signal;
  pending_signal = 0;
  // NOTE: a signal that comes after the run's cause is settled (an exit request won) changes
  // nothing: if a fault raised it, it is reported superseded, not charged.
  if (cause_set_) faultline::fault_superseded(std::exchange(signal_fault_ordinal_, 0));
  signal_fault_ordinal_ = 0;
  request_signal_shutdown(s);
}

void Runtime::signal_fault_raised(std::uint64_t ordinal) noexcept {
  // rt keeps the first pending signal; a second one raised before it is taken is dropped.
  if (pending_signal != 0 && options_.handle_signals) faultline::fault_superseded(ordinal);
  else signal_fault_ordinal_ = ordinal;
}

void Runtime::begin_shutdown() {
  take_pending_signal();
  // NOTE: an exit request already raised when main ended came first: it decides the status
  // when it reaches the end of its task, so main's end does not claim the cause meanwhile.
  if (!cause_set_ && exits_in_flight_ == 0) {
    cause_set_ = true;
    cause_ = faultline::ShutdownCause::main_returned;
  }
  shutting_down_ = true;
  grace_deadline_ns_ = now_ns() + options_.grace_period.count();
  if (observer_ != nullptr) observer_->shutdown_began(cause_, cause_detail_);
  std::vector<detail::Ref<detail::TaskState>> to_cancel;
  for (detail::TaskState* t = live_head_; t != nullptr; t = t->next)
    if (!t->is_protected || options_.flaws.shutdown_cancels_all) to_cancel.emplace_back(t);
  for (auto& t : to_cancel) t->cancel();
}

void Runtime::finish_shutdown() {
  // Whatever is still alive after the grace period is cut.
  while (live_head_ != nullptr) {
    detail::Ref<detail::TaskState> t(live_head_);
    if (observer_ != nullptr) {
      if (t->is_protected) observer_->protected_cut(t->id, t->name.c_str());
      std::string site = t->waiting ? detail::describe_site(t->waiting_site) : std::string();
      observer_->task_destroyed_pending(t->id, t->name.c_str(), site.c_str());
    }
    t->is_protected = false;
    t->destroy_frame();
    t->cancel_pending = false;
    t->finish(detail::ErrorKind::cancelled, std::make_exception_ptr(RuntimeClosed()));
  }
  for (auto& t : held_) {
    if (t->done) continue;
    if (observer_ != nullptr) observer_->task_destroyed_pending(t->id, t->name.c_str(), "");
    t->destroy_frame();
    t->done = true;
  }
  if (io_) {
    // NOTE: with close_before_executor the loop closes first and thread work that finishes
    // later posts into a closed loop, as asyncio did before 3.9.
    io_->gate->close();
    for (auto& th : io_->threads) th.join();
    io_->threads.clear();
  }
  for (auto& t : held_)
    if (t->done && t->error_kind == detail::ErrorKind::other && !t->error_retrieved) unretrieved_error_ = true;
}

int Runtime::exit_status() const {
  int status = 0;
  switch (cause_) {
    case faultline::ShutdownCause::signal:
      return 128 + cause_detail_;
    case faultline::ShutdownCause::exit_request:
      status = cause_detail_;
      break;
    case faultline::ShutdownCause::deadlock:
      status = 1;
      break;
    case faultline::ShutdownCause::main_returned:
      status = main_status_;
      break;
  }
  if (status == 0 && unretrieved_error_ && !options_.flaws.unretrieved_exit_zero) status = 1;
  return status;
}

int Runtime::run(Task<int> main) {
  detail::Ref<detail::TaskState> main_state(
      new detail::TaskStateOf<int>(*this, "main", std::move(main)));
  main_ = main_state.get();
  adopt(*main_state);
  loop(Phase::running);
  begin_shutdown();
  loop(Phase::shutdown);
  finish_shutdown();
  if (pending_signal != 0) {
    // Caught by rt's handler and never taken in (an exit in flight kept it waiting).
    pending_signal = 0;
    faultline::fault_superseded(std::exchange(signal_fault_ordinal_, 0));
  }
  int status = exit_status();
  if (observer_ != nullptr) observer_->shutdown_ended(status);
  main_ = nullptr;
  if (cause_ == faultline::ShutdownCause::signal && options_.signal_policy == SignalPolicy::reraise) {
    restore_signals();
    faultline::terminate_by_signal(cause_detail_);  // returns only when the harness records it
  }
  return status;
}

}  // namespace rt
