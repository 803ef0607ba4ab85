#include "tools/scenario/scenario.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/assert.h"
#include "checkers/checker.h"
#include "tools/registry/implementations.h"
#include "tools/scenario/input_error.h"
#include "tools/runner/seed_range.h"
#include "tools/scenario/input_file.h"
#include "tools/scenario/json_parse.h"
#include "tools/scenario/json_lines.h"
#include "tools/scenario/json_reader.h"
#include "tools/scenario/metric_bounds.h"
#include "tools/runner/reproduce.h"
#include "tools/scenario/scenario_faults.h"
#include "tools/scenario/scenario_limits.h"

namespace tools {

namespace {

constexpr std::int64_t kNodesMax = 31;
double ms_field(JsonReader& r, const std::string& key, sim::Duration fallback, double min = 0.0) {
  return r.number(key, static_cast<double>(fallback.us) / 1000.0, min, kMillisMax);
}

sim::LatencyModel read_latency(JsonReader& r, sim::LatencyModel m) {
  const std::string kind = r.choice("kind", sim::latency_kind_name(m.kind), {"fixed", "uniform", "exponential", "bimodal"});
  if (kind == "fixed") m.kind = sim::LatencyModel::Kind::fixed;
  if (kind == "uniform") m.kind = sim::LatencyModel::Kind::uniform;
  if (kind == "exponential") m.kind = sim::LatencyModel::Kind::exponential;
  if (kind == "bimodal") m.kind = sim::LatencyModel::Kind::bimodal;
  m.min = millis(ms_field(r, "min_ms", m.min));
  m.max = millis(ms_field(r, "max_ms", std::max(m.min, m.max)));
  if (m.kind == sim::LatencyModel::Kind::fixed) m.max = std::max(m.max, m.min);
  if (m.min > m.max) r.fail("max_ms", fmt::format("must be >= min_ms ({}ms)", static_cast<double>(m.min.us) / 1000.0));
  const sim::Duration default_mean{(m.min.us + m.max.us) / 2};
  m.mean = millis(ms_field(r, "mean_ms", default_mean));
  if (m.kind == sim::LatencyModel::Kind::exponential && (m.mean < m.min || m.mean > m.max)) {
    r.fail("mean_ms", "must lie between min_ms and max_ms");
  }
  m.tail_probability = r.number("tail_probability", m.tail_probability, 0.0, 1.0);
  m.tail_min = millis(ms_field(r, "tail_min_ms", m.tail_min));
  m.tail_max = millis(ms_field(r, "tail_max_ms", std::max(m.tail_min, m.tail_max)));
  if (m.tail_min > m.tail_max) r.fail("tail_max_ms", "must be >= tail_min_ms");
  r.finish();
  return m;
}

}  // namespace

std::vector<std::string> implementations() { return implementation_names(); }

namespace {
Scenario parse_scenario_unlocated(const std::string& text, const std::string& file_name);
}  // namespace

namespace {

// A list of names, each one of `known` ("did you mean" for typos); with `unique`, a repeat is an error.
std::vector<std::string> read_names(const nlohmann::json& list, const std::string& file, const std::string& path,
                                    const std::vector<std::string>& known, const std::string& what, bool unique) {
  RAFTSIM_ASSERT(list.is_array());
  std::vector<std::string> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = fmt::format("{}[{}]", path, i);
    const auto& item = list[i];
    if (!item.is_string()) throw InputError(file, at, fmt::format("expected a {} name, found {}", what, json_type_name(item)));
    const std::string name = item.get<std::string>();
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      const auto hint = did_you_mean(name, known);
      throw InputError(file, at, fmt::format("unknown {} \"{}\"{}", what, name, hint ? " (did you mean \"" + *hint + "\"?)" : ""));
    }
    if (unique && std::find(out.begin(), out.end(), name) != out.end()) {
      throw InputError(file, at, fmt::format("{} \"{}\" is listed twice", what, name));
    }
    out.push_back(name);
  }
  RAFTSIM_ASSERT(out.size() == list.size());
  return out;
}

// cluster.command: the process protocol's child command line, one string per argument.
std::vector<std::string> read_command(const nlohmann::json& list, const std::string& file) {
  RAFTSIM_ASSERT(list.is_array());
  if (list.empty()) throw InputError(file, "cluster.command", "expected the program to start and its arguments, found []");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = fmt::format("cluster.command[{}]", i);
    if (!list[i].is_string()) throw InputError(file, at, fmt::format("expected a string, found {}", json_type_name(list[i])));
    out.push_back(list[i].get<std::string>());
    if (i == 0 && out.back().empty()) throw InputError(file, at, "expected the program to start, found \"\"");
  }
  return out;
}

}  // namespace

Scenario parse_scenario(const std::string& text, const std::string& file_name) {
  try {
    return parse_scenario_unlocated(text, file_name);
  } catch (const InputError& e) {
    if (e.line() != 0 || e.path().empty()) throw;
    // Name the line of the offending field (or of the nearest enclosing one that is in the file).
    const std::size_t line = line_of(json_value_lines(text), e.path());
    if (line == 0) throw;
    throw InputError(e.file(), e.path(), e.message(), line);
  }
}

namespace {
Scenario parse_scenario_unlocated(const std::string& text, const std::string& file_name) {
  return scenario_from_json(parse_json_strict(text, file_name, /*allow_comments=*/true), file_name);
}
}  // namespace

Scenario scenario_from_json(const nlohmann::json& root, const std::string& file_name) {
  Scenario s;
  s.file = file_name;
  sim::SimConfig& c = s.config;
  JsonReader r(root, file_name, "");
  s.name = r.string("name", std::filesystem::path(file_name).stem().string());
  s.description = r.string("description", "");
  if (r.has("seed") && r.has("seeds")) r.fail("seeds", "give either \"seed\" or \"seeds\", not both");
  if (r.has("seed")) {
    const auto seed = static_cast<std::uint64_t>(r.required_integer("seed", 0, INT64_MAX));
    s.seeds = std::make_pair(seed, seed);
  } else if (r.has("seeds")) {
    const std::string seeds_text = r.string("seeds", "");
    try {
      const SeedRange range = parse_seed_range(seeds_text, "seeds");
      s.seeds = std::make_pair(range.first, range.last);
    } catch (const InputError&) {
      r.fail("seeds", fmt::format("expected a range \"A..B\" (inclusive, A <= B), found \"{}\" (one seed: \"seed\": N)", seeds_text));
    }
  }

  if (auto cluster = r.object("cluster")) {
    c.nodes = static_cast<std::uint32_t>(cluster->integer("nodes", c.nodes, 1, kNodesMax));
    s.impl = cluster->choice("impl", s.impl, implementations());
    if (const nlohmann::json* bugs = cluster->array("bugs")) {
      const ImplementationInfo* info = find_implementation(s.impl);
      RAFTSIM_ASSERT(info != nullptr);  // choice() accepted the name
      s.bugs = read_names(*bugs, file_name, "cluster.bugs", info->bug_names, "bug of " + s.impl, false);
    }
    if (const nlohmann::json* command = cluster->array("command")) s.command = read_command(*command, file_name);
    // Raft features (sim/node_host.h RaftFeatures): each implementation honours them or refuses them.
    c.features.pre_vote = cluster->boolean("pre_vote", c.features.pre_vote);
    c.features.check_quorum = cluster->boolean("check_quorum", c.features.check_quorum);
    c.features.read_index = cluster->boolean("read_index", c.features.read_index);
    c.features.lease_reads = cluster->boolean("lease_reads", c.features.lease_reads);
    c.features.clock_drift_bound = cluster->number("clock_drift_bound", c.features.clock_drift_bound, 1.0, 100.0);
    // Raft features (sim::RaftFeatures); an implementation that cannot honour one refuses it (exit 3).
    sim::RaftFeatures& f = c.features;
    f.snapshot_every_entries = static_cast<std::uint32_t>(cluster->integer("snapshot_every_entries", f.snapshot_every_entries, 0, 1'000'000));
    f.snapshot_trailing_entries = static_cast<std::uint32_t>(cluster->integer("snapshot_trailing_entries", f.snapshot_trailing_entries, 0, 1'000'000));
    f.snapshot_chunk_bytes = static_cast<std::uint32_t>(cluster->integer("snapshot_chunk_bytes", f.snapshot_chunk_bytes, 1, 64 * 1024 * 1024));
    // Thesis 4: nodes 0..initial_members-1 form the initial configuration, the others are spares.
    if (cluster->has("initial_members")) {
      f.initial_members = static_cast<std::uint32_t>(cluster->integer("initial_members", c.nodes, 1, c.nodes));
      f.membership = true;
    }
    cluster->finish();
  }
  if (auto raft = r.object("raft")) {
    sim::RaftTiming& t = c.timing;
    t.election_timeout_min = millis(raft->number("election_timeout_ms_min", t.election_timeout_min.us / 1000.0, 1.0, 600'000.0));
    t.election_timeout_max = millis(raft->number("election_timeout_ms_max", std::max(t.election_timeout_max, t.election_timeout_min).us / 1000.0, 1.0, 600'000.0));
    if (t.election_timeout_max < t.election_timeout_min) {
      raft->fail("election_timeout_ms_max", "must be >= election_timeout_ms_min");
    }
    t.heartbeat_interval = millis(raft->number("heartbeat_interval_ms", t.heartbeat_interval.us / 1000.0, 0.1, 600'000.0));
    if (t.heartbeat_interval >= t.election_timeout_min) {
      // Blame the field the user wrote: a default heartbeat is not their mistake.
      const bool heartbeat_given = raft->has("heartbeat_interval_ms");
      raft->fail(heartbeat_given ? "heartbeat_interval_ms" : "election_timeout_ms_min",
                 fmt::format("heartbeat_interval_ms ({}ms) must be shorter than election_timeout_ms_min ({}ms), or "
                             "followers time out while the leader is healthy",
                             static_cast<double>(t.heartbeat_interval.us) / 1000.0,
                             static_cast<double>(t.election_timeout_min.us) / 1000.0));
    }
    t.max_entries_per_append = static_cast<std::uint32_t>(raft->integer("max_entries_per_append", t.max_entries_per_append, 1, 65536));
    t.max_inflight_appends = static_cast<std::uint32_t>(raft->integer("max_inflight_appends", t.max_inflight_appends, 1, 65536));
    raft->finish();
  }
  if (auto net = r.object("network")) {
    if (auto lat = net->object("latency")) c.network.latency = read_latency(*lat, c.network.latency);
    c.network.drop_probability = net->number("drop_probability", c.network.drop_probability, 0.0, 1.0);
    c.network.duplicate_probability = net->number("duplicate_probability", c.network.duplicate_probability, 0.0, 1.0);
    net->finish();
  }
  if (auto disk = r.object("disk")) {
    if (auto lat = disk->object("write_latency")) c.disk.write_latency = read_latency(*lat, c.disk.write_latency);
    if (auto lat = disk->object("fsync_latency")) c.disk.fsync_latency = read_latency(*lat, c.disk.fsync_latency);
    c.disk.group_commit = disk->boolean("group_commit", c.disk.group_commit);
    c.disk.bandwidth_mb_per_s = disk->number("bandwidth_mb_per_s", c.disk.bandwidth_mb_per_s, 0.0, 1'000'000.0);
    disk->finish();
  }
  if (auto timers = r.object("timers")) {
    c.timer_granularity = millis(ms_field(*timers, "granularity_ms", c.timer_granularity));
    timers->finish();
  }
  if (auto w = r.object("workload")) {
    sim::WorkloadConfig& wl = c.workload;
    wl.clients = static_cast<std::uint32_t>(w->integer("clients", wl.clients, 0, 1000));
    wl.keys = static_cast<std::uint32_t>(w->integer("keys", wl.keys, 1, 1'000'000));
    if (auto mix = w->object("mix")) {
      wl.mix.get = static_cast<std::uint32_t>(mix->integer("get", wl.mix.get, 0, 1000));
      wl.mix.put = static_cast<std::uint32_t>(mix->integer("put", wl.mix.put, 0, 1000));
      wl.mix.append = static_cast<std::uint32_t>(mix->integer("append", wl.mix.append, 0, 1000));
      wl.mix.cas = static_cast<std::uint32_t>(mix->integer("cas", wl.mix.cas, 0, 1000));
      if (wl.mix.total() == 0) w->fail("mix", "at least one operation kind needs a positive weight");
      mix->finish();
    }
    wl.request_timeout = millis(ms_field(*w, "request_timeout_ms", wl.request_timeout, 1.0));
    wl.think_time = millis(ms_field(*w, "think_time_ms", wl.think_time));
    wl.retry_backoff = millis(ms_field(*w, "retry_backoff_ms", wl.retry_backoff));
    wl.retries_unknown = static_cast<std::uint32_t>(w->integer("retries_unknown", wl.retries_unknown, 0, 100));
    if (auto lat = w->object("latency")) wl.latency = read_latency(*lat, wl.latency);
    w->finish();
  }
  const double duration_ms = r.number("duration_ms", static_cast<double>(c.duration.us) / 1000.0, 1.0, kMillisMax);
  c.duration = millis(duration_ms);
  if (auto host = r.object("host")) {
    // Off unless given: a model starts at zero, so {"max_ms": 2} means uniform 0..2ms.
    const sim::LatencyModel zero{sim::LatencyModel::Kind::uniform, sim::Duration{}, sim::Duration{}};
    if (auto jitter = host->object("timer_jitter")) c.host.timer_jitter = read_latency(*jitter, zero);
    c.host.start_spread = millis(ms_field(*host, "start_spread_ms", c.host.start_spread));
    if (c.host.start_spread >= c.duration) {
      host->fail("start_spread_ms", fmt::format("must be shorter than duration_ms ({}ms): every node starts during the "
                                                "fault phase", duration_ms));
    }
    if (auto processing = host->object("processing")) c.host.processing = read_latency(*processing, zero);
    host->finish();
  }
  if (auto live = r.object("liveness")) {
    c.liveness = live->boolean("enabled", c.liveness);
    c.liveness_window = millis(ms_field(*live, "window_ms", c.liveness_window, 1.0));
    c.liveness_heals = live->boolean("heal", c.liveness_heals);
    c.leader_within_election_timeouts = static_cast<std::uint32_t>(
        live->integer("leader_within_election_timeouts", c.leader_within_election_timeouts, 0, 1000));
    live->finish();
  }
  if (c.liveness && c.workload.request_timeout + c.workload.think_time >= c.liveness_window) {
    throw InputError(file_name, "liveness.window_ms",
                     fmt::format("{}ms is too short: it must be longer than workload.request_timeout_ms + "
                                 "workload.think_time_ms ({}ms), or no operation can complete in it",
                                 static_cast<double>(c.liveness_window.us) / 1000.0,
                                 static_cast<double>((c.workload.request_timeout + c.workload.think_time).us) / 1000.0));
  }
  if (auto ch = r.object("checkers")) {
    if (const nlohmann::json* off = ch->array("disable")) {
      s.disabled_checkers = read_names(*off, file_name, "checkers.disable", checkers::default_checker_names(), "checker", true);
    }
    ch->finish();
  }
  if (auto nf = r.object("not_for")) {
    // Any name: a scenario library names implementations that this build may lack (libraft, yours). A
    // near miss of a registered name is a typo, though.
    const std::vector<std::string> registered = implementations();
    for (const auto& [impl, reason] : root.at("not_for").items()) {
      if (std::find(registered.begin(), registered.end(), impl) == registered.end()) {
        if (const auto hint = did_you_mean(impl, registered)) {
          nf->fail(impl, fmt::format("no implementation is called \"{}\" here (did you mean \"{}\"?)", impl, *hint));
        }
      }
      s.not_for[impl] = nf->string(impl, "");
      if (s.not_for[impl].empty()) nf->fail(impl, "expected the reason this scenario does not apply");
    }
    nf->finish();
  }
  if (auto n = r.object("nemesis")) {
    NemesisConfig& nc = s.nemesis;
    nc.enabled = n->boolean("enabled", true);
    nc.swarm = n->boolean("swarm", nc.swarm);
    nc.swarm_config = n->boolean("swarm_config", nc.swarm_config);
    nc.triggers = n->boolean("triggers", nc.triggers);
    nc.host = n->boolean("host", nc.host);
    nc.features = n->boolean("features", nc.features);
    nc.snapshots = n->boolean("snapshots", nc.snapshots);
    nc.membership = n->boolean("membership", nc.membership);
    nc.disk_errors = n->boolean("disk_errors", nc.disk_errors);
    nc.interval_min = millis(ms_field(*n, "interval_ms_min", nc.interval_min, 1.0));
    nc.interval_max = millis(ms_field(*n, "interval_ms_max", std::max(nc.interval_min, nc.interval_max), 1.0));
    if (nc.interval_max < nc.interval_min) n->fail("interval_ms_max", "must be >= interval_ms_min");
    nc.fault_min = millis(ms_field(*n, "fault_ms_min", nc.fault_min, 0.001));
    nc.fault_max = millis(ms_field(*n, "fault_ms_max", std::max(nc.fault_min, nc.fault_max), 0.001));
    if (nc.fault_max < nc.fault_min) n->fail("fault_ms_max", "must be >= fault_ms_min");
    if (auto kinds = n->object("kinds")) {
      for (const auto& k : nemesis_kinds()) {
        if (kinds->has(k)) nc.weights[k] = kinds->number(k, 1.0, 0.0, 1000.0);
      }
      for (const auto& k : opt_in_nemesis_kinds()) {
        if (kinds->has(k)) nc.weights[k] = kinds->number(k, 1.0, 0.0, 1000.0);
      }
      kinds->finish();
      double total = 0;
      for (const auto& [k, w] : nc.weights) total += w;
      if (total <= 0) n->fail("kinds", "at least one kind needs a positive weight");
    }
    n->finish();
  }
  if (auto measure = r.object("measure")) {
    // Bounded by the run's end: the fault phase, plus the liveness window when there is one.
    const sim::Duration end = c.duration + (c.liveness ? c.liveness_window : sim::Duration{});
    const double end_ms = static_cast<double>(end.us) / 1000.0;
    const double from_ms = measure->number("from_ms", 0.0, 0.0, end_ms);
    if (!measure->has("to_ms")) measure->fail("to_ms", "expected the end of the span (ms of virtual time)");
    const double to_ms = measure->number("to_ms", end_ms, 0.0, end_ms);
    if (to_ms <= from_ms) measure->fail("to_ms", fmt::format("must be after from_ms ({}ms)", from_ms));
    measure->finish();
    s.measure = checkers::MeasureWindow{millis(from_ms).us, millis(to_ms).us};
    if (s.measure->to_us <= s.measure->from_us) r.fail("measure", "the span is shorter than a microsecond");
  }
  if (auto expect = r.object("expect")) {
    Expectation& e = s.expect;
    const std::string outcome = expect->choice("outcome", "pass", {"pass", "safety_violation", "liveness_violation"});
    e.outcome = outcome == "pass"               ? Expectation::Outcome::pass
                : outcome == "safety_violation" ? Expectation::Outcome::safety_violation
                                                : Expectation::Outcome::liveness_violation;
    if (expect->has("checker")) {
      // A typo here would only surface at the end of every run, as an unmet expectation (exit 1).
      std::vector<std::string> names = checkers::default_checker_names();
      names.push_back("linearizability");  // the history check that tools/runner/runner.cpp adds
      e.checker = expect->choice("checker", "", names);
    }
    if (!e.checker.empty() && e.outcome == Expectation::Outcome::pass) {
      expect->fail("checker", "names the checker of an expected violation; \"outcome\" is \"pass\"");
    }
    if (auto m = expect->object("metrics")) read_metric_bounds(*m, e);
    for (const Expectation::MetricBound& b : e.metrics) {
      if (b.metric.starts_with("window_") && !s.measure) {
        throw InputError(file_name, "expect.metrics." + b.metric,
                         "a window_ metric needs a \"measure\" section (the span it is measured over)");
      }
    }
    e.availability_relative = expect->choice("availability", "absolute", {"absolute", "relative"}) == "relative";
    expect->finish();
  }
  if (c.liveness && c.workload.clients == 0) {
    throw InputError(file_name, "liveness.enabled",
                     "the liveness check needs at least one client (workload.clients) or \"enabled\": false");
  }
  if (const nlohmann::json* faults = r.array("faults")) {
    std::uint32_t next_fault_id = 1;
    for (std::size_t i = 0; i < faults->size(); ++i) {
      JsonReader fr((*faults)[i], file_name, fmt::format("faults[{}]", i));
      for (sim::Fault& f : read_fault(fr, c.nodes, duration_ms, next_fault_id)) {
        // A membership change asks for the feature (thesis 4), with every node in the initial configuration
        // unless cluster.initial_members says otherwise.
        if (f.kind == sim::Fault::Kind::add_member || f.kind == sim::Fault::Kind::remove_member) c.features.membership = true;
        if (f.kind == sim::Fault::Kind::disk_errors && s.disk_errors_field.empty()) {
          s.disk_errors_field = fmt::format("faults[{}].action", i);
        }
        c.faults.push_back(std::move(f));
      }
    }
    // The timeline may be written in any order; equal times keep the file's order.
    std::stable_sort(c.faults.begin(), c.faults.end(), [](const sim::Fault& a, const sim::Fault& b) { return a.at < b.at; });
  }
  r.finish();
  check_scenario_limits(s);
  RAFTSIM_ASSERT(c.nodes >= 1);
  RAFTSIM_ASSERT(c.timing.election_timeout_min <= c.timing.election_timeout_max);
  return s;
}

Scenario load_scenario_file(const std::string& path) {
  return parse_scenario(read_input_file(path, "the scenario file"), path);
}

Scenario expand_for_seed(const Scenario& scenario, std::uint64_t seed, std::string* nemesis_description) {
  if (!scenario.nemesis.enabled) return scenario;
  Scenario s = scenario;
  std::uint32_t next_id = 1;
  for (const sim::Fault& f : s.config.faults) next_id = std::max(next_id, std::max(f.id, f.undoes) + 1);
  const sim::FeatureSupport supports = resolved_supports(s);
  NemesisPlan plan = expand_nemesis(s.nemesis, seed, s.config.nodes, s.config.duration, next_id, supports);
  s.config.faults.insert(s.config.faults.end(), plan.faults.begin(), plan.faults.end());
  std::stable_sort(s.config.faults.begin(), s.config.faults.end(),
                   [](const sim::Fault& a, const sim::Fault& b) { return a.at < b.at; });
  s.nemesis.enabled = false;
  if (s.nemesis.features) {
    // Drawn switches become the expanded scenario's own cluster settings (records and shrinks keep them).
    plan.description += "; " + apply_feature_draw(draw_features(seed), supports, s.config);
    if (s.config.features.lease_reads) {
      // Thesis 6.4.1: the nemesis's clocks stay within the bound the leases count on (a scenario's own clock
      // faults are left as written: beyond the bound they break the lease, as they should).
      std::vector<std::uint32_t> ids;
      for (const sim::Fault& f : plan.faults) ids.push_back(f.id);
      plan.description += "; " + bound_clock_rates(seed, ids, s.config);
    }
    s.nemesis.features = false;
  }
  if (s.nemesis.swarm_config) {
    // The drawn knobs become the expanded scenario's own settings, so records and shrinks keep them.
    plan.description += "; " + apply_config_knobs(draw_config_knobs(seed), supports, s.config);
    s.nemesis.swarm_config = false;
  }
  if (s.nemesis.host) {
    if (!s.config.host.any()) s.config.host = draw_host_model(seed, s.config.duration);  // the scenario's own wins
    plan.description += "; " + describe_host_model(s.config.host);
    s.nemesis.host = false;
  }
  if (s.nemesis.snapshots) {
    // Only an implementation that declares snapshots (the reference Raft) gets them; the others run the
    // seed with them off (drawn from its own stream all the same: the seed's other draws do not move).
    const SnapshotKnobs knobs = draw_snapshot_knobs(seed);
    plan.description += "; " + (supports.snapshots ? apply_snapshot_knobs(knobs, s.config, next_id_after(s.config.faults))
                                                   : std::string("snapshots: off (not supported)"));
    s.nemesis.snapshots = false;
  }
  if (s.nemesis.membership) {
    // Drawn last (thesis 4): only an implementation that declares membership changes gets them.
    const MembershipDraw draw = draw_membership(seed, s.config.nodes, s.config.duration);
    plan.description += "; " + (supports.membership ? apply_membership(draw, s.config) : std::string("membership: off (not supported)"));
    s.nemesis.membership = false;
  }
  if (s.nemesis.disk_errors) {
    // Drawn after membership: only an implementation that declares disk write errors gets them.
    const DiskErrorDraw draw = draw_disk_errors(seed, s.config.nodes, s.config.duration);
    plan.description += "; " + (supports.disk_write_errors ? apply_disk_errors(draw, s.config, next_id_after(s.config.faults))
                                                           : std::string("disk errors: off (not supported)"));
    s.nemesis.disk_errors = false;
  }
  if (nemesis_description != nullptr) *nemesis_description = plan.description;
  return s;
}

std::string describe_scenario(const Scenario& s) {
  const sim::SimConfig& c = s.config;
  auto ms = [](sim::Duration d) { return static_cast<double>(d.us) / 1000.0; };
  std::string out;
  out += fmt::format("scenario   {} ({})\n", s.name, s.file);
  if (!s.description.empty()) out += fmt::format("           {}\n", s.description);
  out += fmt::format("cluster    {} nodes, impl {}{}{}{}{}\n", c.nodes, s.impl, c.features.pre_vote ? ", pre-vote" : "",
                     c.features.check_quorum ? ", check-quorum" : "", c.features.read_index ? ", read-index" : "",
                     c.features.lease_reads ? fmt::format(", lease reads (clock drift bound {})", c.features.clock_drift_bound) : "");
  if (c.features.membership) {
    out += fmt::format("membership initial configuration: nodes 0..{}\n",
                       (c.features.initial_members == 0 ? c.nodes : c.features.initial_members) - 1);
  }
  if (!s.command.empty()) {
    std::string list;
    for (const auto& a : s.command) list += (list.empty() ? "" : " ") + shell_quote(a);
    out += fmt::format("command    {}\n", list);
  }
  if (!s.bugs.empty()) {
    std::string list;
    for (const auto& b : s.bugs) list += (list.empty() ? "" : ", ") + b;
    out += fmt::format("bugs       {} (planted)\n", list);
  }
  if (!s.disabled_checkers.empty()) {
    std::string list;
    for (const auto& d : s.disabled_checkers) list += (list.empty() ? "" : ", ") + d;
    out += fmt::format("checkers   disabled: {}\n", list);
  }
  out += fmt::format("raft       election timeout {}..{}ms, heartbeat {}ms, {} entries per append, {} appends in flight\n",
                     ms(c.timing.election_timeout_min), ms(c.timing.election_timeout_max), ms(c.timing.heartbeat_interval),
                     c.timing.max_entries_per_append, c.timing.max_inflight_appends);
  if (c.features.snapshot_every_entries > 0) {
    out += fmt::format("snapshots  every {} entries, {} trailing entries kept, {}-byte chunks\n",
                       c.features.snapshot_every_entries, c.features.snapshot_trailing_entries, c.features.snapshot_chunk_bytes);
  }
  out += fmt::format("network    latency {}, drop {}, duplicate {}\n", c.network.latency.describe(),
                     c.network.drop_probability, c.network.duplicate_probability);
  out += fmt::format("disk       write {}, fsync {}{}{}\n", c.disk.write_latency.describe(), c.disk.fsync_latency.describe(),
                     c.disk.group_commit ? ", group commit" : "",
                     c.disk.bandwidth_mb_per_s > 0 ? fmt::format(", {} MB/s", c.disk.bandwidth_mb_per_s) : std::string());
  if (c.timer_granularity.us > 0) out += fmt::format("timers     granularity {}ms\n", ms(c.timer_granularity));
  if (c.host.any()) {
    std::string host;
    if (c.host.timer_jitter) host += "timer jitter " + c.host.timer_jitter->describe();
    if (c.host.start_spread.us > 0) host += fmt::format("{}starts spread over {}ms", host.empty() ? "" : ", ", ms(c.host.start_spread));
    if (c.host.processing) host += (host.empty() ? "" : ", ") + std::string("processing ") + c.host.processing->describe() + " per input";
    out += "host       " + host + "\n";
  }
  out += fmt::format("workload   {} clients, {} keys, mix get {} put {} append {} cas {}, timeout {}ms, {} retries "
                     "after an unknown outcome\n",
                     c.workload.clients, c.workload.keys, c.workload.mix.get, c.workload.mix.put, c.workload.mix.append,
                     c.workload.mix.cas, ms(c.workload.request_timeout), c.workload.retries_unknown);
  out += fmt::format("duration   {}ms of faults", ms(c.duration));
  if (c.liveness) out += fmt::format(", then {}ms healed (liveness)", ms(c.liveness_window));
  out += "\n";
  if (s.nemesis.enabled) {
    out += fmt::format("nemesis    {}random faults every {}..{}ms lasting {}..{}ms\n", s.nemesis.swarm ? "swarm: " : "",
                       ms(s.nemesis.interval_min), ms(s.nemesis.interval_max), ms(s.nemesis.fault_min), ms(s.nemesis.fault_max));
  }
  for (const sim::Fault& f : c.faults) {
    out += fmt::format("fault      at {}ms: {}\n", ms(f.at - sim::Time{}), describe_fault(f, c.nodes));
  }
  return out;
}

}  // namespace tools
