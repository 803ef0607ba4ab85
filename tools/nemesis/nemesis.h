// The random nemesis: a seeded generator of fault schedules. It expands, before the run, into an explicit
// timeline of faults (each with its undo), so a failing run's schedule can be recorded, replayed and
// shrunk like a hand-written one. In "swarm" mode each seed also draws which fault kinds are enabled and
// how strong they are (Groce et al., "Swarm Testing", ISSTA 2012): fewer kinds per run reach deeper.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/simulation.h"

namespace tools {

struct NemesisConfig {
  bool enabled = false;
  sim::Duration interval_min = sim::Duration::millis(300);  // between the starts of two faults
  sim::Duration interval_max = sim::Duration::millis(1500);
  sim::Duration fault_min = sim::Duration::millis(100);  // how long one fault lasts
  sim::Duration fault_max = sim::Duration::millis(2000);
  std::map<std::string, double> weights;  // fault kind -> relative weight (all kinds at 1 if empty)
  bool swarm = false;
  // Each seed also draws the knobs that decide how much of the protocol a run exercises: entries per
  // AppendEntries (1 makes catch-up happen entry by entry, which bugs hide behind in big batches), the
  // number of clients (log growth), and the election timeout spread (narrow spreads split more votes,
  // so more candidates share a term).
  bool swarm_config = false;
  // Also draw faults fired by node events (a crash right after a truncation or a disk write, a leader
  // isolated the moment it wins, a voter cut off right after its vote): the moments bugs need, which timed
  // faults hit only by luck. Drawn from their own stream, so the timed schedule of a seed does not move.
  bool triggers = false;
  // Also draw how the host machines behave (sim::HostModel): timer jitter, staggered starts, a processing
  // time per input. Real systems have all three; without them a fixed-timeout cluster never breaks its
  // symmetry and same-instant races are all-or-nothing. Own stream; a scenario's own "host" section wins.
  bool host = false;
  // Also draw the Raft features (pre_vote, check_quorum: each on with probability 1/2) and leadership
  // transfer requests (thesis 3.10, 9.6). Their own streams: the rest of a seed's draws do not move.
  bool features = false;
  // Paper 7: each seed draws snapshot_every_entries (including off), the trailing entries kept and the
  // InstallSnapshot chunk size, and, with snapshots on, perhaps a crash in the middle of an install. Its
  // own stream: a seed that draws "off" runs exactly as without this switch.
  bool snapshots = false;
  // Thesis 4: each seed draws whether membership changes happen (half of the seeds), how many of the nodes
  // start as spares outside the configuration (0..2, keeping at least 3 voters), and one to five add_member
  // / remove_member requests (removing the leader among them), mixed with every other fault. Its own
  // stream, drawn after every other draw: a seed that draws "off" runs exactly as without this switch.
  bool membership = false;
  // Disk write errors (sim::Node::on_disk_error): a quarter of the seeds draw one or two windows in which
  // every write of one node (the leader or a drawn node) fails; the node stops (the reference Raft is
  // fail-stop; libraft gets RAFT_IOERR, then stops) and comes back at the heal. Only an implementation that
  // declares disk write errors gets them. Its own stream, drawn after every other draw: a seed that draws
  // none runs exactly as without this switch.
  bool disk_errors = false;
};

// What nemesis.disk_errors drew for one seed: each window's fault (every write of its node fails) and undo.
struct DiskErrorDraw {
  std::vector<sim::Fault> windows;  // fault, undo, fault, undo... (ids assigned by apply_disk_errors)
};
DiskErrorDraw draw_disk_errors(std::uint64_t seed, std::uint32_t nodes, sim::Duration duration);
// Applies it (faults from `first_id`, sorted into the timeline); says what it is.
std::string apply_disk_errors(const DiskErrorDraw& draw, sim::SimConfig& config, std::uint32_t first_id);

// What nemesis.membership drew for one seed.
struct MembershipDraw {
  bool on = false;
  std::uint32_t initial_members = 0;  // nodes 0..initial_members-1 start as voters
  std::vector<sim::Fault> changes;    // add_member / remove_member, in time order
};

MembershipDraw draw_membership(std::uint64_t seed, std::uint32_t nodes, sim::Duration duration);
// Applies it (features and faults, sorted into the timeline); says what it is.
std::string apply_membership(const MembershipDraw& draw, sim::SimConfig& config);

// What nemesis.snapshots drew for one seed.
struct SnapshotKnobs {
  std::uint32_t every_entries = 0;  // 0: off
  std::uint32_t trailing_entries = 4;
  std::uint32_t chunk_bytes = 512;
  std::uint32_t crash_during_install_nth = 0;  // 0: none; else crash the node at its nth accepted chunk
  sim::Duration crash_armed_at;
  sim::Duration crash_down_for;
  double disk_bandwidth_mb_per_s = 0;  // 0: a write's size costs nothing; else big snapshot writes are slow
};

SnapshotKnobs draw_snapshot_knobs(std::uint64_t seed);
// Applies them (features, and the triggered crash with its restart, ids from `first_id`); says what they are.
std::string apply_snapshot_knobs(const SnapshotKnobs& knobs, sim::SimConfig& config, std::uint32_t first_id);
// The first fault id not used by `faults`.
std::uint32_t next_id_after(const std::vector<sim::Fault>& faults);

// What `features` drew for one seed.
struct FeatureDraw {
  bool pre_vote = false;
  bool check_quorum = false;
  bool read_index = false;
  bool lease_reads = false;        // thesis 6.4.1
  double clock_drift_bound = 1.1;  // the leases' bound on the ratio of two clocks' rates
};
FeatureDraw draw_features(std::uint64_t seed);
// Switches on what was drawn and the implementation supports (a switch it lacks stays off: the draw
// itself does not depend on the implementation, so seeds mean the same for every Raft).
std::string apply_feature_draw(const FeatureDraw& draw, const sim::FeatureSupport& supports, sim::SimConfig& config);
// Thesis 6.4.1: with lease reads on, keeps every clock within the drift bound the leases count on: each node
// gets a clock rate from the start (drawn from its own stream), and the clock faults with ids in
// `nemesis_ids` (the nemesis's clock_skew) are scaled into the same range [1/h, h], h^2 < bound. Says what.
std::string bound_clock_rates(std::uint64_t seed, const std::vector<std::uint32_t>& nemesis_ids, sim::SimConfig& config);

// What swarm_config drew for one seed.
struct ConfigKnobs {
  std::uint32_t max_entries_per_append = 64;
  std::uint32_t clients = 4;
  double election_timeout_spread = 2.0;  // election_timeout_max = min * spread
  // Thesis 10.2.1: the flow-control window, applied only where the implementation declares one.
  std::uint32_t max_inflight_appends = sim::RaftTiming{}.max_inflight_appends;
};

// Draws the knobs for `seed` from their own random stream (the fault schedule's draws do not move).
ConfigKnobs draw_config_knobs(std::uint64_t seed);
// Applies them to a configuration, and says what they are in a few words.
std::string apply_config_knobs(const ConfigKnobs& knobs, const sim::FeatureSupport& supports, sim::SimConfig& config);

// Draws a host model for `seed` from its own random stream (`duration`: the fault phase it is for).
sim::HostModel draw_host_model(std::uint64_t seed, sim::Duration duration);
std::string describe_host_model(const sim::HostModel& host);

// Every kind the nemesis knows.
const std::vector<std::string>& nemesis_kinds();
// Kinds drawn only when nemesis.kinds names them (never among "every kind at weight 1", never in a swarm's
// draw unless named): adding one leaves every existing configuration's draws as they were. disk_error: a
// node's disk fails its writes (fault fail_disk_writes), only for implementations that declare
// FeatureSupport::disk_write_errors.
const std::vector<std::string>& opt_in_nemesis_kinds();
// The kinds of triggered fault (nemesis.triggers).
const std::vector<std::string>& triggered_nemesis_kinds();

struct NemesisPlan {
  std::vector<sim::Fault> faults;  // sorted by time, ids starting at `first_id`
  std::string description;         // what was drawn (for swarm mode: the enabled kinds and strengths)
};

// `supports`: what the implementation honours (transfer requests are drawn only if it transfers).
NemesisPlan expand_nemesis(const NemesisConfig& config, std::uint64_t seed, std::uint32_t nodes, sim::Duration duration,
                           std::uint32_t first_id, const sim::FeatureSupport& supports);

}  // namespace tools
