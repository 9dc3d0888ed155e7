// main() of faultline::gtest_main: every registered scenario becomes the test Faultline.<name>.
#include <gtest/gtest.h>

#include <faultline/gtest.hpp>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // NOTE: registered here, not from a static initializer: the scenarios' own static
  // registrations have all run by now, whatever the link order.
  faultline::register_gtest_campaigns();
  return RUN_ALL_TESTS();
}
