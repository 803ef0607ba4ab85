// Run metrics (issue 12 item 2): the figures an operator of a Raft cluster watches, computed online from
// the event stream only (sim/trace_event.h), so they are the same for every implementation and for a
// trace replayed from a file. Definitions (also in docs/checkers.md, "Metrics"):
//
//  - writes_ok / reads_ok: client operations completed ok (client_ok); a get is a read, put/append/cas are
//    writes. writes_per_s / reads_per_s divide them by the run's virtual duration.
//  - commit_latency: client invoke to ok, per operation completed ok (reads and writes alike), in a
//    bounded histogram (LatencyHistogram). Percentiles by nearest rank (below).
//  - leaderless: the cluster HAS A LEADER at an instant iff some running (not crashed, not paused) node
//    reports role leader in term T and a majority of the nodes (itself included) report term T and are
//    running. "Believes": a node's role and term are what it last reported (role events); the cluster
//    size is the number of distinct nodes seen in the stream. A minority that raises its term while cut
//    off does not unseat a leader a majority still follows; a majority that moved on to a newer term
//    does. leaderless_us sums the time without a leader, from time 0 (so it includes the wait for the
//    first leader) to the end of the run; first_leader_us is when the cluster first has a leader.
//  - disruptions: one per instant at which fault or heal events happened (crash, restart, pause, resume,
//    partition, block/unblock/clog/unclog/degrade link, heal, clock rate, disk speed, the liveness phase).
//    Its recovery_us: 0 if the cluster had a leader throughout until the next such instant; otherwise
//    the time from it to the end of the last leaderless period that overlaps that span; -1 if that period
//    had not ended when the run ended.
//  - elections: candidacies (role events with role candidate). leaders_elected: role events with role
//    leader. split_votes: terms in which some node stood as candidate and no node became leader.
//    contested_terms: terms with two or more distinct candidates.
//  - messages_per_committed_entry: network sends (all Raft messages) over committed entries (the highest
//    commit index any node reported).
//  - replication lag: each time the node that leads (as defined above) reports a higher commit index C,
//    every other running node contributes one sample max(0, C - its last log index) (entries committed
//    that it does not hold yet, by log length). Max and mean over the samples.
//
//  - window (optional, the scenario's "measure" section): the same figures over a span [from, to) of virtual
//    time, e.g. only while a fault is in force (issue 12 item 4: availability during the fault, not only
//    after it). Operations completed ok in the span, their latencies, time without a leader inside the
//    span, candidacies in it, and how far the highest commit index advanced in it.
//
// Unknown event kinds and role values (other helpers may add them) are ignored: an unknown role is
// neither leader nor candidate.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/assert.h"
#include "checkers/checker.h"
#include "checkers/open_ops.h"
#include "sim/trace.h"
#include "sim/trace_event.h"

namespace checkers {

// Latencies in microseconds, in buckets of bounded relative width: values below 1024 us are exact; above,
// each power of two is split in 512 buckets (a bucket is at most 0.2% of its value wide). Memory is bounded
// (at most a few thousand buckets whatever the count); histograms merge by adding counts, so percentiles
// pool exactly over seeds.
// The counts are one flat vector indexed by bucket (bucket_index), grown to the highest bucket used: an add
// is an index and an increment (a std::map was a tree walk, about 130 instructions per completed operation);
// latencies of a few seconds need some 7,000 buckets (56 KB), the largest int64 about 28,000.
// Percentile p (an integer 1..100) by nearest rank: the smallest bucket floor x such that at least
// ceil(p * count / 100) samples are <= x's bucket; p = 100 and max_us() give the exact maximum.
class LatencyHistogram {
 public:
  void add(std::int64_t value_us);
  void merge(const LatencyHistogram& other);
  std::uint64_t count() const { return count_; }
  std::int64_t max_us() const { return max_us_; }  // exact; 0 if empty
  double mean_us() const;                          // exact; 0 if empty
  std::int64_t percentile_us(int percent) const;   // 0 if empty
  // The lower end of the bucket holding value_us.
  static std::int64_t bucket_floor(std::int64_t value_us);
  // Bucket i's place in counts_ (increasing with the floor), and back: i < 1024 is the exact value i; above,
  // i = (magnitude - 9) * 512 + (the value's top ten bits), so floors and indexes are in the same order.
  static std::size_t bucket_index(std::int64_t value_us);
  static std::int64_t index_floor(std::size_t index);
  nlohmann::ordered_json to_json() const;                         // {"count","sum_us","max_us","buckets":[[floor,n],...]}
  static LatencyHistogram from_json(const nlohmann::json& j);     // throws nlohmann::json::exception on bad input

 private:
  std::vector<std::uint64_t> counts_;  // by bucket_index; zero for empty buckets
  std::uint64_t count_ = 0;
  std::int64_t sum_us_ = 0;
  std::int64_t max_us_ = 0;
};

struct Disruption {
  std::int64_t at_us = 0;
  std::string kind;          // the first fault or heal event at that instant ("crash", "heal", "phase", ...)
  std::int32_t node = -1;    // its node (-1 for cluster-wide)
  std::int64_t recovery_us = 0;  // see above; -1: not recovered by the end of the run
};

// A span of virtual time [from_us, to_us) over which a second set of figures is kept.
struct MeasureWindow {
  std::int64_t from_us = 0;
  std::int64_t to_us = 0;
};

// The figures of one run restricted to a MeasureWindow (see the definitions above).
struct WindowMetrics {
  MeasureWindow span;
  std::uint64_t writes_ok = 0;
  std::uint64_t reads_ok = 0;
  LatencyHistogram commit_latency;       // operations completed ok in the span
  std::int64_t leaderless_us = 0;        // the part of the span without a leader
  std::uint64_t elections = 0;           // candidacies in the span
  std::uint64_t committed_entries = 0;   // highest commit index at the end of the span minus at its start

  std::int64_t length_us() const { return span.to_us - span.from_us; }
  double writes_per_s() const;  // per second of the span
  double reads_per_s() const;
  nlohmann::ordered_json to_json() const;
  static WindowMetrics from_json(const nlohmann::json& j);
};

// The metrics of one run.
struct RunMetrics {
  std::int64_t duration_us = 0;
  std::int64_t election_timeout_max_us = 0;  // from the timing event (0 if the stream has none)
  std::uint32_t nodes = 0;                   // distinct nodes seen

  std::uint64_t writes_ok = 0;
  std::uint64_t reads_ok = 0;
  LatencyHistogram commit_latency;

  std::int64_t first_leader_us = -1;  // -1: never
  std::int64_t leaderless_us = 0;
  std::uint64_t leaderless_periods = 0;
  std::int64_t longest_leaderless_us = 0;
  std::vector<Disruption> disruptions;

  std::uint64_t elections = 0;
  std::uint64_t leaders_elected = 0;
  std::uint64_t split_votes = 0;
  std::uint64_t contested_terms = 0;
  std::uint64_t max_term = 0;

  std::uint64_t messages_sent = 0;
  std::uint64_t committed_entries = 0;
  std::uint64_t lag_samples = 0;
  std::uint64_t lag_sum = 0;
  std::uint64_t lag_max = 0;
  std::optional<WindowMetrics> window;  // only with a MeasureWindow

  double writes_per_s() const;
  double reads_per_s() const;
  double messages_per_committed_entry() const;  // 0 if nothing was committed
  double lag_mean() const;
  // The longest recovery after a disruption (-1 if one never recovered; 0 if none).
  std::int64_t recovery_max_us() const;

  nlohmann::ordered_json to_json() const;
  static RunMetrics from_json(const nlohmann::json& j);  // throws nlohmann::json::exception on bad input
};

// Names and values of the scalar metrics that a scenario can bound (expect.metrics), in a fixed order.
// Times are in milliseconds (names end in _ms), rates per virtual second.
const std::vector<std::string>& metric_names();
// The value of a named metric (one of metric_names()); throws std::invalid_argument otherwise, and for a
// window_ metric of a run without a window.
double metric_value(const RunMetrics& m, const std::string& name);

// Aggregated over seeds: sums, maxima, means per seed, and the commit latencies pooled.
struct MetricsSummary {
  std::uint64_t runs = 0;
  std::int64_t duration_us = 0;  // summed
  std::uint64_t writes_ok = 0, reads_ok = 0;
  LatencyHistogram commit_latency;  // pooled
  std::uint64_t runs_with_leader = 0;
  std::int64_t first_leader_us_sum = 0;  // over the runs with a leader
  std::int64_t first_leader_us_max = 0;
  std::int64_t leaderless_us = 0, leaderless_us_max = 0;
  std::int64_t recovery_max_us = 0;  // over runs (-1 if some run never recovered)
  std::uint64_t elections = 0, elections_max = 0;
  std::uint64_t split_votes = 0, contested_terms = 0;
  std::uint64_t messages_sent = 0, committed_entries = 0;
  std::uint64_t lag_samples = 0, lag_sum = 0, lag_max = 0;

  void add(const RunMetrics& m);
  void merge(const MetricsSummary& other);
  nlohmann::ordered_json to_json() const;  // with derived means and percentiles, and the pooled histogram
  static MetricsSummary from_json(const nlohmann::json& j);
};

// Computes RunMetrics online. O(1) work per event except role events (O(nodes)) and leader commits
// (O(nodes)); memory: per node, per open client operation, per term with a candidate, per disruption.
class MetricsRecorder final : public sim::TraceSink {
 public:
  MetricsRecorder() = default;
  // Also keeps the figures of `window` (to_us > from_us >= 0).
  explicit MetricsRecorder(std::optional<MeasureWindow> window);
  // Inline, without a window, for an event whose node (and peer) was seen before: the kinds that only
  // name a node (disk, timers, applies, client sends: half of all events), and the four most frequent
  // kinds that change a counter or two. Everything else (and anything with a window) is on_event_slow's.
  bool on_event(const sim::TraceEvent& e) override {
    RAFTSIM_ASSERT(!finished_);
    // With a window every event is on_event_slow's (fast_limit_ INT32_MIN); else an event of a node not seen
    // yet. (Here fast_limit_ is nodes_.size(): grow_nodes asserts it.)
    if (e.node >= fast_limit_) return on_event_slow(e);
    const auto n = static_cast<std::size_t>(e.node);
    switch (e.kind) {
      case sim::EventKind::send:
        if (e.peer >= fast_limit_) break;  // a peer not seen yet (-1, none, is below any limit)
        ++m_.messages_sent;
        return true;
      case sim::EventKind::deliver:
        if (e.peer >= fast_limit_) break;
        return true;
      case sim::EventKind::log_append:
        if (e.node < 0) break;
        nodes_[n].last_index = std::max(nodes_[n].last_index, e.a);
        return true;
      case sim::EventKind::commit:  // a follower's (the leader's samples the replication lag)
        if (e.node < 0 || e.node == leader_) break;
        nodes_[n].commit = e.a;
        m_.committed_entries = std::max(m_.committed_entries, e.a);
        return true;
      default:
        if ((kSlowKinds & kind_bit(e.kind)) == 0) return true;
        break;
    }
    return on_event_slow(e);
  }
  void observe(const sim::TraceEvent& event) { on_event(event); }
  // The metrics at the end of the run (may be called once).
  RunMetrics finish(std::int64_t end_time_us);

 private:
  // The kinds on_event_slow does more for than count the event's node: those of its switch, the faults and
  // heals (disruptions) and the phase.
  static constexpr KindMask kSlowKinds =
      kind_bit(sim::EventKind::timing) | kind_bit(sim::EventKind::send) | kind_bit(sim::EventKind::deliver) |
      kind_bit(sim::EventKind::crash) | kind_bit(sim::EventKind::restart) | kind_bit(sim::EventKind::pause) |
      kind_bit(sim::EventKind::resume) | kind_bit(sim::EventKind::role) | kind_bit(sim::EventKind::log_append) |
      kind_bit(sim::EventKind::log_truncate) | kind_bit(sim::EventKind::commit) |
      kind_bit(sim::EventKind::client_invoke) | kind_bit(sim::EventKind::client_ok) |
      kind_bit(sim::EventKind::client_fail) | kind_bit(sim::EventKind::client_info) |
      kind_bit(sim::EventKind::partition) | kind_bit(sim::EventKind::block_link) |
      kind_bit(sim::EventKind::unblock_link) | kind_bit(sim::EventKind::heal) | kind_bit(sim::EventKind::clog_link) |
      kind_bit(sim::EventKind::unclog_link) | kind_bit(sim::EventKind::degrade_link) |
      kind_bit(sim::EventKind::clock_rate) | kind_bit(sim::EventKind::disk_speed) | kind_bit(sim::EventKind::phase);
  [[gnu::noinline]] bool on_event_slow(const sim::TraceEvent& e);
  struct NodeView {
    int role = -1;  // -1: not running (crashed or paused), else the last reported role
    int last_role = 0;
    bool paused = false;
    bool crashed = false;
    std::uint64_t term = 0;
    std::uint64_t last_index = 0;
    std::uint64_t commit = 0;
  };
  struct TermView {
    std::set<std::int32_t> candidates;
    bool leader = false;
  };
  // Every event's node and peer: inline, as most events name nodes already seen.
  void touch_node(std::int32_t node) {
    if (node >= 0 && static_cast<std::size_t>(node) >= nodes_.size()) grow_nodes(static_cast<std::size_t>(node) + 1);
  }
  void grow_nodes(std::size_t count);
  void update_leadership(std::int64_t now_us);
  std::int32_t current_leader() const;  // -1 if the cluster has no leader
  void on_disruption(const sim::TraceEvent& event);
  void add_leaderless(std::int64_t from_us, std::int64_t to_us);  // a leaderless period that ended
  void advance_window(std::int64_t now_us);                       // snapshots the commit index at the edges
  bool in_window(std::int64_t t_us) const { return m_.window && t_us >= m_.window->span.from_us && t_us < m_.window->span.to_us; }

  RunMetrics m_;
  bool has_window_ = false;  // m_.window
  std::vector<NodeView> nodes_;
  // on_event's one test of every event: INT32_MIN with a window (then every event is on_event_slow's), else
  // nodes_.size() (an event of a node at or above it is too). Kept by the constructor and grow_nodes.
  std::int32_t fast_limit_ = 0;
  std::map<std::uint64_t, TermView> terms_;
  OpenOps open_ops_;  // op id -> invoke time (lookups only)
  std::int32_t leader_ = -1;
  std::int64_t leaderless_since_us_ = 0;  // valid while leader_ < 0
  std::size_t pending_from_ = 0;          // disruptions [pending_from_, size) overlap the open leaderless period
  std::uint64_t leader_commit_ = 0;
  bool finished_ = false;
  bool window_started_ = false, window_ended_ = false;
  std::uint64_t commit_at_window_start_ = 0;
};

}  // namespace checkers
