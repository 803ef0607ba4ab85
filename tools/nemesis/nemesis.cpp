#include "tools/nemesis/nemesis.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "base/assert.h"
#include "sim/rng.h"

namespace tools {

namespace {

constexpr auto kNemesisStream = static_cast<sim::Stream>(7);  // its own stream: schedules never shift other draws
constexpr auto kKnobStream = static_cast<sim::Stream>(8);     // likewise for swarm_config's knobs
constexpr auto kTriggerStream = static_cast<sim::Stream>(9);  // and for the triggered faults
constexpr auto kHostStream = static_cast<sim::Stream>(21);    // and for the host model
constexpr auto kFeatureStream = static_cast<sim::Stream>(10);  // the Raft features drawn per seed
constexpr auto kTransferStream = static_cast<sim::Stream>(11); // the leadership transfer requests
constexpr auto kSnapshotStream = static_cast<sim::Stream>(14);  // and for nemesis.snapshots
constexpr auto kMembershipStream = static_cast<sim::Stream>(17);  // and for nemesis.membership
constexpr auto kLeaseClockStream = static_cast<sim::Stream>(25);  // the clock rates of a seed with leases
constexpr auto kDiskErrorStream = static_cast<sim::Stream>(26);  // and for nemesis.disk_errors

using K = sim::Fault::Kind;

sim::NodeRef leader() { return {sim::NodeRef::Kind::leader, 0}; }
sim::NodeRef node(sim::NodeIndex n) { return {sim::NodeRef::Kind::index, n}; }
std::vector<sim::NodeRef> all(std::uint32_t nodes) {
  std::vector<sim::NodeRef> v;
  for (sim::NodeIndex n = 0; n < nodes; ++n) v.push_back(node(n));
  return v;
}

sim::Fault fault(K kind) {
  sim::Fault f;
  f.kind = kind;
  return f;
}

// The fault of one kind and the fault that undoes it.
std::pair<sim::Fault, sim::Fault> make(const std::string& kind, sim::Rng& rng, std::uint32_t n, double strength) {
  const auto random_node = [&] { return node(static_cast<sim::NodeIndex>(rng.below(n))); };
  sim::Fault f;
  sim::Fault undo = fault(K::heal);
  if (kind == "partition") {
    f = fault(K::partition);
    const std::uint64_t shape = rng.below(n >= 4 ? 3 : n >= 3 ? 2 : 1);
    f.shape = shape == 0 ? sim::Fault::Shape::majority_minority : shape == 1 ? sim::Fault::Shape::bridge : sim::Fault::Shape::ring;
  } else if (kind == "isolate_leader" || kind == "isolate_node") {
    f = fault(K::isolate);
    f.nodes = {kind == "isolate_leader" ? leader() : random_node()};
  } else if (kind == "one_way") {
    f = fault(K::block);
    f.from = {rng.bernoulli(0.5) ? leader() : random_node()};
    f.to = all(n);
    undo = fault(K::unblock);
    undo.from = f.from;
    undo.to = f.to;
  } else if (kind == "crash_leader" || kind == "crash_node" || kind == "pause_leader") {
    f = fault(kind == "pause_leader" ? K::pause : K::crash);
    f.nodes = {kind == "crash_node" ? random_node() : leader()};
    undo = fault(kind == "pause_leader" ? K::resume : K::restart);
    undo.nodes = f.nodes;
  } else if (kind == "clog_leader") {
    f = fault(K::clog);
    f.from = {leader()};
    f.to = all(n);
    undo = fault(K::unclog);
    undo.from = f.from;
    undo.to = f.to;
  } else if (kind == "clock_skew") {
    f = fault(K::clock);
    f.nodes = {random_node()};
    f.factor = rng.bernoulli(0.5) ? 1.0 + 2.0 * strength * rng.unit() : 1.0 / (1.0 + 2.0 * strength * rng.unit());
    undo = fault(K::clock);
    undo.nodes = f.nodes;
  } else if (kind == "slow_disk") {
    f = fault(K::disk_speed);
    f.nodes = {rng.bernoulli(0.5) ? leader() : random_node()};
    f.factor = 1.0 + 99.0 * strength * rng.unit();
    undo = fault(K::disk_speed);
    undo.nodes = f.nodes;
  } else if (kind == "disk_error") {
    // Every write the node issues while it lasts fails (the reference Raft stops; libraft gets RAFT_IOERR).
    f = fault(K::disk_errors);
    f.nodes = {rng.bernoulli(0.5) ? leader() : random_node()};
    f.factor = 1.0;
    undo = fault(K::disk_errors);
    undo.nodes = f.nodes;
    undo.factor = 0.0;
  } else {  // link degradations
    f = fault(K::degrade);
    f.from = all(n);
    f.to = all(n);
    sim::LinkDegradation& d = f.degradation;
    if (kind == "drop_burst") d.drop_probability = 0.5 * strength;
    if (kind == "duplicate_burst") d.duplicate_probability = 0.6 * strength;
    if (kind == "reorder_burst") {
      d.late_probability = 0.6 * strength;
      d.late_min = sim::Duration::millis(1);
      d.late_max = sim::Duration::millis(40);
    }
    if (kind == "stale_delivery") {
      d.late_probability = 0.2 * strength;
      d.late_min = sim::Duration::millis(200);
      d.late_max = sim::Duration::millis(3000);
    }
    RAFTSIM_ASSERT_MSG(d.active(), "unknown nemesis kind");
    undo = fault(K::degrade);
    undo.from = f.from;
    undo.to = f.to;
  }
  return {f, undo};
}

}  // namespace

ConfigKnobs draw_config_knobs(std::uint64_t seed) {
  sim::Rng rng(seed, kKnobStream);
  constexpr std::uint32_t kEntriesPerAppend[] = {1, 2, 4, 16, 64};
  constexpr std::uint32_t kClients[] = {1, 2, 4};  // more pile up writes on a slow disk faster than they drain
  constexpr double kSpreads[] = {1.25, 1.5, 2.0};
  ConfigKnobs k;
  k.max_entries_per_append = kEntriesPerAppend[rng.below(std::size(kEntriesPerAppend))];
  k.clients = kClients[rng.below(std::size(kClients))];
  k.election_timeout_spread = kSpreads[rng.below(std::size(kSpreads))];
  // Drawn last, so that the draws above are those of the seeds before the window existed. Small windows fill
  // (an empty heartbeat at the match, a stalled window back to probe, batching while full); the default
  // keeps the shipped behaviour in the rest.
  constexpr std::uint32_t kWindows[] = {1, 2, 4, 8, sim::RaftTiming{}.max_inflight_appends};
  k.max_inflight_appends = kWindows[rng.below(std::size(kWindows))];
  RAFTSIM_ASSERT(k.max_entries_per_append >= 1 && k.clients >= 1);
  RAFTSIM_ASSERT(k.election_timeout_spread > 1.0);
  return k;
}

std::string apply_config_knobs(const ConfigKnobs& knobs, const sim::FeatureSupport& supports, sim::SimConfig& config) {
  RAFTSIM_ASSERT(knobs.election_timeout_spread > 1.0);
  RAFTSIM_ASSERT(knobs.max_inflight_appends >= 1);
  config.timing.max_entries_per_append = knobs.max_entries_per_append;
  // The window only where the implementation has one (scenario_limits refuses it elsewhere).
  if (supports.inflight_window) config.timing.max_inflight_appends = knobs.max_inflight_appends;
  config.workload.clients = knobs.clients;
  const double min_us = static_cast<double>(config.timing.election_timeout_min.us);
  config.timing.election_timeout_max = sim::Duration::micros(static_cast<std::int64_t>(min_us * knobs.election_timeout_spread));
  RAFTSIM_ASSERT(config.timing.election_timeout_max > config.timing.election_timeout_min);
  return fmt::format("config: {} entries per append, {} clients, election timeout {:.0f}..{:.0f}ms, {} appends in flight",
                     knobs.max_entries_per_append, knobs.clients, min_us / 1000.0,
                     static_cast<double>(config.timing.election_timeout_max.us) / 1000.0,
                     supports.inflight_window ? fmt::format("{}", config.timing.max_inflight_appends) : std::string("default"));
}

SnapshotKnobs draw_snapshot_knobs(std::uint64_t seed) {
  sim::Rng rng(seed, kSnapshotStream);
  // Off in a quarter of the seeds; small intervals compact often (and make lagging followers need
  // snapshots), small chunks make installs long (more moments to crash in, more duplicate chunks).
  constexpr std::uint32_t kEvery[] = {0, 5, 10, 25, 50, 100, 200, 0};
  constexpr std::uint32_t kTrailing[] = {0, 1, 4, 16};
  constexpr std::uint32_t kChunk[] = {16, 64, 256, 4096};
  SnapshotKnobs k;
  k.every_entries = kEvery[rng.below(std::size(kEvery))];
  k.trailing_entries = kTrailing[rng.below(std::size(kTrailing))];
  k.chunk_bytes = kChunk[rng.below(std::size(kChunk))];
  if (k.every_entries > 0 && rng.bernoulli(0.5)) {
    k.crash_during_install_nth = static_cast<std::uint32_t>(rng.between(1, 8));
    k.crash_armed_at = sim::Duration::millis(rng.between(0, 7000));
    k.crash_down_for = sim::Duration::millis(rng.between(10, 2000));
  }
  // Drawn last, so that the draws above are those of the seeds before the disk had a bandwidth. Slow ones
  // make a snapshot's save take tens of milliseconds (a 4 KB state at 0.2 MB/s: 20 ms; more on a slow disk).
  constexpr double kBandwidthMbPerS[] = {0, 0.2, 2, 50};
  if (k.every_entries > 0) k.disk_bandwidth_mb_per_s = kBandwidthMbPerS[rng.below(std::size(kBandwidthMbPerS))];
  RAFTSIM_ASSERT(k.chunk_bytes >= 1);
  RAFTSIM_ASSERT(k.every_entries > 0 || k.crash_during_install_nth == 0);
  return k;
}

std::uint32_t next_id_after(const std::vector<sim::Fault>& faults) {
  std::uint32_t next = 1;
  for (const sim::Fault& f : faults) next = std::max(next, std::max(f.id, f.undoes) + 1);
  return next;
}

std::string apply_snapshot_knobs(const SnapshotKnobs& knobs, sim::SimConfig& config, std::uint32_t first_id) {
  RAFTSIM_ASSERT(first_id >= 1);
  if (knobs.every_entries == 0) return "snapshots: off";
  config.features.snapshot_every_entries = knobs.every_entries;
  config.features.snapshot_trailing_entries = knobs.trailing_entries;
  config.features.snapshot_chunk_bytes = knobs.chunk_bytes;
  config.disk.bandwidth_mb_per_s = knobs.disk_bandwidth_mb_per_s;
  std::string text = fmt::format("snapshots: every {} entries, {} trailing, {}-byte chunks", knobs.every_entries,
                                 knobs.trailing_entries, knobs.chunk_bytes);
  if (knobs.disk_bandwidth_mb_per_s > 0) text += fmt::format(", disk {} MB/s", knobs.disk_bandwidth_mb_per_s);
  if (knobs.crash_during_install_nth == 0) return text;
  // A crash in the middle of an install: the node that accepts its nth chunk (not the last) dies there.
  sim::FaultTrigger trig;
  trig.event = sim::EventKind::snapshot_chunk;
  trig.nth = knobs.crash_during_install_nth;
  sim::Fault f = fault(K::crash);
  f.nodes = {sim::NodeRef{sim::NodeRef::Kind::triggering, 0}};
  f.trigger = trig;
  f.at = sim::Time{} + knobs.crash_armed_at;
  f.id = first_id;
  sim::Fault undo = fault(K::restart);
  undo.nodes = f.nodes;
  undo.at = f.at + knobs.crash_down_for;
  undo.undoes = f.id;
  config.faults.push_back(f);
  config.faults.push_back(undo);
  std::stable_sort(config.faults.begin(), config.faults.end(), [](const sim::Fault& a, const sim::Fault& b) { return a.at < b.at; });
  RAFTSIM_ASSERT(undo.at > f.at);
  return text + fmt::format("; crash_during_install (#{} from {:.0f}ms)", trig.nth, f.at.us / 1000.0);
}

MembershipDraw draw_membership(std::uint64_t seed, std::uint32_t nodes, sim::Duration duration) {
  RAFTSIM_ASSERT(duration.us > 0);
  sim::Rng rng(seed, kMembershipStream);
  MembershipDraw d;
  d.on = rng.bernoulli(0.5);
  if (!d.on || nodes < 3) return MembershipDraw{};
  const std::uint32_t spares = static_cast<std::uint32_t>(rng.below(std::min<std::uint32_t>(2, nodes - 3) + 1));
  d.initial_members = nodes - spares;
  // The intended membership, to draw changes that apply (a request may still be lost or come too soon: the
  // leader queues it, or refuses one that no longer applies).
  std::vector<bool> member(nodes, false);
  for (std::uint32_t n = 0; n < d.initial_members; ++n) member[n] = true;
  std::uint32_t members = d.initial_members;
  const auto count = static_cast<std::uint32_t>(rng.between(1, 5));
  const std::int64_t span_ms = std::max<std::int64_t>(1, duration.us / 1000 - 1500);
  std::vector<std::int64_t> times_ms;
  for (std::uint32_t i = 0; i < count; ++i) times_ms.push_back(500 + rng.between(0, span_ms));
  std::sort(times_ms.begin(), times_ms.end());
  for (std::int64_t at_ms : times_ms) {
    std::vector<sim::NodeIndex> outside;
    for (sim::NodeIndex n = 0; n < nodes; ++n) {
      if (!member[n]) outside.push_back(n);
    }
    const bool add = !outside.empty() && (members <= 3 || rng.bernoulli(0.5));
    sim::Fault f = fault(add ? K::add_member : K::remove_member);
    f.at = sim::Time{} + sim::Duration::millis(at_ms);
    if (add) {
      const sim::NodeIndex n = outside[rng.below(outside.size())];
      f.nodes = {node(n)};
      member[n] = true;
      ++members;
    } else if (members > 3) {
      // The leader in a third of the removals (thesis 4.2.2), else a node drawn among the members.
      if (rng.bernoulli(1.0 / 3.0)) {
        f.nodes = {leader()};
      } else {
        std::vector<sim::NodeIndex> inside;
        for (sim::NodeIndex n = 0; n < nodes; ++n) {
          if (member[n]) inside.push_back(n);
        }
        const sim::NodeIndex n = inside[rng.below(inside.size())];
        f.nodes = {node(n)};
        member[n] = false;
        --members;
      }
    } else {
      continue;  // three members and no spare: nothing to change
    }
    d.changes.push_back(f);
  }
  RAFTSIM_ASSERT(d.initial_members >= 3 && d.initial_members <= nodes);
  return d;
}

std::string apply_membership(const MembershipDraw& draw, sim::SimConfig& config) {
  if (!draw.on) return "membership: off";
  config.features.membership = true;
  config.features.initial_members = draw.initial_members;
  std::string text = fmt::format("membership: initial voters 0..{}", draw.initial_members - 1);
  for (const sim::Fault& f : draw.changes) {
    RAFTSIM_ASSERT(f.nodes.size() == 1);
    const sim::NodeRef& ref = f.nodes[0];
    text += fmt::format(", {} {} at {:.0f}ms", f.kind == K::add_member ? "add" : "remove",
                        ref.kind == sim::NodeRef::Kind::leader ? std::string("leader") : std::to_string(ref.index), f.at.us / 1000.0);
    config.faults.push_back(f);
  }
  std::stable_sort(config.faults.begin(), config.faults.end(), [](const sim::Fault& a, const sim::Fault& b) { return a.at < b.at; });
  return text;
}

DiskErrorDraw draw_disk_errors(std::uint64_t seed, std::uint32_t nodes, sim::Duration duration) {
  RAFTSIM_ASSERT(duration.us > 0 && nodes >= 1);
  sim::Rng rng(seed, kDiskErrorStream);
  DiskErrorDraw d;
  if (!rng.bernoulli(0.25)) return d;
  const auto count = static_cast<std::uint32_t>(rng.between(1, 2));
  const std::int64_t span_ms = std::max<std::int64_t>(1, duration.us / 1000 - 1500);
  std::vector<std::pair<sim::Fault, sim::Fault>> windows;
  for (std::uint32_t i = 0; i < count; ++i) {
    sim::Fault f = fault(K::disk_errors);
    f.nodes = {rng.bernoulli(0.5) ? leader() : node(static_cast<sim::NodeIndex>(rng.below(nodes)))};
    f.factor = 1.0;
    f.at = sim::Time{} + sim::Duration::millis(500 + rng.between(0, span_ms));
    sim::Fault undo = fault(K::disk_errors);
    undo.nodes = f.nodes;
    undo.factor = 0.0;
    undo.at = f.at + sim::Duration::millis(rng.between(5, 200));  // a write or two fails, or many
    RAFTSIM_ASSERT(undo.at > f.at);
    windows.emplace_back(f, undo);
  }
  std::stable_sort(windows.begin(), windows.end(), [](const auto& a, const auto& b) { return a.first.at < b.first.at; });
  for (const auto& [f, undo] : windows) {
    d.windows.push_back(f);
    d.windows.push_back(undo);
  }
  RAFTSIM_ASSERT(d.windows.size() % 2 == 0 && d.windows.size() <= 4);
  return d;
}

std::string apply_disk_errors(const DiskErrorDraw& draw, sim::SimConfig& config, std::uint32_t first_id) {
  RAFTSIM_ASSERT(first_id >= 1);
  if (draw.windows.empty()) return "disk errors: none";
  std::string text = "disk errors:";
  std::uint32_t id = first_id;
  for (std::size_t i = 0; i + 1 < draw.windows.size(); i += 2) {
    sim::Fault f = draw.windows[i];
    sim::Fault undo = draw.windows[i + 1];
    f.id = id++;
    undo.undoes = f.id;
    const sim::NodeRef& ref = f.nodes[0];
    text += fmt::format("{} {} at {:.0f}ms for {:.0f}ms", i == 0 ? "" : ",",
                        ref.kind == sim::NodeRef::Kind::leader ? std::string("leader") : fmt::format("node {}", ref.index),
                        f.at.us / 1000.0, (undo.at - f.at).us / 1000.0);
    config.faults.push_back(f);
    config.faults.push_back(undo);
  }
  std::stable_sort(config.faults.begin(), config.faults.end(), [](const sim::Fault& a, const sim::Fault& b) { return a.at < b.at; });
  return text;
}

sim::HostModel draw_host_model(std::uint64_t seed, sim::Duration duration) {
  RAFTSIM_ASSERT(duration.us > 0);
  sim::Rng rng(seed, kHostStream);
  using sim::Duration;
  using Kind = sim::LatencyModel::Kind;
  sim::HostModel host;
  // About a third of the seeds keep each part off: exact timers and instant steps find the same-instant
  // races; the rest spread from a loaded machine's scheduler noise to a slow, busy node.
  constexpr std::int64_t kJitterUsMax[] = {0, 200, 5'000};
  // Starts stay together here: the etcd node commits its bootstrap configuration entries alone at start,
  // which commit-quorum reads as a commit without a majority while the other nodes have not started (a
  // scenario's own host.start_spread_ms still staggers them).
  constexpr std::int64_t kProcessingUsMax[] = {0, 50, 2'000};
  const std::int64_t jitter_us = kJitterUsMax[rng.below(std::size(kJitterUsMax))];
  const std::int64_t processing_us = kProcessingUsMax[rng.below(std::size(kProcessingUsMax))];
  if (jitter_us > 0) host.timer_jitter = sim::LatencyModel{Kind::uniform, Duration{}, Duration::micros(jitter_us)};
  if (processing_us > 0) {
    host.processing = sim::LatencyModel{Kind::uniform, Duration::micros(processing_us / 10), Duration::micros(processing_us)};
  }
  RAFTSIM_ASSERT(host.start_spread < duration);
  RAFTSIM_ASSERT(!host.processing || host.processing->min <= host.processing->max);
  return host;
}

std::string describe_host_model(const sim::HostModel& host) {
  if (!host.any()) return "host: exact timers, simultaneous start, instant steps";
  return fmt::format("host: timer jitter {}, start spread {:.0f}ms, processing {}",
                     host.timer_jitter ? host.timer_jitter->describe() : std::string("none"),
                     static_cast<double>(host.start_spread.us) / 1000.0,
                     host.processing ? host.processing->describe() : std::string("none"));
}
FeatureDraw draw_features(std::uint64_t seed) {
  sim::Rng rng(seed, kFeatureStream);
  FeatureDraw d;
  d.pre_vote = rng.bernoulli(0.5);
  d.check_quorum = rng.bernoulli(0.5);
  d.read_index = rng.bernoulli(0.5);  // drawn after the two above: their draws are those of the seeds before it
  // Thesis 6.4.1, drawn last for the same reason. A bound of 1.1 is a realistic crystal's, 2.0 a generous one.
  constexpr double kDriftBounds[] = {1.1, 1.5, 2.0};
  d.lease_reads = rng.bernoulli(0.5);
  d.clock_drift_bound = kDriftBounds[rng.below(std::size(kDriftBounds))];
  RAFTSIM_ASSERT(d.clock_drift_bound >= 1.0);
  return d;
}

std::string bound_clock_rates(std::uint64_t seed, const std::vector<std::uint32_t>& nemesis_ids, sim::SimConfig& config) {
  RAFTSIM_ASSERT(config.features.lease_reads);
  RAFTSIM_ASSERT(config.features.clock_drift_bound >= 1.0);
  // Rates in [1/h, h] differ by a factor of at most h^2, a little under the bound (timers and clocks round
  // to microseconds).
  const double h = std::sqrt(config.features.clock_drift_bound) * 0.998;
  const double lo = 1.0 / h;
  const double hi = std::max(h, 1.0);
  // clock_skew draws factors in [1/3, 3]; the same shape, scaled: 1 + (f - 1) (h - 1) / 2, and its inverse.
  const auto squeeze = [&](double f) {
    RAFTSIM_ASSERT(f > 0.0);
    const double up = f >= 1.0 ? f : 1.0 / f;
    const double scaled = std::min(hi, 1.0 + (up - 1.0) * (hi - 1.0) / 2.0);
    return std::clamp(f >= 1.0 ? scaled : 1.0 / scaled, lo, hi);
  };
  std::size_t squeezed = 0;
  for (sim::Fault& f : config.faults) {
    if (f.kind != K::clock || std::find(nemesis_ids.begin(), nemesis_ids.end(), f.id) == nemesis_ids.end()) continue;
    f.factor = squeeze(f.factor);
    ++squeezed;
  }
  // Each node starts at the slowest, the nominal or the fastest rate: the pairs that stress a lease most.
  sim::Rng rng(seed, kLeaseClockStream);
  std::uint32_t id = next_id_after(config.faults);
  std::string rates;
  for (sim::NodeIndex n = 0; n < config.nodes; ++n) {
    const std::uint64_t pick = rng.below(3);
    const double rate = pick == 0 ? lo : pick == 1 ? 1.0 : hi;
    rates += fmt::format("{}{:.3f}", n ? " " : "", rate);
    if (rate == 1.0) continue;
    sim::Fault f = fault(K::clock);
    f.nodes = {node(n)};
    f.factor = rate;
    f.at = sim::Time{};
    f.id = id++;
    config.faults.push_back(f);
  }
  std::stable_sort(config.faults.begin(), config.faults.end(), [](const sim::Fault& a, const sim::Fault& b) { return a.at < b.at; });
  return fmt::format("lease clocks: bound {:.2f}, rates {}, {} clock skew(s) within [{:.3f}, {:.3f}]",
                     config.features.clock_drift_bound, rates, squeezed, lo, hi);
}

std::string apply_feature_draw(const FeatureDraw& draw, const sim::FeatureSupport& supports, sim::SimConfig& config) {
  config.features.pre_vote = draw.pre_vote && supports.pre_vote;
  config.features.check_quorum = draw.check_quorum && supports.check_quorum;
  config.features.read_index = draw.read_index && supports.read_index;
  config.features.lease_reads = draw.lease_reads && supports.lease_reads;
  if (config.features.lease_reads) config.features.clock_drift_bound = draw.clock_drift_bound;
  RAFTSIM_ASSERT(!config.features.pre_vote || supports.pre_vote);
  RAFTSIM_ASSERT(!config.features.check_quorum || supports.check_quorum);
  RAFTSIM_ASSERT(!config.features.read_index || supports.read_index);
  const auto say = [](bool drawn, bool supported) { return !supported ? "off (not supported)" : drawn ? "on" : "off"; };
  return fmt::format("features: pre_vote {}, check_quorum {}, read_index {}, lease_reads {}", say(draw.pre_vote, supports.pre_vote),
                     say(draw.check_quorum, supports.check_quorum), say(draw.read_index, supports.read_index),
                     say(draw.lease_reads, supports.lease_reads));
}

namespace {
// Leadership transfer requests (thesis 3.10) at random times of the fault phase, to a random node or to
// "any": transfers racing partitions, crashes and elections. None has an undo.
std::string draw_transfers(std::uint64_t seed, std::uint32_t nodes, sim::Duration duration, std::uint32_t& id,
                           std::vector<sim::Fault>& out) {
  sim::Rng rng(seed, kTransferStream);
  if (nodes < 2) return "no transfers (one node)";
  const std::uint64_t count = rng.between(0, 6);
  std::string drawn;
  for (std::uint64_t i = 0; i < count; ++i) {
    sim::Fault f = fault(K::transfer_leadership);
    f.at = sim::Time{} + sim::Duration::micros(rng.between(0, duration.us - 1));
    if (rng.bernoulli(0.5)) f.to = {node(static_cast<sim::NodeIndex>(rng.below(nodes)))};
    f.id = id++;
    drawn += fmt::format("{}{:.0f}ms", i ? ", " : "", f.at.us / 1000.0);
    out.push_back(f);
  }
  RAFTSIM_ASSERT(out.size() >= count);
  return fmt::format("{} transfer request{}{}{}", count, count == 1 ? "" : "s", count ? " at " : "", drawn);
}
}  // namespace

// A triggered fault and its undo: `kind` names the event and what happens to the node that emitted it.
std::pair<sim::Fault, sim::Fault> make_triggered(const std::string& kind, sim::Rng& rng) {
  const sim::NodeRef triggering{sim::NodeRef::Kind::triggering, 0};
  sim::FaultTrigger trig;
  trig.nth = static_cast<std::uint32_t>(rng.between(1, 4));
  sim::Fault f;
  f.nodes = {triggering};
  if (kind == "crash_after_truncate") {
    trig.event = sim::EventKind::log_truncate;  // the truncation's write is not durable yet
  } else if (kind == "crash_after_write") {
    trig.event = sim::EventKind::disk_write;  // the write in flight is lost
    trig.nth = static_cast<std::uint32_t>(rng.between(1, 200));
  } else if (kind == "crash_after_commit") {
    trig.event = sim::EventKind::commit;  // committed, not yet applied or answered everywhere
    trig.nth = static_cast<std::uint32_t>(rng.between(1, 50));
  } else if (kind == "crash_new_leader" || kind == "isolate_new_leader") {
    trig.event = sim::EventKind::role;
    trig.role = static_cast<std::uint64_t>(sim::Role::leader);
  } else {
    RAFTSIM_ASSERT_MSG(kind == "isolate_after_vote", "unknown triggered nemesis kind");
    trig.event = sim::EventKind::vote;  // its vote reply may still be in flight (or held until durable)
  }
  const bool isolate = kind.rfind("isolate_", 0) == 0;
  f.kind = isolate ? K::isolate : K::crash;
  f.trigger = trig;
  sim::Fault undo = fault(isolate ? K::heal : K::restart);
  undo.nodes = f.nodes;
  return {f, undo};
}

const std::vector<std::string>& triggered_nemesis_kinds() {
  static const std::vector<std::string> kKinds = {"crash_after_truncate", "crash_after_write", "crash_after_commit",
                                                  "crash_new_leader",     "isolate_new_leader", "isolate_after_vote"};
  return kKinds;
}

const std::vector<std::string>& nemesis_kinds() {
  static const std::vector<std::string> kKinds = {
      "partition",    "isolate_leader", "isolate_node", "one_way",       "crash_leader",   "crash_node",
      "pause_leader", "clog_leader",    "drop_burst",   "duplicate_burst", "reorder_burst", "stale_delivery",
      "clock_skew",   "slow_disk"};
  return kKinds;
}

const std::vector<std::string>& opt_in_nemesis_kinds() {
  static const std::vector<std::string> kKinds = {"disk_error"};
  return kKinds;
}

NemesisPlan expand_nemesis(const NemesisConfig& config, std::uint64_t seed, std::uint32_t nodes, sim::Duration duration,
                           std::uint32_t first_id, const sim::FeatureSupport& supports) {
  RAFTSIM_ASSERT(config.enabled);
  RAFTSIM_ASSERT(config.interval_min <= config.interval_max && config.fault_min <= config.fault_max);
  sim::Rng rng(seed, kNemesisStream);
  std::vector<std::string> kinds;
  std::vector<double> weights;
  for (const auto& k : nemesis_kinds()) {
    const auto it = config.weights.find(k);
    const double w = config.weights.empty() ? 1.0 : (it == config.weights.end() ? 0.0 : it->second);
    if (w > 0) {
      kinds.push_back(k);
      weights.push_back(w);
    }
  }
  for (const auto& k : opt_in_nemesis_kinds()) {  // after the others: their draws keep their order
    const auto it = config.weights.find(k);
    if (it == config.weights.end() || it->second <= 0) continue;
    // tools::check_scenario_limits refuses this at load; a caller that changed the implementation without
    // it still gets an error, not a run that goes on as if the writes had succeeded.
    if (k == "disk_error" && !supports.disk_write_errors) {
      throw sim::AdapterError(
          "nemesis.kinds.disk_error: this implementation cannot receive disk write errors (it does not declare "
          "them: sim::FeatureSupport::disk_write_errors); use impl \"reference\" or \"libraft\"");
    }
    kinds.push_back(k);
    weights.push_back(it->second);
  }
  RAFTSIM_ASSERT(!kinds.empty());
  double strength = 1.0;
  sim::Duration interval_min = config.interval_min, interval_max = config.interval_max;
  NemesisPlan plan;
  if (config.swarm) {
    // Each kind is enabled with probability 1/2 (at least one), with its own weight; one strength and
    // one pace for the whole run.
    std::vector<std::string> chosen;
    std::vector<double> chosen_weights;
    while (chosen.empty()) {
      for (std::size_t i = 0; i < kinds.size(); ++i) {
        if (rng.bernoulli(0.5)) {
          chosen.push_back(kinds[i]);
          chosen_weights.push_back(weights[i] * (0.25 + rng.unit()));
        }
      }
    }
    kinds = chosen;
    weights = chosen_weights;
    strength = 0.2 + 0.8 * rng.unit();
    const double pace = 0.3 + 1.7 * rng.unit();
    interval_min = sim::Duration::micros(static_cast<std::int64_t>(static_cast<double>(interval_min.us) * pace));
    interval_max = sim::Duration::micros(static_cast<std::int64_t>(static_cast<double>(interval_max.us) * pace));
  }
  std::string list;
  for (std::size_t i = 0; i < kinds.size(); ++i) list += fmt::format("{}{} ({:.2f})", i ? ", " : "", kinds[i], weights[i]);
  plan.description = fmt::format("{}kinds {}; strength {:.2f}; a fault every {:.0f}..{:.0f}ms lasting {:.0f}..{:.0f}ms",
                                 config.swarm ? "swarm: " : "", list, strength, interval_min.us / 1000.0,
                                 interval_max.us / 1000.0, config.fault_min.us / 1000.0, config.fault_max.us / 1000.0);
  double total = 0;
  for (double w : weights) total += w;
  std::uint32_t id = first_id;
  sim::Time t = sim::Time{} + sim::Duration::micros(rng.between(interval_min.us, interval_max.us));
  const sim::Time end = sim::Time{} + duration;
  while (t < end) {
    double pick = rng.unit() * total;
    std::size_t k = 0;
    while (k + 1 < kinds.size() && pick >= weights[k]) pick -= weights[k++];
    auto [f, undo] = make(kinds[k], rng, nodes, strength);
    const sim::Duration length = sim::Duration::micros(rng.between(config.fault_min.us, config.fault_max.us));
    f.at = t;
    f.id = id++;
    undo.at = std::min(t + length, end);
    if (undo.at <= f.at) undo.at = f.at + sim::Duration::micros(1);
    undo.undoes = f.id;
    plan.faults.push_back(f);
    plan.faults.push_back(undo);
    t = t + sim::Duration::micros(rng.between(interval_min.us, interval_max.us));
  }
  if (config.triggers) {
    // One to three triggered faults, each armed at a random time of the fault phase; a trigger that never
    // matches fires nothing. Their own stream: the timed schedule above is the same with or without them.
    sim::Rng trig_rng(seed, kTriggerStream);
    const auto& trig_kinds = triggered_nemesis_kinds();
    const std::uint64_t count = trig_rng.between(1, 3);
    std::string drawn;
    for (std::uint64_t i = 0; i < count; ++i) {
      const std::string& kind = trig_kinds[trig_rng.below(trig_kinds.size())];
      auto [f, undo] = make_triggered(kind, trig_rng);
      f.at = sim::Time{} + sim::Duration::micros(trig_rng.between(0, duration.us * 3 / 4));
      f.id = id++;
      const sim::Duration length = sim::Duration::micros(trig_rng.between(config.fault_min.us, config.fault_max.us));
      // Relative: the undo fires this long after the trigger does (and the heal ends the fault anyway).
      undo.at = std::min(f.at + length, end);
      if (undo.at <= f.at) undo.at = f.at + sim::Duration::micros(1);
      undo.undoes = f.id;
      plan.faults.push_back(f);
      plan.faults.push_back(undo);
      drawn += fmt::format("{}{} (#{} from {:.0f}ms)", i ? ", " : "", kind, f.trigger->nth, f.at.us / 1000.0);
    }
    plan.description += "; triggered: " + drawn;
  }
  if (config.features) {
    plan.description += "; " + (supports.transfer_leadership ? draw_transfers(seed, nodes, duration, id, plan.faults)
                                                             : std::string("no transfers (not supported)"));
  }
  std::stable_sort(plan.faults.begin(), plan.faults.end(), [](const sim::Fault& a, const sim::Fault& b) { return a.at < b.at; });
  RAFTSIM_ASSERT(std::all_of(plan.faults.begin(), plan.faults.end(), [](const sim::Fault& f) { return f.id != 0 || f.undoes != 0; }));
  return plan;
}

}  // namespace tools
