#!/usr/bin/env bash
# The HTML report in a real browser (issue 12 item 1): a violating run (a planted bug under the generic
# fuzz configuration, shrunk to its committed scenario) gets a report; headless Chromium loads it, and the DOM it dumps must show the page rendered (the
# script's marker), no JavaScript error (the page writes window.onerror and console.error into the DOM),
# a lane for every node, and the violation. A screenshot goes to the build directory.
# Skips (exit 77) when Chromium is not installed.
#   usage: chromium_report.sh RAFTSIM_BINARY SOURCE_DIR OUTPUT_DIR
set -euo pipefail
bin=$1 src=$2 out=$3
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  echo "SKIP: chromium is not installed (Debian package chromium; tools/install-deps.sh installs it)"
  exit 77
fi
mkdir -p "$out"
rm -f "$out/report.html" "$out/dom.html" "$out/report-screenshot.png"
set +e
"$bin" run "$src/scenarios/mutants/commit-prior-term.json" --no-records --in-process \
  --report "$out/report.html" > "$out/run.txt" 2>&1
code=$?
set -e
# The scenario expects its violation: exit 0 when it happens (and 1 if it did not, see its "expect").
if [ "$code" != 0 ]; then
  echo "FAIL: expected the planted bug's safety violation (its scenario expects it: exit 0), got exit $code"; cat "$out/run.txt"; exit 1
fi
checker=$(sed -n 's/^VIOLATION *\([a-z0-9-]*\).*/\1/p' "$out/run.txt" | head -1)
want_nodes=$(sed -n 's/^cluster *\([0-9]*\) nodes.*/\1/p' "$out/run.txt" | head -1)
[ -n "$checker" ] || { echo "FAIL: no VIOLATION line in the run's report"; cat "$out/run.txt"; exit 1; }
[ -s "$out/report.html" ] || { echo "FAIL: no report written"; exit 1; }
if grep -Eq '<script[^>]+src=|<link[^>]+href=|https?://' "$out/report.html"; then
  echo "FAIL: the report loads something from outside the file"; exit 1
fi

# A profile of its own, so that the test neither reads nor writes the user's.
browse() {
  timeout 60 "$chromium" --headless --disable-gpu --no-sandbox --no-first-run --disable-extensions \
    --user-data-dir="$out/chromium-profile" --window-size=1400,1000 "$@" "file://$out/report.html"
}
start=$(date +%s%N)
browse --dump-dom > "$out/dom.html" 2> "$out/chromium.log"
end=$(date +%s%N)
fail() { echo "FAIL: $1 (DOM dump: $out/dom.html)"; exit 1; }
grep -q 'data-state="rendered"' "$out/dom.html" || fail "the page did not finish its first render"
if grep -q 'class="js-error"' "$out/dom.html"; then
  grep -o 'class="js-error">[^<]*' "$out/dom.html"; fail "JavaScript errors on the page"
fi
nodes=$(grep -o '<tr data-node="[0-9]*"' "$out/dom.html" | wc -l)
[ "$nodes" = "$want_nodes" ] || fail "expected $want_nodes node lanes, found $nodes"
grep -q 'SAFETY VIOLATION: '"$checker" "$out/dom.html" || fail "the violation ($checker) is not shown"
grep -q 'id="violation-event"' "$out/dom.html" || fail "the checker's event is not named"
first=$(sed -n 's/.*data-first-render-ms="\([0-9.]*\)".*/\1/p' "$out/dom.html" | head -1)

# Zoomed on the violation (the page reads #zoom=violation), as in the README.
timeout 60 "$chromium" --headless --disable-gpu --no-sandbox --no-first-run --disable-extensions \
  --user-data-dir="$out/chromium-profile" --window-size=1400,1000 --screenshot="$out/report-screenshot.png" \
  "file://$out/report.html#zoom=violation" > /dev/null 2>> "$out/chromium.log"
[ -s "$out/report-screenshot.png" ] || fail "no screenshot"
head -c 8 "$out/report-screenshot.png" | od -An -c | grep -q 'P   N   G' || fail "the screenshot is not a PNG"
# A linearizability failure: the planted bug that only the history check sees (a retried request applied
# twice; its shrunk committed scenario). The page must list the longest linearizable prefix and the
# operations that cannot be placed.
set +e
"$bin" run "$src/scenarios/mutants/retry-applied-twice.json" --no-records --in-process \
  --report "$out/lin.html" > "$out/lin-run.txt" 2>&1
set -e
grep -q '^VIOLATION *linearizability' "$out/lin-run.txt" || { echo "FAIL: expected a linearizability violation"; cat "$out/lin-run.txt"; exit 1; }
timeout 60 "$chromium" --headless --disable-gpu --no-sandbox --no-first-run --disable-extensions \
  --user-data-dir="$out/chromium-profile" --window-size=1400,1000 --dump-dom "file://$out/lin.html" \
  > "$out/lin-dom.html" 2>> "$out/chromium.log"
grep -q 'data-state="rendered"' "$out/lin-dom.html" || fail "the linearizability page did not render"
! grep -q 'class="js-error"' "$out/lin-dom.html" || fail "JavaScript errors on the linearizability page"
grep -q '<ol id="lin-prefix"><li>' "$out/lin-dom.html" || fail "no linearizable prefix listed"
grep -q '<li class="stuck">cannot be placed: ' "$out/lin-dom.html" || fail "no operation that cannot be placed"
lin_note="linearizability prefix and stuck operations shown"
echo "ok: $checker shown on $want_nodes lanes; $lin_note; report $(stat -c %s "$out/report.html") bytes; first render ${first} ms" \
     "(script), chromium --dump-dom $(( (end - start) / 1000000 )) ms wall; screenshot $out/report-screenshot.png"
