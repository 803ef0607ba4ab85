// Benchmark (not a test): simulated events per CPU second and simulated seconds per CPU second for a
// scenario (default scenarios/basic.json stretched to 60 simulated seconds), with every online checker on
// (or, with --checkers-off, none: no online checker and no history check; with --history-check-off, the
// online checkers without the client history's linearizability check; the trace and its hash stay).
//
//   raftsim_bench [SCENARIO] [--seconds S] [--seeds N] [--checkers-off] [--history-check-off]
//
// Time is measured both ways and labelled: CPU time of the process (CLOCK_PROCESS_CPUTIME_ID: what the run
// costs, stable on a shared machine) and wall time (steady_clock: what a user waits). Memory is the peak
// resident set size (VmHWM from /proc/self/status), reset before each seed where the kernel allows it
// (/proc/self/clear_refs), so each seed's figure is its own peak. The last line, "summary", is meant for
// scripts (tools/bench/bench_sim.sh).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "checkers/checker.h"
#include "tools/bench/bench_args.h"
#include "tools/bench/process_measure.h"
#include "tools/runner/runner.h"
#include "tools/scenario/scenario.h"

using tools::bench::peak_rss_mib;
using tools::bench::process_cpu_seconds;
using tools::bench::reset_peak_rss;

int main(int argc, char** argv) {
  auto args = tools::parse_bench_args(argc, argv, "raftsim_bench");
  if (!args) return 3;
  tools::Scenario& scenario = args->scenario;
  const std::string& path = args->path;
  const double seconds = args->seconds;
  const std::uint64_t seeds = args->seeds;
  // Stretch the fault phase to the requested simulated time; the liveness window stays as it is.
  scenario.config.duration = sim::Duration::micros(static_cast<std::int64_t>(seconds * 1e6));
  tools::RunOptions options;
  if (!args->checkers) scenario.disabled_checkers = checkers::default_checker_names();
  if (!args->history_check) options.check_linearizability = false;
  fmt::print("benchmark: {} for {:.0f} simulated seconds (+ liveness window), {} seeds, checkers {}, history check {}\n",
             path, seconds, seeds, args->checkers ? "on" : "off", args->history_check ? "on" : "off");
  std::uint64_t events_total = 0;
  double cpu_total = 0, wall_total = 0, sim_total = 0, rss_max = 0;
  bool rss_per_seed = true;
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    rss_per_seed = reset_peak_rss() && rss_per_seed;
    const double cpu_start = process_cpu_seconds();
    const auto wall_start = std::chrono::steady_clock::now();
    const tools::RunResult r = tools::run_scenario(scenario, seed, options);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    const double cpu = process_cpu_seconds() - cpu_start;
    const double rss = peak_rss_mib();
    const double sim_s = static_cast<double>(r.end_time_us) / 1e6;
    const auto events = static_cast<double>(r.metrics.events);
    fmt::print(
        "  seed {:>3}: {:>9} events, {:.1f} simulated s, {:.3f} s CPU, {:.3f} s wall: {:>10.0f} events per CPU s, "
        "{:>7.1f} simulated s per CPU s, {:>10.0f} events per wall s, peak RSS {:.1f} MiB, {}\n",
        seed, r.metrics.events, sim_s, cpu, wall, events / cpu, sim_s / cpu, events / wall, rss,
        tools::outcome_name(r.outcome));
    events_total += r.metrics.events;
    cpu_total += cpu;
    wall_total += wall;
    sim_total += sim_s;
    if (rss > rss_max) rss_max = rss;
  }
  const auto events = static_cast<double>(events_total);
  fmt::print(
      "total: {} events, {:.1f} simulated s in {:.3f} s CPU ({:.3f} s wall): {:.0f} events per CPU s, {:.1f} "
      "simulated s per CPU s; {:.0f} events per wall s, {:.1f} simulated s per wall s; peak RSS {:.1f} MiB{}\n",
      events_total, sim_total, cpu_total, wall_total, events / cpu_total, sim_total / cpu_total, events / wall_total,
      sim_total / wall_total, rss_max, rss_per_seed ? " (largest seed)" : " (whole process: VmHWM could not be reset)");
  fmt::print("summary: events={} simulated_s={:.3f} cpu_s={:.4f} wall_s={:.4f} peak_rss_mib={:.1f}\n", events_total,
             sim_total, cpu_total, wall_total, rss_max);
  return 0;
}
