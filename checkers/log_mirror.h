// A mirror of every node's volatile log, rebuilt from log-append / log-truncate / crash events, and from
// the snapshot events (paper 7): a snapshot installed or restored up to index i makes the node's log the
// committed log up to i (the mirror keeps the committed prefix, from the commit events, for that), followed
// by the node's own entries after i if it held entry i. Compaction (snapshot-taken) changes nothing here:
// as far as the checkers are concerned, compacted entries are still in the node's log.
// Several checkers need "what is in node n's log right now". In a CheckerSet they share one mirror, which
// the set applies once per event before any checker sees it (one mirror instead of five: issue 14, memory
// and time); a checker used alone (unit tests) keeps its own (MirrorView below).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/assert.h"
#include "checkers/checker.h"
#include "sim/trace_event.h"

namespace checkers {

class LogMirror {
 public:
  struct Slot {
    std::uint64_t term;
    std::uint64_t digest;
    std::uint64_t chain;  // hash of the whole prefix up to and including this entry
    bool operator==(const Slot&) const = default;
  };

  // One node's log, in memory bounded by what differs from the committed prefix (issue 14, goal 2): its
  // first `base` entries are, entry for entry (term, digest and prefix chain all equal), the committed
  // prefix's first `base` entries, so they are not stored again; only the entries above `base` are. A node's
  // entries fold into `base` once they are committed and equal to the committed entry (at every commit
  // event), so a node that follows the leader holds a copy of only its uncommitted suffix. Nothing is lost:
  // at() answers the same slot as a full copy would, for every index.
  class NodeLog {
   public:
    std::uint64_t size() const { return base_ + (tail_.size() - head_); }
    std::uint64_t base() const { return base_; }
    std::size_t stored() const { return tail_.size() - head_; }  // entries held beyond the shared prefix

   private:
    friend class LogMirror;
    friend class LogRef;
    std::uint64_t base_ = 0;   // entries 1..base_ are committed_[0..base_)
    std::vector<Slot> tail_;   // entries base_+1.. at tail_[head_..]
    std::size_t head_ = 0;     // tail_[0..head_) were folded into base_, not yet erased
  };

  // A read-only view of one node's log: size() and the slot at a 1-based index.
  class LogRef {
   public:
    LogRef(const NodeLog& log, const std::vector<Slot>& committed) : log_(&log), committed_(&committed) {}
    std::uint64_t size() const { return log_->size(); }
    // Entries 1..base() are the committed prefix's (equal slot for slot).
    std::uint64_t base() const { return log_->base_; }
    const Slot* at(std::uint64_t index) const {
      if (index == 0 || index > log_->size()) return nullptr;
      if (index <= log_->base_) return &(*committed_)[index - 1];
      return &log_->tail_[log_->head_ + (index - log_->base_ - 1)];
    }

   private:
    const NodeLog* log_;
    const std::vector<Slot>* committed_;
  };

  // Applies a log-changing event (others are ignored). Returns a description of a malformed change
  // (a gap, an overwrite without truncation, a term going backwards), which no correct node reports.
  std::optional<std::string> apply(const sim::TraceEvent& event);
  // The same, keeping what it found only for last_problem() (no copy: CheckerSet's once-per-event apply).
  void update(const sim::TraceEvent& event) { apply_change(event); }

  LogRef log(std::int32_t node) const {
    const auto n = static_cast<std::size_t>(node);
    return LogRef(node >= 0 && n < logs_.size() ? logs_[n] : empty_log(node), committed_);
  }
  std::size_t nodes() const { return logs_.size(); }
  // The entry at `index` (1-based) of `node`'s log, if it has one.
  const Slot* at(std::int32_t node, std::uint64_t index) const { return log(node).at(index); }
  // While `node` is down (from its crash to its restart): its volatile log as it was when it crashed, which
  // still counts as the node's copy of its entries for quorum checks. nullopt while it is up.
  std::optional<LogRef> log_at_crash(std::int32_t node) const {
    const auto n = static_cast<std::size_t>(node);
    if (node >= 0 && n < at_crash_.size() && at_crash_[n].has_value()) return LogRef(*at_crash_[n], committed_);
    return std::nullopt;
  }
  // The entry at `index` of `node`'s log, or while it is down of its log at the crash (log_at_crash).
  const Slot* at_or_at_crash(std::int32_t node, std::uint64_t index) const {
    RAFTSIM_ASSERT(node >= 0);
    const auto n = static_cast<std::size_t>(node);
    const NodeLog* log = nullptr;
    if (n < at_crash_.size() && at_crash_[n].has_value()) {
      log = &*at_crash_[n];
    } else if (n < logs_.size()) {
      log = &logs_[n];
    }
    return log == nullptr ? nullptr : LogRef(*log, committed_).at(index);
  }
  // Whether `node` is up and its log's shared prefix reaches `index` (>= 1): then its entry there is
  // committed()[index - 1] itself (at() and at_or_at_crash() answer that slot), known without a lookup.
  bool in_shared_prefix(std::int32_t node, std::uint64_t index) const {
    RAFTSIM_ASSERT(index >= 1);
    const auto n = static_cast<std::size_t>(node);
    if (node < 0 || n >= logs_.size() || index > logs_[n].base_) return false;
    return n >= at_crash_.size() || !at_crash_[n].has_value();
  }
  // How many nodes are up with a shared prefix reaching `index` (>= 1), counting no further than `enough`:
  // in_shared_prefix() of every node in one pass (CommitQuorum's count per commit; issue 14).
  std::int32_t count_in_shared_prefix(std::uint64_t index, std::int32_t enough) const {
    RAFTSIM_ASSERT(index >= 1 && enough >= 0);
    std::int32_t count = 0;
    const std::size_t nodes = logs_.size();
    for (std::size_t n = 0; n < nodes && count < enough; ++n) {
      // A crashed node's log was reset (base 0), but its at_crash_ entry is what decides it is down.
      if (index <= logs_[n].base_ && (n >= at_crash_.size() || !at_crash_[n].has_value())) ++count;
    }
    RAFTSIM_ASSERT(count <= enough);
    return count;
  }
  // Counts the events that may lower a node's shared prefix (base) or take a node down: crash, truncate,
  // snapshot install or restore. Between two such events every up node's base only grows, so a count of
  // count_in_shared_prefix() stays true (CommitQuorum remembers one).
  std::uint64_t shrinks() const { return shrinks_; }
  // The committed prefix: index i at [i-1], each entry as the first node to commit i held it.
  const std::vector<Slot>& committed() const { return committed_; }
  // Entries stored for all nodes beyond the shared committed prefix (for tests and measurements).
  std::size_t stored_slots() const;
  // What the latest apply() returned.
  const std::optional<std::string>& last_problem() const { return last_problem_; }

 private:
  NodeLog& mutable_log(std::int32_t node) {
    const auto n = static_cast<std::size_t>(node);
    if (node < 0 || n >= logs_.size()) grow(node);
    return logs_[n];
  }
  void grow(std::int32_t node);  // logs_ up to `node` (asserts node >= 0)
  static const NodeLog& empty_log(std::int32_t node);  // a node not seen yet (asserts node >= 0)
  // Applies the change; last_problem_ says whether it was malformed.
  void apply_change(const sim::TraceEvent& event);
  std::optional<std::string> install_snapshot(const sim::TraceEvent& event);
  // Folds the node's committed entries into the shared prefix; erases a folded front once it is half the vector.
  inline void fold(NodeLog& log) const;  // defined inline in log_mirror.cpp, its only caller
  static void reset(NodeLog& log, std::uint64_t base);
  static void truncate(NodeLog& log, std::uint64_t size);
  std::vector<NodeLog> logs_;
  std::vector<std::optional<NodeLog>> at_crash_;  // per node, while it is down
  std::optional<std::string> last_problem_;
  // The committed prefix, as the first node to commit each index held it: the one copy of every committed
  // entry (24 bytes each) for the whole cluster. It is kept whole, because a node may still (wrongly or
  // after a restart) reload, restore a snapshot at, or be compared at any old index, and the checkers must
  // answer exactly as before (see README "Memory").
  std::vector<Slot> committed_;
  std::uint64_t shrinks_ = 0;  // see shrinks()
};

// A checker's access to the log mirror: its own, which it applies itself (a checker used alone), or one
// shared by a CheckerSet, which the set applies once per event before any checker sees it.
class MirrorView {
 public:
  MirrorView() : own_(std::make_unique<LogMirror>()), mirror_(own_.get()) {}
  explicit MirrorView(const LogMirror& shared) : mirror_(&shared) {}
  // Applies `event` to an own mirror; with a shared one, returns what the set's apply of it found.
  std::optional<std::string> apply(const sim::TraceEvent& event) {
    if (own_) return own_->apply(event);
    if ((kLogMirrorKinds & kind_bit(event.kind)) == 0) return std::nullopt;
    return mirror_->last_problem();
  }
  // The same for a checker that leaves malformed changes to log-matching: nothing to copy with a shared mirror.
  void update(const sim::TraceEvent& event) {
    if (own_) own_->apply(event);
  }
  const LogMirror* operator->() const { return mirror_; }
  bool shared() const { return own_ == nullptr; }

 private:
  std::unique_ptr<LogMirror> own_;
  const LogMirror* mirror_;
};

std::uint64_t chain_hash(std::uint64_t prev, std::uint64_t term, std::uint64_t digest);

}  // namespace checkers
