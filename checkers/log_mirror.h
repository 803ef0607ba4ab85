// A mirror of every node's volatile log, rebuilt from log-append / log-truncate / crash events, and from
// the snapshot events (paper 7): a snapshot installed or restored up to index i makes the node's log the
// committed log up to i (the mirror keeps the committed prefix, from the commit events, for that), followed
// by the node's own entries after i if it held entry i. Compaction (snapshot-taken) changes nothing here:
// as far as the checkers are concerned, compacted entries are still in the node's log.
// Several checkers need "what is in node n's log right now"; each keeps its own mirror so that checkers
// stay independent of one another.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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

 private:
  std::vector<Slot>& mutable_log(std::int32_t node);
  std::optional<std::string> install_snapshot(const sim::TraceEvent& event);
  std::vector<std::vector<Slot>> logs_;
  std::vector<Slot> committed_;  // the committed prefix, as the first node to commit each index held it
};

std::uint64_t chain_hash(std::uint64_t prev, std::uint64_t term, std::uint64_t digest);

}  // namespace checkers
