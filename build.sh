#!/usr/bin/env bash
# raftsim's two commands (see README.md):
#   ./build.sh        install what is missing, build, run the default scenario suite with a summary
#   ./build.sh test   install what is missing, build (warnings are errors), run every test, then the same
#                     under AddressSanitizer + UndefinedBehaviorSanitizer
set -euo pipefail
cd "$(dirname "$0")"

mode="${1:-suite}"
jobs="$(nproc 2>/dev/null || echo 2)"

tools/install-deps.sh

configure() {  # build-dir, extra cmake args...
  local dir="$1"; shift
  # -g1 (line tables: backtraces and sanitizer reports keep file:line) instead of -g: full debug info
  # costs a quarter of the compile time, a third under the sanitizers (measured on tools/scenario/
  # scenario.cpp: 9.3 -> 7.0 CPU s, ASan 33 -> 21 CPU s). Configure yourself with -g to debug in gdb.
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
    "$@" >/dev/null
}

case "$mode" in
  suite)
    configure build
    cmake --build build -j "$jobs"
    echo
    build/raftsim run scenarios/*.json --seeds 1..20 --jobs "$jobs"  # not the subfolders: regressions keep their own seed
    ;;
  test)
    # Scenarios over seeds 1..300 here, to keep CI well under 15 minutes with the Figure 2 rule checkers,
    # forked seeds and three implementations; every scenario passes 1..1000 too (README: configure with
    # -DRAFTSIM_SCENARIO_SEEDS=1..1000 to run that).
    configure build -DRAFTSIM_WERROR=ON -DRAFTSIM_SCENARIO_SEEDS=1..300
    cmake --build build -j "$jobs"
    # -LE long: the 10,000-seed baseline is a separate job (README, "Bug-finding power"); -LE bench: the
    # benchmarks (`ctest -L bench`, README "Speed") measure, they are not tests.
    (cd build && ctest --output-on-failure -j "$jobs" -LE "long|bench")
    # One seed decides everything on any compiler: clang's traces must equal g++'s (issue 15).
    tools/ci/compare-compilers.sh build/raftsim
    # Sanitizer build: every unit test, and every scenario over 20 seeds (ASan is ~5x slower).
    configure build-asan -DRAFTSIM_WERROR=ON -DRAFTSIM_SANITIZE=ON -DRAFTSIM_BENCHMARKS=OFF -DRAFTSIM_SCENARIO_SEEDS=1..20
    cmake --build build-asan -j "$jobs"
    (cd build-asan && ctest --output-on-failure -j "$jobs" -LE "long|bench")
    ;;
  *)
    echo "usage: ./build.sh [suite|test]" >&2
    exit 3
    ;;
esac
