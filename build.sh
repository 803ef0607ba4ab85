#!/usr/bin/env bash
# raftsim's two commands (see README.md):
#   ./build.sh        install what is missing, build, run the default scenario suite with a summary
#   ./build.sh test   install what is missing, build (warnings are errors) and run every test: the scenario
#                     sweeps and end-to-end tests on the optimized g++ build, the unit tests and shorter sweeps
#                     under AddressSanitizer + UndefinedBehaviorSanitizer (clang), then compare the two
#                     compilers' traces
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

phase() {  # name, command...: runs it, then prints the CPU time it took (CPU, not wall: CI machines are shared)
  local name="$1"; shift
  local f; f="$(mktemp)"
  # `times` is a builtin run by this shell itself (no subshell: a forked one would count no children); its
  # second line is the user and system time of this shell's finished children.
  times > "$f"
  "$@"
  times >> "$f"
  awk -v name="$name" 'function secs(field,  p) { split(field, p, /[ms]/); return p[1] * 60 + p[2] }
    NR == 2 { before = secs($1) + secs($2) } NR == 4 { after = secs($1) + secs($2) }
    END { printf "build.sh: %s: %.1f s CPU (user + system)\n", name, after - before }' "$f"
  rm -f "$f"
}

case "$mode" in
  suite)
    configure build
    cmake --build build -j "$jobs"
    echo
    build/raftsim run scenarios/*.json --seeds 1..20 --jobs "$jobs"  # not the subfolders: regressions keep their own seed
    ;;
  test)
    # Scenarios over seeds 1..100 here (a weaker sweep than the 1..300 of before): the sweep was half of the
    # release tests' CPU (301 of 593 CPU s over 1..300, measured 2026-12-02), and CI must stay well under 15
    # minutes. Every scenario passes 1..1000 (README: configure with -DRAFTSIM_SCENARIO_SEEDS=1..1000 to run
    # that); new seeds are the fuzzer's job (raftsim fuzz, and the 10,000-seed long job), the sweep guards
    # against regressions.
    # The release build (g++) without the unit tests (-DRAFTSIM_UNIT_TESTS=OFF): they run once, below, in the
    # sanitizer build, where a memory error or undefined behaviour in the code they reach is found as well.
    # Here: what needs the optimized binary or g++ (every scenario over seeds 1..100, the regressions and
    # mutants, the process protocol's scenario library, the Go node's tests, the installed package, the HTML
    # report in Chromium, the experiments generator). Compiling the test files twice cost a fifth of CI.
    configure build -DRAFTSIM_WERROR=ON -DRAFTSIM_SCENARIO_SEEDS=1..100 -DRAFTSIM_UNIT_TESTS=OFF
    phase "release build" cmake --build build -j "$jobs"
    # -LE long: the 10,000-seed baseline is a separate job (README, "Bug-finding power"); -LE bench: the
    # benchmarks (`ctest -L bench`, README "Speed") measure, they are not tests.
    phase "release tests" ctest --test-dir build --output-on-failure -j "$jobs" -LE "long|bench"
    # Sanitizer build, with clang: every unit test, and every scenario over 5 seeds (ASan is ~5x slower; the
    # release build ran 1..100); the long sweeps run fewer seeds there (tests/support/sweep_size.h; the process
    # protocol's scenario library seed 1 instead of 1..5; the parser fuzzer 30,000 inputs instead of 60,000): a
    # memory error shows in the first seeds as well as in all of them.
    # clang (the release build is g++) so that the same build is the compiler comparison's second compiler:
    # two full builds instead of three (a clang release build of its own cost 368 CPU s).
    configure build-asan -DCMAKE_CXX_COMPILER=clang++ -DRAFTSIM_WERROR=ON -DRAFTSIM_SANITIZE=ON -DRAFTSIM_BENCHMARKS=OFF \
      -DRAFTSIM_SCENARIO_SEEDS=1..5 -DRAFTSIM_PROCESS_SCENARIO_SEEDS=1..1 -DRAFTSIM_FUZZ_ITERATIONS=30000
    phase "sanitizer build (clang)" cmake --build build-asan -j "$jobs"
    phase "sanitizer tests" ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE "long|bench"
    # One seed decides everything on any compiler: clang's traces must equal g++'s (issue 15). The sanitizers
    # and invariant checks do not change a trace (they only abort), so the clang binary is the sanitizer one.
    # Seed 1 of every scenario, regression and mutant (about 100 runs, half the CPU of seeds 1..2): an
    # evaluation order that reaches the trace shows on any seed that runs the code holding it.
    phase "compiler comparison" env RAFTSIM_COMPARE_SEEDS=1 tools/ci/compare-compilers.sh build/raftsim build-asan/raftsim
    ;;
  *)
    echo "usage: ./build.sh [suite|test]" >&2
    exit 3
    ;;
esac
