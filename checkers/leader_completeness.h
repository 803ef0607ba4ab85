// Leader Completeness (Raft paper, Figure 3 and 5.4): if a log entry is committed in a given term, that
// entry will be present in the logs of the leaders for all higher-numbered terms.
//
// Every commit event extends the globally committed prefix with the committing node's entries; every
// new leader's log must hold that whole prefix at the moment it becomes leader.
#pragma once

#include <vector>

#include "checkers/checker.h"
#include "checkers/log_mirror.h"

namespace checkers {

class LeaderCompleteness final : public Checker {
 public:
  const char* name() const override { return "leader-completeness"; }
  std::optional<Violation> observe(const sim::TraceEvent& event) override;

 private:
  struct Committed {
    std::uint64_t term;
    std::uint64_t digest;
    std::int32_t node;  // who first reported it committed
  };
  LogMirror mirror_;
  std::vector<Committed> committed_;  // index i at [i-1]
};

// Leader Append-Only (Figure 3): a leader never overwrites or deletes entries in its log.
class LeaderAppendOnly final : public Checker {
 public:
  const char* name() const override { return "leader-append-only"; }
  std::optional<Violation> observe(const sim::TraceEvent& event) override;

 private:
  std::vector<std::uint64_t> leader_term_;  // per node: the term it leads, 0 if it is not leader
};

}  // namespace checkers
