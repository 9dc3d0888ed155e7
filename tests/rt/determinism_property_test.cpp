#include <rt/runtime.hpp>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <chrono>
#include <memory>
#include <vector>

#include "rt/rt_test_support.hpp"
#include <rt/rt.hpp>

using namespace std::chrono_literals;

namespace {

// A random task tree: each node sleeps, spawns children, cancels or shields some, and
// gathers or waits for them.
struct Node {
  int sleep_ms = 0;
  std::vector<Node> children;
  std::vector<bool> cancel_child;  // cancel child i after spawning it
  bool shield_first = false;
  bool use_wait = false;           // wait (never raises) instead of gather
};

rc::Gen<Node> gen_node(int depth) {
  return rc::gen::exec([depth] {
    Node n;
    n.sleep_ms = *rc::gen::inRange(0, 50);
    int kids = depth > 0 ? *rc::gen::inRange(0, 4) : 0;
    for (int i = 0; i < kids; ++i) {
      n.children.push_back(*gen_node(depth - 1));
      n.cancel_child.push_back(*rc::gen::weightedElement<bool>({{1, true}, {3, false}}));
    }
    n.shield_first = *rc::gen::arbitrary<bool>();
    n.use_wait = *rc::gen::arbitrary<bool>();
    return n;
  });
}

rt::Task<int> run_node(const Node& n) {
  co_await rt::sleep(std::chrono::milliseconds(n.sleep_ms));
  std::vector<rt::Handle<int>> hs;
  for (std::size_t i = 0; i < n.children.size(); ++i) {
    hs.push_back(rt::spawn(run_node(n.children[i]), "n"));
    if (n.cancel_child[i]) hs.back().cancel();
  }
  int sum = 1;
  if (!hs.empty() && n.shield_first) {
    try {
      // NOTE: a named local, not `sum += co_await ...`: GCC 12 miscompiles compound
      // assignment and range-for over a co_await expression.
      int shielded = co_await rt::shield(hs[0]);
      sum += shielded;
    } catch (const rt::Cancelled&) {
      throw;
    } catch (...) {
    }
  }
  if (n.use_wait) {
    co_await rt::wait(hs);
    for (auto& h : hs)
      if (!h.cancelled() && h.exception() == nullptr) sum += h.result();
  } else {
    bool gather_cancelled = false;
    try {
      std::vector<int> values = co_await rt::gather(hs);
      for (int v : values) sum += v;
    } catch (const rt::Cancelled&) {
      gather_cancelled = true;
    }
    if (gather_cancelled) {
      for (auto& h : hs) h.cancel();
      co_await rt::wait(hs);
    }
  }
  co_return sum;
}

rt::Task<int> run_root(const Node& n) {
  int total = co_await run_node(n);
  co_return total % 100;
}

struct Outcome {
  int status;
  std::vector<std::string> events;
  std::vector<std::string> trace;
};

Outcome run_once(const Node& n) {
  rt_test::RecordingObserver obs;
  rt_test::OneFaultSink sink;
  faultline::ScopedObserver o(&obs);
  faultline::ScopedSink s(&sink);
  rt::Runtime runtime;
  int status = runtime.run(run_root(n));
  return {status, obs.events, sink.trace};
}

}  // namespace

RC_GTEST_PROP(Determinism, RandomTaskTreesGiveTheSameTraceEveryRunAndTerminate, ()) {
  Node root = *gen_node(3);
  Outcome first = run_once(root);
  Outcome second = run_once(root);
  RC_ASSERT(first.status == second.status);
  RC_ASSERT(first.events == second.events);
  RC_ASSERT(first.trace == second.trace);
  RC_ASSERT(!first.events.empty());
}
