// raftsim: the command line. Parses the options and calls the subcommands (tools/commands/).
// tools::cli_main (tools/cli.h) is a library function: tools/raftsim_main.cpp and out-of-tree builds
// register their implementations first.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "checkers/checker.h"
#include "tools/cli.h"
#include "tools/commands/commands.h"
#include "tools/registry/implementations.h"
#include "tools/scenario/input_error.h"
#include "tools/runner/reproduce.h"
#include "tools/scenario/json_reader.h"
#include "tools/runner/seed_range.h"
#include "tools/runner/runner.h"

#ifndef RAFTSIM_VERSION
#define RAFTSIM_VERSION "dev"
#endif

namespace {

// Adds a repeatable --disable-checker option that accepts the standard checkers' names.
void add_disable_checker_option(CLI::App* cmd, std::vector<std::string>& target) {
  cmd->add_option("--disable-checker", target, "Switch a checker off (a known finding), repeatable")
      ->check(CLI::IsMember(checkers::default_checker_names()));
}

// Every registered implementation's bug names: --bug accepts any of them; the chosen implementation's
// own list is checked when its nodes are built.
std::vector<std::string> known_bug_names() {
  std::vector<std::string> names;
  for (const auto& impl : tools::implementation_names()) {
    const auto& bugs = tools::find_implementation(impl)->bug_names;
    names.insert(names.end(), bugs.begin(), bugs.end());
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

// --impl NAME: a registered implementation; the error lists them.
CLI::Validator implementation_validator() {
  return CLI::Validator(
      [](std::string& name) -> std::string {
        if (tools::find_implementation(name) != nullptr) return "";
        std::string list;
        for (const auto& n : tools::implementation_names()) list += (list.empty() ? "" : ", ") + n;
        return "unknown Raft implementation '" + name + "' (registered: " + list + ")";
      },
      "IMPL");
}

// --supports: what the implementation honours, for the generic configuration's feature draws.
void add_supports_option(CLI::App* cmd, std::string& supports) {
  cmd->add_option("--supports", supports,
                  "What the Raft honours, so that nemesis.features draws only that: comma-separated pre_vote, "
                  "check_quorum, transfer_leadership, or none (default: the implementation's declaration; "
                  "none for a process child)");
}

// --impl and --command for fuzz and mutants (run declares its own, beside its other options).
void add_impl_options(CLI::App* cmd, commands::ImplChoice& choice) {
  cmd->add_option("--impl", choice.impl, "The Raft under test, overriding the scenario's cluster.impl")
      ->check(implementation_validator());
  cmd->add_option("--command", choice.command,
                  "The process protocol's child command line, split at spaces, overriding cluster.command");
  add_supports_option(cmd, choice.supports);
}

// How seeds are protected from a crashing implementation (tools/runner/isolated_run.h).
void add_isolation_options(CLI::App* cmd, tools::Isolation& isolation) {
  cmd->add_option("--seed-timeout", isolation.seed_cpu_seconds_max,
                  "CPU seconds one seed may use before it counts as a hang (implementation-error; default 120)")
      ->check(CLI::Range(1.0, 1e6));
  cmd->add_option("--seeds-per-child", isolation.seeds_per_child, "Seeds run by one forked child (default 16)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}));
  cmd->add_flag("!--in-process", isolation.enabled,
                "Run seeds in raftsim's own process (no fork; a crashing implementation then ends the run)");
}

}  // namespace

using commands::RunArgs;
using commands::command_check;
using commands::command_check_trace;
using commands::command_fuzz;
using commands::command_merge;
using commands::command_mutants;
using commands::command_replay;
using commands::command_run;
using commands::command_shrink;

int tools::cli_main(int argc, char** argv) {
  if (argc > 0 && argv[0] != nullptr) tools::set_program_name(std::filesystem::path(argv[0]).filename().string());
  CLI::App app{"raftsim: deterministic simulation testing for Raft"};
  app.require_subcommand(1);
  app.set_version_flag("--version", RAFTSIM_VERSION);
  app.footer(
      "Exit codes: 0 pass, 1 safety violation (check: not linearizable), 2 liveness violation, 3 usage or input "
      "error, 4 unknown: the client history check reached a limit (run: no violation found but the history "
      "undecided; check: neither verdict), the limit and the keys it stopped are named.");

  RunArgs run;
  CLI::App* run_cmd = app.add_subcommand("run", "Run scenario files (or directories of them) for one or many seeds");
  run_cmd->add_option("paths", run.paths, "Scenario files or directories")->required();
  run_cmd->add_option("--seed", run.seed, "The seed to run (default 1)");
  run_cmd->add_option("--seeds", run.seeds, "A range of seeds, A..B inclusive");
  run_cmd->add_option("--jobs,-j", run.jobs, "Seeds run in parallel (each simulation stays single-threaded)")
      ->check(CLI::Range(1u, 256u));
  run_cmd->add_option("--trace", run.trace, "Write the event trace as JSON Lines (one scenario, one seed)");
  run_cmd->add_option("--history", run.history, "Write the client history as JSON Lines (one scenario, one seed)");
  run_cmd->add_option("--report", run.report, "Write the HTML report of the run (one scenario, one seed)");
  run_cmd->add_flag("--quiet,-q", run.quiet, "Print only the final table for many seeds");
  run_cmd->add_option("--shard", run.shard, "Run only shard I of N of the seeds (I/N, 1-based), for batch systems");
  run_cmd->add_option("--junit", run.junit, "Write JUnit XML (one test case per scenario and seed)");
  run_cmd->add_option("--json", run.json, "Write the results as JSON (mergeable with `raftsim merge`)");
  run_cmd->add_option("--records", run.records, "Where failure records go (default raftsim-failures)");
  run_cmd->add_flag("--no-records", run.no_records, "Do not write failure records");
  run_cmd->add_flag("--check-determinism", run.check_determinism,
                    "Run each seed twice more and name the first event where the traces differ, if they do");
  {
    const auto names = known_bug_names();
    run_cmd->add_option("--bug", run.bugs, "Plant one of the implementation's bugs (repeatable)")
        ->check(CLI::IsMember(std::vector<std::string>(names.begin(), names.end())));
  }
  add_disable_checker_option(run_cmd, run.disabled_checkers);
  run_cmd->add_option("--impl", run.impl, "The Raft under test, overriding the scenarios' cluster.impl")
      ->check(implementation_validator());
  run_cmd->add_option("--command", run.command,
                      "The process protocol's child command line, split at spaces, overriding cluster.command");
  add_supports_option(run_cmd, run.supports);
  add_isolation_options(run_cmd, run.isolation);

  std::vector<std::string> merge_files;
  std::string merge_json, merge_junit;
  CLI::App* merge_cmd = app.add_subcommand("merge", "Merge the --json results of several shards into one summary");
  merge_cmd->add_option("files", merge_files, "Results files written by run --json")->required();
  merge_cmd->add_option("--json", merge_json, "Write the merged results as JSON");
  merge_cmd->add_option("--junit", merge_junit, "Write the merged results as JUnit XML");

  std::string replay_path, replay_trace;
  double replay_window_ms = 50;
  CLI::App* replay_cmd = app.add_subcommand("replay", "Reproduce a failure record exactly (the trace hash is verified)");
  replay_cmd->add_option("record", replay_path, "A failure record written by run")->required();
  replay_cmd->add_option("--window-ms", replay_window_ms, "Show the events this close to the violation (default 50)")
      ->check(CLI::Range(0.0, 3'600'000.0));
  replay_cmd->add_option("--trace", replay_trace, "Also write the whole trace as JSON Lines");
  std::string replay_report;
  replay_cmd->add_option("--report", replay_report, "Also write the HTML report of the run");
  tools::Isolation replay_isolation;
  add_isolation_options(replay_cmd, replay_isolation);

  std::string fuzz_path;
  std::vector<std::string> fuzz_bugs;
  std::vector<std::string> fuzz_disabled_checkers;
  tools::FuzzOptions fuzz_options;
  CLI::App* fuzz_cmd = app.add_subcommand("fuzz", "Explore seeds of a (nemesis) scenario; save each distinct failure once");
  fuzz_cmd->add_option("scenario", fuzz_path, "A scenario file, normally with a random nemesis")->required();
  std::string fuzz_seeds;
  fuzz_cmd->add_option("--seeds", fuzz_seeds,
                       "How many seeds to run, N (default 1000; 0: until --time-budget), or which, A..B");
  fuzz_cmd->add_option("--time-budget", fuzz_options.time_budget_seconds, "Stop after this many wall seconds")
      ->check(CLI::Range(0.0, 1e7));
  auto* first_seed_option = fuzz_cmd->add_option("--first-seed", fuzz_options.first_seed, "Where to start (default 1)");
  fuzz_cmd->add_option("--jobs,-j", fuzz_options.jobs, "Seeds run in parallel")->check(CLI::Range(1u, 256u));
  fuzz_cmd->add_option("--out", fuzz_options.out_dir, "Directory for failure records and the resumable state");
  fuzz_cmd->add_flag("--resume", fuzz_options.resume, "Continue where the last fuzz in --out stopped");
  {
    const auto names = known_bug_names();
    fuzz_cmd->add_option("--bug", fuzz_bugs, "Plant one of the implementation's bugs (repeatable)")
        ->check(CLI::IsMember(std::vector<std::string>(names.begin(), names.end())));
  }

  add_disable_checker_option(fuzz_cmd, fuzz_disabled_checkers);
  commands::ImplChoice fuzz_impl;
  add_impl_options(fuzz_cmd, fuzz_impl);
  add_isolation_options(fuzz_cmd, fuzz_options.isolation);

  std::string mutants_path = "scenarios/swarm_nemesis.json", mutants_json;
  tools::MutantsOptions mutants_options;
  CLI::App* mutants_cmd = app.add_subcommand(
      "mutants", "Measure how fast fuzzing finds each planted bug (median seeds over streams); the correct build must pass");
  mutants_cmd->add_option("scenario", mutants_path, "The fuzz configuration (default scenarios/swarm_nemesis.json)");
  mutants_cmd->add_option("--budget", mutants_options.budget, "Seeds per stream (default 2000)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{999'999}));
  mutants_cmd->add_option("--streams", mutants_options.streams, "Independent seed streams (default 5)")
      ->check(CLI::Range(1u, 1000u));
  mutants_cmd->add_option("--jobs,-j", mutants_options.jobs, "Seeds run in parallel")->check(CLI::Range(1u, 256u));
  {
    const auto names = known_bug_names();
    mutants_cmd->add_option("--bug", mutants_options.bugs, "Only these planted bugs (repeatable; default all)")
        ->check(CLI::IsMember(std::vector<std::string>(names.begin(), names.end())));
  }
  mutants_cmd->add_flag("!--no-shrink", mutants_options.shrink, "Do not shrink the first failure of each mutant");
  mutants_cmd->add_flag("!--no-correct", mutants_options.check_correct, "Do not run the correct build");
  mutants_cmd->add_option("--out", mutants_options.out_dir, "Failure records (and regressions) go here (default raftsim-mutants)");
  mutants_cmd->add_flag("--write-regressions", mutants_options.write_regressions,
                        "Write each mutant's shrunk failure as OUT/regressions/BUG.json");
  mutants_cmd->add_option("--json", mutants_json, "Write the table as JSON (raftsim-mutants-1)");
  commands::ImplChoice mutants_impl;
  add_impl_options(mutants_cmd, mutants_impl);
  add_isolation_options(mutants_cmd, mutants_options.isolation);

  std::string shrink_path, shrink_out;
  CLI::App* shrink_cmd = app.add_subcommand("shrink", "Shrink a failure record into a small scenario file to commit");
  shrink_cmd->add_option("record", shrink_path, "A failure record written by run or fuzz")->required();
  shrink_cmd->add_option("-o,--output", shrink_out, "Where to write the shrunk scenario")->required();

  std::string check_path, check_format = "auto";
  double check_timeout = 60, check_memory_mb = 1024;
  CLI::App* check_cmd = app.add_subcommand("check", "Check a client history for linearizability");
  check_cmd->add_option("history", check_path, "A history: raftsim JSON Lines, a Jepsen etcd log, or a Jepsen EDN kv log")
      ->required();
  check_cmd->add_option("--format", check_format, "auto (default), raftsim, jepsen-etcd or edn-kv")
      ->check(CLI::IsMember({"auto", "raftsim", "jepsen-etcd", "edn-kv"}));
  check_cmd->add_option("--timeout", check_timeout, "Give up (verdict unknown, exit 4) after this many seconds")
      ->check(CLI::Range(0.0, 1e6));
  check_cmd->add_option("--memory-mb", check_memory_mb, "Give up (unknown) on the keys holding the most memory when the searches together need more")
      ->check(CLI::Range(1.0, 1e7));

  std::string report_path, report_out;
  CLI::App* report_cmd = app.add_subcommand("report", "Write the HTML report of a failure record or a trace file");
  report_cmd->add_option("input", report_path, "A failure record (run, fuzz) or a trace (run --trace)")->required();
  report_cmd->add_option("-o,--out", report_out, "The HTML file to write")->required();
  tools::Isolation report_isolation;
  add_isolation_options(report_cmd, report_isolation);

  std::string trace_path;
  CLI::App* check_trace_cmd =
      app.add_subcommand("check-trace", "Run every online checker over a trace file written by run --trace");
  check_trace_cmd->add_option("trace", trace_path, "A JSON Lines trace file")->required();

  // CLI11 would say only "A subcommand is required": name the word and the subcommands.
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
    if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
      const auto hint = tools::did_you_mean(argv[1], names);
      std::cerr << "raftsim: error: unknown subcommand '" << argv[1] << "'"
                << (hint ? " (did you mean '" + *hint + "'?)" : std::string()) << "; expected one of " << list << "\n";
      return tools::kExitUsage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return tools::kExitUsage;
  }
  try {
    if (run_cmd->parsed()) return command_run(run);
    if (check_trace_cmd->parsed()) return command_check_trace(trace_path);
    if (fuzz_cmd->parsed()) {
      commands::apply_fuzz_seeds(fuzz_seeds, first_seed_option->count() > 0, fuzz_options);
      if (fuzz_options.seeds_max == 0 && fuzz_options.time_budget_seconds <= 0) {
        throw tools::InputError("command line", "--seeds", "0 seeds means no limit, so give a --time-budget");
      }
      tools::check_seed(fuzz_options.first_seed, "--first-seed");
      if (fuzz_options.seeds_max > 0 && fuzz_options.seeds_max - 1 > tools::kSeedMax - fuzz_options.first_seed) {
        throw tools::InputError("command line", "--seeds", "the seeds would run past the largest seed, 2^63-1 (9223372036854775807)");
      }
      return command_fuzz(fuzz_path, fuzz_bugs, fuzz_disabled_checkers, fuzz_options, fuzz_impl);
    }
    if (shrink_cmd->parsed()) return command_shrink(shrink_path, shrink_out);
    if (mutants_cmd->parsed()) return command_mutants(mutants_path, mutants_options, mutants_json, mutants_impl);
    if (check_cmd->parsed()) return command_check(check_path, check_format, check_timeout, check_memory_mb);
    if (replay_cmd->parsed()) {
      return command_replay(replay_path, replay_window_ms, replay_trace, replay_isolation, replay_report);
    }
    if (report_cmd->parsed()) return commands::command_report(report_path, report_out, report_isolation);
    if (merge_cmd->parsed()) return command_merge(merge_files, merge_json, merge_junit);
  } catch (const tools::InputError& e) {
    std::cerr << "raftsim: error: " << e.what() << "\n";
    return tools::kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "raftsim: error: " << e.what() << "\n";
    return tools::kExitUsage;
  }
  return tools::kExitUsage;
}
