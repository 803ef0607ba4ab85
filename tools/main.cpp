// raftsim: the command line.
#include <algorithm>
#include <chrono>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <thread>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "checkers/checker.h"
#include "checkers/history_parse.h"
#include "checkers/linearizability.h"
#include "raft/bugs.h"
#include "reports/event_format.h"
#include "reports/results.h"
#include "reports/trace_reader.h"
#include "tools/lib/determinism.h"
#include "tools/lib/failure_record.h"
#include "tools/lib/fuzz.h"
#include "tools/lib/input_error.h"
#include "tools/lib/mutants.h"
#include "tools/lib/scenario_writer.h"
#include "tools/lib/shrink.h"
#include "tools/lib/run_report.h"
#include "tools/lib/runner.h"
#include "tools/lib/scenario.h"
#include "tools/lib/seed_range.h"

#ifndef RAFTSIM_VERSION
#define RAFTSIM_VERSION "dev"
#endif

namespace {

struct RunArgs {
  std::vector<std::string> paths;
  std::string seed;
  std::string seeds;
  unsigned jobs = 1;
  std::string trace;
  std::string history;
  std::string impl;
  std::vector<std::string> bugs;
  std::vector<std::string> disabled_checkers;
  std::string shard;
  std::string junit;
  std::string json;
  std::string records = "raftsim-failures";
  bool no_records = false;
  bool check_determinism = false;
  bool quiet = false;
};

// Files as given; directories expand to their *.json files, sorted by name.
std::vector<std::string> expand_paths(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (const auto& entry : std::filesystem::directory_iterator(p)) {
        if (entry.path().extension() == ".json") found.push_back(entry.path().string());
      }
      std::sort(found.begin(), found.end());
      if (found.empty()) throw tools::InputError(p, "", "the directory holds no .json scenario files");
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back(p);
    }
  }
  return out;
}

// --disable-checker on top of the scenario's own checkers.disable.
void add_disabled_checkers(tools::Scenario& s, const std::vector<std::string>& names) {
  for (const auto& n : names) {
    if (std::find(s.disabled_checkers.begin(), s.disabled_checkers.end(), n) == s.disabled_checkers.end()) {
      s.disabled_checkers.push_back(n);
    }
  }
}

// Adds a repeatable --disable-checker option that accepts the standard checkers' names.
void add_disable_checker_option(CLI::App* cmd, std::vector<std::string>& target) {
  cmd->add_option("--disable-checker", target, "Switch a checker off (a known finding), repeatable")
      ->check(CLI::IsMember(checkers::default_checker_names()));
}

// Runs seeds on `jobs` threads. Each simulation is single-threaded and shares nothing with the others.
std::vector<tools::RunResult> run_seeds(const tools::Scenario& scenario, const std::vector<std::uint64_t>& seeds,
                                        unsigned jobs) {
  std::vector<tools::RunResult> results(seeds.size());
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  std::atomic<std::size_t> failed{0};
  // A progress line on a terminal only (never in CI logs or pipes), rewritten in place on stderr.
  const bool progress = isatty(STDERR_FILENO) != 0;
  std::mutex print;
  auto worker = [&] {
    for (std::size_t i = next++; i < seeds.size(); i = next++) {
      results[i] = tools::run_scenario(scenario, seeds[i]);
      failed += results[i].verdict != tools::Outcome::pass;
      const std::size_t d = ++done;
      if (progress && (d % 16 == 0 || d == seeds.size())) {
        std::lock_guard<std::mutex> lock(print);
        std::cerr << fmt::format("\r{}: {}/{} seeds, {} failed ", scenario.name, d, seeds.size(), failed.load())
                  << (d == seeds.size() ? "\r\033[K" : "") << std::flush;
      }
    }
  };
  std::vector<std::thread> threads;
  for (unsigned j = 1; j < std::min<std::size_t>(jobs, seeds.size()); ++j) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  return results;
}

void write_file(const std::string& path, const std::function<void(std::ostream&)>& write) {
  std::ofstream out(path);
  if (!out) throw tools::InputError("command line", path, "cannot open the file for writing");
  write(out);
}

reports::RunResults to_results(const std::vector<tools::SeedBatch>& batches, const std::string& shard) {
  reports::RunResults r;
  r.version = RAFTSIM_VERSION;
  r.shard = shard;
  for (const auto& b : batches) {
    reports::ScenarioResults s{b.scenario->name, b.scenario->file, {}};
    for (const auto& x : b.results) s.seeds.push_back(tools::to_seed_result(*b.scenario, x));
    r.scenarios.push_back(std::move(s));
  }
  return r;
}

int command_run(const RunArgs& args) {
  if (!args.seed.empty() && !args.seeds.empty()) {
    throw tools::InputError("command line", "--seed", "give either --seed or --seeds, not both");
  }
  const tools::SeedRange range = tools::parse_seed_range(
      !args.seeds.empty() ? args.seeds : (!args.seed.empty() ? args.seed : std::string("1")),
      !args.seeds.empty() ? "--seeds" : "--seed");
  const std::vector<std::string> files = expand_paths(args.paths);
  std::vector<tools::Scenario> scenarios;
  for (const auto& f : files) {
    scenarios.push_back(tools::load_scenario_file(f));
    if (!args.impl.empty()) scenarios.back().impl = args.impl;
    const auto skip = scenarios.back().not_for.find(scenarios.back().impl);
    if (skip != scenarios.back().not_for.end()) {
      std::cout << fmt::format("skipped {}: not for {}: {}\n", scenarios.back().name, skip->first, skip->second);
      scenarios.pop_back();
      continue;
    }
    for (const auto& b : args.bugs) scenarios.back().bugs.push_back(b);
    add_disabled_checkers(scenarios.back(), args.disabled_checkers);
    // Fail here, as a usage error, rather than inside a worker thread.
    try {
      tools::make_factory(scenarios.back().impl, scenarios.back().bugs);
    } catch (const std::invalid_argument& e) {
      throw tools::InputError(f, "cluster.impl", std::string(e.what()) + " (not built into this raftsim)");
    }
  }
  std::vector<std::uint64_t> seeds;
  std::string shard;
  if (!args.shard.empty()) {
    const auto [i, n] = tools::parse_shard(args.shard);
    shard = args.shard;
    seeds = tools::shard_seeds(range, i, n);
  } else {
    seeds = tools::shard_seeds(range, 1, 1);
  }
  if (seeds.empty()) throw tools::InputError("command line", "--shard", "this shard of the range holds no seed");
  if (scenarios.empty()) {
    std::cout << "\noverall: pass (every scenario was skipped)\n";
    return tools::kExitPass;
  }
  const bool single = scenarios.size() == 1 && seeds.size() == 1 && args.junit.empty() && args.json.empty();
  if (!single && (!args.trace.empty() || !args.history.empty())) {
    throw tools::InputError("command line", args.trace.empty() ? "--history" : "--trace",
                            "can only be written for one scenario and one seed");
  }

  if (single) {
    tools::RunOptions options{args.trace, args.history};
    const tools::RunResult r = tools::run_scenario(scenarios[0], seeds[0], options);
    std::cout << tools::format_run_report(scenarios[0], r);
    if (r.verdict != tools::Outcome::pass && !args.no_records) {
      const std::string path = tools::write_failure_record(args.records, scenarios[0], r);
      std::cout << fmt::format("record     {} (replay with: raftsim replay {})\n", path, path);
    }
    if (args.check_determinism) {
      if (auto diff = tools::check_determinism(scenarios[0], seeds[0])) {
        std::cout << "\nNONDETERMINISM: " << *diff << "\n";
        return tools::kExitSafety;
      }
      std::cout << "determinism: a second run gave the same trace\n";
    }
    return tools::exit_code(r.verdict);
  }

  tools::Outcome overall = tools::Outcome::pass;
  std::vector<tools::SeedBatch> batches;
  for (const auto& s : scenarios) {
    tools::SeedBatch batch{&s, run_seeds(s, seeds, std::max(1u, args.jobs))};
    if (!args.no_records) {
      for (const auto& r : batch.results) {
        if (r.verdict != tools::Outcome::pass) tools::write_failure_record(args.records, s, r);
      }
    }
    if (args.check_determinism) {
      for (const auto seed : seeds) {
        if (auto diff = tools::check_determinism(s, seed)) {
          std::cout << fmt::format("NONDETERMINISM in {} seed {}: {}\n", s.name, seed, *diff);
          overall = tools::worst(overall, tools::Outcome::safety_violation);
        }
      }
    }
    for (const auto& r : batch.results) overall = tools::worst(overall, r.verdict);
    if (!args.quiet) std::cout << tools::format_batch_line(batch) << std::endl;
    batches.push_back(std::move(batch));
  }
  std::cout << "\n" << tools::format_batch_table(batches);
  // Show the first failure of each scenario in full, and list the others.
  constexpr std::size_t kListedFailuresMax = 10;
  for (const auto& b : batches) {
    std::size_t failures = 0;
    std::string more;
    for (const auto& r : b.results) {
      if (r.verdict == tools::Outcome::pass) continue;
      ++failures;
      if (failures == 1) {
        std::cout << "\n==== first failure of " << b.scenario->name << " ====\n" << tools::format_run_report(*b.scenario, r);
      } else if (failures <= kListedFailuresMax) {
        std::cout << fmt::format("also failed: {} seed {}: {}\n", b.scenario->name, r.seed, tools::failure_summary(r));
      } else {
        more += fmt::format(" {}", r.seed);
      }
    }
    if (!more.empty()) std::cout << fmt::format("also failed: {} seeds{}\n", b.scenario->name, more);
  }
  if (!args.json.empty() || !args.junit.empty()) {
    const reports::RunResults results = to_results(batches, shard);
    if (!args.json.empty()) write_file(args.json, [&](std::ostream& o) { reports::write_results_json(o, results); });
    if (!args.junit.empty()) write_file(args.junit, [&](std::ostream& o) { reports::write_junit(o, results); });
  }
  if (overall != tools::Outcome::pass && !args.no_records) {
    std::cout << fmt::format("\nfailure records are in {}/ (replay one with: raftsim replay FILE)\n", args.records);
  }
  std::cout << fmt::format("\noverall: {}\n", tools::outcome_name(overall));
  return tools::exit_code(overall);
}

// Explores seeds of a scenario, saving each distinct failure once.
int command_fuzz(const std::string& path, const std::vector<std::string>& bugs,
                 const std::vector<std::string>& disabled_checkers, const tools::FuzzOptions& options) {
  tools::Scenario scenario = tools::load_scenario_file(path);
  for (const auto& b : bugs) scenario.bugs.push_back(b);
  add_disabled_checkers(scenario, disabled_checkers);
  try {
    tools::make_factory(scenario.impl, scenario.bugs);
  } catch (const std::invalid_argument& e) {
    throw tools::InputError(path, "cluster.impl", e.what());
  }
  if (!scenario.nemesis.enabled) {
    std::cout << "note: this scenario has no random nemesis: seeds vary only timing, latency and workload\n";
  }
  const tools::FuzzReport r =
      tools::fuzz(scenario, options, [](const std::string& line) { std::cout << line << std::endl; });
  std::cout << fmt::format("\nfuzzed {} seeds in total ({:.1f}s in this call), next seed {}; state in {}/fuzz-state.json\n",
                           r.seeds_run, r.wall_seconds, r.next_seed, options.out_dir);
  if (r.findings.empty()) {
    std::cout << "no failures\n";
    return tools::kExitPass;
  }
  std::cout << fmt::format("{} distinct failures:\n", r.findings.size());
  bool safety = false;
  for (const auto& f : r.findings) {
    safety |= f.signature.rfind("safety", 0) == 0;
    std::cout << fmt::format("  {}x, first at seed {}: {}\n    {}\n    shrink: raftsim shrink {} -o small.json\n", f.count,
                             f.first_seed, f.signature, f.summary, f.record);
  }
  return safety ? tools::kExitSafety : tools::kExitLiveness;
}

// Measures how fast the scenario's seeds find each planted bug; the correct build must stay clean.
int command_mutants(const std::string& path, const tools::MutantsOptions& options, const std::string& json) {
  tools::Scenario scenario = tools::load_scenario_file(path);
  if (!scenario.bugs.empty()) {
    throw tools::InputError(path, "cluster.bugs", "must be empty: `mutants` plants each bug itself into the correct build");
  }
  if (scenario.impl != "reference") {
    throw tools::InputError(path, "cluster.impl", "planted bugs exist only in the reference Raft");
  }
  if (scenario.expect.outcome != tools::Expectation::Outcome::pass) {
    throw tools::InputError(path, "expect.outcome", "must be \"pass\": the correct build is expected to pass");
  }
  const tools::MutantsReport r =
      tools::run_mutants(scenario, options, [](const std::string& line) { std::cout << line << std::endl; });
  std::cout << "\n" << tools::format_mutants_table(r);
  if (!json.empty()) write_file(json, [&](std::ostream& o) { o << tools::mutants_json(r); });
  return r.pass() ? tools::kExitPass : tools::kExitSafety;
}

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

// Checks a client history file for linearizability.
int command_check(const std::string& path, const std::string& format, double timeout_seconds, double memory_mb) {
  std::optional<checkers::HistoryFormat> f;
  if (format == "raftsim") f = checkers::HistoryFormat::raftsim_jsonl;
  if (format == "jepsen-etcd") f = checkers::HistoryFormat::jepsen_etcd;
  if (format == "edn-kv") f = checkers::HistoryFormat::jepsen_edn_kv;
  const checkers::History history = checkers::load_history_file(path, f);
  checkers::LinLimits limits;
  limits.timeout_seconds = timeout_seconds;
  limits.memory_bytes_max = static_cast<std::size_t>(memory_mb * 1024.0 * 1024.0);
  const auto start = std::chrono::steady_clock::now();
  const checkers::LinResult r = checkers::check_linearizability(history, limits);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << fmt::format("history    {} ({} operations, {} keys checked)\n", path, r.operations, r.keys_checked);
  std::cout << fmt::format("verdict    {} in {:.3f}s\n", checkers::verdict_name(r.verdict), seconds);
  if (!r.reason.empty()) std::cout << fmt::format("reason     {}\n", r.reason);
  if (r.witness) std::cout << "\n" << r.witness->text << "\n";
  switch (r.verdict) {
    case checkers::LinVerdict::linearizable: return tools::kExitPass;
    case checkers::LinVerdict::not_linearizable: return tools::kExitSafety;
    case checkers::LinVerdict::unknown: return tools::kExitUnknown;
  }
  return tools::kExitUsage;
}

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

// Merges the --json results of shards into one summary (and optionally one JSON and one JUnit file).
int command_merge(const std::vector<std::string>& files, const std::string& json, const std::string& junit) {
  std::vector<reports::RunResults> parts;
  for (const auto& f : files) parts.push_back(reports::read_results_json(f));
  const reports::RunResults merged = reports::merge_results(parts);
  std::string worst = "pass";
  std::cout << fmt::format("{:<32} {:>8} {:>6} {:>7} {:>9}\n", "scenario", "seeds", "pass", "safety", "liveness");
  for (const auto& s : merged.scenarios) {
    std::size_t pass = 0, safety = 0, liveness = 0;
    for (const auto& x : s.seeds) {
      pass += x.verdict == "pass";
      safety += x.verdict == "safety_violation";
      liveness += x.verdict == "liveness_violation";
    }
    if (safety > 0) worst = "safety_violation";
    if (liveness > 0 && worst == "pass") worst = "liveness_violation";
    std::cout << fmt::format("{:<32} {:>8} {:>6} {:>7} {:>9}\n", s.name, s.seeds.size(), pass, safety, liveness);
    for (const auto& x : s.seeds) {
      if (x.verdict != "pass") std::cout << fmt::format("  seed {}: {}\n    reproduce: {}\n", x.seed, x.message, x.reproduce);
    }
  }
  if (!json.empty()) write_file(json, [&](std::ostream& o) { reports::write_results_json(o, merged); });
  if (!junit.empty()) write_file(junit, [&](std::ostream& o) { reports::write_junit(o, merged); });
  std::cout << fmt::format("\noverall: {} ({} files merged)\n", worst, files.size());
  return worst == "pass" ? tools::kExitPass : worst == "safety_violation" ? tools::kExitSafety : tools::kExitLiveness;
}

// Runs every online checker over a trace file written by `raftsim run --trace`.
int command_check_trace(const std::string& path) {
  const reports::ReadTrace trace = reports::read_trace_file(path);
  checkers::CheckerSet checkers = checkers::make_default_checkers();
  std::size_t index = 0;
  for (; index < trace.events.size(); ++index) {
    if (!checkers.on_event(trace.events[index])) break;
  }
  if (!checkers.violation()) checkers.finish(trace.events.back().time_us);
  std::cout << fmt::format("trace      {} ({} events)\n", path, trace.events.size());
  std::string names;
  for (const auto& n : checkers.names()) names += (names.empty() ? "" : ", ") + n;
  std::cout << fmt::format("checkers   {}\n", names);
  const auto& v = checkers.violation();
  if (!v) {
    std::cout << "outcome    pass\n";
    return tools::kExitPass;
  }
  const bool safety = v->severity == checkers::Severity::safety;
  std::cout << fmt::format("outcome    {}\n\nVIOLATION  {} at {:.3f}ms\n           {}\n",
                           safety ? "SAFETY VIOLATION" : "LIVENESS VIOLATION", v->checker,
                           static_cast<double>(v->time_us) / 1000.0, v->message);
  const std::size_t last = std::min(index, trace.events.size() - 1);
  const std::size_t first = last >= 30 ? last - 30 : 0;
  std::cout << "\nthe events before it:\n";
  for (std::size_t i = first; i <= last; ++i) {
    std::cout << "  " << reports::format_event_text(trace.events[i], trace.labels) << "\n";
  }
  return safety ? tools::kExitSafety : tools::kExitLiveness;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"raftsim: deterministic simulation testing for Raft"};
  app.require_subcommand(1);
  app.set_version_flag("--version", RAFTSIM_VERSION);
  app.footer(
      "Exit codes: 0 pass, 1 safety violation (check: not linearizable), 2 liveness violation, 3 usage or input "
      "error, 4 check: unknown (a limit was reached).");

  RunArgs run;
  CLI::App* run_cmd = app.add_subcommand("run", "Run scenario files (or directories of them) for one or many seeds");
  run_cmd->add_option("paths", run.paths, "Scenario files or directories")->required();
  run_cmd->add_option("--seed", run.seed, "The seed to run (default 1)");
  run_cmd->add_option("--seeds", run.seeds, "A range of seeds, A..B inclusive");
  run_cmd->add_option("--jobs,-j", run.jobs, "Seeds run in parallel (each simulation stays single-threaded)")
      ->check(CLI::Range(1u, 256u));
  run_cmd->add_option("--trace", run.trace, "Write the event trace as JSON Lines (one scenario, one seed)");
  run_cmd->add_option("--history", run.history, "Write the client history as JSON Lines (one scenario, one seed)");
  run_cmd->add_flag("--quiet,-q", run.quiet, "Print only the final table for many seeds");
  run_cmd->add_option("--shard", run.shard, "Run only shard I of N of the seeds (I/N, 1-based), for batch systems");
  run_cmd->add_option("--junit", run.junit, "Write JUnit XML (one test case per scenario and seed)");
  run_cmd->add_option("--json", run.json, "Write the results as JSON (mergeable with `raftsim merge`)");
  run_cmd->add_option("--records", run.records, "Where failure records go (default raftsim-failures)");
  run_cmd->add_flag("--no-records", run.no_records, "Do not write failure records");
  run_cmd->add_flag("--check-determinism", run.check_determinism,
                    "Run each seed twice more and name the first event where the traces differ, if they do");
  {
    const auto names = raft::bug_names();
    run_cmd->add_option("--bug", run.bugs, "Plant a bug in the reference Raft (repeatable)")
        ->check(CLI::IsMember(std::vector<std::string>(names.begin(), names.end())));
  }
  add_disable_checker_option(run_cmd, run.disabled_checkers);
  run_cmd->add_option("--impl", run.impl, "The Raft under test, overriding the scenarios' cluster.impl")
      ->check(CLI::IsMember(tools::implementations()));

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

  std::string fuzz_path;
  std::vector<std::string> fuzz_bugs;
  std::vector<std::string> fuzz_disabled_checkers;
  tools::FuzzOptions fuzz_options;
  CLI::App* fuzz_cmd = app.add_subcommand("fuzz", "Explore seeds of a (nemesis) scenario; save each distinct failure once");
  fuzz_cmd->add_option("scenario", fuzz_path, "A scenario file, normally with a random nemesis")->required();
  fuzz_cmd->add_option("--seeds", fuzz_options.seeds_max, "How many seeds to run (default 1000; 0: until --time-budget)");
  fuzz_cmd->add_option("--time-budget", fuzz_options.time_budget_seconds, "Stop after this many wall seconds")
      ->check(CLI::Range(0.0, 1e7));
  fuzz_cmd->add_option("--first-seed", fuzz_options.first_seed, "Where to start (default 1)");
  fuzz_cmd->add_option("--jobs,-j", fuzz_options.jobs, "Seeds run in parallel")->check(CLI::Range(1u, 256u));
  fuzz_cmd->add_option("--out", fuzz_options.out_dir, "Directory for failure records and the resumable state");
  fuzz_cmd->add_flag("--resume", fuzz_options.resume, "Continue where the last fuzz in --out stopped");
  {
    const auto names = raft::bug_names();
    fuzz_cmd->add_option("--bug", fuzz_bugs, "Plant a bug in the reference Raft (repeatable)")
        ->check(CLI::IsMember(std::vector<std::string>(names.begin(), names.end())));
  }

  add_disable_checker_option(fuzz_cmd, fuzz_disabled_checkers);

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
    const auto names = raft::bug_names();
    mutants_cmd->add_option("--bug", mutants_options.bugs, "Only these planted bugs (repeatable; default all)")
        ->check(CLI::IsMember(std::vector<std::string>(names.begin(), names.end())));
  }
  mutants_cmd->add_flag("!--no-shrink", mutants_options.shrink, "Do not shrink the first failure of each mutant");
  mutants_cmd->add_flag("!--no-correct", mutants_options.check_correct, "Do not run the correct build");
  mutants_cmd->add_option("--out", mutants_options.out_dir, "Failure records (and regressions) go here (default raftsim-mutants)");
  mutants_cmd->add_flag("--write-regressions", mutants_options.write_regressions,
                        "Write each mutant's shrunk failure as OUT/regressions/BUG.json");
  mutants_cmd->add_option("--json", mutants_json, "Write the table as JSON (raftsim-mutants-1)");

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
  check_cmd->add_option("--memory-mb", check_memory_mb, "Give up (unknown) when one key's search needs more memory")
      ->check(CLI::Range(1.0, 1e7));

  std::string trace_path;
  CLI::App* check_trace_cmd =
      app.add_subcommand("check-trace", "Run every online checker over a trace file written by run --trace");
  check_trace_cmd->add_option("trace", trace_path, "A JSON Lines trace file")->required();

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
      if (fuzz_options.seeds_max == 0 && fuzz_options.time_budget_seconds <= 0) {
        throw tools::InputError("command line", "--seeds", "0 seeds means no limit, so give a --time-budget");
      }
      return command_fuzz(fuzz_path, fuzz_bugs, fuzz_disabled_checkers, fuzz_options);
    }
    if (shrink_cmd->parsed()) return command_shrink(shrink_path, shrink_out);
    if (mutants_cmd->parsed()) return command_mutants(mutants_path, mutants_options, mutants_json);
    if (check_cmd->parsed()) return command_check(check_path, check_format, check_timeout, check_memory_mb);
    if (replay_cmd->parsed()) return command_replay(replay_path, replay_window_ms, replay_trace);
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
