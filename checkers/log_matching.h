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
//
// Speed (issue 14, goal 1): the uncommitted pairs are kept flat, one slot per index above the summarised
// prefix in a vector used as a queue (no allocation per append or per commit once it has grown), which
// holds the first term appended at that index. Any other term at an index above the prefix, and the losing
// terms below it, go to a map (rare: a second term at one index needs a leader change before it commits).
// Each (index, term) is in exactly one place, so what is kept and when a pair is dropped are as before.
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
  // Inline: with the set's shared mirror, a commit that did not grow the committed prefix (a follower's,
  // four in five) has nothing to summarise and no append to compare (observe_slow would return at once).
  std::optional<Violation> observe(const sim::TraceEvent& e) override {
    if (e.kind == sim::EventKind::commit && mirror_.shared() && summarised_ == mirror_->committed().size() &&
        !mirror_->last_problem().has_value()) {
      return std::nullopt;
    }
    return observe_slow(e);
  }
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
  // The first (index, term) seen at one index above summarised_; node < 0 while none is.
  struct Slot {
    std::uint64_t term;
    First first;
  };
  struct Run {
    std::uint64_t first_index;
    std::int32_t node;  // the first node to append the committed entry at first_index.. (to the next run)
  };
  // Moves the newly committed (index, term) pairs out of window_ and others_ (a losing first term at the
  // index moves from the window to others_).
  void summarise_committed();
  [[gnu::noinline]] std::optional<Violation> observe_slow(const sim::TraceEvent& e);
  std::int32_t first_appender(std::uint64_t committed_index) const;

  MirrorView mirror_;
  // The first (index, term) pair seen at index summarised_ + 1 + k is window_[head_ + k] (empty slots
  // allowed). Commits advance head_; the dead front is dropped once it is most of the vector (the live part,
  // the uncommitted indices, is short), so the vector stays as long as about twice the window.
  std::vector<Slot> window_;
  std::size_t head_ = 0;
  // Every other (index, term) -> first chain seen: a second term above summarised_, a losing term at or below.
  std::map<std::pair<std::uint64_t, std::uint64_t>, First> others_;
  std::uint64_t summarised_ = 0;  // committed indices 1..summarised_ are answered by the committed prefix
  std::vector<Run> first_appenders_;
};

}  // namespace checkers
