#include "tools/commands/commands.h"

#include <algorithm>
#include <iostream>

#include <fmt/format.h>

#include "reports/results.h"
#include "tools/commands/common.h"
#include "tools/lib/determinism.h"
#include "tools/lib/failure_record.h"
#include "tools/lib/input_error.h"
#include "tools/lib/run_report.h"
#include "tools/lib/runner.h"
#include "tools/lib/scenario.h"
#include "tools/lib/scenario_limits.h"
#include "tools/lib/seed_range.h"

namespace commands {

namespace {

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

}  // namespace

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
    if (!args.impl.empty()) tools::check_scenario_limits(scenarios.back());  // e.g. libraft's 1ms heartbeat floor
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
    tools::SeedBatch batch{&s, run_seeds_with_progress(s, seeds, std::max(1u, args.jobs))};
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

}  // namespace commands
