// Benchmark (not a test): simulated events per wall-second and simulated-to-wall time ratio for a
// scenario (default scenarios/basic.json stretched to 60 simulated seconds), with every online checker on.
//
//   raftsim_bench [SCENARIO] [--seconds S] [--seeds N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "tools/lib/input_error.h"
#include "tools/lib/runner.h"
#include "tools/lib/scenario.h"

int main(int argc, char** argv) {
  std::string path = "scenarios/basic.json";
  double seconds = 60.0;
  std::uint64_t seeds = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (a == "--seeds" && i + 1 < argc) {
      seeds = std::strtoull(argv[++i], nullptr, 10);
    } else if (!a.empty() && a[0] != '-') {
      path = a;
    } else {
      std::fprintf(stderr, "usage: raftsim_bench [SCENARIO] [--seconds S] [--seeds N]\n");
      return 3;
    }
  }
  if (seconds <= 0 || seeds == 0) {
    std::fprintf(stderr, "raftsim_bench: --seconds and --seeds must be positive\n");
    return 3;
  }
  tools::Scenario scenario;
  try {
    scenario = tools::load_scenario_file(path);
  } catch (const tools::InputError& e) {
    std::fprintf(stderr, "raftsim_bench: %s\n", e.what());
    return 3;
  }
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
