#include "tools/commands/commands.h"

#include <algorithm>
#include <iostream>

#include <fmt/format.h>

#include "reports/results.h"
#include "tools/commands/common.h"
#include "tools/runner/atomic_file.h"
#include "tools/runner/determinism.h"
#include "tools/runner/failure_record.h"
#include "tools/scenario/input_error.h"
#include "tools/runner/html_report_run.h"
#include "tools/runner/interrupt.h"
#include "tools/runner/isolated_run.h"
#include "tools/runner/run_report.h"
#include "tools/runner/runner.h"
#include "tools/scenario/scenario.h"
#include "tools/scenario/scenario_limits.h"
#include "tools/runner/seed_range.h"

namespace commands {

namespace {

reports::RunResults to_results(const std::vector<tools::SeedBatch>& batches, const std::string& shard) {
  reports::RunResults r;
  r.version = RAFTSIM_VERSION;
  r.shard = shard;
  for (const auto& b : batches) {
    reports::ScenarioResults s;
    s.name = b.scenario->name;
    s.file = b.scenario->file;
    s.impl = b.scenario->impl;
    s.command = b.scenario->command;
    for (const auto& x : b.results) s.seeds.push_back(tools::to_seed_result(*b.scenario, x));
    s.metrics = tools::summarize_metrics(b.results).to_json();
    r.scenarios.push_back(std::move(s));
  }
  return r;
}

// Every output is checked before the first seed runs, so that a run never loses its verdict at the end.
void check_outputs(const RunArgs& args) {
  if (!args.no_records) tools::check_writable_dir(args.records, "--records");
  if (!args.json.empty()) tools::check_writable_file(args.json, "--json");
  if (!args.junit.empty()) tools::check_writable_file(args.junit, "--junit");
  if (!args.trace.empty()) tools::check_writable_file(args.trace, "--trace");
  if (!args.history.empty()) tools::check_writable_file(args.history, "--history");
  if (!args.report.empty()) tools::check_writable_file(args.report, "--report");
}

void write_results(const RunArgs& args, const std::vector<tools::SeedBatch>& batches, const std::string& shard) {
  if (args.json.empty() && args.junit.empty()) return;
  const reports::RunResults results = to_results(batches, shard);
  if (!args.json.empty()) write_file(args.json, [&](std::ostream& o) { reports::write_results_json(o, results); });
  if (!args.junit.empty()) write_file(args.junit, [&](std::ostream& o) { reports::write_junit(o, results); });
}

// Which seeds of `wanted` are missing from `ran` (both in seed order), as "3, 7..9".
std::string missing_seeds(const std::vector<std::uint64_t>& wanted, const std::vector<tools::RunResult>& ran) {
  std::vector<std::uint64_t> lost;
  std::size_t j = 0;
  for (const auto seed : wanted) {
    if (j < ran.size() && ran[j].seed == seed) {
      ++j;
    } else {
      lost.push_back(seed);
    }
  }
  std::string out;
  for (std::size_t i = 0; i < lost.size();) {
    std::size_t k = i;
    while (k + 1 < lost.size() && lost[k + 1] == lost[k] + 1) ++k;
    out += (out.empty() ? "" : ", ") + (k == i ? fmt::format("{}", lost[i]) : fmt::format("{}..{}", lost[i], lost[k]));
    i = k + 1;
  }
  return out;
}

// The seeds a scenario runs: the command line's, else the scenario's own "seed"/"seeds", else seed 1.
std::vector<std::uint64_t> seeds_for(const RunArgs& args, const tools::Scenario& s) {
  tools::SeedRange range;
  if (!args.seeds.empty() || !args.seed.empty()) {
    range = tools::parse_seed_range(!args.seeds.empty() ? args.seeds : args.seed, !args.seeds.empty() ? "--seeds" : "--seed");
  } else if (s.seeds) {
    range = tools::SeedRange{s.seeds->first, s.seeds->second};
  }
  if (args.shard.empty()) return tools::shard_seeds(range, 1, 1);
  const auto [i, n] = tools::parse_shard(args.shard);
  return tools::shard_seeds(range, i, n);
}

}  // namespace

int command_run(const RunArgs& args) {
  if (!args.seed.empty() && !args.seeds.empty()) {
    throw tools::InputError("command line", "--seed", "give either --seed or --seeds, not both");
  }
  if (!args.seeds.empty()) tools::parse_seed_range(args.seeds, "--seeds");  // bad ranges fail before any file is read
  if (!args.seed.empty()) tools::parse_seed_range(args.seed, "--seed");
  const std::vector<std::string> files = expand_paths(args.paths);
  std::vector<tools::Scenario> scenarios;
  for (const auto& f : files) {
    scenarios.push_back(tools::load_scenario_file(f));
    apply_impl_choice(scenarios.back(), {args.impl, args.command, args.supports});
    const auto skip = scenarios.back().not_for.find(scenarios.back().impl);
    if (skip != scenarios.back().not_for.end()) {
      std::cout << fmt::format("skipped {}: not for {}: {}\n", scenarios.back().name, skip->first, skip->second);
      scenarios.pop_back();
      continue;
    }
    for (const auto& b : args.bugs) scenarios.back().bugs.push_back(b);
    add_disabled_checkers(scenarios.back(), args.disabled_checkers);
    check_implementation(scenarios.back(), {args.impl, args.command, args.supports});
  }
  std::vector<std::vector<std::uint64_t>> seeds;
  for (const auto& s : scenarios) {
    seeds.push_back(seeds_for(args, s));
    if (seeds.back().empty()) throw tools::InputError("command line", "--shard", "this shard of the range holds no seed");
  }
  if (scenarios.empty()) {
    std::cout << "\noverall: pass (every scenario was skipped)\n";
    return tools::kExitPass;
  }
  const bool single = scenarios.size() == 1 && seeds[0].size() == 1 && args.junit.empty() && args.json.empty();
  if (!single && (!args.trace.empty() || !args.history.empty() || !args.report.empty())) {
    throw tools::InputError("command line", !args.report.empty() ? "--report" : args.trace.empty() ? "--history" : "--trace",
                            "can only be written for one scenario and one seed");
  }
  check_outputs(args);
  tools::install_interrupt_handlers();

  if (single) {
    tools::RunOptions options{args.trace, args.history};
    std::optional<tools::ReportSources> report;
    if (!args.report.empty()) {
      report = tools::report_sources(args.report, args.trace, args.history);
      tools::use_report_sources(*report, options);
    }
    tools::RunResult r;
    try {
      r = tools::run_one_isolated(scenarios[0], seeds[0][0], options, args.isolation);
      if (report) tools::write_run_report(*report, scenarios[0], r);
    } catch (...) {
      if (report) tools::remove_report_temporaries(*report);
      throw;
    }
    std::cout << tools::format_run_report(scenarios[0], r);
    if (report) std::cout << fmt::format("report     {}\n", args.report);
    if (r.verdict != tools::Outcome::pass && !args.no_records) {
      const std::string path = tools::write_failure_record(args.records, scenarios[0], r);
      std::cout << fmt::format("record     {} (replay with: raftsim replay {})\n", path, path);
    }
    if (args.check_determinism && r.violation && r.violation->checker == tools::kImplementationError) {
      std::cout << "determinism: not checked (the implementation crashed)\n";
    } else if (args.check_determinism) {
      if (auto diff = tools::check_determinism(scenarios[0], seeds[0][0])) {
        std::cout << "\nNONDETERMINISM: " << *diff << "\n";
        return tools::kExitSafety;
      }
      std::cout << "determinism: a second run gave the same trace\n";
    }
    return tools::exit_code(r.verdict);
  }

  tools::Outcome overall = tools::Outcome::pass;
  std::vector<tools::SeedBatch> batches;
  std::size_t records_failed = 0;
  std::string lost;  // what an interrupt cost, in words
  // Records are written as failures happen (an interrupted or killed run keeps them).
  auto on_failure = [&](const tools::Scenario& s, const tools::RunResult& r) {
    if (r.verdict == tools::Outcome::pass || args.no_records) return;
    try {
      tools::write_failure_record(args.records, s, r);
    } catch (const std::exception& e) {
      ++records_failed;
      std::cerr << "raftsim: error: " << e.what() << "\n";
    }
  };
  for (std::size_t k = 0; k < scenarios.size(); ++k) {
    const tools::Scenario& s = scenarios[k];
    if (tools::interrupt_count() > 0) {
      lost += fmt::format("  {}: not started\n", s.name);
      continue;
    }
    tools::SeedBatch batch{&s, run_seeds_with_progress(s, seeds[k], std::max(1u, args.jobs), args.isolation,
                                                       [&](const tools::RunResult& r) { on_failure(s, r); })};
    if (batch.results.size() < seeds[k].size()) {
      lost += fmt::format("  {}: {} of {} seeds did not finish: {}\n", s.name, seeds[k].size() - batch.results.size(),
                          seeds[k].size(), missing_seeds(seeds[k], batch.results));
    }
    if (args.check_determinism && tools::interrupt_count() == 0) {
      for (const auto& r : batch.results) {
        if (r.violation && r.violation->checker == tools::kImplementationError) continue;  // it would crash raftsim
        if (auto diff = tools::check_determinism(s, r.seed)) {
          std::cout << fmt::format("NONDETERMINISM in {} seed {}: {}\n", s.name, r.seed, *diff);
          overall = tools::worst(overall, tools::Outcome::safety_violation);
        }
      }
    }
    for (const auto& r : batch.results) overall = tools::worst(overall, r.verdict);
    if (!args.quiet) std::cout << tools::format_batch_line(batch) << std::endl;
    batches.push_back(std::move(batch));
    write_results(args, batches, args.shard);  // after each scenario, so a killed run keeps the finished ones
  }
  std::cout << "\n" << tools::format_batch_table(batches);
  // Show the first failure of each scenario in full, and list the others (--quiet: only the table).
  constexpr std::size_t kListedFailuresMax = 10;
  for (const auto& b : batches) {
    if (args.quiet) break;
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
  if (overall != tools::Outcome::pass && !args.no_records) {
    std::cout << fmt::format("\nfailure records are in {}/ (replay one with: raftsim replay FILE)\n", args.records);
  }
  if (records_failed > 0) std::cout << fmt::format("\n{} failure records could NOT be written (see the errors above)\n", records_failed);
  if (!lost.empty()) {
    std::cout << "\nINTERRUPTED: the results above cover only the seeds that finished; lost:\n" << lost;
    if (!args.json.empty() || !args.junit.empty()) std::cout << "(--json / --junit hold the finished seeds only)\n";
  }
  std::cout << fmt::format("\noverall: {}{}\n", tools::outcome_name(overall), lost.empty() ? "" : " (interrupted)");
  if (!lost.empty() && overall == tools::Outcome::pass) return tools::kExitInterrupted;
  if (records_failed > 0 && overall == tools::Outcome::pass) return tools::kExitUsage;
  return tools::exit_code(overall);
}

}  // namespace commands
