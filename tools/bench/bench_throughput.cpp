// Benchmark (not a test): simulated events per wall-second and simulated-to-wall time ratio for a
// scenario (default scenarios/basic.json stretched to 60 simulated seconds), with every online checker on.
//
//   raftsim_bench [SCENARIO] [--seconds S] [--seeds N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "tools/bench/bench_args.h"
#include "tools/runner/runner.h"
#include "tools/scenario/scenario.h"

int main(int argc, char** argv) {
  auto args = tools::parse_bench_args(argc, argv, "raftsim_bench");
  if (!args) return 3;
  tools::Scenario& scenario = args->scenario;
  const std::string& path = args->path;
  const double seconds = args->seconds;
  const std::uint64_t seeds = args->seeds;
  // Stretch the fault phase to the requested simulated time; the liveness window stays as it is.
  scenario.config.duration = sim::Duration::micros(static_cast<std::int64_t>(seconds * 1e6));
  fmt::print("benchmark: {} for {:.0f} simulated seconds (+ liveness window), {} seeds, checkers on\n", path, seconds,
             seeds);
  std::uint64_t events_total = 0;
  double wall_total = 0, sim_total = 0;
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    const auto start = std::chrono::steady_clock::now();
    const tools::RunResult r = tools::run_scenario(scenario, seed);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double sim_s = static_cast<double>(r.end_time_us) / 1e6;
    fmt::print("  seed {:>3}: {:>9} events in {:.3f}s wall: {:>10.0f} events/s, simulated/wall {:>7.1f}x, {}\n", seed,
               r.metrics.events, wall, static_cast<double>(r.metrics.events) / wall, sim_s / wall,
               tools::outcome_name(r.outcome));
    events_total += r.metrics.events;
    wall_total += wall;
    sim_total += sim_s;
  }
  fmt::print("total: {} events in {:.3f}s wall: {:.0f} events/s, simulated/wall {:.1f}x\n", events_total, wall_total,
             static_cast<double>(events_total) / wall_total, sim_total / wall_total);
  return 0;
}
