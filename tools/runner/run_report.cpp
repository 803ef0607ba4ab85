#include "tools/runner/run_report.h"
#include "sim/time.h"

#include <algorithm>

#include <fmt/format.h>

namespace tools {

namespace {
using sim::us_to_ms;
std::string recovery_text(std::int64_t us) {
  return us < 0 ? std::string("never (no leader at the end)") : fmt::format("{:.3f}ms", us_to_ms(us));
}
}  // namespace

std::string format_metrics_block(const checkers::RunMetrics& m) {
  const checkers::LatencyHistogram& l = m.commit_latency;
  std::string out;
  out += fmt::format("throughput {} writes ok ({:.1f}/s), {} reads ok ({:.1f}/s) in virtual time\n", m.writes_ok,
                     m.writes_per_s(), m.reads_ok, m.reads_per_s());
  out += fmt::format("latency    invoke to ok: p50 {:.3f}ms, p90 {:.3f}ms, p99 {:.3f}ms, max {:.3f}ms ({} operations)\n",
                     us_to_ms(l.percentile_us(50)), us_to_ms(l.percentile_us(90)), us_to_ms(l.percentile_us(99)), us_to_ms(l.max_us()),
                     l.count());
  out += fmt::format("leadership first leader {}, leaderless {:.3f}ms in {} periods (longest {:.3f}ms), {} "
                     "disruptions, longest recovery {}\n",
                     m.first_leader_us < 0 ? std::string("never") : fmt::format("at {:.3f}ms", us_to_ms(m.first_leader_us)),
                     us_to_ms(m.leaderless_us), m.leaderless_periods, us_to_ms(m.longest_leaderless_us), m.disruptions.size(),
                     recovery_text(m.recovery_max_us()));
  out += fmt::format("contests   {} candidacies, {} terms without a leader, {} terms with 2+ candidates\n", m.elections,
                     m.split_votes, m.contested_terms);
  out += fmt::format("replicate  {:.2f} messages per committed entry ({} entries), lag behind the leader's commit: max "
                     "{}, mean {:.2f} entries\n",
                     m.messages_per_committed_entry(), m.committed_entries, m.lag_max, m.lag_mean());
  if (m.window) {
    const checkers::WindowMetrics& w = *m.window;
    out += fmt::format("window     {:.3f}..{:.3f}ms: {} writes ok ({:.1f}/s), {} reads ok, p99 {:.3f}ms, leaderless "
                       "{:.3f}ms, {} candidacies, {} entries committed\n",
                       us_to_ms(w.span.from_us), us_to_ms(w.span.to_us), w.writes_ok, w.writes_per_s(), w.reads_ok,
                       us_to_ms(w.commit_latency.percentile_us(99)), us_to_ms(w.leaderless_us), w.elections, w.committed_entries);
  }
  return out;
}

checkers::MetricsSummary summarize_metrics(const std::vector<RunResult>& results) {
  checkers::MetricsSummary s;
  for (const RunResult& r : results) s.add(r.run_metrics);
  return s;
}

reports::SeedResult to_seed_result(const Scenario& scenario, const RunResult& r) {
  auto code = [](Outcome o) { return outcome_code(o); };
  reports::SeedResult x;
  x.seed = r.seed;
  x.verdict = code(r.verdict);
  x.outcome = code(r.outcome);
  if (r.violation) x.checker = r.violation->checker;
  if (r.verdict != Outcome::pass) x.message = failure_summary(r);
  x.trace_hash = r.trace_hash;
  x.events = r.metrics.events;
  x.elections = r.metrics.elections;
  x.ops_ok = r.metrics.ops_ok;
  x.wall_seconds = r.wall_seconds;
  x.reproduce = reproduce_command(scenario, r.seed);
  x.metrics = r.run_metrics.to_json();
  // The correct build is its own baseline: its figures would repeat the run's.
  if (r.baseline && !(scenario.impl == "reference" && scenario.bugs.empty())) x.baseline_metrics = r.baseline->to_json();
  return x;
}

std::string failure_summary(const RunResult& r) {
  if (!r.verdict_note.empty()) return r.verdict_note;
  if (r.violation) return fmt::format("{}: {}", r.violation->checker, r.violation->message);
  if (r.outcome == Outcome::unknown) return "history check " + r.linearizability;
  return "pass";
}

std::string format_run_report(const Scenario& scenario, const RunResult& r) {
  const sim::SimMetrics& m = r.metrics;
  std::string out;
  out += fmt::format("seed       {}\n", r.seed);
  out += describe_scenario(expand_for_seed(scenario, r.seed));  // with the nemesis's faults, as they ran
  if (!r.nemesis.empty()) out += fmt::format("drawn      {}\n", r.nemesis);
  out += fmt::format("outcome    {}\n", outcome_name(r.outcome));
  if (r.verdict != r.outcome || !r.verdict_note.empty()) {
    out += fmt::format("verdict    {}{}\n", r.verdict == Outcome::pass ? "pass (as expected)" : "FAIL: ", r.verdict_note);
  } else if (scenario.expect.outcome != Expectation::Outcome::pass) {
    out += "verdict    pass (the expected violation was found)\n";
  }
  out += fmt::format("time       {:.3f}ms simulated in {:.3f}s of CPU ({:.3f}s wall)\n", us_to_ms(r.end_time_us), r.cpu_seconds,
                     r.wall_seconds);
  out += fmt::format("elections  {} started, {} leaders elected, highest term {}, {} terms without a winner\n",
                     m.elections, m.leaders_elected, m.max_term, m.split_votes);
  out += fmt::format("converged  first leader at {}\n",
                     m.first_leader_us < 0 ? std::string("never") : fmt::format("{:.3f}ms", us_to_ms(m.first_leader_us)));
  out += fmt::format("clients    {} operations: {} ok, {} fail, {} unknown (info)\n", m.ops_invoked, m.ops_ok,
                     m.ops_fail, m.ops_info);
  out += fmt::format("messages   {} sent, {} delivered, {} dropped, {} duplicated, {} blocked, {} to down nodes\n",
                     m.network.sent, m.network.delivered, m.network.dropped, m.network.duplicated, m.network.blocked,
                     m.network.node_down);
  out += fmt::format("disk       {} writes synced of {}, {} lost in crashes\n", m.disk.synced, m.disk.writes,
                     m.disk.lost_on_crash);
  out += fmt::format("lifecycle  {} crashes, {} restarts, {} events for dead incarnations discarded\n", m.crashes,
                     m.restarts, m.stale_discarded);
  out += fmt::format("events     {}\n", m.events);
  out += format_metrics_block(r.run_metrics);
  if (scenario.expect.availability_relative) {
    if (r.baseline) {
      const checkers::RunMetrics& b = *r.baseline;
      out += fmt::format("baseline   the correct build, same seed{}: {} elections, {} terms without a leader, "
                         "leaderless {:.3f}ms, longest recovery {}\n",
                         scenario.impl == "reference" && scenario.bugs.empty() ? " (this run itself)" : "", b.elections,
                         b.split_votes, us_to_ms(b.leaderless_us), recovery_text(b.recovery_max_us()));
    } else {
      out += fmt::format("baseline   {}\n", r.baseline_note.empty() ? "not compared: the run failed" : r.baseline_note);
    }
  }
  if (!r.linearizability.empty()) out += fmt::format("history    {}\n", r.linearizability);
  out += fmt::format("trace hash {:016x}\n", r.trace_hash);
  if (r.violation) {
    const checkers::Violation& v = *r.violation;
    std::string nodes;
    for (auto n : v.nodes) nodes += (nodes.empty() ? "" : ", ") + fmt::format("n{}", n);
    out += fmt::format("\nVIOLATION  {} at {:.3f}ms{}\n           {}\n", v.checker, us_to_ms(v.time_us),
                       nodes.empty() ? std::string() : " (nodes " + nodes + ")", v.message);
    out += fmt::format("\nthe last {} events before it:\n", r.recent_events.size());
    for (const auto& line : r.recent_events) out += "  " + line + "\n";
    out += fmt::format("\nreproduce: {}\n", reproduce_command(scenario, r.seed));
  }
  return out;
}

std::string format_batch_line(const SeedBatch& b) {
  std::size_t pass = 0, safety = 0, liveness = 0, unknown = 0;
  std::uint64_t elections = 0, ops_ok = 0, events = 0, split = 0;
  double first_leader_ms = 0;
  std::size_t converged = 0;
  double cpu = 0;
  for (const RunResult& r : b.results) {
    pass += r.verdict == Outcome::pass;
    safety += r.verdict == Outcome::safety_violation;
    liveness += r.verdict == Outcome::liveness_violation;
    unknown += r.verdict == Outcome::unknown;
    elections += r.metrics.elections;
    split += r.metrics.split_votes;
    if (r.metrics.first_leader_us >= 0) {
      ++converged;
      first_leader_ms += us_to_ms(r.metrics.first_leader_us);
    }
    ops_ok += r.metrics.ops_ok;
    events += r.metrics.events;
    cpu += r.cpu_seconds;
  }
  const double n = static_cast<double>(std::max<std::size_t>(1, b.results.size()));
  const std::string seeds = b.results.empty() ? std::string("-")
                                              : fmt::format("{}..{}", b.results.front().seed, b.results.back().seed);
  const std::string leader = converged == 0 ? std::string("never") : fmt::format("{:.0f}ms", first_leader_ms / static_cast<double>(converged));
  return fmt::format("{:<32} {:>12} {:>6} {:>7} {:>9} {:>7} {:>10.1f} {:>6.1f} {:>10} {:>9.0f} {:>11.0f} {:>8.2f}s", b.scenario->name,
                     seeds, pass, safety, liveness, unknown, static_cast<double>(elections) / n, static_cast<double>(split) / n,
                     leader, static_cast<double>(ops_ok) / n, static_cast<double>(events) / n, cpu);
}

std::string format_batch_table(const std::vector<SeedBatch>& batches) {
  std::string out = fmt::format("{:<32} {:>12} {:>6} {:>7} {:>9} {:>7} {:>10} {:>6} {:>10} {:>9} {:>11} {:>9}\n", "scenario",
                                "seeds", "pass", "safety", "liveness", "unknown", "elections", "split", "1st leader", "ops ok",
                                "events", "cpu");
  for (const SeedBatch& b : batches) out += format_batch_line(b) + "\n";
  out += "(unknown = seeds whose client history check reached its limit: neither pass nor violation; "
         "averages per seed: elections started, split = terms without a winner, 1st leader = time to the first "
         "leader, ops ok, events; cpu = CPU time summed over seeds, each run's own thread clock, not wall time)\n";
  return out;
}

}  // namespace tools
