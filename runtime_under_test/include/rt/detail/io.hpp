#pragma once
/// The Asio side of a Runtime: io_context, threads for to_thread, and the gate through which
/// foreign threads post into the loop. Only code that needs Asio includes this.
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <faultline/observer.hpp>
#include <rt/runtime.hpp>

namespace rt::detail {

/// A task reference that a completion handler owns: released when the handler is destroyed,
/// whether it ran or was dropped (by a closed gate or a destroyed io_context).
// NOTE: when dropped on a foreign thread, the loop thread is blocked joining that thread, so
// the non-atomic count is never touched concurrently.
using SharedTaskRef = std::shared_ptr<TaskState>;
inline SharedTaskRef share_task(TaskState& t) {
  t.add_ref();
  return SharedTaskRef(&t, [](TaskState* p) { p->release(); });
}

/// Foreign threads enter the loop only through here. Once closed, a post is reported as
/// "posted after close" and dropped, instead of touching a dead loop.
class LoopGate {
 public:
  LoopGate(boost::asio::io_context& ctx, faultline::RuntimeObserver* observer)
      : ctx_(&ctx), observer_(observer) {}
  /// Posts `fn` to the loop; returns false (and reports) if the loop is closed.
  bool post(std::function<void()> fn, const char* what) {
    std::lock_guard lock(mutex_);
    if (closed_) {
      if (observer_ != nullptr) observer_->posted_after_close(what);
      return false;
    }
    boost::asio::post(*ctx_, std::move(fn));
    return true;
  }
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  bool closed() {
    std::lock_guard lock(mutex_);
    return closed_;
  }

 private:
  std::mutex mutex_;
  boost::asio::io_context* ctx_;
  faultline::RuntimeObserver* observer_;
  bool closed_ = false;
};

}  // namespace rt::detail

namespace rt {

struct Runtime::Io {
  explicit Io(faultline::RuntimeObserver* observer)
      : gate(std::make_shared<detail::LoopGate>(ctx, observer)) {}
  boost::asio::io_context ctx{1};
  std::shared_ptr<detail::LoopGate> gate;
  std::vector<std::thread> threads;
  std::size_t thread_work = 0;  ///< to_thread jobs whose completion the loop has not yet seen
  std::size_t io_ops = 0;       ///< Asio operations in flight
  std::atomic<std::size_t> pending_submissions{0};  ///< submit() calls the loop must still take in
};

}  // namespace rt
