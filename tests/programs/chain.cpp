// Programs of a given size for measuring how the sweep scales: main awaits N times in a row.
#include "program.hpp"

namespace {

template <int n>
rt::Task<int> chain_main() {
  for (int i = 0; i < n; ++i) co_await rt::yield();
  co_return 0;
}

faultline::Registration r1(+[] { return test_programs::program("chain_100", &chain_main<100>, "100 awaits in a row"); });
faultline::Registration r2(+[] { return test_programs::program("chain_1000", &chain_main<1000>, "1,000 awaits in a row"); });
faultline::Registration r3(+[] { return test_programs::program("chain_10000", &chain_main<10000>, "10,000 awaits in a row"); });

}  // namespace
