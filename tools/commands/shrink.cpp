#include "tools/commands/commands.h"

#include <chrono>
#include <iostream>

#include <fmt/format.h>

#include "tools/runner/failure_record.h"
#include "tools/runner/runner.h"
#include "tools/shrink/shrink.h"

namespace commands {

// Shrinks a failure record into a small standalone scenario.
int command_shrink(const std::string& path, const std::string& out_path) {
  const tools::FailureRecord rec = tools::load_failure_record(path);
  const auto start = std::chrono::steady_clock::now();
  const tools::ShrinkResult r = tools::shrink_failure(rec, [](const std::string& line) { std::cout << "  " << line << std::endl; });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  tools::write_shrunk_scenario(r, out_path);
  const tools::ShrinkStats& st = r.stats;
  std::cout << fmt::format(
      "\nshrunk {} (seed {}), keeping {}, in {} runs and {:.1f}s:\n"
      "  faults    {} -> {}\n  duration  {}ms -> {}ms\n  clients   {} -> {}\n  keys      {} -> {}\n"
      "  nodes     {} -> {}\nwritten to {}; it runs with: raftsim run {} --seed {}\n",
      rec.scenario.name, r.seed, r.signature, st.runs, seconds, st.faults_before, st.faults_after, st.duration_ms_before,
      st.duration_ms_after, st.clients_before, st.clients_after, st.keys_before, st.keys_after, st.nodes_before,
      st.nodes_after, out_path, out_path, r.seed);
  return tools::kExitPass;
}

}  // namespace commands
