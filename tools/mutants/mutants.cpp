#include "tools/mutants/mutants.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/assert.h"
#include "tools/runner/failure_record.h"
#include "tools/registry/implementations.h"
#include "tools/runner/interrupt.h"
#include "tools/runner/runner.h"
#include "tools/scenario/input_error.h"
#include "tools/shrink/shrink.h"

namespace tools {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  // Wall time only reports speed; it never reaches a simulation.
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct StreamOutcome {
  std::uint64_t seeds_run = 0;
  std::optional<RunResult> first_failure;  // the lowest failing seed, if any
};

// Seeds first, first+1, ... up to the budget, in parallel chunks, until one fails (stop_at_first) or all ran.
// `on_failure` sees every failing run (for the correct build's tally).
StreamOutcome run_stream(const Scenario& scenario, std::uint64_t first, const MutantsOptions& o, bool stop_at_first,
                         const std::function<void(const RunResult&)>& on_failure) {
  RAFTSIM_ASSERT(o.budget > 0 && o.jobs >= 1);
  StreamOutcome out;
  const std::uint64_t chunk = std::max<std::uint64_t>(1, o.jobs) * 8;
  while (out.seeds_run < o.budget) {
    std::vector<std::uint64_t> seeds;
    for (std::uint64_t i = 0; i < chunk && out.seeds_run + i < o.budget; ++i) seeds.push_back(first + out.seeds_run + i);
    std::vector<RunResult> results = run_seeds(scenario, seeds, o.jobs, {}, o.isolation);
    const bool interrupted = results.size() < seeds.size();
    for (RunResult& r : results) {
      ++out.seeds_run;
      // An unknown history verdict did not catch the bug (nothing fired): the stream goes on.
      if (r.verdict == Outcome::pass || r.verdict == Outcome::unknown) continue;
      if (on_failure) on_failure(r);
      if (!out.first_failure) out.first_failure = std::move(r);
      if (stop_at_first) break;  // the lowest failing seed of this chunk; later ones are not counted
    }
    if (stop_at_first && out.first_failure) break;
    if (interrupted) break;  // Ctrl-C: the stream ends where it got to
  }
  RAFTSIM_ASSERT(out.seeds_run <= o.budget);
  return out;
}

std::optional<double> median_of(const std::vector<std::optional<std::uint64_t>>& per_stream) {
  // Escapes rank above every detection; if the middle falls on one, there is no median to report.
  std::vector<std::uint64_t> caught;
  for (const auto& x : per_stream) {
    if (x) caught.push_back(*x);
  }
  std::sort(caught.begin(), caught.end());
  const std::size_t n = per_stream.size();
  RAFTSIM_ASSERT(n > 0);
  const std::size_t hi = n / 2;              // the upper middle
  if (hi >= caught.size()) return std::nullopt;
  const std::size_t lo = n % 2 == 1 ? hi : hi - 1;
  return (static_cast<double>(caught[lo]) + static_cast<double>(caught[hi])) / 2.0;
}

void shrink_first_failure(const Scenario& scenario, const RunResult& failure, const MutantsOptions& o, MutantResult& m) {
  m.record = write_failure_record(o.out_dir + "/records", scenario, failure);
  const FailureRecord rec = load_failure_record(m.record);
  const ShrinkResult shrunk = shrink_failure(rec, {});
  m.faults_before_shrink = shrunk.stats.faults_before;
  m.faults_after_shrink = shrunk.stats.faults_after;
  if (o.write_regressions) {
    std::filesystem::create_directories(o.out_dir + "/regressions");
    m.regression = o.out_dir + "/regressions/" + m.bug + ".json";
    ShrinkResult named = shrunk;
    named.scenario.name = "mutant-" + m.bug;
    named.scenario.description =
        fmt::format("planted bug {}: the generic swarm configuration's first failure (stream 0, seed {}), shrunk from "
                    "{} faults to {}",
                    m.bug, failure.seed, shrunk.stats.faults_before, shrunk.stats.faults_after);
    write_shrunk_scenario(named, m.regression);
  }
}

}  // namespace

bool MutantResult::caught_in_every_stream() const {
  return !seeds_to_detection.empty() &&
         std::all_of(seeds_to_detection.begin(), seeds_to_detection.end(), [](const auto& s) { return s.has_value(); });
}

bool MutantsReport::pass() const {
  const bool all_caught = std::all_of(mutants.begin(), mutants.end(), [](const MutantResult& m) { return m.caught_in_every_stream(); });
  return all_caught && (!correct || correct->failures == 0);
}

MutantsReport run_mutants(const Scenario& scenario, const MutantsOptions& o,
                          const std::function<void(const std::string&)>& progress) {
  RAFTSIM_ASSERT(o.streams >= 1 && o.budget >= 1);
  RAFTSIM_ASSERT(scenario.bugs.empty());  // the correct build is the scenario as given
  MutantsReport report;
  report.scenario = scenario.file;
  report.options = o;
  const ImplementationInfo* impl = find_implementation(scenario.impl);
  RAFTSIM_ASSERT(impl != nullptr);  // the command checked the name
  const std::vector<std::string> bugs = o.bugs.empty() ? impl->bug_names : o.bugs;  // the implementation's own
  for (const std::string& bug : bugs) {
    RAFTSIM_ASSERT(std::find(impl->bug_names.begin(), impl->bug_names.end(), bug) != impl->bug_names.end());
    Scenario mutant = scenario;
    mutant.bugs = {bug};
    MutantResult m;
    m.bug = bug;
    const auto start = std::chrono::steady_clock::now();
    std::optional<RunResult> stream0_failure;
    std::map<std::string, int> checker_counts;
    for (std::uint32_t k = 0; k < o.streams; ++k) {
      const std::uint64_t first = k * kStreamStride + 1;
      StreamOutcome s = run_stream(mutant, first, o, true, {});
      m.seeds_run += s.seeds_run;
      if (s.first_failure) {
        const RunResult& f = *s.first_failure;
        m.seeds_to_detection.push_back(f.seed - first + 1);
        const std::string checker = finding_name(f);
        m.checkers.push_back(checker);
        ++checker_counts[checker];
        if (k == 0) stream0_failure = std::move(s.first_failure);
      } else {
        m.seeds_to_detection.emplace_back();
        m.checkers.emplace_back();
      }
      if (progress) {
        progress(fmt::format("{}: stream {} (seeds {}..): {}", bug, k, first,
                             m.seeds_to_detection.back() ? fmt::format("caught after {} seeds by {}", *m.seeds_to_detection.back(), m.checkers.back())
                                                         : fmt::format("not caught in {} seeds", o.budget)));
      }
    }
    int best = 0;
    for (const auto& [c, n] : checker_counts) {
      if (n > best) best = n, m.checker = c;
    }
    m.median_seeds = median_of(m.seeds_to_detection);
    m.wall_seconds = seconds_since(start);
    if (stream0_failure) {
      m.first_failing_seed = stream0_failure->seed;
      if (o.shrink) {
        try {
          shrink_first_failure(mutant, *stream0_failure, o, m);
          if (progress) progress(fmt::format("{}: shrunk seed {} from {} faults to {}", bug, stream0_failure->seed,
                                             *m.faults_before_shrink, *m.faults_after_shrink));
        } catch (const InputError& e) {
          // A failure judged against the scenario's expectation alone (availability relative to the correct
          // build, a metric bound) has no checker the shrinker can keep firing: the mutant still counts as
          // caught, unshrunk (the table shows "-").
          m.faults_before_shrink.reset();
          m.faults_after_shrink.reset();
          if (progress) progress(fmt::format("{}: seed {} not shrunk: {}", bug, stream0_failure->seed, e.what()));
        }
      }
    }
    report.mutants.push_back(std::move(m));
  }
  if (o.check_correct) {
    CorrectResult c;
    const auto start = std::chrono::steady_clock::now();
    for (std::uint32_t k = 0; k < o.streams; ++k) {
      const std::uint64_t first = k * kStreamStride + 1;
      const StreamOutcome s = run_stream(scenario, first, o, false, [&](const RunResult& r) {
        ++c.failures;
        if (c.failing_seeds.size() < 10) c.failing_seeds.push_back(r.seed);
        ++c.by_checker[finding_name(r)];
        if (c.failures == 1) write_failure_record(o.out_dir + "/records", scenario, r);
      });
      c.seeds += s.seeds_run;
      if (progress) progress(fmt::format("correct build: stream {} (seeds {}..{}): {} failures so far", k, first,
                                         first + o.budget - 1, c.failures));
    }
    c.wall_seconds = seconds_since(start);
    RAFTSIM_ASSERT(c.seeds == o.budget * o.streams || interrupt_count() > 0);
    report.correct = c;
  }
  return report;
}

std::string format_mutants_table(const MutantsReport& r) {
  std::string out = fmt::format("{} streams of up to {} seeds each ({}); seeds to the first detection per stream\n\n",
                                r.options.streams, r.options.budget, r.scenario);
  out += fmt::format("{:<30} {:<7} {:<22} {:>8}  {:<30} {:>8} {:>9}\n", "mutant", "caught", "checker", "median",
                     "per stream", "wall", "shrunk");
  for (const MutantResult& m : r.mutants) {
    std::size_t caught = 0;
    std::string per;
    for (const auto& s : m.seeds_to_detection) {
      caught += s.has_value() ? 1 : 0;
      per += (per.empty() ? "" : " ") + (s ? std::to_string(*s) : std::string("-"));
    }
    const std::string median = m.median_seeds ? fmt::format("{:g}", *m.median_seeds) : fmt::format(">{}", r.options.budget);
    const std::string shrunk = m.faults_after_shrink ? fmt::format("{} -> {}", *m.faults_before_shrink, *m.faults_after_shrink) : "-";
    out += fmt::format("{:<30} {:<7} {:<22} {:>8}  {:<30} {:>7.1f}s {:>9}\n", m.bug,
                       fmt::format("{}/{}", caught, m.seeds_to_detection.size()), m.checker.empty() ? "-" : m.checker,
                       median, per, m.wall_seconds, shrunk);
  }
  if (r.correct) {
    const CorrectResult& c = *r.correct;
    std::string where;
    for (const auto& [checker, n] : c.by_checker) where += fmt::format(" {}x {}", n, checker);
    std::string seeds;
    for (auto s : c.failing_seeds) seeds += fmt::format(" {}", s);
    out += fmt::format("\ncorrect build: {} seeds, {} failures{}{} ({:.1f}s)\n", c.seeds, c.failures,
                       where.empty() ? "" : ":" + where, seeds.empty() ? "" : ", seeds" + seeds, c.wall_seconds);
  }
  out += fmt::format("\n{}\n", r.pass() ? "every mutant was caught in every stream; the correct build is clean"
                                        : "NOT ALL CAUGHT, or the correct build failed");
  return out;
}

std::string mutants_json(const MutantsReport& r) {
  nlohmann::ordered_json j;
  j["format"] = "raftsim-mutants-1";
  j["version"] = raftsim_version();
  j["scenario"] = r.scenario;
  j["budget"] = r.options.budget;
  j["streams"] = r.options.streams;
  j["stream_stride"] = kStreamStride;
  j["mutants"] = nlohmann::ordered_json::array();
  for (const MutantResult& m : r.mutants) {
    nlohmann::ordered_json x;
    x["bug"] = m.bug;
    x["caught_in_every_stream"] = m.caught_in_every_stream();
    x["checker"] = m.checker;
    x["median_seeds"] = m.median_seeds ? nlohmann::ordered_json(*m.median_seeds) : nlohmann::ordered_json(nullptr);
    nlohmann::ordered_json per = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < m.seeds_to_detection.size(); ++i) {
      per.push_back({{"seeds", m.seeds_to_detection[i] ? nlohmann::ordered_json(*m.seeds_to_detection[i]) : nlohmann::ordered_json(nullptr)},
                     {"checker", m.checkers[i]}});
    }
    x["streams"] = per;
    x["seeds_run"] = m.seeds_run;
    x["wall_seconds"] = m.wall_seconds;
    x["first_failing_seed"] = m.first_failing_seed ? nlohmann::ordered_json(*m.first_failing_seed) : nlohmann::ordered_json(nullptr);
    x["shrunk_faults"] = m.faults_after_shrink ? nlohmann::ordered_json(*m.faults_after_shrink) : nlohmann::ordered_json(nullptr);
    x["faults_before_shrink"] = m.faults_before_shrink ? nlohmann::ordered_json(*m.faults_before_shrink) : nlohmann::ordered_json(nullptr);
    x["record"] = m.record;
    x["regression"] = m.regression;
    j["mutants"].push_back(x);
  }
  if (r.correct) {
    j["correct"] = {{"seeds", r.correct->seeds}, {"failures", r.correct->failures},
                    {"failing_seeds", r.correct->failing_seeds}, {"by_checker", r.correct->by_checker},
                    {"wall_seconds", r.correct->wall_seconds}};
  }
  j["pass"] = r.pass();
  return j.dump(2) + "\n";
}

}  // namespace tools
