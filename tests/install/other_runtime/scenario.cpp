// A second, minimal coroutine runtime ("mini"): eager coroutines run to completion in a loop
// of steps; every co_await goes through faultline's hook, and it reports task events to the
// observer. It has a bug on purpose: a `cancel` fault is caught by a catch-all and ignored,
// so the task finishes normally — and faultline's engine must report swallowed-cancel.
#include <coroutine>
#include <cstdio>
#include <exception>
#include <source_location>

#include <faultline/explorer.hpp>
#include <faultline/hook.hpp>
#include <faultline/observer.hpp>
#include <faultline/scenario.hpp>

namespace mini {

struct Cancelled {};

struct Task {
  struct promise_type {
    Task get_return_object() { return {std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() { error = std::current_exception(); }
    /// Every co_await reaches the hook with its site; a cancel fault raises Cancelled there.
    template <class A>
    A await_transform(A a, std::source_location site = std::source_location::current()) {
      faultline::FaultAction f = faultline::at_await_point(site, 1, "mini_task");
      if (f) {
        faultline::fault_took_effect(f);
        if (f.kind == faultline::FaultKind::cancel) {
          cancel_requested = true;
          throw Cancelled{};
        }
        if (f.kind == faultline::FaultKind::throw_error) throw faultline::InjectedError("mini");
      }
      return a;
    }
    std::exception_ptr error;
    bool cancel_requested = false;
  };
  std::coroutine_handle<promise_type> h;
};

Task work() {
  for (int i = 0; i < 3; ++i) {
    try {
      co_await std::suspend_never{};
    } catch (...) {  // the bug: swallows the cancellation
    }
  }
}

int run() {
  faultline::RuntimeObserver* o = faultline::observer();
  if (o) o->task_created(1, "mini_task");
  Task t = work();
  bool cancelled = t.h.promise().cancel_requested;
  bool failed = static_cast<bool>(t.h.promise().error);
  if (o) o->task_finished(1, failed ? faultline::TaskEnd::error : faultline::TaskEnd::value);
  if (o && cancelled && !failed) o->cancel_swallowed(1, "mini_task");
  t.h.destroy();
  return 0;
}

}  // namespace mini

faultline::Scenario make() {
  faultline::Scenario s;
  s.name = "mini_swallow";
  s.description = "a task of the 'mini' runtime whose catch-all swallows a cancellation";
  s.expected_oracle = "swallowed-cancel";
  s.spec.rules.push_back([] {
    faultline::SpecRule r;
    r.kind = faultline::FaultKind::throw_error;
    r.tolerated = true;
    return r;
  }());
  s.program = [](const faultline::RunContext&) { return mini::run(); };
  return s;
}
faultline::Registration registration(&make);
