#!/usr/bin/env python3
"""The source article's experiments, reproduced (issue 12 item 4; docs/experiments.md).

Runs the scenarios of scenarios/experiments/ (and the variants derived from them here) with
`raftsim run --json`, over a range of seeds, and writes the tables (results.md) and plots (SVG) into an
output folder. Python 3 standard library only. The output depends only on the raftsim binary, the
scenario files and the seeds: no clock, no randomness, fixed number formats, so the same seeds give the
same bytes.

    tools/experiments/experiments.py --raftsim build/raftsim --seeds 1..20 --out docs/experiments
    tools/experiments/experiments.py --raftsim build/raftsim --seeds 1..2 --quick --out /tmp/x --check

Every time is virtual (simulated) time: the simulator's clock, not the machine's.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCENARIOS = os.path.join(ROOT, "scenarios", "experiments")

# The article's figures (issue 12): fixed versus randomized election timeouts, and 5 nodes under load.
ARTICLE_A = {"fixed": (3.8, 420.0, 68.0), "randomized": (1.2, 180.0, 12.0)}  # rounds, ms to elect, % conflicts
ARTICLE_WRITES_PER_S = 8000.0
ARTICLE_P99_MS = 12.0


# ---- running raftsim ------------------------------------------------------------------------------------

def load_scenario(name):
    """A scenario of scenarios/experiments/ as a dict; whole-line // comments are dropped."""
    with open(os.path.join(SCENARIOS, name), encoding="utf-8") as f:
        text = "".join(line for line in f if not line.lstrip().startswith("//"))
    return json.loads(text)


def with_overrides(base, overrides):
    """A deep copy of `base` with each "a.b.c" (list items by index) set to its value."""
    s = json.loads(json.dumps(base))
    for path, value in overrides.items():
        node = s
        keys = path.split(".")
        for k in keys[:-1]:
            node = node[int(k)] if isinstance(node, list) else node.setdefault(k, {})
        last = keys[-1]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return s


class Runner:
    def __init__(self, raftsim, seeds, jobs, work):
        self.raftsim, self.seeds, self.jobs, self.work = raftsim, seeds, jobs, work
        os.makedirs(work, exist_ok=True)
        self.commands = []

    def run(self, run_id, base_name, overrides, seeds=None):
        """Runs one variant over the seeds; returns the per-seed rows of `raftsim run --json`."""
        seeds = seeds or self.seeds
        scenario = with_overrides(load_scenario(base_name), overrides)
        scenario["name"] = run_id
        path = os.path.join(self.work, run_id + ".json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(scenario, f, indent=1, sort_keys=True)
        out = os.path.join(self.work, run_id + ".results.json")
        cmd = [self.raftsim, "run", path, "--seeds", seeds, "--jobs", str(self.jobs), "--quiet",
               "--no-records", "--json", out]
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if done.returncode not in (0, 1, 2):  # 1, 2: a verdict, counted in the tables; else broken input
            sys.exit(f"experiments: {' '.join(cmd)} exited {done.returncode}:\n{done.stderr}")
        with open(out, encoding="utf-8") as f:
            rows = json.load(f)["scenarios"][0]["seeds"]
        self.commands.append((run_id, base_name, overrides, seeds))
        sys.stderr.write(f"  {run_id}: {len(rows)} seeds\n")
        return rows


def verdicts(rows):
    counts = {"pass": 0, "safety": 0, "liveness": 0}
    for r in rows:
        v = r["verdict"]
        counts["safety" if "safety" in v else "liveness" if "liveness" in v else "pass"] += 1
    return counts


def pooled_percentile(rows, percent, key="window"):
    """Nearest-rank percentile of the pooled latency histograms (checkers/metrics.h), in ms."""
    buckets, count, top = {}, 0, 0
    for r in rows:
        h = (r["metrics"][key] if key else r["metrics"])["commit_latency_histogram"]
        count += h["count"]
        top = max(top, h["max_us"])
        for floor, n in h["buckets"]:
            buckets[floor] = buckets.get(floor, 0) + n
    if count == 0:
        return 0.0
    rank = (percent * count + 99) // 100
    seen = 0
    for floor in sorted(buckets):
        seen += buckets[floor]
        if seen >= rank:
            return min(floor, top) / 1000.0
    return top / 1000.0


def mean(xs):
    return sum(xs) / len(xs) if xs else 0.0


def median(xs):
    s = sorted(xs)
    return 0.0 if not s else (s[(len(s) - 1) // 2] + s[len(s) // 2]) / 2.0


# ---- SVG ------------------------------------------------------------------------------------------------

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#7f7f7f"]


def esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def fmt(x):
    """A number for SVG coordinates or labels: fixed precision, no trailing noise."""
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def nice_ticks(lo, hi, count=5):
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks, t = [], start
    while not ticks or ticks[-1] < hi - step * 1e-9:  # the last tick at or above hi: every point fits
        ticks.append(round(t, 10))
        t += step
    return ticks


class Panel:
    """One chart: a line chart (x numeric, optionally log2) or a bar chart (x categorical)."""

    def __init__(self, title, xlabel, ylabel, kind="line", logx=False, categories=None, logy=False):
        self.title, self.xlabel, self.ylabel, self.kind, self.logx = title, xlabel, ylabel, kind, logx
        self.logy = logy  # log10 y axis (values > 0), ticks at powers of ten
        self.categories = categories or []
        self.series = []  # (label, [(x, y)], dashed)
        self.hlines = []  # (y, label)

    def add(self, label, points, dashed=False):
        self.series.append((label, points, dashed))

    def hline(self, y, label):
        self.hlines.append((y, label))

    def render(self, ox, oy, w, h):
        out = []
        legend_rows = (len(self.series) + 1) // 2
        left, right, top, bottom = 62, 12, 28 + 14 * legend_rows, 44
        pw, ph = w - left - right, h - top - bottom
        ys = [y for _, pts, _ in self.series for _, y in pts] + [y for y, _ in self.hlines] + [0.0]
        if self.logy:
            positive = [y for y in ys if y > 0] or [1.0]
            lo, hi = math.floor(math.log10(min(positive))), math.ceil(math.log10(max(positive)))
            hi = max(hi, lo + 1)
            yticks = [10.0 ** e for e in range(lo, hi + 1)]

            def py(y):
                v = math.log10(max(y, yticks[0]))
                return oy + top + ph - (v - lo) / (hi - lo) * ph
        else:
            yticks = nice_ticks(0.0, max(ys) * 1.12 if max(ys) > 0 else 1.0)
            ymax = yticks[-1]

            def py(y):
                return oy + top + ph - (y / ymax) * ph

        out.append(f'<text x="{fmt(ox + w / 2)}" y="{fmt(oy + 16)}" text-anchor="middle" font-weight="bold">{esc(self.title)}</text>')
        out.append(f'<rect x="{fmt(ox + left)}" y="{fmt(oy + top)}" width="{fmt(pw)}" height="{fmt(ph)}" fill="none" stroke="#444"/>')
        for t in yticks:
            out.append(f'<line x1="{fmt(ox + left - 4)}" y1="{fmt(py(t))}" x2="{fmt(ox + left + pw)}" y2="{fmt(py(t))}" stroke="#ddd"/>')
            out.append(f'<text x="{fmt(ox + left - 6)}" y="{fmt(py(t) + 4)}" text-anchor="end">{fmt(t)}</text>')
        out.append(f'<text transform="translate({fmt(ox + 14)},{fmt(oy + top + ph / 2)}) rotate(-90)" text-anchor="middle">{esc(self.ylabel)}</text>')
        out.append(f'<text x="{fmt(ox + left + pw / 2)}" y="{fmt(oy + h - 6)}" text-anchor="middle">{esc(self.xlabel)}</text>')
        if self.kind == "line":
            xs = [x for _, pts, _ in self.series for x, _ in pts]
            tx = (lambda x: math.log2(x)) if self.logx else (lambda x: x)
            xlo, xhi = tx(min(xs)), tx(max(xs))
            if xhi == xlo:
                xhi = xlo + 1

            def px(x):
                return ox + left + (tx(x) - xlo) / (xhi - xlo) * pw

            for x in sorted(set(xs)):
                out.append(f'<text x="{fmt(px(x))}" y="{fmt(oy + top + ph + 16)}" text-anchor="middle">{fmt(x)}</text>')
            for i, (label, pts, dashed) in enumerate(self.series):
                c = COLORS[i % len(COLORS)]
                d = " ".join(f"{fmt(px(x))},{fmt(py(y))}" for x, y in pts)
                dash = ' stroke-dasharray="6,3"' if dashed else ""
                out.append(f'<polyline class="series" data-series="{esc(label)}" points="{d}" fill="none" stroke="{c}" stroke-width="2"{dash}/>')
                for x, y in pts:
                    out.append(f'<circle cx="{fmt(px(x))}" cy="{fmt(py(y))}" r="3" fill="{c}"/>')
        else:
            groups = len(self.categories)
            gw = pw / max(1, groups)
            for g, cat in enumerate(self.categories):
                out.append(f'<text x="{fmt(ox + left + gw * (g + 0.5))}" y="{fmt(oy + top + ph + 16)}" text-anchor="middle">{esc(cat)}</text>')
            # Bars of a group share its width among the series present in it, so a lone bar is centred.
            present = {g: [i for i, (_, pts, _) in enumerate(self.series) if any(x == g for x, _ in pts)]
                       for g in range(groups)}
            for i, (label, pts, _) in enumerate(self.series):
                c = COLORS[i % len(COLORS)]
                out.append(f'<g class="series" data-series="{esc(label)}" fill="{c}">')
                for g, y in pts:
                    bw = gw * 0.8 / len(present[g])
                    x0 = ox + left + gw * g + gw * 0.1 + bw * present[g].index(i)
                    out.append(f'<rect x="{fmt(x0)}" y="{fmt(py(y))}" width="{fmt(bw)}" height="{fmt(py(0) - py(y))}"/>')
                    out.append(f'<text x="{fmt(x0 + bw / 2)}" y="{fmt(py(y) - 3)}" text-anchor="middle" font-size="9" fill="#222">{fmt(y)}</text>')
                out.append("</g>")
        for y, label in self.hlines:
            out.append(f'<line x1="{fmt(ox + left)}" y1="{fmt(py(y))}" x2="{fmt(ox + left + pw)}" y2="{fmt(py(y))}" stroke="#000" stroke-dasharray="2,3"/>')
            out.append(f'<text x="{fmt(ox + left + pw - 4)}" y="{fmt(py(y) - 4)}" text-anchor="end" font-size="10">{esc(label)}</text>')
        # Legend: two columns between the title and the plot.
        for i, (label, _, dashed) in enumerate(self.series):
            c = COLORS[i % len(COLORS)]
            lx = ox + left + (pw / 2) * (i % 2)
            ly = oy + 28 + 14 * (i // 2) + 6
            out.append(f'<rect x="{fmt(lx)}" y="{fmt(ly - 8)}" width="10" height="10" fill="{c}"/>')
            out.append(f'<text x="{fmt(lx + 14)}" y="{fmt(ly + 1)}" font-size="10">{esc(label)}</text>')
        return out


def write_svg(path, panels, caption, panel_w=420, panel_h=300):
    w, h = panel_w * len(panels), panel_h + 22
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="{w}" height="{h}" fill="#fff"/>']
    for i, p in enumerate(panels):
        out.extend(p.render(i * panel_w, 0, panel_w, panel_h))
    out.append(f'<text x="6" y="{h - 6}" font-size="10" fill="#555">{esc(caption)}</text>')
    out.append("</svg>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


# ---- the experiments ------------------------------------------------------------------------------------

def table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def experiment_a(runner, quick):
    """Fixed versus randomized election timeouts on 3 and 5 nodes, on jittery hosts."""
    rows, figs = [], {}
    for nodes in (3, 5):
        for mode, tmax in (("fixed", 150), ("randomized", 300)):
            run_id = f"a_{mode}_{nodes}"
            seeds = runner.run(run_id, "a_election_timeouts.json",
                               {"cluster.nodes": nodes, "raft.election_timeout_ms_max": tmax})
            m = [r["metrics"] for r in seeds]
            leaders = sum(x["leaders_elected"] for x in m)
            splits = sum(x["split_votes"] for x in m)
            contested = sum(x["contested_terms"] for x in m)
            candidacies = sum(x["elections"] for x in m)
            terms = leaders + splits  # terms with a candidate: one leader at most per term
            first = [x["first_leader_ms"] for x in m if x["first_leader_ms"] >= 0]
            after = [d["recovery_ms"] for x in m for d in x["disruptions"] if d["kind"] == "crash"]
            never = sum(1 for t in after if t < 0)
            after_ok = [t for t in after if t >= 0]
            elect_times = first + after_ok
            v = verdicts(seeds)
            rounds = terms / leaders if leaders else float("inf")
            conflict = 100.0 * contested / terms if terms else 0.0
            split_pct = 100.0 * splits / terms if terms else 0.0
            figs[(mode, nodes)] = (rounds, mean(elect_times), conflict)
            rows.append([f"{mode} ({150 if mode == 'fixed' else '150-300'} ms)", nodes, len(seeds), leaders,
                         f"{rounds:.2f}", f"{candidacies / leaders if leaders else 0:.2f}",
                         f"{mean(first):.0f}", f"{mean(after_ok):.0f} / {median(after_ok):.0f}",
                         f"{mean(elect_times):.0f}", never, f"{conflict:.1f}%", f"{split_pct:.1f}%",
                         f"{v['pass']}/{v['safety']}/{v['liveness']}"])
    for mode, (r, t, c) in ARTICLE_A.items():
        rows.append([f"article, {mode}", "?", "?", "?", f"{r}", "", "", "", f"{t:.0f}", "", f"{c:.0f}%", "", ""])
    md = table(["timeouts", "nodes", "seeds", "leaders elected", "rounds per election", "candidacies per election",
                "first leader ms (mean)", "re-election after leader crash ms (mean / median)",
                "time to elect ms (mean, all)", "crashes never recovered", "contested terms",
                "terms without a leader", "pass/safety/liveness"], rows)
    cats = ["fixed, 3", "fixed, 5", "random, 3", "random, 5", "article"]
    panels = []
    for k, (title, unit) in enumerate((("election rounds", "terms per leader elected"),
                                       ("time to elect", "ms of virtual time"),
                                       ("conflicts", "% of terms with 2+ candidates"))):
        p = Panel(title, "timeouts, nodes", unit, kind="bar", categories=cats)
        ours_fixed = [(0, figs[("fixed", 3)][k]), (1, figs[("fixed", 5)][k])]
        ours_rand = [(2, figs[("randomized", 3)][k]), (3, figs[("randomized", 5)][k])]
        p.add("raftsim, fixed", ours_fixed)
        p.add("raftsim, randomized", ours_rand)
        p.add("article, fixed", [(4, ARTICLE_A["fixed"][k])])
        p.add("article, randomized", [(4, ARTICLE_A["randomized"][k])])
        panels.append(p)
    return md, panels


def experiment_b(runner, quick):
    """3/5/7 nodes with none, a minority and a majority crashed from 1000 to 4000 ms."""
    rows = []
    tput = {}
    leaderless = {}
    sizes = (3, 5) if quick else (3, 5, 7)
    for nodes in sizes:
        minority = (nodes - 1) // 2
        for label, f in (("none", 0), ("minority", minority), ("majority", minority + 1)):
            crashed = list(range(nodes - f, nodes))
            overrides = {"cluster.nodes": nodes}
            if f == 0:
                overrides["faults"] = []
            else:
                overrides["faults.0.nodes"] = crashed
            seeds = runner.run(f"b_{nodes}_nodes_{f}_down", "b_failures.json", overrides)
            w = [r["metrics"]["window"] for r in seeds]
            span = w[0]["to_ms"] - w[0]["from_ms"]
            writes = mean([x["writes_per_s"] for x in w])
            ll = mean([x["leaderless_ms"] for x in w])
            committed = [x["committed_entries"] for x in w]
            rec = [d["recovery_ms"] for r in seeds for d in r["metrics"]["disruptions"]
                   if d["kind"] == "crash" and d["at_ms"] == 1000.0]
            v = verdicts(seeds)
            tput[(nodes, label)] = writes
            leaderless[(nodes, label)] = 100.0 * ll / span
            rows.append([nodes, f"{f} ({label})", len(seeds), f"{writes:.0f}", f"{ll:.0f} ({100.0 * ll / span:.1f}%)",
                         f"{mean(committed):.0f} (min {min(committed)}, max {max(committed)})",
                         f"{sum(1 for t in rec if t > 0)} of {len(rec)}" if f else "-",
                         f"{mean([t for t in rec if t > 0]):.0f}" if f and any(t > 0 for t in rec) else "-",
                         f"{v['pass']}/{v['safety']}/{v['liveness']}"])
    md = table(["nodes", "crashed", "seeds", "writes/s during the fault", "leaderless ms during the fault",
                "entries committed during the fault",
                "runs that lost the leader (it crashed, or no majority was left)",
                "ms until a leader again (those runs, mean; a majority down: only after the restart at 4000 ms)",
                "pass/safety/liveness"], rows)
    cats = [f"{n} nodes" for n in sizes]
    p1 = Panel("writes/s while nodes are down", "cluster", "writes/s (virtual time)", kind="bar", categories=cats)
    p2 = Panel("leaderless while nodes are down", "cluster", "% of the fault window", kind="bar", categories=cats)
    for label in ("none", "minority", "majority"):
        p1.add(f"{label} crashed", [(i, tput[(n, label)]) for i, n in enumerate(sizes)])
        p2.add(f"{label} crashed", [(i, leaderless[(n, label)]) for i, n in enumerate(sizes)])
    return md, [p1, p2]


def experiment_c(runner, quick):
    """5 nodes, closed-loop writers 1..256, batching on and off."""
    clients_list = (1, 16) if quick else (1, 4, 16, 32, 64, 128, 256)
    modes = (("batching on", {"disk.group_commit": True, "raft.max_entries_per_append": 64}),
             ("batching off", {"disk.group_commit": False, "raft.max_entries_per_append": 1}),
             ("group commit only", {"disk.group_commit": True, "raft.max_entries_per_append": 1}))
    if quick:
        modes = modes[:2]
    rows, curves = [], {}
    for mode, overrides in modes:
        for clients in clients_list:
            o = dict(overrides)
            o["workload.clients"] = clients
            seeds = runner.run(f"c_{mode.replace(' ', '_')}_{clients}_clients", "c_load.json", o, runner.load_seeds)
            w = [r["metrics"]["window"] for r in seeds]
            span_s = sum(x["to_ms"] - x["from_ms"] for x in w) / 1000.0
            writes = sum(x["writes_ok"] for x in w) / span_s
            p50, p99 = pooled_percentile(seeds, 50), pooled_percentile(seeds, 99)
            mpe = mean([r["metrics"]["messages_per_committed_entry"] for r in seeds])
            v = verdicts(seeds)
            curves.setdefault(mode, []).append((clients, writes, p99))
            rows.append([mode, clients, len(seeds), f"{writes:.0f}", f"{p50:.2f}", f"{p99:.2f}", f"{mpe:.2f}",
                         f"{v['pass']}/{v['safety']}/{v['liveness']}"])
    md = table(["batching", "clients", "seeds", "writes/s", "commit latency p50 ms", "p99 ms",
                "messages per committed entry", "pass/safety/liveness"], rows)
    p1 = Panel("throughput", "clients (closed loop, no think time)", "writes/s (virtual time)", logx=True)
    p2 = Panel("commit latency p99", "clients (closed loop, no think time)", "ms (virtual time, log scale)",
               logx=True, logy=True)
    for mode, pts in curves.items():
        p1.add(mode, [(c, t) for c, t, _ in pts])
        p2.add(mode, [(c, l) for c, _, l in pts])
    p1.hline(ARTICLE_WRITES_PER_S, "article: 8,000 writes/s")
    p2.hline(ARTICLE_P99_MS, "article: p99 < 12 ms")
    return md, [p1, p2]


def experiment_d(runner, quick):
    """Heartbeat interval as a fraction of election_timeout_ms_min (150 ms), under delay and loss."""
    fractions = ((1, 10), (1, 3)) if quick else ((1, 10), (1, 5), (1, 3), (1, 2), (2, 3), (9, 10))
    losses = (0.1,) if quick else (0.0, 0.1, 0.3)
    rows, curves = [], {}
    for loss in losses:
        for num, den in fractions:
            hb = round(150.0 * num / den, 3)
            seeds = runner.run(f"d_loss_{int(loss * 100)}_heartbeat_{num}_{den}", "d_heartbeat.json",
                               {"raft.heartbeat_interval_ms": hb, "network.drop_probability": loss})
            w = [r["metrics"]["window"] for r in seeds]
            minutes = sum(x["to_ms"] - x["from_ms"] for x in w) / 60000.0
            spurious = sum(x["elections"] for x in w) / minutes
            ll = 100.0 * sum(x["leaderless_ms"] for x in w) / (minutes * 60000.0)
            v = verdicts(seeds)
            curves.setdefault(loss, []).append((num / den, spurious, ll))
            rows.append([f"{int(loss * 100)}%", f"{num}/{den} ({hb:g} ms)", len(seeds), f"{spurious:.1f}",
                         f"{ll:.2f}%", f"{v['pass']}/{v['safety']}/{v['liveness']}"])
    md = table(["loss", "heartbeat / election_timeout_ms_min", "seeds", "spurious candidacies per minute",
                "leaderless share of time", "pass/safety/liveness"], rows)
    p1 = Panel("spurious elections", "heartbeat interval / election timeout min", "candidacies per minute (log; 0 on the bottom line)",
               logy=True)
    p2 = Panel("time without a leader", "heartbeat interval / election timeout min", "% of time")
    for loss, pts in curves.items():
        p1.add(f"loss {int(loss * 100)}%", [(f, s) for f, s, _ in pts])
        p2.add(f"loss {int(loss * 100)}%", [(f, l) for f, _, l in pts])
    return md, [p1, p2]


EXPERIMENTS = (("a", "fixed versus randomized election timeouts", experiment_a),
               ("b", "availability while nodes are down", experiment_b),
               ("c", "throughput and p99 against offered load", experiment_c),
               ("d", "heartbeat interval against spurious elections", experiment_d))


def check_svg(path, labels):
    """The SVG parses as XML and has a series element for every expected label."""
    root = ET.parse(path).getroot()
    found = {e.get("data-series") for e in root.iter() if e.get("class") == "series"}
    missing = [l for l in labels if l not in found]
    if missing:
        sys.exit(f"experiments: {path}: series missing: {missing} (found {sorted(found)})")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--raftsim", default=os.path.join(ROOT, "build", "raftsim"))
    ap.add_argument("--seeds", default="1..20", help="seed range A..B for every point")
    ap.add_argument("--load-seeds", default=None, help="seed range for experiment (c), the costly one (default: --seeds)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "experiments"))
    ap.add_argument("--work", default=None, help="where variant scenarios and raw results go (default build/experiments-work)")
    ap.add_argument("--only", default="abcd", help="which experiments, e.g. \"ac\"")
    ap.add_argument("--quick", action="store_true", help="a few points per experiment (the ctest)")
    ap.add_argument("--check", action="store_true", help="check every SVG is well-formed with its series")
    a = ap.parse_args()
    if not os.access(a.raftsim, os.X_OK):
        sys.exit(f"experiments: {a.raftsim}: not an executable (build it: cmake --build build --target raftsim)")
    os.makedirs(a.out, exist_ok=True)
    runner = Runner(a.raftsim, a.seeds, a.jobs, a.work or os.path.join(ROOT, "build", "experiments-work"))
    runner.load_seeds = a.load_seeds or a.seeds
    flags = f"--seeds {a.seeds} --load-seeds {runner.load_seeds}{' --quick' if a.quick else ''}"
    sections = [f"<!-- generated by tools/experiments/experiments.py {flags}: do not edit -->",
                "# Experiment results (generated)", "",
                f"Seeds {a.seeds} for every point of (a), (b) and (d), {runner.load_seeds} for (c); every time is "
                "virtual (simulated) time. "
                "Regenerate: `tools/experiments/run.sh`. Narrative: [../experiments.md](../experiments.md).", ""]
    for key, title, fn in EXPERIMENTS:
        if key not in a.only:
            continue
        sys.stderr.write(f"experiment ({key}): {title}\n")
        md, panels = fn(runner, a.quick)
        svg = os.path.join(a.out, f"{key}.svg")
        seeds = runner.load_seeds if key == "c" else a.seeds
        write_svg(svg, panels, f"raftsim experiment ({key}), seeds {seeds}, virtual time; "
                               f"tools/experiments/experiments.py {flags}")
        if a.check:
            check_svg(svg, [s[0] for p in panels for s in p.series])
        sections += [f"## ({key}) {title}", "", f"![({key})]({key}.svg)", "", md, ""]
    sections += ["## Points", "", "Each point is its base scenario with these fields overridden:", ""]
    sections += [f"- `{rid}`: scenarios/experiments/{base} with {json.dumps(o, sort_keys=True)}, seeds {seeds}"
                 for rid, base, o, seeds in runner.commands]
    with open(os.path.join(a.out, "results.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(sections) + "\n")
    sys.stderr.write(f"experiments: wrote {a.out}/results.md and the SVGs\n")


if __name__ == "__main__":
    main()
