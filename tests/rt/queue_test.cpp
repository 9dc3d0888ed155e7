#include <rt/queue.hpp>

#include <gtest/gtest.h>

#include <chrono>

#include <rt/rt.hpp>

using namespace std::chrono_literals;

namespace {

rt::Task<void> producer(rt::Queue<int>& q) {
  for (int i = 1; i <= 5; ++i) {
    co_await q.put(i);  // bounded: waits for room
  }
}
rt::Task<void> consumer(rt::Queue<int>& q, int& sum) {
  for (;;) {
    int v = co_await q.get();
    co_await rt::sleep(1s);
    sum += v;
    q.task_done();
  }
}
rt::Task<int> pipeline() {
  rt::Queue<int> q(2);
  int sum = 0;
  auto p = rt::spawn(producer(q), "producer");
  auto c = rt::spawn(consumer(q, sum), "consumer");
  co_await p;
  co_await q.join();
  c.cancel();
  std::vector<rt::Handle<void>> cs(1, c);
  co_await rt::wait(cs);
  co_return sum;
}

rt::Task<int> fifo_getters() {
  rt::Queue<int> q;
  std::vector<int> order;
  auto g = [](rt::Queue<int>& q, std::vector<int>& order, int id) -> rt::Task<void> {
    int v = co_await q.get();
    order.push_back(id * 10 + v);
  };
  std::vector<rt::Handle<void>> hs{rt::spawn(g(q, order, 1)), rt::spawn(g(q, order, 2))};
  co_await rt::yield();
  q.put_nowait(1);
  q.put_nowait(2);
  co_await rt::gather(hs);
  co_return order == std::vector<int>{11, 22} ? 0 : 1;
}

}  // namespace

TEST(Queue, BoundedPipelineWithJoin) {
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(pipeline()), 15);
}

TEST(Queue, GettersAreServedInArrivalOrder) {
  rt::Runtime runtime;
  EXPECT_EQ(runtime.run(fifo_getters()), 0);
}

TEST(Queue, NowaitVariants) {
  rt::Runtime runtime;
  auto body = []() -> rt::Task<int> {
    rt::Queue<int> q(1);
    bool first = q.put_nowait(1);
    bool second = q.put_nowait(2);
    auto a = q.get_nowait();
    auto b = q.get_nowait();
    co_return first && !second && a == 1 && !b ? 0 : 1;
  };
  EXPECT_EQ(runtime.run(body()), 0);
}
