// The HTML report's CSS, page skeleton and drawing script, as raw strings (see html_report_assets.h).
// The script reads the JSON that reports/html_report.cpp embeds (layout version kReportDataVersion) and
// draws it on a canvas: only what lies in the visible time window (binary search on sorted times), and
// past 1.5 ordinary message arrows per pixel column only one in k of them (lost, duplicated and stale ones are
// always drawn). Errors on the page are written into the DOM (#errors) and #render-status says when the
// first render finished, so that a headless browser's DOM dump shows both (tests/report/).
#include "reports/html_report_assets.h"

namespace reports {

const char* const kReportCss = R"RAW(
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d2733; background: #f6f7f9; }
header { padding: 10px 16px 6px; background: #1d2733; color: #fff; }
header h1 { font-size: 17px; margin: 0 0 4px; font-weight: 600; }
#facts { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 12px; color: #c9d3de; }
#facts b { color: #fff; font-weight: 600; }
#violation { margin: 8px 16px 0; padding: 8px 12px; border-left: 5px solid #c0392b; background: #fdecea; }
#violation.liveness { border-color: #d68910; background: #fef5e7; }
#violation h2 { margin: 0 0 4px; font-size: 14px; }
#violation pre, #lin pre { margin: 4px 0; white-space: pre-wrap; font: 12px/1.3 ui-monospace, "DejaVu Sans Mono", monospace; max-height: 12em; overflow: auto; }
#toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 12px; padding: 6px 16px; }
#toolbar button { font: inherit; padding: 2px 9px; border: 1px solid #9aa5b1; background: #fff; border-radius: 3px; cursor: pointer; }
#toolbar button:hover { background: #e8eef5; }
#toolbar label { white-space: nowrap; cursor: pointer; }
#range { color: #52606d; font-variant-numeric: tabular-nums; }
#kinds { display: flex; flex-wrap: wrap; gap: 2px 10px; }
.sw { display: inline-block; width: 12px; height: 10px; margin-right: 4px; vertical-align: -1px; border: 1px solid rgba(0,0,0,.25); }
#legend { display: flex; flex-wrap: wrap; gap: 3px 14px; padding: 0 16px 6px; font-size: 12px; color: #334e68; }
#legend .group { font-weight: 600; margin-left: 6px; }
#chart-wrap { position: relative; margin: 0 16px; background: #fff; border: 1px solid #d9e2ec; }
#chart { display: block; width: 100%; cursor: grab; }
#chart.dragging { cursor: grabbing; }
#tip { position: absolute; pointer-events: none; z-index: 5; max-width: 460px; padding: 6px 8px; background: rgba(29,39,51,.95); color: #fff; border-radius: 4px; font-size: 12px; white-space: pre-wrap; }
#tip b { color: #ffd479; }
section { margin: 10px 16px; }
section h2 { font-size: 14px; margin: 0 0 4px; }
table { border-collapse: collapse; background: #fff; font-size: 12px; }
td, th { border: 1px solid #d9e2ec; padding: 2px 8px; text-align: left; font-variant-numeric: tabular-nums; }
th { background: #eef2f6; font-weight: 600; }
#lin ol { margin: 4px 0; padding-left: 24px; max-height: 16em; overflow: auto; font: 12px/1.35 ui-monospace, "DejaVu Sans Mono", monospace; }
#lin .stuck { color: #c0392b; font-weight: 600; }
.js-error { color: #fff; background: #c0392b; padding: 4px 8px; margin: 4px 16px; font-family: monospace; }
#render-status { margin: 6px 16px 12px; font-size: 11px; color: #7b8794; }
.hint { color: #7b8794; font-size: 11px; }
)RAW";

const char* const kReportBody = R"RAW(
<div id="errors"></div>
<script>
// Errors anywhere on the page are written into it, so a headless browser's DOM dump shows them.
(function () {
  function show(text) {
    var d = document.createElement('div');
    d.className = 'js-error';
    d.textContent = 'error: ' + text;
    document.getElementById('errors').appendChild(d);
    var s = document.getElementById('render-status');
    if (s) s.setAttribute('data-state', 'error');
  }
  window.reportError = show;
  window.onerror = function (message, source, line, column) { show(message + ' (line ' + line + ':' + column + ')'); return false; };
  window.addEventListener('unhandledrejection', function (e) { show('unhandled rejection: ' + e.reason); });
  var original = console.error;
  console.error = function () { show(Array.prototype.join.call(arguments, ' ')); original.apply(console, arguments); };
})();
</script>
<header><h1 id="title">raftsim report</h1><div id="facts"></div></header>
<div id="violation" hidden></div>
<div id="toolbar">
  <button id="fit" title="Show the whole run (key 0)">fit</button>
  <button id="zoom-in" title="Zoom in (key +, or the mouse wheel)">+</button>
  <button id="zoom-out" title="Zoom out (key -)">&minus;</button>
  <button id="to-violation" hidden title="Zoom to the violation (key v)">violation</button>
  <label><input type="checkbox" id="show-msgs" checked> messages</label>
  <label><input type="checkbox" id="only-anomalies"> only lost, duplicated, stale</label>
  <span id="kinds"></span>
  <span id="range"></span>
</div>
<div id="legend"></div>
<div id="chart-wrap"><canvas id="chart" height="400"></canvas><div id="tip" hidden></div></div>
<div class="hint" style="margin:2px 16px">Drag to pan, wheel to zoom around the pointer, double-click to zoom in; hover anything for its fields.</div>
<section id="lin" hidden></section>
<section><h2>Nodes</h2><table id="nodes-table"></table></section>
<section id="metrics-section" hidden><h2>Metrics</h2><table id="metrics"></table></section>
<section><h2>Events by kind</h2><table id="counts"></table></section>
<div id="render-status" data-state="loading">loading...</div>
)RAW";

const char* const kReportScript = R"RAW(
(function () {
  'use strict';
  var started = performance.now();
  var D = JSON.parse(document.getElementById('report-data').textContent);
  if (D.v !== 1) throw new Error('report data version ' + D.v + ', this page draws version 1');
  var statusEl = document.getElementById('render-status');

  // ---- data ----
  var N = D.nodes, T_START = D.t0, T_END = Math.max(D.t1, D.t0 + 1);
  var M = D.msgs, OPS = D.ops, NM = M.t.length, NO = OPS.t0.length;
  var V = D.violation || null, LIN = D.lin || null;
  var ROLE_COLORS = ['#a9cce3', '#f5b041', '#27ae60'];
  var EXTRA_COLORS = ['#bb8fce', '#48c9b0', '#f1948a', '#85929e', '#d4ac0d'];
  var KIND_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f', '#393b79', '#637939', '#843c39'];
  var NODE_COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];
  var OUTCOME_COLORS = ['#2e9d57', '#d64541', '#e6a817', '#9aa5b1'];
  var OUTCOME_NAMES = ['ok', 'fail', 'info (unknown outcome)', 'open at the end'];
  var FATE_NAMES = ['delivered', 'dropped (random loss)', 'dropped (link blocked)', 'dropped (receiver down)', 'never delivered'];
  var FATE_COLORS = [null, '#d62728', '#8e44ad', '#34495e', '#9aa5b1'];
  var BAND_NAMES = ['partition', 'block', 'clog', 'degrade', 'liveness phase'];
  var BAND_COLORS = ['#d64541', '#e67e22', '#8e44ad', '#16a085', '#aed6f1'];
  var DUP = 8, STALE = 16, LONG_US = 100000;
  function roleColor(r) { return r < 0 ? '#4d4d4d' : r < 3 ? ROLE_COLORS[r] : EXTRA_COLORS[(r - 3) % EXTRA_COLORS.length]; }
  function roleName(r) { return r < 0 ? 'down (crashed)' : (D.roles[r] || 'role ' + r); }
  function kindColor(k) { return KIND_COLORS[k % KIND_COLORS.length]; }
  function nodeColor(n) { return NODE_COLORS[n % NODE_COLORS.length]; }
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]; }); }
  function ms(us) { return (us / 1000).toFixed(3) + ' ms'; }
  function members(mask) { var a = []; for (var i = 0; i < N; i++) if (Math.floor(mask / Math.pow(2, i)) % 2 === 1) a.push(i); return a; }
  function rest(mask) { var m = members(mask), a = []; for (var i = 0; i < N; i++) if (m.indexOf(i) < 0) a.push(i); return a; }
  function setOf(a) { return '{' + a.map(function (n) { return 'n' + n; }).join(',') + '}'; }
  function pct(ppm) { return (ppm / 10000).toFixed(1) + '%'; }
  function bandLabel(b) {
    switch (b[2]) {
      case 0: return 'partition ' + setOf(members(b[3])) + ' | ' + setOf(rest(b[3]));
      case 1: return 'block n' + b[3] + '\u2192n' + b[4];
      case 2: return 'clog n' + b[3] + '\u2192n' + b[4];
      case 3: return 'degrade n' + b[3] + '\u2192n' + b[4] + ' drop ' + pct(b[5]) + ' dup ' + pct(b[6]) + ' late ' + pct(b[7]);
      case 4: return 'liveness phase: everything healed';
    }
    return 'fault ' + b[2];
  }
  // Lower bound in a sorted array read with a stride (flat [t, v, t, v, ...] arrays use stride 2).
  function lowerBound(a, t, stride) {
    stride = stride || 1;
    var lo = 0, hi = Math.floor(a.length / stride);
    while (lo < hi) { var mid = (lo + hi) >> 1; if (a[mid * stride] < t) lo = mid + 1; else hi = mid; }
    return lo;
  }
  // Value of a step function [t, v, ...] at time t (undefined before its first point).
  function stepAt(a, t) { var i = lowerBound(a, t + 1, 2) - 1; return i >= 0 ? a[i * 2 + 1] : undefined; }

  // Messages that stay long in flight are checked on every draw; the rest by a window on send time.
  var longMsgs = [];
  for (var i = 0; i < NM; i++) { var end = M.d[i] < 0 ? T_END : M.d[i]; if (end - M.t[i] > LONG_US) longMsgs.push(i); }
  var kindOn = D.msg_kinds.map(function () { return true; });
  // Client processes, one row each, in order.
  var procs = [], procRow = {};
  for (i = 0; i < NO; i++) if (!(OPS.p[i] in procRow)) { procRow[OPS.p[i]] = -1; procs.push(OPS.p[i]); }
  procs.sort(function (a, b) { return a - b; });
  procs.forEach(function (p, r) { procRow[p] = r; });
  var opById = {};
  for (i = 0; i < NO; i++) opById[OPS.id[i]] = i;
  var linOrder = {}, linStuck = {};
  if (LIN) {
    LIN.prefix.forEach(function (id, k) { linOrder[id] = k + 1; });
    LIN.stuck.forEach(function (id) { linStuck[id] = true; });
  }
  // Fault bands packed into rows.
  var bandRow = [], rowEnds = [];
  D.bands.forEach(function (b, k) {
    var e = b[1] < 0 ? T_END : b[1], r = 0;
    while (r < rowEnds.length && rowEnds[r] > b[0]) r++;
    if (r >= 8) r = 7;
    rowEnds[r] = Math.max(rowEnds[r] || 0, e);
    bandRow[k] = r;
  });
  var bandRows = Math.max(1, rowEnds.length);

  // ---- layout (CSS pixels) ----
  var GUTTER = 112, AXIS_H = 24, BAND_H = 13, LANE_H = 46, ROLE_H = 12, CHART_H = 110;
  var CLIENT_H = procs.length > 40 ? 7 : 13;
  var Y_BANDS = AXIS_H + 4;
  var Y_LANES = Y_BANDS + bandRows * BAND_H + 8;
  var Y_CHART = Y_LANES + N * LANE_H + 14;
  var Y_CLIENTS = Y_CHART + CHART_H + 16;
  var HEIGHT = Y_CLIENTS + Math.max(1, procs.length) * CLIENT_H + 12;
  function laneTop(n) { return Y_LANES + n * LANE_H; }
  function laneMid(n) { return laneTop(n) + ROLE_H + (LANE_H - ROLE_H) / 2; }

  var canvas = document.getElementById('chart'), ctx = canvas.getContext('2d');
  var tip = document.getElementById('tip');
  var W = 800, view = {a: T_START, b: T_END}, hits = [], drawn = 0, sampled = 1, pending = false;
  function plotW() { return W - GUTTER - 8; }
  function X(t) { return GUTTER + (t - view.a) / (view.b - view.a) * plotW(); }
  function T(x) { return view.a + (x - GUTTER) / plotW() * (view.b - view.a); }
  function resize() {
    var dpr = window.devicePixelRatio || 1;
    W = Math.max(400, canvas.parentNode.clientWidth);
    canvas.width = Math.round(W * dpr);
    canvas.height = Math.round(HEIGHT * dpr);
    canvas.style.height = HEIGHT + 'px';
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  }

  // ---- drawing ----
  function visible(t0, t1) { return t1 >= view.a && t0 <= view.b; }
  function clampX(x) { return Math.max(GUTTER - 2, Math.min(W + 2, x)); }
  function rect(x0, y, x1, h, color) { x0 = clampX(x0); x1 = clampX(x1); ctx.fillStyle = color; ctx.fillRect(x0, y, Math.max(1, x1 - x0), h); return [x0, x1]; }
  function cross(x, y, r, color) { ctx.strokeStyle = color; ctx.lineWidth = 1.6; ctx.beginPath(); ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r); ctx.moveTo(x - r, y + r); ctx.lineTo(x + r, y - r); ctx.stroke(); }
  function diamond(x, y, r, color) { ctx.fillStyle = color; ctx.beginPath(); ctx.moveTo(x, y - r); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r); ctx.lineTo(x - r, y); ctx.closePath(); ctx.fill(); }

  function niceStep(span, px) {
    var raw = span / Math.max(1, plotW() / px), p = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 5, 10];
    for (var k = 0; k < steps.length; k++) if (steps[k] * p >= raw) return steps[k] * p;
    return 10 * p;
  }
  function drawAxis() {
    var step = niceStep(view.b - view.a, 110), first = Math.ceil(view.a / step) * step;
    var digits = Math.max(0, Math.min(3, -Math.floor(Math.log10(step / 1000))));
    ctx.fillStyle = '#52606d'; ctx.strokeStyle = '#e4e7eb'; ctx.lineWidth = 1; ctx.font = '11px sans-serif'; ctx.textAlign = 'center';
    for (var t = first; t <= view.b; t += step) {
      var x = Math.round(X(t)) + 0.5;
      ctx.beginPath(); ctx.moveTo(x, AXIS_H - 4); ctx.lineTo(x, HEIGHT); ctx.stroke();
      ctx.fillText((t / 1000).toFixed(digits) + ' ms', x, AXIS_H - 8);
    }
    ctx.textAlign = 'left';
  }
  function drawBands() {
    D.bands.forEach(function (b, k) {
      var e = b[1] < 0 ? T_END : b[1];
      if (!visible(b[0], e)) return;
      var y = Y_BANDS + bandRow[k] * BAND_H, xs = rect(X(b[0]), y, X(e), BAND_H - 2, BAND_COLORS[b[2]] || '#7f8c8d');
      if (xs[1] - xs[0] > 60) { ctx.fillStyle = b[2] === 4 ? '#1b4f72' : '#fff'; ctx.font = '10px sans-serif'; ctx.fillText(bandLabel(b), xs[0] + 3, y + 9, xs[1] - xs[0] - 4); }
      hits.push({type: 'band', i: k, x0: xs[0], y0: y, x1: xs[1], y1: y + BAND_H});
      if (b[2] === 0) {  // tint the lanes of the first group
        members(b[3]).forEach(function (n) { rect(X(b[0]), laneTop(n) + ROLE_H, X(e), LANE_H - ROLE_H - 2, 'rgba(214,69,65,0.07)'); });
      }
    });
  }
  function drawLanes() {
    for (var n = 0; n < N; n++) {
      var L = D.lanes[n], top = laneTop(n), mid = laneMid(n), s = L.seg;
      ctx.fillStyle = n % 2 ? '#fafbfc' : '#f2f5f8';
      ctx.fillRect(GUTTER, top, plotW(), LANE_H - 2);
      ctx.strokeStyle = '#d9e2ec'; ctx.beginPath(); ctx.moveTo(GUTTER, mid + 0.5); ctx.lineTo(W, mid + 0.5); ctx.stroke();
      var first = Math.max(0, lowerBound(s, view.a, 3) - 1);
      for (var k = first; k < s.length / 3; k++) {
        var t0 = s[k * 3], t1 = k + 1 < s.length / 3 ? s[k * 3 + 3] : T_END;
        if (t0 > view.b) break;
        if (t1 < view.a) continue;
        var xs = rect(X(t0), top + 1, X(t1), ROLE_H, roleColor(s[k * 3 + 1]));
        if (xs[1] - xs[0] > 22 && s[k * 3 + 1] >= 0) { ctx.fillStyle = '#102a43'; ctx.font = '10px sans-serif'; ctx.fillText('T' + s[k * 3 + 2], xs[0] + 2, top + 10, xs[1] - xs[0] - 3); }
        hits.push({type: 'seg', n: n, i: k, x0: xs[0], y0: top, x1: xs[1], y1: top + ROLE_H + 1});
      }
      var j;
      for (j = 0; j < L.down.length; j += 2) {
        var de = L.down[j + 1] < 0 ? T_END : L.down[j + 1];
        if (!visible(L.down[j], de)) continue;
        xs = rect(X(L.down[j]), top + ROLE_H + 2, X(de), LANE_H - ROLE_H - 5, 'rgba(60,60,60,0.35)');
        hits.push({type: 'text', text: 'n' + n + ' down (crashed) from ' + ms(L.down[j]) + (L.down[j + 1] < 0 ? ' to the end' : ' to ' + ms(de)), x0: xs[0], y0: top + ROLE_H, x1: xs[1], y1: top + LANE_H - 3, z: 0});
      }
      for (j = 0; j < L.paused.length; j += 2) {
        var pe = L.paused[j + 1] < 0 ? T_END : L.paused[j + 1];
        if (!visible(L.paused[j], pe)) continue;
        xs = rect(X(L.paused[j]), top + ROLE_H + 2, X(pe), LANE_H - ROLE_H - 5, 'rgba(241,196,15,0.35)');
        hits.push({type: 'text', text: 'n' + n + ' paused from ' + ms(L.paused[j]) + ' to ' + (L.paused[j + 1] < 0 ? 'the end' : ms(pe)), x0: xs[0], y0: top + ROLE_H, x1: xs[1], y1: top + LANE_H - 3, z: 0});
      }
      for (j = 0; j < L.crashes.length; j += 2) {
        if (!visible(L.crashes[j], L.crashes[j])) continue;
        var cx = X(L.crashes[j]); cross(cx, mid, 5, '#c0392b');
        hits.push({type: 'text', text: 'n' + n + ' crashed at ' + ms(L.crashes[j]) + ', ' + L.crashes[j + 1] + ' unsynced writes lost', x0: cx - 6, y0: mid - 6, x1: cx + 6, y1: mid + 6, z: 3});
      }
      for (j = 0; j < L.restarts.length; j += 2) {
        if (!visible(L.restarts[j], L.restarts[j])) continue;
        var rx = X(L.restarts[j]);
        ctx.fillStyle = '#1e8449'; ctx.beginPath(); ctx.moveTo(rx, mid - 6); ctx.lineTo(rx + 5, mid + 4); ctx.lineTo(rx - 5, mid + 4); ctx.fill();
        hits.push({type: 'text', text: 'n' + n + ' restarted at ' + ms(L.restarts[j]) + ' as incarnation ' + L.restarts[j + 1], x0: rx - 6, y0: mid - 6, x1: rx + 6, y1: mid + 6, z: 3});
      }
      [['clock', L.clock, 'clock \u00d7'], ['disk', L.disk, 'disk \u00d7']].forEach(function (c) {
        for (var q = 0; q < c[1].length; q += 2) {
          if (!visible(c[1][q], c[1][q])) continue;
          var x = X(c[1][q]), label = c[2] + (c[1][q + 1] / 1e6).toFixed(3);
          ctx.fillStyle = '#5b2c6f'; ctx.fillRect(x, top + ROLE_H + 1, 1.5, 8); ctx.font = '9px sans-serif'; ctx.fillText(label, x + 3, top + LANE_H - 5);
          hits.push({type: 'text', text: 'n' + n + ' ' + (c[0] === 'clock' ? 'clock runs at ' : 'disk latencies \u00d7') + (c[1][q + 1] / 1e6).toFixed(6) + (c[0] === 'clock' ? ' of real time' : '') + ' from ' + ms(c[1][q]), x0: x - 2, y0: top + ROLE_H, x1: x + 40, y1: top + LANE_H, z: 1});
        }
      });
    }
  }
  function msgVisible(i) {
    var end = M.d[i] < 0 ? T_END : M.d[i];
    return visible(M.t[i], end) && kindOn[M.k[i]];
  }
  function anomaly(i) { return (M.s[i] & 7) !== 0 || (M.s[i] & (DUP | STALE)) !== 0; }
  function drawMessages() {
    drawn = 0; sampled = 1;
    if (!document.getElementById('show-msgs').checked) return;
    var only = document.getElementById('only-anomalies').checked;
    var list = [], lo = lowerBound(M.t, view.a - LONG_US), hi = lowerBound(M.t, view.b + 1), i;
    for (i = lo; i < hi; i++) if (msgVisible(i) && (!only || anomaly(i))) list.push(i);
    longMsgs.forEach(function (k) { if ((k < lo || k >= hi) && msgVisible(k) && (!only || anomaly(k))) list.push(k); });
    // Level of detail: past 1.5 arrows per pixel column, draw one in `sampled` ordinary messages, and every
    // lost, duplicated or stale one.
    var ordinary = 0;
    list.forEach(function (k) { if (!anomaly(k)) ordinary++; });
    sampled = Math.max(1, Math.ceil(ordinary / Math.max(800, Math.round(plotW() * 1.5))));
    var seen = 0, plain = {};  // ordinary deliveries by kind, stroked as one path per kind (fast)
    ctx.lineWidth = 1;
    for (var n = 0; n < list.length; n++) {
      i = list[n];
      var bad = anomaly(i);
      if (!bad && (seen++ % sampled) !== 0) continue;
      var fate = M.s[i] & 7, x0 = X(M.t[i]), y0 = laneMid(M.f[i]), y1 = laneMid(M.to[i]);
      var end = M.d[i] < 0 ? T_END : M.d[i], x1 = X(end), color = kindColor(M.k[i]);
      if (!bad) {
        (plain[M.k[i]] = plain[M.k[i]] || []).push(x0, y0, x1, y1);
        drawn++;
        hits.push({type: 'msg', i: i, x0: x0, y0: y0, x1: x1, y1: y1});
        continue;
      }
      if (fate === 1 || fate === 2) {  // lost on the way: a stub ending in a cross
        x1 = Math.max(x1, x0 + 10); y1 = y0 + (y1 - y0) * 0.35;
      }
      ctx.strokeStyle = color; ctx.globalAlpha = bad ? 0.95 : 0.55;
      ctx.setLineDash((M.s[i] & DUP) || fate === 4 ? [4, 3] : []);
      ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1, y1); ctx.stroke();
      ctx.setLineDash([]); ctx.globalAlpha = 1;
      if (fate === 0) {
        var len = Math.hypot(x1 - x0, y1 - y0);
        if (len > 14) {
          var ux = (x1 - x0) / len, uy = (y1 - y0) / len;
          ctx.fillStyle = color; ctx.beginPath(); ctx.moveTo(x1, y1); ctx.lineTo(x1 - 6 * ux - 3 * uy, y1 - 6 * uy + 3 * ux); ctx.lineTo(x1 - 6 * ux + 3 * uy, y1 - 6 * uy - 3 * ux); ctx.fill();
        }
        if (M.s[i] & STALE) { ctx.strokeStyle = '#e67e22'; ctx.lineWidth = 2; ctx.beginPath(); ctx.arc(x1, y1, 4, 0, 7); ctx.stroke(); ctx.lineWidth = 1; }
      } else if (fate !== 4) {
        cross(x1, y1, 3.5, FATE_COLORS[fate]); ctx.lineWidth = 1;
      }
      drawn++;
      hits.push({type: 'msg', i: i, x0: x0, y0: y0, x1: x1, y1: y1});
    }
    Object.keys(plain).forEach(function (k) {
      var seg = plain[k], q, color = kindColor(+k);
      ctx.strokeStyle = color; ctx.fillStyle = color; ctx.globalAlpha = 0.55;
      ctx.beginPath();
      for (q = 0; q < seg.length; q += 4) { ctx.moveTo(seg[q], seg[q + 1]); ctx.lineTo(seg[q + 2], seg[q + 3]); }
      ctx.stroke();
      ctx.globalAlpha = 0.8;
      ctx.beginPath();
      for (q = 0; q < seg.length; q += 4) {
        var ddx = seg[q + 2] - seg[q], ddy = seg[q + 3] - seg[q + 1], len = Math.hypot(ddx, ddy);
        if (len <= 14) continue;
        var ux = ddx / len, uy = ddy / len, hx = seg[q + 2], hy = seg[q + 3];
        ctx.moveTo(hx, hy); ctx.lineTo(hx - 6 * ux - 3 * uy, hy - 6 * uy + 3 * ux); ctx.lineTo(hx - 6 * ux + 3 * uy, hy - 6 * uy - 3 * ux); ctx.closePath();
      }
      ctx.fill();
      ctx.globalAlpha = 1;
    });
  }
  function drawMarks() {
    D.marks.forEach(function (m, k) {
      if (!visible(m[0], m[0])) return;
      var x = X(m[0]), y = m[1] >= 0 ? laneTop(m[1]) + ROLE_H + 7 : Y_BANDS + 5;
      diamond(x, y, 4, KIND_COLORS[(m[2] + 5) % KIND_COLORS.length]);
      hits.push({type: 'mark', i: k, x0: x - 5, y0: y - 5, x1: x + 5, y1: y + 5, z: 4});
    });
  }
  function drawChart() {
    // The index axis spans what is visible: from the lowest index at the window's start to the highest at its end.
    var top = Y_CHART, h = CHART_H - 8, maxIdx = 0, minIdx = Infinity, n, a, k;
    for (n = 0; n < N; n++) {
      [D.lanes[n].commit, D.lanes[n].apply].forEach(function (arr) {
        var hi = lowerBound(arr, view.b + 1, 2);
        if (hi > 0) maxIdx = Math.max(maxIdx, arr[hi * 2 - 1]);
        minIdx = Math.min(minIdx, stepAt(arr, view.a) || 0);
      });
    }
    if (!(minIdx < maxIdx)) { minIdx = Math.max(0, Math.min(minIdx, maxIdx) - 1); maxIdx = minIdx + 1; }
    ctx.fillStyle = '#fff'; ctx.fillRect(GUTTER, top, plotW(), h);
    ctx.strokeStyle = '#d9e2ec'; ctx.strokeRect(GUTTER + 0.5, top + 0.5, plotW() - 1, h);
    ctx.fillStyle = '#7b8794'; ctx.font = '9px sans-serif'; ctx.fillText('index ' + maxIdx, GUTTER + 3, top + 10); ctx.fillText('index ' + minIdx, GUTTER + 3, top + h - 3);
    function Y(v) { return top + h - 3 - ((v - minIdx) / (maxIdx - minIdx)) * (h - 12); }
    for (n = 0; n < N; n++) {
      [[D.lanes[n].commit, []], [D.lanes[n].apply, [2, 3]]].forEach(function (pair) {
        a = pair[0];
        if (!a.length) return;
        k = Math.max(0, lowerBound(a, view.a, 2) - 1);
        var lastX = -1, x = X(a[k * 2]), y = Y(a[k * 2 + 1]);
        ctx.strokeStyle = nodeColor(n); ctx.setLineDash(pair[1]); ctx.beginPath(); ctx.moveTo(clampX(x), y);
        for (k = k + 1; k < a.length / 2 && a[k * 2 - 2] <= view.b; k++) {
          x = X(a[k * 2]);
          if (Math.floor(x) === lastX && k + 1 < a.length / 2) continue;  // one step per pixel column
          lastX = Math.floor(x);
          ctx.lineTo(clampX(x), y); y = Y(a[k * 2 + 1]); ctx.lineTo(clampX(x), y);
        }
        ctx.lineTo(clampX(X(Math.min(view.b, T_END))), y); ctx.stroke(); ctx.setLineDash([]);
      });
    }
    hits.push({type: 'chart', x0: GUTTER, y0: top, x1: W, y1: top + h, z: -1});
  }
  function drawClients() {
    for (var i = 0; i < NO; i++) {
      var t1 = OPS.t1[i] < 0 ? T_END : OPS.t1[i];
      if (!visible(OPS.t0[i], t1)) continue;
      var y = Y_CLIENTS + procRow[OPS.p[i]] * CLIENT_H, x0 = X(OPS.t0[i]), x1 = Math.max(X(t1), x0 + 2);
      var xs = rect(x0, y, x1, CLIENT_H - 2, OUTCOME_COLORS[OPS.o[i]]);
      var id = OPS.id[i];
      if (linStuck[id]) { ctx.strokeStyle = '#c0392b'; ctx.lineWidth = 2.5; ctx.strokeRect(xs[0] - 1, y - 1, xs[1] - xs[0] + 2, CLIENT_H); ctx.lineWidth = 1; }
      else if (linOrder[id]) { ctx.strokeStyle = '#1f4e79'; ctx.lineWidth = 1; ctx.strokeRect(xs[0] + 0.5, y + 0.5, xs[1] - xs[0] - 1, CLIENT_H - 3); }
      if (linOrder[id] && xs[1] - xs[0] > 14 && CLIENT_H > 10) { ctx.fillStyle = '#fff'; ctx.font = '9px sans-serif'; ctx.fillText('#' + linOrder[id], xs[0] + 2, y + 9); }
      hits.push({type: 'op', i: i, x0: xs[0], y0: y, x1: xs[1], y1: y + CLIENT_H - 1, z: 2});
    }
  }
  function drawViolation() {
    if (!V) return;
    var x = X(V.t);
    V.nodes.forEach(function (n) { if (n >= 0 && n < N) { ctx.strokeStyle = '#c0392b'; ctx.lineWidth = 2; ctx.strokeRect(GUTTER + 1, laneTop(n) + 0.5, plotW() - 2, LANE_H - 3); ctx.lineWidth = 1; } });
    if (x < GUTTER || x > W) return;
    ctx.strokeStyle = '#c0392b'; ctx.lineWidth = 2; ctx.beginPath(); ctx.moveTo(x, AXIS_H); ctx.lineTo(x, HEIGHT); ctx.stroke(); ctx.lineWidth = 1;
    ctx.fillStyle = '#c0392b'; ctx.font = 'bold 11px sans-serif';
    var label = '\u2717 ' + V.checker;
    ctx.fillText(label, Math.min(x + 4, W - ctx.measureText(label).width - 4), Y_LANES - 2);
    hits.push({type: 'violation', x0: x - 4, y0: AXIS_H, x1: x + 4, y1: HEIGHT, z: 1});
    if (V.event && V.event.node >= 0 && V.event.node < N) {
      var ex = X(V.event.t), ey = laneMid(V.event.node);
      ctx.strokeStyle = '#fff'; diamond(ex, ey, 8, '#c0392b');
      hits.push({type: 'violation', x0: ex - 9, y0: ey - 9, x1: ex + 9, y1: ey + 9, z: 5});
    }
  }
  function drawGutter() {
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, GUTTER, HEIGHT);
    ctx.fillStyle = '#1d2733'; ctx.font = '11px sans-serif';
    ctx.fillText('faults', 8, Y_BANDS + 10);
    for (var n = 0; n < N; n++) {
      var L = D.lanes[n], r = L.seg.length ? L.seg[L.seg.length - 2] : 0;
      ctx.fillStyle = roleColor(r); ctx.fillRect(8, laneTop(n) + 4, 8, 8);
      ctx.fillStyle = '#1d2733'; ctx.font = 'bold 12px sans-serif'; ctx.fillText('n' + n, 20, laneTop(n) + 13);
      ctx.font = '10px sans-serif'; ctx.fillStyle = '#52606d';
      ctx.fillText(L.crashes.length / 2 + ' crash, ' + L.seg.length / 3 + ' roles', 8, laneTop(n) + 28);
    }
    ctx.fillStyle = '#1d2733'; ctx.font = '11px sans-serif';
    ctx.fillText('commit \u2014', 8, Y_CHART + 14); ctx.fillText('apply - - -', 8, Y_CHART + 28);
    ctx.fillText('clients', 8, Y_CLIENTS + 10);
    if (CLIENT_H > 10) { ctx.font = '9px sans-serif'; procs.forEach(function (p, r) { ctx.fillText('p' + p, 64, Y_CLIENTS + r * CLIENT_H + 9); }); }
    else { ctx.font = '9px sans-serif'; ctx.fillText(procs.length + ' processes', 8, Y_CLIENTS + 22); }
  }
  function draw() {
    pending = false;
    var t = performance.now();
    hits = [];
    ctx.clearRect(0, 0, W, HEIGHT);
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, W, HEIGHT);
    ctx.save(); ctx.beginPath(); ctx.rect(GUTTER, 0, W - GUTTER, HEIGHT); ctx.clip();
    drawAxis(); drawBands(); drawLanes(); drawChart(); drawClients(); drawMessages(); drawMarks(); drawViolation();
    ctx.restore();
    drawGutter();
    document.getElementById('range').textContent = ms(view.a) + ' \u2013 ' + ms(view.b) + '  \u00b7  ' + drawn + ' arrows drawn' + (sampled > 1 ? ' (1 in ' + sampled + ' ordinary messages: zoom in for all)' : '') + '  \u00b7  draw ' + (performance.now() - t).toFixed(1) + ' ms';
  }
  function redraw() { if (!pending) { pending = true; requestAnimationFrame(draw); } }

  // ---- tooltips ----
  function fieldsOf(h) {
    var i = h.i, s = '';
    switch (h.type) {
      case 'seg': {
        var S = D.lanes[h.n].seg, end = i + 1 < S.length / 3 ? S[i * 3 + 3] : T_END;
        return '<b>n' + h.n + ' ' + esc(roleName(S[i * 3 + 1])) + '</b>' + (S[i * 3 + 1] >= 0 ? ' in term ' + S[i * 3 + 2] : '') + '\nfrom ' + ms(S[i * 3]) + ' to ' + ms(end) + ' (' + ms(end - S[i * 3]) + ')';
      }
      case 'msg': {
        var fate = M.s[i] & 7;
        s = '<b>' + esc(D.msg_kinds[M.k[i]]) + '</b> n' + M.f[i] + ' \u2192 n' + M.to[i] + '\nterm ' + M.term[i] + '  x ' + M.x[i] + '  y ' + M.y[i] + '\nsent ' + ms(M.t[i]);
        if (fate === 4) s += '\nnever delivered by the end of the run';
        else s += '\n' + FATE_NAMES[fate] + ' at ' + ms(M.d[i]) + ' (after ' + ms(M.d[i] - M.t[i]) + ')';
        if (M.s[i] & DUP) s += '\nthe extra copy the network made (duplicate)';
        if (M.s[i] & STALE) s += '\nstale: its term is below the receiver\'s current term';
        return s;
      }
      case 'op': {
        var o = OPS.o[i], id = OPS.id[i];
        s = '<b>p' + OPS.p[i] + ' ' + esc(D.op_names[OPS.f[i]]) + '</b> op ' + id + ': ' + OUTCOME_NAMES[o];
        if (OPS.key) s += '\nkey ' + esc(JSON.stringify(OPS.key[i])) + (OPS['in'][i] !== '' ? '  value ' + esc(JSON.stringify(OPS['in'][i])) : '') + (OPS.out[i] !== '' ? '  read ' + esc(JSON.stringify(OPS.out[i])) : '');
        s += '\ninvoked ' + ms(OPS.t0[i]) + (OPS.t1[i] >= 0 ? ', completed ' + ms(OPS.t1[i]) + ' (' + ms(OPS.t1[i] - OPS.t0[i]) + ')' : '');
        if (OPS.n[i] >= 0) s += '\nnode n' + OPS.n[i];
        if (OPS.i[i] > 0) s += '  log index ' + OPS.i[i] + ' term ' + OPS.term[i];
        if (linStuck[id]) s += '\n<b>cannot be placed</b> after the longest linearizable prefix';
        if (linOrder[id]) s += '\n#' + linOrder[id] + ' in the longest linearizable prefix';
        return s;
      }
      case 'band': {
        var b = D.bands[i];
        s = '<b>' + esc(bandLabel(b)) + '</b>\nfrom ' + ms(b[0]) + ' to ' + (b[1] < 0 ? 'the end' : ms(b[1]));
        if (b[2] === 0) s += '\nlinks cut both ways between ' + setOf(members(b[3])) + ' and ' + setOf(rest(b[3])) + ' (' + 2 * members(b[3]).length * rest(b[3]).length + ' directed links; the trace names the first group only)';
        if (b[2] === 2 && b[1] >= 0) s += '\n' + b[5] + ' held messages released';
        return s;
      }
      case 'mark': return '<b>' + esc(D.mark_kinds[D.marks[i][2]]) + '</b>\n' + esc(D.marks[i][3].trim());
      case 'text': return esc(h.text);
      case 'violation':
        return '<b>' + esc(V.checker) + '</b> (' + (V.safety ? 'safety' : 'liveness') + ') at ' + ms(V.t) + '\n' + esc(V.message.split('\n').slice(0, 6).join('\n')) + (V.event ? '\n\nevent: ' + esc(V.event.text.trim()) : '');
      case 'chart': {
        var t = T(h.mx);
        s = '<b>commit / apply at ' + ms(t) + '</b>';
        for (var n = 0; n < N; n++) s += '\nn' + n + ': ' + (stepAt(D.lanes[n].commit, t) || 0) + ' / ' + (stepAt(D.lanes[n].apply, t) || 0);
        return s;
      }
    }
    return '';
  }
  function distToSegment(px, py, h) {
    var dx = h.x1 - h.x0, dy = h.y1 - h.y0, l2 = dx * dx + dy * dy;
    var u = l2 ? Math.max(0, Math.min(1, ((px - h.x0) * dx + (py - h.y0) * dy) / l2)) : 0;
    return Math.hypot(px - h.x0 - u * dx, py - h.y0 - u * dy);
  }
  function hitAt(x, y) {
    var best = null, bestScore = -1e9;
    for (var k = 0; k < hits.length; k++) {
      var h = hits[k], score;
      if (h.type === 'msg') { var d = distToSegment(x, y, h); if (d > 4) continue; score = 2.5 - d / 4; }
      else { if (x < h.x0 - 1 || x > h.x1 + 1 || y < h.y0 || y > h.y1) continue; score = h.z === undefined ? 1 : h.z; }
      if (score > bestScore) { bestScore = score; best = h; }
    }
    return best;
  }
  canvas.addEventListener('mousemove', function (ev) {
    var r = canvas.getBoundingClientRect(), x = ev.clientX - r.left, y = ev.clientY - r.top;
    if (drag) {
      var dt = (drag.x - x) / plotW() * (drag.b - drag.a);
      view = {a: drag.a + dt, b: drag.b + dt}; redraw(); return;
    }
    var h = hitAt(x, y);
    if (!h) { tip.hidden = true; return; }
    h.mx = x;
    tip.innerHTML = fieldsOf(h);
    tip.hidden = false;
    var left = x + 14, topY = y + 14;
    if (left + tip.offsetWidth > W) left = Math.max(0, x - tip.offsetWidth - 10);
    tip.style.left = left + 'px'; tip.style.top = topY + 'px';
  });
  canvas.addEventListener('mouseleave', function () { tip.hidden = true; });

  // ---- zoom and pan ----
  var drag = null;
  function zoomAround(t, factor) {
    var span = Math.min((T_END - T_START) * 1.5, Math.max(20, (view.b - view.a) * factor));
    var u = (t - view.a) / (view.b - view.a);
    view = {a: t - u * span, b: t - u * span + span}; redraw();
  }
  function center() { return (view.a + view.b) / 2; }
  canvas.addEventListener('wheel', function (ev) {
    ev.preventDefault();
    var r = canvas.getBoundingClientRect(), x = ev.clientX - r.left;
    zoomAround(x >= GUTTER ? T(x) : center(), Math.exp(ev.deltaY * 0.0015));
  }, {passive: false});
  canvas.addEventListener('mousedown', function (ev) { if (ev.button === 0) { drag = {x: ev.clientX - canvas.getBoundingClientRect().left, a: view.a, b: view.b}; canvas.classList.add('dragging'); tip.hidden = true; } });
  window.addEventListener('mouseup', function () { drag = null; canvas.classList.remove('dragging'); });
  canvas.addEventListener('dblclick', function (ev) { var x = ev.clientX - canvas.getBoundingClientRect().left; zoomAround(T(x), 0.4); });
  function fit() { view = {a: T_START, b: T_END}; redraw(); }
  // Around the checker's event; for a linearizability failure, around the operations that cannot be placed.
  function violationView() {
    if (LIN && LIN.stuck.length) {
      var lo = Infinity, hi = -Infinity;
      LIN.stuck.forEach(function (id) { var i = opById[id]; if (i !== undefined) { lo = Math.min(lo, OPS.t0[i]); hi = Math.max(hi, OPS.t1[i] < 0 ? T_END : OPS.t1[i]); } });
      if (lo < hi) { var pad = Math.max(2000, (hi - lo) * 0.3); return {a: lo - pad, b: hi + pad}; }
    }
    var span = Math.max(2000, Math.min(50000, (T_END - T_START) / 20));
    return {a: V.t - span * 0.7, b: V.t + span * 0.3};
  }
  function toViolation() { if (V) { view = violationView(); redraw(); } }
  document.getElementById('fit').onclick = fit;
  document.getElementById('zoom-in').onclick = function () { zoomAround(center(), 0.5); };
  document.getElementById('zoom-out').onclick = function () { zoomAround(center(), 2); };
  document.getElementById('to-violation').onclick = toViolation;
  document.getElementById('show-msgs').onchange = redraw;
  document.getElementById('only-anomalies').onchange = redraw;
  window.addEventListener('keydown', function (ev) {
    if (ev.target && ev.target.tagName === 'INPUT') return;
    var span = view.b - view.a;
    if (ev.key === '+' || ev.key === '=') zoomAround(center(), 0.5);
    else if (ev.key === '-') zoomAround(center(), 2);
    else if (ev.key === '0') fit();
    else if (ev.key === 'v') toViolation();
    else if (ev.key === 'ArrowLeft') { view = {a: view.a - span / 5, b: view.b - span / 5}; redraw(); }
    else if (ev.key === 'ArrowRight') { view = {a: view.a + span / 5, b: view.b + span / 5}; redraw(); }
  });
  window.addEventListener('resize', function () { resize(); redraw(); });

  // ---- the page around the canvas ----
  function el(tag, attrs, html) { var e = document.createElement(tag); for (var k in attrs) e.setAttribute(k, attrs[k]); if (html !== undefined) e.innerHTML = html; return e; }
  function table(id, head, rows) {
    var t = document.getElementById(id);
    t.appendChild(el('tr', {}, head.map(function (h) { return '<th>' + esc(h) + '</th>'; }).join('')));
    rows.forEach(function (r) { t.appendChild(el('tr', {}, r.map(function (c) { return '<td>' + esc(c) + '</td>'; }).join(''))); });
  }
  document.getElementById('title').textContent = D.title;
  var facts = document.getElementById('facts');
  D.facts.forEach(function (f) { facts.appendChild(el('span', {}, esc(f[0]) + ' <b>' + esc(f[1]) + '</b>')); });
  facts.appendChild(el('span', {}, 'events <b>' + D.events + '</b>'));
  facts.appendChild(el('span', {}, 'nodes <b>' + N + '</b>'));
  if (D.timing) facts.appendChild(el('span', {}, 'election timeout <b>' + ms(D.timing[0]) + '\u2013' + ms(D.timing[1]) + '</b> heartbeat <b>' + ms(D.timing[2]) + '</b>'));
  if (V) {
    var vb = document.getElementById('violation');
    vb.hidden = false;
    if (!V.safety) vb.className = 'liveness';
    vb.appendChild(el('h2', {}, (V.safety ? 'SAFETY' : 'LIVENESS') + ' VIOLATION: ' + esc(V.checker) + ' at ' + ms(V.t) + (V.nodes.length ? ' on ' + V.nodes.map(function (n) { return 'n' + n; }).join(', ') : '')));
    vb.appendChild(el('pre', {id: 'violation-message'}, esc(V.message)));
    if (V.event) vb.appendChild(el('div', {id: 'violation-event'}, 'the checker\'s event (red diamond): <code>' + esc(V.event.text.trim()) + '</code>'));
    document.getElementById('to-violation').hidden = false;
  }
  if (LIN) {
    var ls = document.getElementById('lin');
    ls.hidden = false;
    function opLine(id) {
      var i = opById[id];
      if (i === undefined) return 'op ' + id + ' (not in the trace)';
      return 'p' + OPS.p[i] + ' ' + D.op_names[OPS.f[i]] + (OPS.key ? ' ' + JSON.stringify(OPS.key[i]) + (OPS['in'][i] !== '' ? ' ' + JSON.stringify(OPS['in'][i]) : '') + (OPS.out[i] !== '' ? ' \u2192 ' + JSON.stringify(OPS.out[i]) : '') : '') +
        '  [' + ms(OPS.t0[i]) + ', ' + (OPS.t1[i] >= 0 ? ms(OPS.t1[i]) : '\u221e') + ']  ' + OUTCOME_NAMES[OPS.o[i]] + '  (op ' + id + ')';
    }
    ls.appendChild(el('h2', {}, 'Linearizability: key ' + esc(JSON.stringify(LIN.key)) + ', the longest linearizable prefix (' + LIN.prefix.length + ' operations, outlined blue and numbered) and the operations that cannot be placed after it (outlined red)'));
    var ol = el('ol', {id: 'lin-prefix'});
    LIN.prefix.forEach(function (id) { ol.appendChild(el('li', {}, esc(opLine(id)))); });
    ls.appendChild(ol);
    var stuck = el('ul', {id: 'lin-stuck'});
    LIN.stuck.forEach(function (id) { stuck.appendChild(el('li', {'class': 'stuck'}, 'cannot be placed: ' + esc(opLine(id)))); });
    ls.appendChild(stuck);
    ls.appendChild(el('pre', {}, esc(LIN.text)));
  }
  // The legend, with the message kinds as filters.
  var legend = document.getElementById('legend');
  function sw(color, label, style) { return '<span><span class="sw" style="background:' + color + (style || '') + '"></span>' + esc(label) + '</span>'; }
  var items = ['<span class="group">roles</span>'];
  D.roles.forEach(function (r, k) { items.push(sw(roleColor(k), r)); });
  items.push(sw(roleColor(-1), 'crashed'), sw('rgba(241,196,15,0.5)', 'paused'), '<span style="color:#c0392b">\u2715 crash</span>', '<span style="color:#1e8449">\u25b2 restart</span>');
  items.push('<span class="group">faults</span>');
  BAND_NAMES.forEach(function (b, k) { items.push(sw(BAND_COLORS[k], b)); });
  items.push('<span class="group">messages</span>', '<span style="color:#d62728">\u2715 dropped</span>', '<span style="color:#8e44ad">\u2715 blocked</span>', '<span style="color:#34495e">\u2715 receiver down</span>', '<span>- - duplicate / never delivered</span>', '<span style="color:#e67e22">\u25cb stale term</span>');
  items.push('<span class="group">client ops</span>');
  OUTCOME_NAMES.forEach(function (o, k) { items.push(sw(OUTCOME_COLORS[k], o)); });
  if (D.mark_kinds.length) {
    items.push('<span class="group">other events</span>');
    D.mark_kinds.forEach(function (m, k) { items.push('<span style="color:' + KIND_COLORS[(k + 5) % KIND_COLORS.length] + '">\u25c6 ' + esc(m) + '</span>'); });
  }
  if (V) items.push('<span style="color:#c0392b;font-weight:600">| \u25c6 violation</span>');
  legend.innerHTML = items.join('');
  var kinds = document.getElementById('kinds');
  D.msg_kinds.forEach(function (name, k) {
    var count = 0;
    for (var q = 0; q < NM; q++) if (M.k[q] === k) count++;
    var label = el('label', {}, '<input type="checkbox" checked data-kind="' + k + '"><span class="sw" style="background:' + kindColor(k) + '"></span>' + esc(name) + ' (' + count + ')');
    label.querySelector('input').onchange = function (ev) { kindOn[k] = ev.target.checked; redraw(); };
    kinds.appendChild(label);
  });
  var nodeRows = [];
  for (var n = 0; n < N; n++) {
    var L = D.lanes[n], leaderTerms = [], maxTerm = 0;
    for (var k = 0; k < L.seg.length; k += 3) { if (L.seg[k + 1] === 2) leaderTerms.push(L.seg[k + 2]); maxTerm = Math.max(maxTerm, L.seg[k + 2]); }
    nodeRows.push(['n' + n, roleName(L.seg.length ? L.seg[L.seg.length - 2] : 0), maxTerm, leaderTerms.join(' ') || '-', L.crashes.length / 2, L.restarts.length / 2,
                   L.commit.length ? L.commit[L.commit.length - 1] : 0, L.apply.length ? L.apply[L.apply.length - 1] : 0]);
  }
  table('nodes-table', ['node', 'role at the end', 'highest term', 'leader in terms', 'crashes', 'restarts', 'commit index', 'applied index'], nodeRows);
  document.querySelectorAll('#nodes-table tr').forEach(function (tr, r) { if (r > 0) tr.setAttribute('data-node', r - 1); });
  if (D.metrics) {
    // Nested objects flatten to dotted names; arrays show their length, or their values when short.
    var mrows = [];
    (function flat(prefix, o) {
      Object.keys(o).forEach(function (key) {
        var v = o[key], name = prefix ? prefix + '.' + key : key;
        if (v !== null && typeof v === 'object' && !Array.isArray(v)) flat(name, v);
        else if (Array.isArray(v)) mrows.push([name, v.length <= 8 ? JSON.stringify(v) : v.length + ' values']);
        else mrows.push([name, typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : String(v)]);
      });
    })('', D.metrics);
    document.getElementById('metrics-section').hidden = false;
    table('metrics', ['metric', 'value'], mrows);
  }
  table('counts', ['event', 'count'], Object.keys(D.counts).map(function (k) { return [k, D.counts[k]]; }));

  // report.html#zoom=violation opens zoomed on the violation (the README's screenshot).
  if (V && window.location.hash === '#zoom=violation') view = violationView();
  resize();
  draw();
  var firstMs = performance.now() - started;
  statusEl.setAttribute('data-first-render-ms', firstMs.toFixed(1));
  if (statusEl.getAttribute('data-state') !== 'error') statusEl.setAttribute('data-state', 'rendered');
  statusEl.textContent = 'rendered: ' + N + ' node lanes, ' + NM + ' messages, ' + NO + ' client operations, ' + D.events + ' events; first render ' + firstMs.toFixed(1) + ' ms after the script started';
})();
)RAW";

}  // namespace reports
