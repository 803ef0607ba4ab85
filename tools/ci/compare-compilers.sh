#!/usr/bin/env bash
# The determinism promise across compilers (issue 15): checks that a clang build of raftsim gives the same
# trace hash as the g++ build for every shipped scenario (and every regression and mutant scenario) over a
# fixed set of seeds. A difference means some evaluation order (or other unspecified behaviour) reaches the
# trace; the output names the scenario and seed.
#
#   tools/ci/compare-compilers.sh [GXX_RAFTSIM [CLANG_RAFTSIM]]   (default build/raftsim, and a clang build
#                                                                  made here in build-clang/)
#
# ./build.sh test passes its clang sanitizer build (build-asan/raftsim) as the second binary: the trace does
# not depend on the optimization level, the sanitizers or the invariant checks (they only abort), so one clang
# build serves both jobs instead of a third full build. Without a second argument, the clang build made here is
# -O1 without debug info (about 2 minutes of CPU).
set -euo pipefail
cd "$(dirname "$0")/../.."

gxx_raftsim="${1:-build/raftsim}"
clang_raftsim="${2:-}"
clang_dir="${RAFTSIM_CLANG_BUILD_DIR:-build-clang}"
seeds="${RAFTSIM_COMPARE_SEEDS:-1..3}"
jobs="$(nproc 2>/dev/null || echo 2)"

[ -x "$gxx_raftsim" ] || { echo "compare-compilers: no g++ raftsim at $gxx_raftsim (build it first)" >&2; exit 3; }
if [ -z "$clang_raftsim" ]; then
  command -v clang++ >/dev/null || { echo "compare-compilers: clang++ is missing (tools/install-deps.sh installs it)" >&2; exit 3; }
  CXX=clang++ cmake -S . -B "$clang_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" \
    -DRAFTSIM_BENCHMARKS=OFF >/dev/null
  cmake --build "$clang_dir" -j "$jobs" --target raftsim >/dev/null
  clang_raftsim="$clang_dir/raftsim"
fi
[ -x "$clang_raftsim" ] || { echo "compare-compilers: no clang raftsim at $clang_raftsim" >&2; exit 3; }
# The two binaries must come from the two compilers (the .comment section names the compilers of its objects).
compilers() { readelf -p .comment "$1" 2>/dev/null | grep -oE 'clang version|GCC:' | sort -u | tr '\n' ' '; }
case "$(compilers "$clang_raftsim")" in
  *"clang version"*) ;;
  *) echo "compare-compilers: $clang_raftsim was not compiled by clang (.comment: $(compilers "$clang_raftsim"))" >&2; exit 3 ;;
esac
case "$(compilers "$gxx_raftsim")" in
  *"clang version"*) echo "compare-compilers: $gxx_raftsim was compiled by clang, not g++" >&2; exit 3 ;;
esac

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
hashes() {  # raftsim binary, output name: "scenario seed hash" lines in the results' (fixed) order
  local bin="$1" name="$2"
  # Exit 1/2 (a violation) is expected for mutants and regressions; 3 and above is a real error.
  local rc=0
  # scenarios/*.json, not the folder: scenarios/experiments holds measurements (100 clients) whose one seed
  # takes over the seed timeout under the sanitizers since the history check streams (its batch fallback).
  "$bin" run scenarios/*.json scenarios/regressions scenarios/mutants --seeds "$seeds" --jobs "$jobs" --quiet --no-records \
    --json "$out/$name.json" >/dev/null || rc=$?
  if [ "$rc" -ge 3 ]; then echo "compare-compilers: $bin exited $rc" >&2; exit 3; fi
  grep -oE '"(scenario|name|seed|trace_hash)": *("[^"]*"|[0-9]+)' "$out/$name.json" > "$out/$name.txt"
}
hashes "$gxx_raftsim" gxx
hashes "$clang_raftsim" clang

runs="$(grep -c '"trace_hash"' "$out/gxx.txt" || true)"
if [ "$runs" -eq 0 ]; then echo "compare-compilers: no trace hashes in the results" >&2; exit 3; fi
if ! diff -u "$out/gxx.txt" "$out/clang.txt" > "$out/diff.txt"; then
  echo "compare-compilers: FAIL: g++ and clang builds give different traces (g++ -, clang +):"
  head -40 "$out/diff.txt"
  exit 1
fi
echo "compare-compilers: g++ and clang give the same trace hash in all $runs runs (seeds $seeds)"
