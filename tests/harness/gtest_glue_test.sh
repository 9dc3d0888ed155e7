#!/usr/bin/env bash
# The GoogleTest glue end to end: Faultline.journal_fixed passes, Faultline.journal_buggy fails
# with a finding and a reproduce string, and that string replays the violation in-process.
set -euo pipefail
bin="$1"
fail() { echo "gtest glue test: $*" >&2; exit 1; }
"$bin" --gtest_list_tests | grep -q "journal_buggy" || fail "the scenarios are not listed as gtest tests"
FAULTLINE_BUDGET=2 FAULTLINE_SEED=1 "$bin" --gtest_filter=Faultline.journal_fixed >/dev/null || fail "journal_fixed failed"
status=0
out="$(FAULTLINE_BUDGET=2 FAULTLINE_SEED=1 "$bin" --gtest_filter=Faultline.journal_buggy 2>&1)" || status=$?
[[ $status != 0 ]] || fail "journal_buggy passed"
grep -q "FINDING protected-work" <<<"$out" || fail "no finding printed: $out"
repro="$(grep -m1 -o "FAULTLINE_REPLAY=.*" <<<"$out")" || fail "no reproduce string: $out"
status=0
replayed="$(eval "$repro" 2>&1)" || status=$?
[[ $status != 0 ]] || fail "'$repro' passed"
grep -q "protected-work" <<<"$replayed" || fail "the replay did not report the violation: $replayed"
echo "gtest glue test: the finding and its reproduce string work"
