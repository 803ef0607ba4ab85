#!/usr/bin/env bash
# The simulator's speed and memory figures of issue 14 (ctest -L bench; not part of ./build.sh test):
#   1. events per CPU second and simulated seconds per CPU second, every checker on and checkers off
#      (raftsim_bench, CPU time of the process: CLOCK_PROCESS_CPUTIME_ID);
#   2. instructions per trace event under callgrind (stable on a shared machine), if valgrind is installed:
#      the difference of two short runs (10 and 20 simulated seconds), so start-up and scenario loading do
#      not count (the end-of-run history check grows with the run and does); the whole 20 s run's Ir per
#      event is printed too;
#   3. peak RSS per simulated hour: the growth of VmHWM between a 60 and a 600 simulated-second run of one
#      seed, scaled to 3,600 simulated seconds (memory grows linearly in simulated time while every log
#      entry is kept), plus the 600 s run's own peak.
# It prints the figures next to the goals; it fails only if a benchmark run fails, never on a figure
# (figures on a shared machine are noisy; compare them, do not assert them).
#
#   bench_sim.sh RAFTSIM_BENCH SCENARIO
set -euo pipefail
bench=${1:?usage: bench_sim.sh RAFTSIM_BENCH SCENARIO}
scenario=${2:?usage: bench_sim.sh RAFTSIM_BENCH SCENARIO}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# summary line -> "events simulated_s cpu_s wall_s peak_rss_mib"
summary() { awk '/^summary:/ { for (i = 2; i <= NF; ++i) { split($i, kv, "="); printf "%s ", kv[2] } print "" }' "$1"; }

run() {  # name, args... (in this shell, not a subshell, so that a failure ends the script)
  local name=$1; shift
  "$bench" "$scenario" "$@" > "$tmp/$name.txt"
  if grep -Eq 'VIOLATION|UNKNOWN' "$tmp/$name.txt" || ! grep -q '^summary:' "$tmp/$name.txt"; then
    cat "$tmp/$name.txt"; echo "bench_sim: a benchmark run did not pass" >&2; exit 1
  fi
}

echo "== CPU time (CLOCK_PROCESS_CPUTIME_ID), $scenario stretched to 60 simulated seconds, seeds 1-3"
run on --seconds 60 --seeds 3
read -r ev sim cpu wall _ < <(summary "$tmp/on.txt")
awk -v ev="$ev" -v sim="$sim" -v cpu="$cpu" -v wall="$wall" 'BEGIN {
  printf "checkers on:  %.2f million events per CPU s (goal 5), %.0f simulated s per CPU s (goal 1000); wall: %.2f million events per s\n",
         ev / cpu / 1e6, sim / cpu, ev / wall / 1e6 }'
run off --seconds 60 --seeds 3 --checkers-off
read -r ev sim cpu wall _ < <(summary "$tmp/off.txt")
awk -v ev="$ev" -v sim="$sim" -v cpu="$cpu" -v wall="$wall" 'BEGIN {
  printf "checkers off: %.2f million events per CPU s (goal 8), %.0f simulated s per CPU s; wall: %.2f million events per s\n",
         ev / cpu / 1e6, sim / cpu, ev / wall / 1e6 }'

echo "== peak RSS (VmHWM), one seed, checkers on"
run rss_short --seconds 60 --seeds 1
read -r _ sim_a _ _ rss_a < <(summary "$tmp/rss_short.txt")
run rss_long --seconds 600 --seeds 1
read -r _ sim_b _ _ rss_b < <(summary "$tmp/rss_long.txt")
awk -v sa="$sim_a" -v sb="$sim_b" -v ra="$rss_a" -v rb="$rss_b" 'BEGIN {
  printf "peak RSS %.1f MiB at %.0f simulated s, %.1f MiB at %.0f simulated s: %.0f MiB per simulated hour of growth\n",
         ra, sa, rb, sb, (rb - ra) / (sb - sa) * 3600 }'

echo "== instructions (callgrind Ir), one seed, checkers on"
if ! command -v valgrind > /dev/null; then
  echo "skipped: valgrind is not installed"
  exit 0
fi
ir() {  # simulated seconds: writes "events Ir" to $tmp/ir.S
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$1" "$bench" "$scenario" --seconds "$1" --seeds 1 \
    > "$tmp/cg.$1.txt" 2> "$tmp/cg.$1.err" || { cat "$tmp/cg.$1.err" >&2; exit 1; }
  local events total
  events=$(summary "$tmp/cg.$1.txt" | awk '{ print $1 }')
  total=$(awk '/^(summary|totals):/ { print $2; exit }' "$tmp/cg.$1")
  [[ -n $events && -n $total ]] || { echo "bench_sim: no event or instruction count from callgrind" >&2; exit 1; }
  echo "$events $total" > "$tmp/ir.$1"
}
ir 10
ir 20
read -r ev_a ir_a < "$tmp/ir.10"
read -r ev_b ir_b < "$tmp/ir.20"
awk -v ea="$ev_a" -v eb="$ev_b" -v ia="$ir_a" -v ib="$ir_b" 'BEGIN {
  printf "%.0f instructions per trace event (goal 1300): (Ir %d - %d) / (events %d - %d), 20 and 10 simulated s\n",
         (ib - ia) / (eb - ea), ib, ia, eb, ea
  printf "whole 20 s run, start-up and history check included: %.0f instructions per event\n", ib / eb }'
