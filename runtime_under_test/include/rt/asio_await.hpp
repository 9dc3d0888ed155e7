#pragma once
/// Makes Asio operations awaitable in rt::Task through the await hook: any deferred operation
/// (`socket.async_read_some(buf, asio::deferred)`) and `asio::awaitable<T>` (via co_spawn).
/// Cancelling the awaiting task emits the operation's cancellation slot.
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/system_error.hpp>
#include <exception>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>

#include <rt/detail/io.hpp>
#include <rt/task.hpp>

namespace rt::detail {

/// Awaits an Asio operation whose handler signature is void(E, Args...), E being
/// boost::system::error_code or std::exception_ptr.
template <class Op, class E, class... Args>
class AsioAwaiter {
  struct Shared {
    std::optional<std::tuple<E, Args...>> result;
    boost::asio::cancellation_signal signal;
  };

 public:
  explicit AsioAwaiter(Op op) : op_(std::move(op)), shared_(std::make_shared<Shared>()) {}
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<>) {
    Runtime& rt = *Runtime::current();
    TaskState& self = *rt.current_task();
    std::uint64_t generation = self.wait_generation;
    ++rt.io().io_ops;
    std::move(op_)(boost::asio::bind_cancellation_slot(
        shared_->signal.slot(), [s = shared_, self = share_task(self), generation, rt = &rt](E e, Args... args) {
          s->result.emplace(std::move(e), std::move(args)...);
          --rt->io().io_ops;
          rt->wake(*self, generation);
        }));
    self.on_cancel = {&emit, shared_.get()};
  }
  auto await_resume() {
    auto& r = *shared_->result;
    if constexpr (std::is_same_v<E, std::exception_ptr>) {
      if (std::get<0>(r)) std::rethrow_exception(std::get<0>(r));
    } else {
      if (std::get<0>(r)) throw boost::system::system_error(std::get<0>(r));
    }
    if constexpr (sizeof...(Args) == 0) {
      return;
    } else if constexpr (sizeof...(Args) == 1) {
      return std::move(std::get<1>(r));
    } else {
      return std::apply([](E, Args... a) { return std::tuple<Args...>(std::move(a)...); }, std::move(r));
    }
  }

 private:
  static void emit(void* ctx) { static_cast<Shared*>(ctx)->signal.emit(boost::asio::cancellation_type::all); }
  Op op_;
  std::shared_ptr<Shared> shared_;
};

template <class E, class... Args, class Init, class... InitArgs>
struct AwaitAdapter<boost::asio::deferred_async_operation<void(E, Args...), Init, InitArgs...>> {
  using Op = boost::asio::deferred_async_operation<void(E, Args...), Init, InitArgs...>;
  static AsioAwaiter<Op, E, Args...> adapt(Op op) { return AsioAwaiter<Op, E, Args...>(std::move(op)); }
};

template <class T>
struct AwaitAdapter<boost::asio::awaitable<T>> {
  static auto adapt(boost::asio::awaitable<T> aw) {
    auto op = boost::asio::co_spawn(Runtime::current()->io().ctx, std::move(aw), boost::asio::deferred);
    if constexpr (std::is_void_v<T>) {
      return AsioAwaiter<decltype(op), std::exception_ptr>(std::move(op));
    } else {
      return AsioAwaiter<decltype(op), std::exception_ptr, T>(std::move(op));
    }
  }
};

}  // namespace rt::detail
