#!/usr/bin/env bash
# faultline as a user gets it. Installs into a temporary prefix, then:
#  1. a consumer whose coroutine type is not rt (find_package, the engine, its own CLI);
#  2. examples/inventory, built against the prefix: its CLI and its GoogleTest suite both find
#     the planted bug, and the reproduce commands they print, run by a shell, replay it; the
#     same service with the fix stays clean;
#  3. the build tree as a package (-Dfaultline_DIR=<build>) and add_subdirectory (configure).
set -euo pipefail
build_dir="$(cd "$1" && pwd)"; source_dir="$(cd "$2" && pwd)"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
fail() { echo "install test: $*" >&2; exit 1; }
# expect STATUS COMMAND...: runs COMMAND, keeps its output in $out, fails unless it exits STATUS.
expect() {
  local want="$1"; shift
  local status=0
  out="$("$@" 2>&1)" || status=$?
  [[ $status == "$want" ]] || { echo "$out" >&2; fail "'$*' exited $status, expected $want"; }
}
configure() { cmake -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >"$tmp/configure.log" 2>&1 || { cat "$tmp/configure.log" >&2; fail "configure failed: $*"; }; }

cmake --install "$build_dir" --prefix "$tmp/prefix" >/dev/null

# 1. Another runtime.
configure -S "$source_dir/tests/install/other_runtime" -B "$tmp/other" -DCMAKE_PREFIX_PATH="$tmp/prefix"
cmake --build "$tmp/other" >/dev/null
"$tmp/other/other_runtime"
cli="$tmp/other/other_runtime_cli"
expect 0 "$cli" list
grep -q "mini_swallow" <<<"$out" || fail "the consumer's CLI does not list its scenario"
expect 1 "$cli" run --runs 50 --max-faults 1 --seed 1 --report "$tmp/other/report"
replay="$(grep -m1 -o "$cli replay .*" <<<"$out")" || fail "no replay command naming $cli"
expect 1 bash -c "$replay"

# 2. The example project, from the installed package alone.
example="$source_dir/examples/inventory"
configure -S "$example" -B "$tmp/inventory" -DCMAKE_PREFIX_PATH="$tmp/prefix"
cmake --build "$tmp/inventory" >/dev/null
fuzz="$tmp/inventory/inventory_fuzz"
expect 1 "$fuzz" run --budget 20s --seed 7 --report "$tmp/inventory/report"
grep -q "FINDING swallowed-cancel in inventory_service" <<<"$out" || { echo "$out" >&2; fail "the example's CLI missed the planted bug"; }
replay="$(grep -m1 -o "$fuzz replay inventory_service .*" <<<"$out")" || fail "no replay command naming $fuzz"
expect 1 bash -c "$replay"
grep -q "swallowed-cancel" <<<"$out" || { echo "$out" >&2; fail "'$replay' did not show the violation"; }

suite="$tmp/inventory/inventory_fuzz_gtest"
expect 0 ctest --test-dir "$tmp/inventory" -N
grep -q "Faultline.inventory_service" <<<"$out" || fail "ctest does not see the scenario's test"
expect 1 env FAULTLINE_BUDGET=5 FAULTLINE_SEED=7 "$suite"
grep -q "FINDING swallowed-cancel" <<<"$out" || { echo "$out" >&2; fail "the example's gtest suite missed the planted bug"; }
reproduce="$(grep -m1 -o "FAULTLINE_REPLAY=.*" <<<"$out")" || fail "the gtest failure prints no reproduce string"
expect 1 bash -c "$reproduce"
grep -q "swallowed-cancel" <<<"$out" || { echo "$out" >&2; fail "'$reproduce' did not replay the violation"; }

# The installed scripts run the user's binary; reports go under the current directory.
scripts="$tmp/prefix/share/faultline/scripts"
mkdir -p "$tmp/work"
expect 1 bash -c "cd '$tmp/work' && python3 '$scripts/nightly.py' --bin '$fuzz' --budget 3s --seed 7 --jobs 1 --run-id night1"
[[ -f "$tmp/work/reports/night1/coverage/index.html" && -f "$tmp/work/reports/index.html" ]] || { echo "$out" >&2; fail "the installed nightly.py wrote no reports under the current directory"; }
expect 2 bash -c "cd '$tmp/work' && python3 '$scripts/nightly.py' --budget 3s"
grep -q "pass --bin PATH" <<<"$out" || { echo "$out" >&2; fail "the installed nightly.py without --bin does not say what to do"; }

configure -S "$example" -B "$tmp/inventory_fixed" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DINVENTORY_FIXED=ON
cmake --build "$tmp/inventory_fixed" >/dev/null
expect 0 "$tmp/inventory_fixed/inventory_fuzz" run --budget 60s --seed 7 --report "$tmp/inventory_fixed/report"
grep -q "exhausted inventory_service" <<<"$out" || { echo "$out" >&2; fail "the fixed example's tree was not exhausted"; }

# 3. The build tree as a package, and faultline as a subdirectory of a user's project.
configure -S "$example" -B "$tmp/from_build_tree" -Dfaultline_DIR="$build_dir"
cmake --build "$tmp/from_build_tree" --target inventory_fuzz >/dev/null
expect 0 "$tmp/from_build_tree/inventory_fuzz" list
mkdir -p "$tmp/sub"
cat >"$tmp/sub/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.25)
project(uses_faultline LANGUAGES CXX)
add_subdirectory("$source_dir" faultline)
faultline_add_scenarios(inventory_fuzz SOURCES "$example/fuzz/inventory_scenario.cpp" "$example/src/service.cpp"
  LIBRARIES faultline::rt_scenario GTEST)
target_include_directories(inventory_fuzz_scenarios PRIVATE "$example/include")
CMAKE
configure -S "$tmp/sub" -B "$tmp/sub/build"
if grep -q "faultline_test\|tests_harness" "$tmp/sub/build/build.ninja"; then fail "add_subdirectory builds faultline's own tests"; fi
echo "install test: other runtime, the example's CLI and gtest suite (found, replayed, fix clean), build tree and subdirectory all work"
