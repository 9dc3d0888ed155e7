// A test binary as a user writes it with the GoogleTest glue: one line per scenario. Run by
// tests/harness/gtest_glue_test.sh, which expects the buggy one to fail with a reproduce string
// and that string, pasted into a shell, to replay the violation.
#include <faultline/gtest.hpp>

FAULTLINE_TEST(journal_fixed);
FAULTLINE_TEST(journal_buggy);
