#pragma once
/// rt::to_thread (run_in_executor) and rt::submit (run_coroutine_threadsafe): the only ways work
/// crosses threads, both through the runtime's gate so nothing reaches a closed loop.
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <rt/detail/io.hpp>
#include <rt/handle.hpp>

namespace rt {

namespace detail {

template <class R>
struct ThreadResult {
  std::optional<std::conditional_t<std::is_void_v<R>, bool, R>> value;
  std::exception_ptr error;
};

template <class R>
class ThreadAwaiter {
 public:
  ThreadAwaiter(std::function<R()> fn, std::shared_ptr<ThreadResult<R>> result)
      : fn_(std::move(fn)), result_(std::move(result)) {}
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<>) {
    Runtime& rt = *Runtime::current();
    Runtime::Io& io = rt.io();
    TaskState& self = *rt.current_task();
    std::uint64_t generation = self.wait_generation;
    ++io.thread_work;
    io.threads.emplace_back([fn = std::move(fn_), result = result_, gate = io.gate, self = share_task(self), generation, rt = &rt] {
      try {
        if constexpr (std::is_void_v<R>) {
          fn();
          result->value.emplace(true);
        } else {
          result->value.emplace(fn());
        }
      } catch (...) {
        result->error = std::current_exception();
      }
      gate->post([self, generation, rt] {
        --rt->io().thread_work;
        rt->wake(*self, generation);
      }, "to_thread completion");
    });
    // asyncio: cancelling the awaiting task does not stop the thread; shutdown waits for it.
    self.on_cancel = {&detail::wake_on_cancel, &self};
  }
  void await_resume() const noexcept {}

 private:
  std::function<R()> fn_;
  std::shared_ptr<ThreadResult<R>> result_;
};

void leak_forever(std::shared_ptr<void> p);

}  // namespace detail

/// Runs `fn` on a thread of its own and waits for its result (asyncio.to_thread). Shutdown
/// waits for outstanding thread work before the loop closes.
template <class F, class R = std::invoke_result_t<F>>
Task<R> to_thread(F fn) {
  auto result = std::make_shared<detail::ThreadResult<R>>();
  co_await detail::ThreadAwaiter<R>(std::function<R()>(std::move(fn)), result);
  if (result->error) std::rethrow_exception(result->error);
  if constexpr (!std::is_void_v<R>) co_return std::move(*result->value);
}

/// asyncio.run_coroutine_threadsafe: from any thread, runs `task` on `runtime` and returns a
/// future that always resolves: the value, the exception (Cancelled and ExitRequest included),
/// or RuntimeClosed if the runtime shut down first.
template <class T>
std::future<T> submit(Runtime& runtime, Task<T> task, std::string name = "submitted") {
  auto promise = std::make_shared<std::promise<T>>();
  std::future<T> future = promise->get_future();
  auto work = std::make_shared<Task<T>>(std::move(task));
  Runtime::Io& io = runtime.io();
  ++io.pending_submissions;
  bool posted = io.gate->post([&runtime, promise, work, name = std::move(name)] {
    --runtime.io().pending_submissions;
    Handle<T> h = spawn(std::move(*work), name);
    std::uint64_t future_id = h.id();
    if (auto* o = runtime.observer()) o->future_created(future_id);
    h.state().on_done([&runtime, promise, h, future_id] {
      detail::TaskState& st = h.state();
      st.error_retrieved = true;
      if (runtime.options().flaws.threadsafe_drops_exit &&
          (st.error_kind == detail::ErrorKind::exit || st.error_kind == detail::ErrorKind::interrupt)) {
        detail::leak_forever(promise);  // asyncio re-raises SystemExit in the loop; the future hangs
        return;
      }
      if (st.error_kind == detail::ErrorKind::cancelled && runtime.shutting_down()) {
        promise->set_exception(std::make_exception_ptr(RuntimeClosed()));
      } else if (st.error) {
        promise->set_exception(st.error);
      } else if constexpr (std::is_void_v<T>) {
        promise->set_value();
      } else {
        promise->set_value(h.result());
      }
      if (auto* o = runtime.observer()) o->future_resolved(future_id);
    });
  }, "submit");
  if (!posted) {
    --io.pending_submissions;
    promise->set_exception(std::make_exception_ptr(RuntimeClosed()));
  }
  return future;
}

}  // namespace rt
