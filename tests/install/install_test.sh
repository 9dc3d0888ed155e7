#!/usr/bin/env bash
# Installs faultline into a temporary prefix, builds a consumer with find_package(faultline)
# whose coroutine type is not rt, and checks the engine finds its bug.
set -euo pipefail
build_dir="$1"; source_dir="$2"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
cmake --install "$build_dir" --prefix "$tmp/prefix" >/dev/null
cmake -S "$source_dir/tests/install/other_runtime" -B "$tmp/build" -G Ninja -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$tmp/build" >/dev/null
"$tmp/build/other_runtime"
# The whole CLI in the consumer's own binary: it lists its scenario, finds the bug, and the
# replay command it prints (naming itself) replays it as printed.
cli="$tmp/build/other_runtime_cli"
"$cli" list | grep -q "mini_swallow" || { echo "install test: the consumer's CLI does not list its scenario" >&2; exit 1; }
status=0
out="$("$cli" run --runs 50 --max-faults 1 --seed 1 --report "$tmp/report")" || status=$?
[[ $status == 1 ]] || { echo "install test: the consumer's campaign exited $status, expected 1 (a finding)" >&2; echo "$out" >&2; exit 1; }
replay="$(grep -m1 -o "$cli replay .*" <<<"$out")" || { echo "install test: no replay command naming $cli" >&2; echo "$out" >&2; exit 1; }
status=0
eval "$replay" >/dev/null || status=$?
[[ $status == 1 ]] || { echo "install test: '$replay' exited $status, expected 1 (the violation)" >&2; exit 1; }
echo "install test: the consumer's own CLI found and replayed its bug"
