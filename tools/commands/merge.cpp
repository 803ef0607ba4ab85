#include "tools/commands/commands.h"

#include <iostream>
#include <stdexcept>

#include <fmt/format.h>

#include "checkers/metrics.h"
#include "reports/results.h"
#include "tools/commands/common.h"
#include "tools/runner/runner.h"

namespace commands {

// Merges the --json results of shards into one summary (and optionally one JSON and one JUnit file).
int command_merge(const std::vector<std::string>& files, const std::string& json, const std::string& junit) {
  std::vector<reports::RunResults> parts;
  for (const auto& f : files) parts.push_back(reports::read_results_json(f));
  reports::RunResults merged = reports::merge_results(parts);
  // The aggregate is recomputed from the seeds' own metrics (they carry their latency histograms), so
  // pooled percentiles over shards are exact.
  for (auto& s : merged.scenarios) {
    checkers::MetricsSummary summary;
    bool complete = true;
    for (const auto& x : s.seeds) {
      if (x.metrics.is_null()) {
        complete = false;
        break;
      }
      try {
        summary.add(checkers::RunMetrics::from_json(x.metrics));
      } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(fmt::format("{} seed {}: invalid metrics: {}", s.file, x.seed, e.what()));
      } catch (const std::invalid_argument& e) {
        throw std::runtime_error(fmt::format("{} seed {}: invalid metrics: {}", s.file, x.seed, e.what()));
      }
    }
    s.metrics = complete && !s.seeds.empty() ? summary.to_json() : nlohmann::ordered_json();
  }
  std::string worst = "pass";
  std::cout << fmt::format("{:<32} {:>8} {:>6} {:>7} {:>9} {:>7}\n", "scenario", "seeds", "pass", "safety", "liveness",
                           "unknown");
  for (const auto& s : merged.scenarios) {
    std::size_t pass = 0, safety = 0, liveness = 0, unknown = 0;
    for (const auto& x : s.seeds) {
      pass += x.verdict == "pass";
      safety += x.verdict == "safety_violation";
      liveness += x.verdict == "liveness_violation";
      unknown += x.verdict == "unknown";
    }
    if (safety > 0) worst = "safety_violation";
    if (liveness > 0 && worst != "safety_violation") worst = "liveness_violation";
    if (unknown > 0 && worst == "pass") worst = "unknown";
    std::cout << fmt::format("{:<32} {:>8} {:>6} {:>7} {:>9} {:>7}\n", s.name, s.seeds.size(), pass, safety, liveness,
                             unknown);
    for (const auto& x : s.seeds) {
      if (x.verdict != "pass") std::cout << fmt::format("  seed {}: {}\n    reproduce: {}\n", x.seed, x.message, x.reproduce);
    }
  }
  if (!json.empty()) write_file(json, [&](std::ostream& o) { reports::write_results_json(o, merged); });
  if (!junit.empty()) write_file(junit, [&](std::ostream& o) { reports::write_junit(o, merged); });
  std::cout << fmt::format("\noverall: {} ({} files merged)\n", worst, files.size());
  if (worst == "unknown") return tools::kExitUnknown;
  return worst == "pass" ? tools::kExitPass : worst == "safety_violation" ? tools::kExitSafety : tools::kExitLiveness;
}

}  // namespace commands
