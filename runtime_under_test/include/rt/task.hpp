#pragma once
/// rt::Task<T>: a lazy coroutine whose every `co_await` goes through faultline's await hook.
/// Awaiting a Task runs it inside the current task (like awaiting a coroutine in asyncio);
/// rt::spawn makes it a task of its own.
#include <coroutine>
#include <exception>
#include <optional>
#include <source_location>
#include <type_traits>
#include <utility>

#include <rt/detail/hooked.hpp>
#include <rt/detail/task_state.hpp>
#include <rt/errors.hpp>

namespace rt {

template <class T = void>
class Task;

namespace detail {

/// Customisation point: specialise to make a foreign type awaitable in an rt::Task
/// (rt/asio_await.hpp does so for Asio deferred operations and asio::awaitable).
template <class T>
struct AwaitAdapter;

template <class A>
decltype(auto) get_awaiter(A&& a) {
  if constexpr (requires { std::forward<A>(a).operator co_await(); }) {
    return std::forward<A>(a).operator co_await();
  } else if constexpr (requires { AwaitAdapter<std::remove_cvref_t<A>>::adapt(std::forward<A>(a)); }) {
    return AwaitAdapter<std::remove_cvref_t<A>>::adapt(std::forward<A>(a));
  } else {
    return std::remove_cvref_t<A>(std::forward<A>(a));
  }
}

ErrorKind classify_current_exception() noexcept;

// ---- promise ----------------------------------------------------------------------------

struct PromiseBase {
  struct FinalAwaiter {
    bool await_ready() noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      PromiseBase& p = h.promise();
      if (p.continuation) return p.continuation;
      if (p.owner != nullptr) p.owner->finish(p.error_kind, p.error);
      return std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };

  std::suspend_always initial_suspend() noexcept { return {}; }
  FinalAwaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept {
    error = std::current_exception();
    error_kind = classify_current_exception();
  }

  /// Every co_await in an rt::Task: the await site is the co_await expression itself.
  template <class A>
  auto await_transform(A&& a, std::source_location site = std::source_location::current()) {
    using Inner = std::remove_cvref_t<decltype(get_awaiter(std::forward<A>(a)))>;
    return Hooked<Inner>(get_awaiter(std::forward<A>(a)), owner, site);
  }

  TaskState* owner = nullptr;
  std::coroutine_handle<> continuation;
  std::exception_ptr error;
  ErrorKind error_kind = ErrorKind::none;
};

template <class T>
struct Promise : PromiseBase {
  Task<T> get_return_object() noexcept;
  template <class U>
  void return_value(U&& v) { value.emplace(std::forward<U>(v)); }
  T take() {
    if (error) std::rethrow_exception(error);
    return std::move(*value);
  }
  std::optional<T> value;
};

template <>
struct Promise<void> : PromiseBase {
  Task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void take() {
    if (error) std::rethrow_exception(error);
  }
};

// ---- awaiter ----------------------------------------------------------------------------

template <class T>
class TaskAwaiter {
 public:
  /// Resumes the awaiting coroutine inline when the sub-task ends (no suspension of the task).
  static constexpr bool resumes_inline = true;
  explicit TaskAwaiter(std::coroutine_handle<Promise<T>> child) noexcept : child_(child) {}
  bool await_ready() const noexcept { return false; }
  template <class P>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<P> parent) noexcept {
    child_.promise().owner = parent.promise().owner;
    child_.promise().continuation = parent;
    return child_;
  }
  T await_resume() { return child_.promise().take(); }

 private:
  std::coroutine_handle<Promise<T>> child_;
};

}  // namespace detail

// ---- public type --------------------------------------------------------------------------

/// A lazy coroutine returning T. Starts when awaited or spawned; an exception it throws is
/// stored in its promise and rethrown where it is awaited.
template <class T>
class [[nodiscard]] Task {
 public:
  using promise_type = detail::Promise<T>;
  using value_type = T;

  Task() noexcept = default;
  explicit Task(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
  Task(Task&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  Task& operator=(Task&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, {});
    }
    return *this;
  }
  ~Task() { reset(); }

  /// Runs this task inside the awaiting task; yields its result or rethrows its exception.
  detail::TaskAwaiter<T> operator co_await() && noexcept { return detail::TaskAwaiter<T>(h_); }

  std::coroutine_handle<promise_type> handle() const noexcept { return h_; }
  void reset() noexcept {
    if (h_) std::exchange(h_, {}).destroy();
  }

 private:
  std::coroutine_handle<promise_type> h_;
};

namespace detail {
template <class T>
Task<T> Promise<T>::get_return_object() noexcept {
  return Task<T>(std::coroutine_handle<Promise<T>>::from_promise(*this));
}
inline Task<void> Promise<void>::get_return_object() noexcept {
  return Task<void>(std::coroutine_handle<Promise<void>>::from_promise(*this));
}
}  // namespace detail

}  // namespace rt
