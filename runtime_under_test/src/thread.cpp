#include <rt/thread.hpp>

#include <mutex>

namespace rt::detail {

void leak_forever(std::shared_ptr<void> p) {
  // NOTE: deliberately never freed: the threadsafe_drops_exit flaw must leave the future
  // pending forever, and destroying its promise would resolve it with broken_promise.
  static std::mutex mutex;
  static auto* kept = new std::vector<std::shared_ptr<void>>();
  std::lock_guard lock(mutex);
  kept->push_back(std::move(p));
}

}  // namespace rt::detail
