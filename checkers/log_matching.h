// Log Matching (Raft paper, Figure 3 and 5.3): if two logs contain an entry with the same index and
// term, the logs are identical in all entries up through that index.
//
// Each node's log is mirrored as a chain of prefix hashes (LogMirror). Two entries with equal (index,
// term) must have equal chains at any time in the run (a leader creates at most one entry per index in
// its term), so one map from (index, term) to chain checks the property in O(1) per append.
//
// Memory (issue 14, goal 2): an entry of the committed prefix is not kept in that map. Once index i is
// committed with term t, the first chain seen for (i, t) is the committed entry's chain (the first node to
// commit i appended (i, t) itself, and that append was compared with the first chain seen: equal, or the
// run ended there), so the mirror's committed prefix answers for (i, t), and who appended it first is kept
// in runs (one per leader change). The map keeps the uncommitted (index, term) pairs and those of entries
// that lost to the committed one at their index (few: they exist only around leader changes), all of
// which a node may still append again (a restart reloads what was durable).
#pragma once

#include <map>
#include <utility>
#include <vector>

#include "checkers/checker.h"
#include "checkers/log_mirror.h"

namespace checkers {

class LogMatching final : public Checker {
 public:
  LogMatching() = default;  // with a mirror of its own
  explicit LogMatching(const LogMirror& shared) : mirror_(shared) {}
  const char* name() const override { return "log-matching"; }
  std::optional<Violation> observe(const sim::TraceEvent& event) override;
  // With the set's shared mirror, crash and restart (which change no log in a way that can be malformed)
  // need no call.
  static constexpr KindMask kSetKinds = kind_bit(sim::EventKind::log_append) | kind_bit(sim::EventKind::log_truncate) |
                                        kind_bit(sim::EventKind::commit) | kind_bit(sim::EventKind::snapshot_installed) |
                                        kind_bit(sim::EventKind::snapshot_restored);
  static_assert((kSetKinds & ~kLogMirrorKinds) == 0);
  KindMask kinds() const override { return mirror_.shared() ? kSetKinds : kLogMirrorKinds; }

 private:
  struct First {
    std::uint64_t chain;
    std::int32_t node;
  };
  struct Run {
    std::uint64_t first_index;
    std::int32_t node;  // the first node to append the committed entry at first_index.. (to the next run)
  };
  // Moves the newly committed (index, term) pairs out of seen_.
  void summarise_committed();
  std::int32_t first_appender(std::uint64_t committed_index) const;

  MirrorView mirror_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, First> seen_;  // (index, term) -> first chain seen
  std::uint64_t summarised_ = 0;  // committed indices 1..summarised_ are answered by the committed prefix
  std::vector<Run> first_appenders_;
};

}  // namespace checkers
