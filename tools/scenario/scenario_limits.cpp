#include "tools/scenario/scenario_limits.h"

#include <fmt/format.h>

#include "base/assert.h"
#include "tools/registry/implementations.h"
#include "tools/scenario/input_error.h"

namespace tools {

namespace {
// A swarm nemesis scales its intervals by a pace drawn from [0.3, 2.0] (tools/nemesis/nemesis.cpp).
constexpr double kSwarmPaceMin = 0.3;
}  // namespace

std::uint64_t nemesis_faults_worst_case(const Scenario& s) {
  if (!s.nemesis.enabled) return 0;
  const double interval_us = static_cast<double>(s.nemesis.interval_min.us) * (s.nemesis.swarm ? kSwarmPaceMin : 1.0);
  RAFTSIM_ASSERT(interval_us > 0);
  return static_cast<std::uint64_t>(static_cast<double>(s.config.duration.us) / interval_us) + 1;
}

sim::FeatureSupport resolved_supports(const Scenario& s) {
  if (s.supports) return *s.supports;
  const ImplementationInfo* info = find_implementation(s.impl);
  return info != nullptr ? info->supports : sim::FeatureSupport{};
}

void check_scenario_limits(const Scenario& s) {
  // libraft's timers count whole milliseconds: a shorter heartbeat would be zero (its adapter asserts).
  if (s.impl == "libraft" && s.config.timing.heartbeat_interval < sim::Duration::millis(1)) {
    throw InputError(s.file, "raft.heartbeat_interval_ms",
                     fmt::format("{}ms is shorter than libraft can run: it counts time in whole milliseconds, so "
                                 "cluster.impl \"libraft\" needs a heartbeat of at least 1ms",
                                 static_cast<double>(s.config.timing.heartbeat_interval.us) / 1000.0));
  }
  const sim::FeatureSupport supports = resolved_supports(s);
  if (!supports.snapshots && s.config.features.snapshot_every_entries > 0) {
    throw InputError(s.file, "cluster.snapshot_every_entries",
                     fmt::format("{}: cluster.impl \"{}\" cannot take snapshots (it does not declare them: "
                                 "sim::FeatureSupport::snapshots); set it to 0 or run \"reference\" or \"libraft\"",
                                 s.config.features.snapshot_every_entries, s.impl));
  }
  if (!supports.inflight_window && s.config.timing.max_inflight_appends != sim::RaftTiming{}.max_inflight_appends) {
    throw InputError(s.file, "raft.max_inflight_appends",
                     fmt::format("{}: cluster.impl \"{}\" cannot bound its appends in flight here (only \"reference\" "
                                 "can: sim::FeatureSupport::inflight_window); leave it out (default {}) or run the "
                                 "reference Raft",
                                 s.config.timing.max_inflight_appends, s.impl, sim::RaftTiming{}.max_inflight_appends));
  }
  // Refused before the run, not when the first write fails: a run must never go on as if the writes had
  // succeeded (sim::Node::on_disk_error).
  if (!supports.disk_write_errors) {
    const auto weight = s.nemesis.weights.find("disk_error");
    const bool drawn = weight != s.nemesis.weights.end() && weight->second > 0;
    if (!s.disk_errors_field.empty() || drawn) {
      throw InputError(s.file, !s.disk_errors_field.empty() ? s.disk_errors_field : "nemesis.kinds.disk_error",
                       fmt::format("{}: cluster.impl \"{}\" cannot receive disk write errors (its adapter does not "
                                   "implement sim::Node::on_disk_error); use \"reference\" or \"libraft\"",
                                   !s.disk_errors_field.empty() ? "\"fail_disk_writes\"" : "the nemesis kind disk_error",
                                   s.impl));
    }
  }
  const std::uint64_t faults = nemesis_faults_worst_case(s);
  if (faults > kNemesisFaultsMax) {
    throw InputError(s.file, "nemesis.interval_ms_min",
                     fmt::format("a fault every {}ms{} for duration_ms {} can schedule {} faults in one run; at most {} "
                                 "are accepted: raise interval_ms_min or shorten duration_ms",
                                 static_cast<double>(s.nemesis.interval_min.us) / 1000.0,
                                 s.nemesis.swarm ? fmt::format(" (a swarm paces it down to x{})", kSwarmPaceMin) : "",
                                 static_cast<double>(s.config.duration.us) / 1000.0, faults, kNemesisFaultsMax));
  }
}

}  // namespace tools
