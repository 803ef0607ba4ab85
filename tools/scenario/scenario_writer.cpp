#include "tools/scenario/scenario_writer.h"

#include <map>

#include "base/assert.h"
#include "tools/scenario/metric_bounds.h"

namespace tools {

namespace {

using Json = nlohmann::ordered_json;

double ms(sim::Duration d) { return static_cast<double>(d.us) / 1000.0; }

Json latency_json(const sim::LatencyModel& m) {
  Json j;
  j["kind"] = sim::latency_kind_name(m.kind);
  j["min_ms"] = ms(m.min);
  j["max_ms"] = ms(m.max);
  if (m.kind == sim::LatencyModel::Kind::exponential) j["mean_ms"] = ms(m.mean);
  if (m.kind == sim::LatencyModel::Kind::bimodal) {
    j["tail_probability"] = m.tail_probability;
    j["tail_min_ms"] = ms(m.tail_min);
    j["tail_max_ms"] = ms(m.tail_max);
  }
  return j;
}

Json nodes_json(const std::vector<sim::NodeRef>& refs) {
  Json a = Json::array();
  for (const auto& r : refs) {
    if (r.kind == sim::NodeRef::Kind::leader) {
      a.push_back("leader");
    } else if (r.kind == sim::NodeRef::Kind::triggering) {
      a.push_back("triggering");
    } else {
      a.push_back(r.index);
    }
  }
  return a;
}

Json fault_json(const sim::Fault& f, const sim::Fault* undo) {
  using K = sim::Fault::Kind;
  Json j;
  j["at_ms"] = ms(f.at - sim::Time{});
  switch (f.kind) {
    case K::partition:
      j["action"] = "partition";
      if (f.shape == sim::Fault::Shape::groups) {
        Json groups = Json::array();
        for (const auto& g : f.groups) groups.push_back(nodes_json(g));
        j["groups"] = groups;
      } else {
        j["shape"] = sim::partition_shape_name(f.shape);
      }
      break;
    case K::degrade:
      j["action"] = f.degradation.active() ? "degrade" : "restore";
      j["from"] = nodes_json(f.from);
      j["to"] = nodes_json(f.to);
      if (f.degradation.active()) {
        j["drop_probability"] = f.degradation.drop_probability;
        j["duplicate_probability"] = f.degradation.duplicate_probability;
        j["late_probability"] = f.degradation.late_probability;
        j["late_ms_min"] = ms(f.degradation.late_min);
        j["late_ms_max"] = ms(f.degradation.late_max);
      }
      break;
    case K::clock:
      j["action"] = "clock";
      j["nodes"] = nodes_json(f.nodes);
      j["rate"] = f.factor;
      break;
    case K::disk_speed:
      j["action"] = "slow_disk";
      j["nodes"] = nodes_json(f.nodes);
      j["factor"] = f.factor;
      break;
    case K::disk_errors:
      j["action"] = "fail_disk_writes";
      j["nodes"] = nodes_json(f.nodes);
      if (f.factor == 0.0) j["failing"] = false;  // the undo, written out alone
      break;
    case K::transfer_leadership:
      j["action"] = "transfer_leadership";
      j["to"] = f.to.empty() ? Json("any") : Json(f.to[0].index);
      break;
    default:
      j["action"] = sim::fault_kind_name(f.kind);
      if (!f.nodes.empty()) j["nodes"] = nodes_json(f.nodes);
      if (!f.from.empty()) j["from"] = nodes_json(f.from);
      if (!f.to.empty()) j["to"] = nodes_json(f.to);
      break;
  }
  if (f.trigger) {
    const sim::FaultTrigger& t = *f.trigger;
    Json on;
    on["event"] = sim::event_kind_name(t.event);
    if (t.node) on["node"] = *t.node;
    if (t.role) on["role"] = sim::role_name(*t.role);
    on["nth"] = t.nth;
    if (t.probability < 1.0) on["probability"] = t.probability;
    if (t.delay.us > 0) on["delay_ms"] = ms(t.delay);
    j["on"] = on;
  }
  if (undo != nullptr) {
    RAFTSIM_ASSERT(undo->at > f.at);
    j["duration_ms"] = ms(undo->at - f.at);
  }
  return j;
}

}  // namespace

nlohmann::ordered_json scenario_to_json(const Scenario& s) {
  const sim::SimConfig& c = s.config;
  Json j;
  j["name"] = s.name;
  if (!s.description.empty()) j["description"] = s.description;
  if (s.seeds && s.seeds->first == s.seeds->second) j["seed"] = s.seeds->first;
  if (s.seeds && s.seeds->first != s.seeds->second) j["seeds"] = fmt::format("{}..{}", s.seeds->first, s.seeds->second);
  j["cluster"] = {{"nodes", c.nodes}, {"impl", s.impl}};
  if (!s.bugs.empty()) j["cluster"]["bugs"] = s.bugs;
  if (c.features.pre_vote) j["cluster"]["pre_vote"] = true;
  if (c.features.check_quorum) j["cluster"]["check_quorum"] = true;
  if (c.features.read_index) j["cluster"]["read_index"] = true;
  if (c.features.membership) j["cluster"]["initial_members"] = c.features.initial_members == 0 ? c.nodes : c.features.initial_members;
  if (c.features.lease_reads) {  // written only when on: records of older runs stay as they were
    j["cluster"]["lease_reads"] = true;
    j["cluster"]["clock_drift_bound"] = c.features.clock_drift_bound;
  }
  if (c.features.snapshot_every_entries > 0) {  // written only when on: records of older runs stay as they were
    j["cluster"]["snapshot_every_entries"] = c.features.snapshot_every_entries;
    j["cluster"]["snapshot_trailing_entries"] = c.features.snapshot_trailing_entries;
    j["cluster"]["snapshot_chunk_bytes"] = c.features.snapshot_chunk_bytes;
  }
  if (!s.command.empty()) j["cluster"]["command"] = s.command;
  if (!s.disabled_checkers.empty()) j["checkers"]["disable"] = s.disabled_checkers;
  if (!s.not_for.empty()) {
    Json nf;
    for (const auto& [impl, reason] : s.not_for) nf[impl] = reason;
    j["not_for"] = nf;
  }
  j["raft"] = {{"election_timeout_ms_min", ms(c.timing.election_timeout_min)},
               {"election_timeout_ms_max", ms(c.timing.election_timeout_max)},
               {"heartbeat_interval_ms", ms(c.timing.heartbeat_interval)},
               {"max_entries_per_append", c.timing.max_entries_per_append}};
  // Written only when not the default: records of older runs, and of implementations that refuse it, stay as they were.
  if (c.timing.max_inflight_appends != sim::RaftTiming{}.max_inflight_appends) {
    j["raft"]["max_inflight_appends"] = c.timing.max_inflight_appends;
  }
  j["network"] = {{"latency", latency_json(c.network.latency)},
                  {"drop_probability", c.network.drop_probability},
                  {"duplicate_probability", c.network.duplicate_probability}};
  j["disk"] = {{"write_latency", latency_json(c.disk.write_latency)}, {"fsync_latency", latency_json(c.disk.fsync_latency)}};
  j["disk"]["group_commit"] = c.disk.group_commit;
  if (c.disk.bandwidth_mb_per_s > 0) j["disk"]["bandwidth_mb_per_s"] = c.disk.bandwidth_mb_per_s;
  j["timers"] = {{"granularity_ms", ms(c.timer_granularity)}};
  if (c.host.any()) {
    Json host = {{"start_spread_ms", ms(c.host.start_spread)}};
    if (c.host.timer_jitter) host["timer_jitter"] = latency_json(*c.host.timer_jitter);
    if (c.host.processing) host["processing"] = latency_json(*c.host.processing);
    j["host"] = host;
  }
  const sim::WorkloadConfig& w = c.workload;
  j["workload"] = {{"clients", w.clients},
                   {"keys", w.keys},
                   {"mix", {{"get", w.mix.get}, {"put", w.mix.put}, {"append", w.mix.append}, {"cas", w.mix.cas}}},
                   {"request_timeout_ms", ms(w.request_timeout)},
                   {"think_time_ms", ms(w.think_time)},
                   {"retry_backoff_ms", ms(w.retry_backoff)},
                   {"retries_unknown", w.retries_unknown},
                   {"latency", latency_json(w.latency)}};
  j["duration_ms"] = ms(c.duration);
  j["liveness"] = {{"enabled", c.liveness},
                   {"window_ms", ms(c.liveness_window)},
                   {"heal", c.liveness_heals},
                   {"leader_within_election_timeouts", c.leader_within_election_timeouts}};
  // Faults: each one that has an undo is written once, with its duration.
  std::map<std::uint32_t, const sim::Fault*> undo_of;
  for (const sim::Fault& f : c.faults) {
    if (f.undoes != 0) undo_of[f.undoes] = &f;
  }
  Json faults = Json::array();
  for (const sim::Fault& f : c.faults) {
    if (f.undoes != 0) continue;
    const auto it = f.id != 0 ? undo_of.find(f.id) : undo_of.end();
    faults.push_back(fault_json(f, it == undo_of.end() ? nullptr : it->second));
  }
  j["faults"] = faults;
  if (s.nemesis.enabled) {
    Json n;
    n["enabled"] = true;
    n["swarm"] = s.nemesis.swarm;
    if (s.nemesis.swarm_config) n["swarm_config"] = true;
    if (s.nemesis.triggers) n["triggers"] = true;
    if (s.nemesis.host) n["host"] = true;
    if (s.nemesis.features) n["features"] = true;
    if (s.nemesis.snapshots) n["snapshots"] = true;
    if (s.nemesis.membership) n["membership"] = true;
    if (s.nemesis.disk_errors) n["disk_errors"] = true;
    n["interval_ms_min"] = ms(s.nemesis.interval_min);
    n["interval_ms_max"] = ms(s.nemesis.interval_max);
    n["fault_ms_min"] = ms(s.nemesis.fault_min);
    n["fault_ms_max"] = ms(s.nemesis.fault_max);
    if (!s.nemesis.weights.empty()) {
      Json k;
      for (const auto& [kind, weight] : s.nemesis.weights) k[kind] = weight;
      n["kinds"] = k;
    }
    j["nemesis"] = n;
  }
  if (s.measure) {
    j["measure"] = {{"from_ms", static_cast<double>(s.measure->from_us) / 1000.0},
                    {"to_ms", static_cast<double>(s.measure->to_us) / 1000.0}};
  }
  const Expectation& e = s.expect;
  if (e.outcome != Expectation::Outcome::pass || !e.metrics.empty() || e.availability_relative) {
    Json x;
    x["outcome"] = e.outcome == Expectation::Outcome::pass               ? "pass"
                   : e.outcome == Expectation::Outcome::safety_violation ? "safety_violation"
                                                                         : "liveness_violation";
    if (!e.checker.empty()) x["checker"] = e.checker;
    if (!e.metrics.empty()) x["metrics"] = write_metric_bounds(e);
    if (e.availability_relative) x["availability"] = "relative";
    j["expect"] = x;
  }
  return j;
}

}  // namespace tools
