#pragma once
/// rt::sleep, rt::yield and rt::now: time on the runtime's clock.
#include <chrono>
#include <coroutine>
#include <cstdint>

#include <rt/runtime.hpp>

namespace rt {

namespace detail {

class SleepAwaiter {
 public:
  explicit SleepAwaiter(std::int64_t duration_ns) noexcept : duration_ns_(duration_ns) {}
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<>) {
    Runtime& rt = *Runtime::current();
    TaskState& self = *rt.current_task();
    if (duration_ns_ <= 0) {
      rt.wake(self, self.wait_generation);
      return;
    }
    rt.add_timer(rt.now_ns() + duration_ns_, self);
    self.on_cancel = {&detail::wake_on_cancel, &self};
  }
  void await_resume() const noexcept {}

 private:
  std::int64_t duration_ns_;
};

}  // namespace detail

/// Suspends the current task for `d` on the runtime's clock (virtual in deterministic mode).
template <class Rep, class Period>
detail::SleepAwaiter sleep(std::chrono::duration<Rep, Period> d) {
  return detail::SleepAwaiter(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

/// Lets every other ready task run once (asyncio.sleep(0)).
inline detail::SleepAwaiter yield() { return detail::SleepAwaiter(0); }

/// The runtime's clock, as a duration since the runtime started.
inline std::chrono::nanoseconds now() {
  Runtime* rt = Runtime::current();
  return std::chrono::nanoseconds(rt != nullptr ? rt->now_ns() : 0);
}

}  // namespace rt
