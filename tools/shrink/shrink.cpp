#include "tools/shrink/shrink.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "base/assert.h"
#include "tools/runner/atomic_file.h"
#include "tools/scenario/input_error.h"
#include "tools/runner/reproduce.h"
#include "tools/runner/runner.h"
#include "tools/scenario/scenario_writer.h"

namespace tools {

namespace {

using Unit = std::vector<sim::Fault>;  // a fault and, if it has one, its undo

std::vector<Unit> units_of(const std::vector<sim::Fault>& faults) {
  std::vector<Unit> units;
  std::map<std::uint32_t, std::size_t> unit_of_id;
  for (const sim::Fault& f : faults) {
    if (f.undoes != 0) {
      const auto it = unit_of_id.find(f.undoes);
      if (it != unit_of_id.end()) {
        units[it->second].push_back(f);
        continue;
      }
    }
    if (f.id != 0) unit_of_id[f.id] = units.size();
    units.push_back({f});
  }
  return units;
}

std::vector<sim::Fault> faults_of(const std::vector<Unit>& units) {
  std::vector<sim::Fault> out;
  for (const Unit& u : units) out.insert(out.end(), u.begin(), u.end());
  std::stable_sort(out.begin(), out.end(), [](const sim::Fault& a, const sim::Fault& b) { return a.at < b.at; });
  return out;
}

bool refers_beyond(const std::vector<sim::Fault>& faults, std::uint32_t nodes) {
  auto beyond = [nodes](const std::vector<sim::NodeRef>& refs) {
    return std::any_of(refs.begin(), refs.end(),
                       [nodes](const sim::NodeRef& r) { return r.kind == sim::NodeRef::Kind::index && r.index >= nodes; });
  };
  return std::any_of(faults.begin(), faults.end(), [&](const sim::Fault& f) {
    if (beyond(f.nodes) || beyond(f.from) || beyond(f.to)) return true;
    return std::any_of(f.groups.begin(), f.groups.end(), beyond);
  });
}

class Shrinker {
 public:
  Shrinker(const Scenario& scenario, std::uint64_t seed, const std::function<void(const std::string&)>& progress)
      : seed_(seed), progress_(progress) {
    const RunResult first = run(scenario);
    if (first.outcome == Outcome::pass || first.outcome == Outcome::unknown) {
      throw InputError(scenario.file, "", "this record does not fail without its expectation (no checker fires): "
                                           "there is nothing to shrink");
    }
    verdict_ = first.verdict;
    checker_ = first.violation ? first.violation->checker : "";
  }

  // Does `s` still fail the same way?
  bool fails(const Scenario& s) {
    const RunResult r = run(s);
    return r.verdict == verdict_ && (r.violation ? r.violation->checker : "") == checker_;
  }

  RunResult run(const Scenario& s) {
    ++runs_;
    RunOptions options;
    return run_scenario(s, seed_, options);
  }

  void note(const std::string& line) {
    if (progress_) progress_(line);
  }

  // ddmin over the fault units: try removing chunks, from halves down to single units.
  std::vector<Unit> minimize_units(const Scenario& base, std::vector<Unit> units) {
    std::size_t chunks = 2;
    while (units.size() >= 2 || (units.size() == 1 && chunks <= 2)) {
      bool reduced = false;
      const std::size_t n = units.size();
      chunks = std::min(chunks, n);
      const std::size_t size = (n + chunks - 1) / chunks;
      for (std::size_t start = 0; start < n; start += size) {
        std::vector<Unit> complement(units.begin(), units.begin() + static_cast<std::ptrdiff_t>(start));
        complement.insert(complement.end(), units.begin() + static_cast<std::ptrdiff_t>(std::min(n, start + size)), units.end());
        Scenario s = base;
        s.config.faults = faults_of(complement);
        if (fails(s)) {
          note(fmt::format("faults: {} -> {}", units.size(), complement.size()));
          units = std::move(complement);
          chunks = std::max<std::size_t>(chunks - 1, 2);
          reduced = true;
          break;
        }
      }
      if (!reduced) {
        if (chunks >= units.size()) break;
        chunks = std::min(units.size(), chunks * 2);
      }
    }
    return units;
  }

  std::uint64_t seed() const { return seed_; }
  std::size_t runs() const { return runs_; }
  Outcome verdict() const { return verdict_; }
  const std::string& checker() const { return checker_; }

 private:
  std::uint64_t seed_;
  const std::function<void(const std::string&)>& progress_;
  Outcome verdict_ = Outcome::pass;
  std::string checker_;
  std::size_t runs_ = 0;
};

}  // namespace

ShrinkResult shrink_failure(const FailureRecord& record, const std::function<void(const std::string&)>& progress) {
  Scenario s = record.scenario;
  s.expect = Expectation{};  // the shrinker judges by checker; the result expects what it preserved
  Shrinker shrinker(s, record.seed, progress);
  ShrinkResult result;
  result.seed = record.seed;
  ShrinkStats& st = result.stats;
  st.faults_before = units_of(s.config.faults).size();
  st.duration_ms_before = static_cast<double>(s.config.duration.us) / 1000.0;
  st.clients_before = s.config.workload.clients;
  st.nodes_before = s.config.nodes;
  st.keys_before = s.config.workload.keys;

  // 1. The fault schedule.
  s.config.faults = faults_of(shrinker.minimize_units(s, units_of(s.config.faults)));

  // 2. The duration: binary search for the shortest fault phase that still fails (faults beyond it go).
  //    The scenario kept is exactly the one that was run: cutting the duration may also drop the undo of
  //    a fault that started before the cut.
  {
    std::int64_t lo = 1, hi = s.config.duration.us / 1000;
    std::optional<Scenario> shortest;
    while (lo < hi) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      Scenario t = s;
      t.config.duration = sim::Duration::millis(mid);
      std::erase_if(t.config.faults, [&](const sim::Fault& f) { return f.at > sim::Time{} + t.config.duration; });
      if (units_of(t.config.faults).size() == units_of(s.config.faults).size() && shrinker.fails(t)) {
        hi = mid;
        shortest = std::move(t);
      } else {
        lo = mid + 1;
      }
    }
    if (shortest) {
      RAFTSIM_ASSERT(shortest->config.duration.us / 1000 == hi);
      shrinker.note(fmt::format("duration: {}ms -> {}ms", s.config.duration.us / 1000, hi));
      s = std::move(*shortest);
    }
  }

  // 3. A safety failure does not need the liveness phase.
  if (shrinker.verdict() == Outcome::safety_violation && s.config.liveness) {
    Scenario t = s;
    t.config.liveness = false;
    if (shrinker.fails(t)) {
      shrinker.note("liveness phase: dropped");
      s = t;
    }
  }

  // 4. The workload: fewer clients, then fewer keys.
  while (s.config.workload.clients > 1) {
    Scenario t = s;
    t.config.workload.clients = s.config.workload.clients / 2;
    if (t.config.liveness && t.config.workload.clients == 0) break;
    if (!shrinker.fails(t)) break;
    shrinker.note(fmt::format("clients: {} -> {}", s.config.workload.clients, t.config.workload.clients));
    s = t;
  }
  while (s.config.workload.keys > 1) {
    Scenario t = s;
    t.config.workload.keys = s.config.workload.keys / 2;
    if (!shrinker.fails(t)) break;
    shrinker.note(fmt::format("keys: {} -> {}", s.config.workload.keys, t.config.workload.keys));
    s = t;
  }

  // 5. The cluster: smaller odd sizes, if the schedule names no node that would disappear.
  for (std::uint32_t nodes = 3; nodes < s.config.nodes; nodes += 2) {
    if (refers_beyond(s.config.faults, nodes)) continue;
    // Thesis 4: the spares are the highest nodes; a smaller cluster keeps all its initial voters, or none.
    if (s.config.features.initial_members > nodes) continue;
    Scenario t = s;
    t.config.nodes = nodes;
    if (!shrinker.fails(t)) continue;
    shrinker.note(fmt::format("nodes: {} -> {}", s.config.nodes, nodes));
    s = t;
    break;
  }

  const RunResult last = shrinker.run(s);
  RAFTSIM_ASSERT(last.verdict == shrinker.verdict());
  s.expect.outcome = shrinker.verdict() == Outcome::safety_violation ? Expectation::Outcome::safety_violation
                                                                      : Expectation::Outcome::liveness_violation;
  s.expect.checker = shrinker.checker();
  s.name = record.scenario.name + "-shrunk";
  s.description = fmt::format("shrunk from {} seed {}: {} ({})", record.scenario.name, record.seed,
                              shrinker.checker().empty() ? "unmet expectation" : shrinker.checker(),
                              last.violation ? last.violation->message.substr(0, 160) : record.note);
  st.faults_after = units_of(s.config.faults).size();
  st.duration_ms_after = static_cast<double>(s.config.duration.us) / 1000.0;
  st.clients_after = s.config.workload.clients;
  st.nodes_after = s.config.nodes;
  st.keys_after = s.config.workload.keys;
  st.runs = shrinker.runs();
  result.signature = fmt::format("{} / {}", outcome_name(shrinker.verdict()), shrinker.checker());
  result.scenario = std::move(s);
  return result;
}

static std::string as_comment(const std::string& text) {
  // Every line of the text gets its own "// ": a message of several lines never spills out of the comment
  // into the JSON. Other control characters become spaces.
  std::string out = "// ";
  for (char c : text) {
    if (c == '\n') {
      out += "\n// ";
    } else {
      out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
    }
  }
  return out + "\n";
}

void write_shrunk_scenario(const ShrinkResult& result, const std::string& path) {
  Scenario s = result.scenario;
  s.seeds = std::make_pair(result.seed, result.seed);  // `raftsim run FILE` runs the failing seed by itself
  std::string text = as_comment(s.description);
  text += fmt::format("// reproduce: {} run {} --seed {}\n", program_name(), path, result.seed);
  text += scenario_to_json(s).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  try {
    write_file_atomically(path, text);
  } catch (const std::runtime_error& e) {
    throw InputError("command line", path, e.what());
  }
}

}  // namespace tools
