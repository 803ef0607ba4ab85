#!/usr/bin/env bash
# The installed package end to end (ctest "package: ..."): install this build into BUILD/install-prefix,
# build examples/your-raft against the installed package only, and drive the whole CLI with the
# example's implementation name: run (pass), a planted bug's failure record, replay, shrink, fuzz,
# mutants, check-trace, and the error for an unknown name.
#   tests/package/installed_example.sh BUILD_DIR SOURCE_DIR CMAKE_GENERATOR
set -euo pipefail
build="$(cd "$1" && pwd)"; src="$(cd "$2" && pwd)"; generator="$3"
prefix="$build/install-prefix"; example_build="$build/example-build"; work="$build/example-work"
rm -rf "$prefix" "$work"
mkdir -p "$work"

cmake --install "$build" --prefix "$prefix" >/dev/null
# Configure from the installed package alone: the source tree is not on any path.
cmake -S "$src/examples/your-raft" -B "$example_build" -G "$generator" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$example_build" >/dev/null
bin="$example_build/example-raftsim"
cd "$work"

fail() { echo "FAILED: $*" >&2; exit 1; }
expect_exit() {  # wanted-code, command...; output goes to last.out
  local want="$1"; shift
  local got=0
  "$@" >last.out 2>&1 || got=$?
  [[ "$got" == "$want" ]] || { cat last.out >&2; fail "exit $got (wanted $want): $*"; }
}

echo "== run: the example passes the basic scenario over 20 seeds"
expect_exit 0 "$bin" run "$src/scenarios/basic.json" --impl example --seeds 1..20 --jobs 2 --quiet --no-records

echo "== run: a planted bug of the example fails and writes a record naming the example"
expect_exit 1 "$bin" run "$src/scenarios/crash_restart_all.json" --impl example --bug forget-disk-on-restart \
  --seeds 1..10 --jobs 2 --quiet --records records
record="$(ls records/*.json | head -n 1)"
[[ -n "$record" ]] || fail "no failure record written"
grep -q '"impl": "example"' "$record" || fail "$record does not name the example"
grep -q '"forget-disk-on-restart"' "$record" || fail "$record does not name the planted bug"
grep -q '"reproduce": "example-raftsim replay' "$record" || fail "$record's reproduce command is not example-raftsim's"

echo "== replay reproduces it (equal trace hash)"
expect_exit 1 "$bin" replay "$record"
grep -q "reproduced: the trace hash" last.out || { cat last.out >&2; fail "replay did not reproduce $record"; }

echo "== shrink keeps the implementation, and the shrunk scenario still fails"
expect_exit 0 "$bin" shrink "$record" -o small.json
grep -q '"impl": "example"' small.json || fail "the shrunk scenario lost the implementation"
grep -q '^// reproduce: example-raftsim run small.json --seed' small.json || fail "small.json's header names another program"
seed="$(grep -o 'run small.json --seed [0-9]*' small.json | head -n 1 | grep -o '[0-9]*$')"
# The shrunk scenario expects its violation: it passes when the violation is still there.
expect_exit 0 "$bin" run small.json --seed "$seed" --no-records
grep -q "VIOLATION" last.out && grep -q "(as expected)" last.out || { cat last.out >&2; fail "small.json lost the violation"; }

echo "== fuzz with the name: the correct example is clean, the planted bug is found"
expect_exit 0 "$bin" fuzz "$src/scenarios/swarm_nemesis.json" --impl example --seeds 16 --jobs 2 --out fuzz-clean
expect_exit 1 "$bin" fuzz "$src/scenarios/crash_restart_all.json" --impl example --bug forget-disk-on-restart \
  --seeds 10 --jobs 2 --out fuzz-bug
grep -q "distinct failures" last.out || fail "fuzz reported no failure"

echo "== mutants measures the example's own planted bug"
expect_exit 0 "$bin" mutants "$src/scenarios/crash_restart_all.json" --impl example --budget 10 --streams 1 \
  --no-shrink --no-correct --jobs 2 --out mutants
grep -q "forget-disk-on-restart" last.out || fail "mutants did not plant the example's bug"

echo "== check-trace reads a trace the example wrote"
expect_exit 0 "$bin" run "$src/scenarios/basic.json" --impl example --seed 3 --trace trace.jsonl --no-records
expect_exit 0 "$bin" check-trace trace.jsonl

echo "== JSON results name the implementation"
expect_exit 0 "$bin" run "$src/scenarios/basic.json" --impl example --seeds 1..2 --json results.json --no-records
grep -q '"impl": "example"' results.json || fail "results.json does not name the implementation"

echo "== requests an implementation cannot serve are usage errors"
expect_exit 3 "$bin" run "$src/scenarios/basic.json" --impl example --bug commit-prior-term
grep -q "unknown bug 'commit-prior-term' for example" last.out || { cat last.out >&2; fail "no clear error for a foreign bug"; }
expect_exit 3 "$bin" run "$src/scenarios/basic.json" --impl example --command "./node --flag"
grep -q "takes no command" last.out || { cat last.out >&2; fail "no clear error for a command"; }

echo "== an unknown implementation is a usage error that lists the registered names"
expect_exit 3 "$bin" run "$src/scenarios/basic.json" --impl mine
grep -q "example" last.out && grep -q "reference" last.out || { cat last.out >&2; fail "the error does not list the names"; }
echo "package: all checks passed"
