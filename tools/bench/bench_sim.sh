#!/usr/bin/env bash
# The simulator's speed and memory figures of issue 14 (ctest -L bench; not part of ./build.sh test):
#   1. events per CPU second and simulated seconds per CPU second, every checker on and checkers off
#      (raftsim_bench, CPU time of the process: CLOCK_PROCESS_CPUTIME_ID);
#   2. peak RSS (VmHWM) of one simulated hour (goal 2: under 200 MB), measured, not extrapolated: basic.json
#      with the reference Raft's log compaction (scenarios/bench/basic_compacted.json) and swarm_nemesis.json;
#   3. the history check (goal 3): 64 clients on 5 keys for 60 simulated s (scenarios/bench/
#      basic_64_clients.json: peak RSS, goal under 300 MB, and the check's share of the CPU, goal under 15%:
#      1 - CPU without the check / CPU with it), and swarm_nemesis with 40 clients on 8 keys for 30 s
#      (scenarios/bench/swarm_40_clients.json, seeds 1-3: each history decided, the check's CPU per seed);
#   4. instructions per trace event under callgrind (stable on a shared machine), if valgrind is installed:
#      the difference of two short runs (10 and 20 simulated seconds), so start-up and scenario loading do
#      not count (the end-of-run history check grows with the run and does); the whole 20 s run's Ir per
#      event is printed too.
# It prints the figures next to the goals; it fails only if a benchmark run fails (a violation, or a history
# the check could not decide), never on a figure (figures on a shared machine are noisy; compare them, do
# not assert them). CPU time: about 3 minutes, most of it the two simulated hours and callgrind.
#
#   bench_sim.sh RAFTSIM_BENCH SCENARIO [SCENARIO_DIR]   (SCENARIO_DIR: where swarm_nemesis.json and bench/ are;
#                                                          default: SCENARIO's directory)
set -euo pipefail
bench=${1:?usage: bench_sim.sh RAFTSIM_BENCH SCENARIO}
scenario=${2:?usage: bench_sim.sh RAFTSIM_BENCH SCENARIO [SCENARIO_DIR]}
scenario_dir=${3:-$(dirname "$scenario")}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# summary line -> "events simulated_s cpu_s wall_s peak_rss_mib"
summary() { awk '/^summary:/ { for (i = 2; i <= NF; ++i) { split($i, kv, "="); printf "%s ", kv[2] } print "" }' "$1"; }

run() {  # name, args... (in this shell, not a subshell, so that a failure ends the script)
  local name=$1; shift
  run_file "$name" "$scenario" "$@"
}
run_file() {  # name, scenario file, args...
  local name=$1 file=$2; shift 2
  "$bench" "$file" "$@" > "$tmp/$name.txt"
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

echo "== peak RSS (VmHWM) of one simulated hour, one seed, every checker on (goal 2: under 200 MB)"
for file in "$scenario_dir/bench/basic_compacted.json" "$scenario_dir/swarm_nemesis.json"; do
  run_file hour "$file" --seconds 3600 --seeds 1
  read -r ev sim cpu _ rss < <(summary "$tmp/hour.txt")
  awk -v f="$(basename "$file")" -v ev="$ev" -v sim="$sim" -v cpu="$cpu" -v rss="$rss" 'BEGIN {
    printf "%s: peak RSS %.1f MiB over %.0f simulated s (%d events, %.1f s CPU)\n", f, rss, sim, ev, cpu }'
done

echo "== the history check with 64 clients on 5 keys, 60 simulated s, one seed (goal 3: under 300 MB, check under 15% of the CPU)"
clients64="$scenario_dir/bench/basic_64_clients.json"
run_file c64 "$clients64" --seconds 60 --seeds 1
read -r _ _ cpu_on _ rss_on < <(summary "$tmp/c64.txt")
run_file c64_off "$clients64" --seconds 60 --seeds 1 --history-check-off
read -r _ _ cpu_off _ rss_off < <(summary "$tmp/c64_off.txt")
awk -v a="$cpu_on" -v b="$cpu_off" -v ra="$rss_on" -v rb="$rss_off" 'BEGIN {
  printf "peak RSS %.1f MiB (%.1f MiB without the history check); CPU %.2f s, %.2f s without the check: the check %.0f%% of the CPU\n",
         ra, rb, a, b, (a - b) / a * 100 }'

echo "== the history check on swarm_nemesis with 40 clients on 8 keys, 30 simulated s, seeds 1-3 (goal 3: each decided within 5 s)"
swarm40="$scenario_dir/bench/swarm_40_clients.json"
run_file s40 "$swarm40" --seconds 30 --seeds 3
run_file s40_off "$swarm40" --seconds 30 --seeds 3 --history-check-off
# per seed: "seed N: ... X s CPU" -> the check's CPU = with - without
paste <(awk '/^  seed/ { for (i = 1; i <= NF; ++i) if ($i == "CPU,") { sub(":", "", $2); print $2, $(i - 2) } }' "$tmp/s40.txt") \
      <(awk '/^  seed/ { for (i = 1; i <= NF; ++i) if ($i == "CPU,") print $(i - 2) }' "$tmp/s40_off.txt") |
  awk '{ printf "seed %s decided; CPU %.2f s, %.2f s without the check: the check %.2f s\n", $1, $2, $3, $2 - $3 }'

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
