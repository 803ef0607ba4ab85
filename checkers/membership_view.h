// The configuration each node is in (thesis 4.1), from the `membership` events (trace format 3, kind 52),
// for the checkers whose majorities must be counted against it: commit-quorum, election-quorum,
// durability, check-quorum, read-index-quorum, and the membership rules. Without membership events (the
// feature off, or an implementation that never reports them) every node the stream has shown is a voter,
// which is what those checkers assumed before.
#pragma once

#include <bit>
#include <cstdint>
#include <memory>
#include <vector>

#include "sim/trace_event.h"

namespace checkers {

class MembershipView {
 public:
  struct Config {
    std::uint64_t voters = 0;    // bit n: node n
    std::uint64_t learners = 0;
    std::uint64_t index = 0;     // of its entry (0: the initial configuration)
    bool known = false;          // reported by the node
  };

  // Every event: its node counts toward nodes(); membership and commit events change the configurations
  // (others change nothing else). Inline: it sees every event, and most only name a node already counted.
  void observe(const sim::TraceEvent& e) {
    if (e.node < 0) return;
    if (e.node >= nodes_) nodes_ = e.node + 1;
    if (e.kind == sim::EventKind::membership || e.kind == sim::EventKind::commit) observe_change(e);
  }
  // observe() of an event of any other kind: it only counts its node (-1: none).
  void count_node(std::int32_t node) {
    if (node >= nodes_) nodes_ = node + 1;
  }

  bool active() const { return active_; }  // any membership event seen
  // The voters of `node`'s configuration now; with no report from it, every node seen so far.
  std::uint64_t voters_of(std::int32_t node) const;
  // The configuration with the highest entry index that some node has committed (its commit index reached
  // the entry while the node was in it); every node seen so far before any.
  std::uint64_t committed_voters() const { return committed_.known ? committed_.voters : all_nodes(); }
  const Config& committed() const { return committed_; }
  const Config& config_of(std::int32_t node) const;
  // When `node`'s configuration last changed (its last membership event; -1: never).
  std::int64_t changed_at_us(std::int32_t node) const;
  // Every distinct voter set any node has been in (the initial one included), in order of first report.
  const std::vector<std::uint64_t>& seen_voter_sets() const { return seen_; }
  std::int32_t nodes() const { return nodes_; }
  std::uint64_t all_nodes() const { return nodes_ >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << nodes_) - 1; }

  static std::size_t count(std::uint64_t mask) { return static_cast<std::size_t>(std::popcount(mask)); }
  static std::size_t majority(std::uint64_t mask) { return count(mask) / 2 + 1; }
  static bool has(std::uint64_t mask, std::int32_t node) { return node >= 0 && node < 64 && ((mask >> node) & 1U) != 0; }

 private:
  Config& slot(std::int32_t node);
  void observe_change(const sim::TraceEvent& e);  // a membership or commit event

  std::vector<Config> configs_;
  std::vector<std::int64_t> changed_at_us_;
  std::vector<std::uint64_t> seen_;
  Config committed_;
  std::int32_t nodes_ = 0;
  bool active_ = false;
};

// A checker's access to a MembershipView: the one CheckerSet updates once per event, before its checkers
// see the event (so several checkers do not each keep a copy of the same view), or, for a checker used
// alone (unit tests), one of its own that observe() feeds. A checker with the shared view reads it as its
// own would be after observe(e); a checker with its own view must see every event kind (nodes()).
class MembershipFeed {
 public:
  MembershipFeed() : own_(std::make_unique<MembershipView>()), view_(own_.get()) {}
  explicit MembershipFeed(const MembershipView& shared) : view_(&shared) {}
  void observe(const sim::TraceEvent& e) {
    if (own_) own_->observe(e);
  }
  bool shared() const { return own_ == nullptr; }
  const MembershipView* operator->() const { return view_; }

 private:
  std::unique_ptr<MembershipView> own_;
  const MembershipView* view_;
};

}  // namespace checkers
