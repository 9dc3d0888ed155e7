#!/usr/bin/env bash
# Runs per second of faultline-python on the Python zoo's fixed programs (seeds 000, 001, 002,
# 004), one job: the harness and the run take turns, so this is runs per core. The fork server
# serves runs in place (persistent worker); --forked starts a fresh interpreter per run (as
# confirmations do), shown once for comparison.
# Usage: bench/python_runs_bench.sh [BUILD_DIR] [BUDGET_S]
set -euo pipefail
build="${1:-build/release}"
budget="${2:-5}"
bin="$build/faultline-python"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
measure() {  # scenario mode flags...
  local scenario="$1" mode="$2"; shift 2
  line="$("$bin" run "$scenario" --budget "${budget}s" --seed 1 --jobs 1 --max-faults 3 --check-determinism 0 \
          --report "$tmp/r" "$@" | tail -1)"
  read -r n s <<<"$(sed -E 's/.* ([0-9]+) runs .* in ([0-9.]+)s.*/\1 \2/' <<<"$line")"
  awk -v sc="$scenario" -v m="$mode" -v n="$n" -v s="$s" \
    'BEGIN { printf "%-30s %-10s %6d runs in %6.2fs: %6.1f runs/s\n", sc, m, n, s, n / s }'
}
for scenario in py_collector_fixed py_do_not_raise_fixed py_shutdown_shield_fixed py_cancel_handler_task_fixed; do
  measure "$scenario" persistent
done
measure py_do_not_raise_fixed forked --forked
