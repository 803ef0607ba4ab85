#include "tools/commands/commands.h"

#include <iostream>

#include <fmt/format.h>

#include "tools/lib/failure_record.h"
#include "tools/lib/run_report.h"
#include "tools/lib/runner.h"

namespace commands {

// Re-runs a failure record, verifies the trace hash, and shows the events around the violation.
int command_replay(const std::string& path, double window_ms, const std::string& trace) {
  const tools::FailureRecord rec = tools::load_failure_record(path);
  tools::RunOptions options;
  options.trace_path = trace;
  if (rec.violation) {
    const auto w = static_cast<std::int64_t>(window_ms * 1000.0);
    options.capture_from_us = rec.violation->time_us - w;
    options.capture_to_us = rec.violation->time_us + w;
  }
  const tools::RunResult r = tools::run_scenario(rec.scenario, rec.seed, options);
  std::cout << tools::format_run_report(rec.scenario, r);
  if (!r.captured_events.empty()) {
    std::cout << fmt::format("\nevents within {}ms of the violation:\n", window_ms);
    for (const auto& line : r.captured_events) std::cout << "  " << line << "\n";
  }
  if (r.trace_hash != rec.trace_hash) {
    std::cout << fmt::format(
        "\nNOT REPRODUCED: trace hash {:016x}, the record has {:016x} (recorded by raftsim {}, this is {}). A "
        "different binary may schedule differently; rebuild the recorded version to reproduce exactly.\n",
        r.trace_hash, rec.trace_hash, rec.version, tools::raftsim_version());
    return tools::kExitUsage;
  }
  std::cout << fmt::format("\nreproduced: the trace hash {:016x} matches the record\n", r.trace_hash);
  return tools::exit_code(r.verdict);
}

}  // namespace commands
