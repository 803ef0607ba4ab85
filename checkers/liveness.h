// Liveness after faults heal: once the liveness phase begins (every link healed, every node running),
// some client operation invoked after that moment must complete successfully before the run ends.
// A leader that cannot be elected, or one that cannot commit, both show up as no such completion.
#pragma once

#include <set>

#include "checkers/checker.h"

namespace checkers {

class Liveness final : public Checker {
 public:
  const char* name() const override { return "liveness"; }
  std::optional<Violation> observe(const sim::TraceEvent& event) override;
  std::optional<Violation> finish(std::int64_t end_time_us) override;

 private:
  std::optional<std::int64_t> healed_at_us_;
  std::optional<std::int64_t> healthy_at_us_;   // first ok of an op invoked after the heal
  std::optional<std::int64_t> last_ok_at_us_;   // last ok of any op: when the cluster was last seen healthy
  std::optional<std::int64_t> leader_after_heal_us_;
  std::set<std::uint64_t> invoked_after_heal_;  // op ids
};

}  // namespace checkers
