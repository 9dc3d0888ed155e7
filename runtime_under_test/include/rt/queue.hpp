#pragma once
/// rt::Queue<T>: asyncio.Queue. get() waits for an item, put() waits for room (if bounded),
/// join() waits until every item taken was marked task_done().
#include <coroutine>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <utility>

#include <rt/runtime.hpp>

namespace rt {

template <class T>
class Queue {
  struct Waiter {
    detail::Ref<detail::TaskState> task;
    std::uint64_t generation;
    std::optional<T>* slot;  // getter: where put() hands the item; putter: the item to enqueue
    bool live() const noexcept { return !task->done && task->wait_generation == generation; }
  };
  struct State {
    std::size_t max_size = 0;
    std::deque<T> items;
    std::deque<Waiter> getters, putters, joiners, watchers;
    std::size_t unfinished = 0;
    void wake(Waiter& w) { w.task->runtime.wake(*w.task, w.generation); }
    /// Moves items from waiting putters into the queue while there is room.
    void admit_putters() {
      while (!putters.empty() && (max_size == 0 || items.size() < max_size)) {
        Waiter w = std::move(putters.front());
        putters.pop_front();
        if (!w.live()) continue;
        items.push_back(std::move(**w.slot));
        w.slot->reset();
        ++unfinished;
        wake(w);
      }
      wake_watchers();
    }
    /// Wakes tasks waiting for the queue to be non-empty.
    void wake_watchers() {
      if (items.empty()) return;
      for (auto& w : watchers)
        if (w.live()) wake(w);
      watchers.clear();
    }
    /// Hands queued items to waiting getters.
    void feed_getters() {
      feed_getters_only();
      wake_watchers();
    }
    void feed_getters_only() {
      while (!items.empty() && !getters.empty()) {
        Waiter w = std::move(getters.front());
        getters.pop_front();
        if (!w.live()) continue;
        w.slot->emplace(std::move(items.front()));
        items.pop_front();
        wake(w);
        admit_putters();
      }
    }
  };

 public:
  /// A queue holding at most `max_size` items (0: unbounded).
  explicit Queue(std::size_t max_size = 0) : state_(std::make_shared<State>()) { state_->max_size = max_size; }

  class GetAwaiter {
   public:
    explicit GetAwaiter(std::shared_ptr<State> s) : s_(std::move(s)) {}
    GetAwaiter(GetAwaiter&& o) noexcept : s_(std::move(o.s_)), slot_(std::move(o.slot_)) { o.slot_.reset(); }
    ~GetAwaiter() {
      // An item handed over but never taken (the getter was cancelled first) goes back in front.
      if (s_ && slot_) {
        s_->items.push_front(std::move(*slot_));
        s_->wake_watchers();
      }
    }
    bool await_ready() const noexcept { return !s_->items.empty(); }
    void await_suspend(std::coroutine_handle<>) {
      detail::TaskState& self = *Runtime::current()->current_task();
      s_->getters.push_back({detail::Ref<detail::TaskState>(&self), self.wait_generation, &slot_});
      self.on_cancel = {&detail::wake_on_cancel, &self};
    }
    T await_resume() {
      if (!slot_) {
        slot_.emplace(std::move(s_->items.front()));
        s_->items.pop_front();
        s_->admit_putters();
      }
      T out = std::move(*slot_);
      slot_.reset();
      return out;
    }

   private:
    std::shared_ptr<State> s_;
    std::optional<T> slot_;
  };

  class PutAwaiter {
   public:
    PutAwaiter(std::shared_ptr<State> s, T item) : s_(std::move(s)), item_(std::move(item)) {}
    PutAwaiter(PutAwaiter&& o) noexcept : s_(std::move(o.s_)), item_(std::move(o.item_)) { o.item_.reset(); }
    bool await_ready() const noexcept { return s_->max_size == 0 || s_->items.size() < s_->max_size; }
    void await_suspend(std::coroutine_handle<>) {
      detail::TaskState& self = *Runtime::current()->current_task();
      s_->putters.push_back({detail::Ref<detail::TaskState>(&self), self.wait_generation, &item_});
      self.on_cancel = {&detail::wake_on_cancel, &self};
    }
    void await_resume() {
      if (!item_) return;  // a getter already took it in
      s_->items.push_back(std::move(*item_));
      item_.reset();
      ++s_->unfinished;
      s_->feed_getters();
    }

   private:
    std::shared_ptr<State> s_;
    std::optional<T> item_;
  };

  class JoinAwaiter {
   public:
    explicit JoinAwaiter(std::shared_ptr<State> s) : s_(std::move(s)) {}
    bool await_ready() const noexcept { return s_->unfinished == 0; }
    void await_suspend(std::coroutine_handle<>) {
      detail::TaskState& self = *Runtime::current()->current_task();
      s_->joiners.push_back({detail::Ref<detail::TaskState>(&self), self.wait_generation, nullptr});
      self.on_cancel = {&detail::wake_on_cancel, &self};
    }
    void await_resume() const noexcept {}

   private:
    std::shared_ptr<State> s_;
  };

  class NonEmptyAwaiter {
   public:
    explicit NonEmptyAwaiter(std::shared_ptr<State> s) : s_(std::move(s)) {}
    bool await_ready() const noexcept { return !s_->items.empty(); }
    void await_suspend(std::coroutine_handle<>) {
      detail::TaskState& self = *Runtime::current()->current_task();
      s_->watchers.push_back({detail::Ref<detail::TaskState>(&self), self.wait_generation, nullptr});
      self.on_cancel = {&detail::wake_on_cancel, &self};
    }
    void await_resume() const noexcept {}

   private:
    std::shared_ptr<State> s_;
  };

  /// Waits until the queue holds an item, without taking it: nothing is lost if the waiter is
  /// cancelled on resumption (pair it with get_nowait()).
  NonEmptyAwaiter wait_not_empty() { return NonEmptyAwaiter(state_); }
  /// Waits for an item and removes it. A getter cancelled before it runs leaves the item queued.
  GetAwaiter get() { return GetAwaiter(state_); }
  /// Adds an item, waiting for room if the queue is bounded and full.
  PutAwaiter put(T item) { return PutAwaiter(state_, std::move(item)); }
  /// Adds an item now; returns false if the queue is full.
  bool put_nowait(T item) {
    if (state_->max_size != 0 && state_->items.size() >= state_->max_size) return false;
    state_->items.push_back(std::move(item));
    ++state_->unfinished;
    state_->feed_getters();
    return true;
  }
  /// Removes an item now, if there is one.
  std::optional<T> get_nowait() {
    if (state_->items.empty()) return std::nullopt;
    std::optional<T> out(std::move(state_->items.front()));
    state_->items.pop_front();
    state_->admit_putters();
    return out;
  }
  /// Marks one item taken earlier as fully processed.
  void task_done() {
    if (state_->unfinished == 0) return;
    if (--state_->unfinished == 0) {
      for (auto& w : state_->joiners)
        if (w.live()) state_->wake(w);
      state_->joiners.clear();
    }
  }
  /// Waits until every item put was marked task_done().
  JoinAwaiter join() { return JoinAwaiter(state_); }
  std::size_t size() const noexcept { return state_->items.size(); }
  bool empty() const noexcept { return state_->items.empty(); }

 private:
  std::shared_ptr<State> state_;
};

}  // namespace rt
