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

#include "checkers/checker.h"
#include "sim/trace_event.h"

namespace checkers {

class LogMirror {
 public:
  struct Slot {
    std::uint64_t term;
    std::uint64_t digest;
    std::uint64_t chain;  // hash of the whole prefix up to and including this entry
  };

  // Applies a log-changing event (others are ignored). Returns a description of a malformed change
  // (a gap, an overwrite without truncation, a term going backwards), which no correct node reports.
  std::optional<std::string> apply(const sim::TraceEvent& event);

  const std::vector<Slot>& log(std::int32_t node) const;
  std::size_t nodes() const { return logs_.size(); }
  // The entry at `index` (1-based) of `node`'s log, if it has one.
  const Slot* at(std::int32_t node, std::uint64_t index) const;
  // While `node` is down (from its crash to its restart): its volatile log as it was when it crashed, which
  // still counts as the node's copy of its entries for quorum checks. nullptr while it is up.
  const std::vector<Slot>* log_at_crash(std::int32_t node) const;
  // What the latest apply() returned.
  const std::optional<std::string>& last_problem() const { return last_problem_; }

 private:
  std::vector<Slot>& mutable_log(std::int32_t node);
  std::optional<std::string> apply_change(const sim::TraceEvent& event);
  std::optional<std::string> install_snapshot(const sim::TraceEvent& event);
  std::vector<std::vector<Slot>> logs_;
  std::vector<std::optional<std::vector<Slot>>> at_crash_;  // per node, while it is down
  std::optional<std::string> last_problem_;
  std::vector<Slot> committed_;  // the committed prefix, as the first node to commit each index held it
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
  const LogMirror* operator->() const { return mirror_; }

 private:
  std::unique_ptr<LogMirror> own_;
  const LogMirror* mirror_;
};

std::uint64_t chain_hash(std::uint64_t prev, std::uint64_t term, std::uint64_t digest);

}  // namespace checkers
