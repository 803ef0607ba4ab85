// Election Safety (Raft paper, Figure 3): at most one leader can be elected in a given term.
#pragma once

#include <map>

#include "checkers/checker.h"

namespace checkers {

class ElectionSafety final : public Checker {
 public:
  const char* name() const override { return "election-safety"; }
  std::optional<Violation> observe(const sim::TraceEvent& event) override;
  static constexpr KindMask kSetKinds = kind_bit(sim::EventKind::role);
  KindMask kinds() const override { return kSetKinds; }

 private:
  std::map<std::uint64_t, std::int32_t> leader_of_term_;
};

}  // namespace checkers
