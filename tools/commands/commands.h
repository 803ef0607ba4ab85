// The raftsim subcommands, one file each; tools/main.cpp only parses the command line and calls them.
// Each returns the process exit code (tools/runner/runner.h) and throws InputError on bad input.
#pragma once

#include <string>
#include <vector>

#include "tools/commands/impl_choice.h"
#include "tools/fuzz/fuzz.h"
#include "tools/mutants/mutants.h"
#include "tools/runner/runner.h"

namespace commands {

// `raftsim run`'s options as parsed.
struct RunArgs {
  std::vector<std::string> paths;
  std::string seed;
  std::string seeds;
  unsigned jobs = 1;
  std::string trace;
  std::string history;
  std::string report;  // --report FILE.html (one scenario, one seed)
  std::string impl;
  std::string command;  // --command "ARGS" (tools/commands/impl_choice.h)
  std::string supports;  // --supports LIST (tools/commands/impl_choice.h)
  std::vector<std::string> bugs;
  std::vector<std::string> disabled_checkers;
  std::string shard;
  std::string junit;
  std::string json;
  std::string records = "raftsim-failures";
  bool no_records = false;
  bool check_determinism = false;
  bool quiet = false;
  tools::Isolation isolation;  // seeds in forked children (--seed-timeout, --in-process, --seeds-per-child)
};

int command_run(const RunArgs& args);
// fuzz --seeds: a count N (from --first-seed on) or a range A..B (then not with --first-seed).
void apply_fuzz_seeds(const std::string& text, bool first_seed_given, tools::FuzzOptions& options);
int command_fuzz(const std::string& path, const std::vector<std::string>& bugs,
                 const std::vector<std::string>& disabled_checkers, const tools::FuzzOptions& options,
                 const ImplChoice& impl = {});
int command_mutants(const std::string& path, const tools::MutantsOptions& options, const std::string& json,
                    const ImplChoice& impl = {});
int command_shrink(const std::string& path, const std::string& out_path);
int command_check(const std::string& path, const std::string& format, double timeout_seconds, double memory_mb);
int command_check_trace(const std::string& path);
int command_replay(const std::string& path, double window_ms, const std::string& trace, const tools::Isolation& isolation,
                   const std::string& report = {});
// The HTML report of a failure record or a trace file (reports/html_report.h).
int command_report(const std::string& path, const std::string& out, const tools::Isolation& isolation);
int command_merge(const std::vector<std::string>& files, const std::string& json, const std::string& junit);

}  // namespace commands
