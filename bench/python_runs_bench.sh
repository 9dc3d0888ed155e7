#!/usr/bin/env bash
# Runs per second of faultline-python on the Python zoo's programs, one job, fork server
# (persistent worker) and a fresh interpreter per run (--forked). Usage: bench/python_runs_bench.sh [BUILD_DIR]
set -euo pipefail
build="${1:-build/release}"
bin="$build/faultline-python"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
for scenario in py_do_not_raise_fixed py_collector_fixed; do
  for mode in persistent forked; do
    flags=(); [[ $mode == forked ]] && flags=(--forked)
    line="$("$bin" run "$scenario" --budget 20s --seed 1 --jobs 1 --max-faults 2 --check-determinism 0 --report "$tmp/r" "${flags[@]}" | tail -1)"
    runs="$(sed -E 's/.* ([0-9]+) runs .* in ([0-9.]+)s.*/\1 \2/' <<<"$line")"
    read -r n s <<<"$runs"
    awk -v sc="$scenario" -v m="$mode" -v n="$n" -v s="$s" 'BEGIN { printf "%-24s %-10s %6d runs in %6.2fs: %6.1f runs/s\n", sc, m, n, s, n / s }'
  done
done
