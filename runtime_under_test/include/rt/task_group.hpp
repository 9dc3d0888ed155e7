#pragma once
/// rt::TaskGroup: structured concurrency (asyncio.TaskGroup). The first error cancels the
/// siblings; join() waits for every child and raises that first error.
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include <rt/gather.hpp>
#include <rt/handle.hpp>

namespace rt {

class TaskGroup {
 public:
  TaskGroup() : shared_(std::make_shared<Shared>()) {}

  /// Starts `task` as a child of this group.
  template <class T>
  Handle<T> spawn(Task<T> task, std::string name = "child") {
    Handle<T> h = rt::spawn(std::move(task), std::move(name));
    shared_->children.emplace_back(&h.state());
    h.state().on_done([s = shared_, t = &h.state()] {
      if (t->error_kind == detail::ErrorKind::none || t->error_kind == detail::ErrorKind::cancelled) return;
      t->error_retrieved = true;
      if (s->first_error) {
        // Only the first error is raised; later errors are dropped. An exit request or an
        // interrupt is not: it acts on the runtime whatever the group does with it.
        if (t->error_kind == detail::ErrorKind::other) detail::drop_error(t->error);
        return;
      }
      s->first_error = t->error;
      for (auto& c : s->children) c->cancel();
    });
    return h;
  }

  /// Waits for all children. Raises the first child error (the others were cancelled).
  /// If the awaiting task is cancelled, cancels every child, waits for them, raises Cancelled.
  Task<void> join() {
    auto s = shared_;
    bool cancelled = false;
    for (;;) {
      bool all_done = true;
      for (auto& c : s->children) all_done = all_done && c->done;
      if (all_done) break;
      try {
        co_await detail::SetAwaiter(s->children, detail::SetAwaiter::Until::all_done, -1, false);
      } catch (const Cancelled&) {
        cancelled = true;
        for (auto& c : s->children) c->cancel();
      }
    }
    if (s->first_error) std::rethrow_exception(s->first_error);
    if (cancelled) throw Cancelled{};
  }

 private:
  struct Shared {
    std::vector<detail::Ref<detail::TaskState>> children;
    std::exception_ptr first_error;
  };
  std::shared_ptr<Shared> shared_;
};

}  // namespace rt
