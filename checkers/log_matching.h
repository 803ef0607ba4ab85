// Log Matching (Raft paper, Figure 3 and 5.3): if two logs contain an entry with the same index and
// term, the logs are identical in all entries up through that index.
//
// Each node's log is mirrored as a chain of prefix hashes (LogMirror). Two entries with equal (index,
// term) must have equal chains at any time in the run (a leader creates at most one entry per index in
// its term), so one map from (index, term) to chain checks the property in O(1) per append.
#pragma once

#include <map>
#include <utility>

#include "checkers/checker.h"
#include "checkers/log_mirror.h"

namespace checkers {

class LogMatching final : public Checker {
 public:
  LogMatching() = default;  // with a mirror of its own
  explicit LogMatching(const LogMirror& shared) : mirror_(shared) {}
  const char* name() const override { return "log-matching"; }
  std::optional<Violation> observe(const sim::TraceEvent& event) override;
  KindMask kinds() const override { return kLogMirrorKinds; }

 private:
  struct First {
    std::uint64_t chain;
    std::int32_t node;
  };
  MirrorView mirror_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, First> seen_;  // (index, term) -> first chain seen
};

}  // namespace checkers
