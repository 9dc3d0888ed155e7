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
