// The standard checker set (make_default_checkers, checker.cpp) as one list of types, in the order in
// which its checkers see an event. StandardDispatch (checkers/standard_dispatch.h) dispatches to exactly
// these types without virtual calls; keeping the one list here means a checker added to the set is
// dispatched directly too (two lists that disagreed fell back to the generic dispatch silently).
#pragma once

#include <memory>
#include <tuple>
#include <type_traits>

#include "checkers/checker.h"
#include "checkers/commit_quorum.h"
#include "checkers/durability.h"
#include "checkers/election_safety.h"
#include "checkers/figure2.h"
#include "checkers/leader_completeness.h"
#include "checkers/leadership_rules.h"
#include "checkers/liveness.h"
#include "checkers/log_matching.h"
#include "checkers/log_mirror.h"
#include "checkers/membership_rules.h"
#include "checkers/membership_view.h"
#include "checkers/node_monotonic.h"
#include "checkers/snapshot_checkers.h"
#include "checkers/state_machine_safety.h"
#include "checkers/vote_safety.h"

namespace checkers {

// Every safety checker; then the mechanisms behind those properties, checked the moment they break (at an
// event where one of the first also fires, the first is reported); Figure 2 rule by rule, at the step where
// each applies (docs/checkers.md), leadership and membership (thesis 4.1, 4.2.2); then the whole-run
// properties, judged at the end: safety first, so a lost write is not reported as a stall.
using StandardCheckers =
    std::tuple<ElectionSafety, LogMatching, LeaderCompleteness, LeaderAppendOnly, StateMachineSafety, MonotonicTerm,
               MonotonicCommit, DeadIncarnation, ImplementationError,
               // mechanisms
               SingleVote, ElectionQuorum, CommitQuorum, CommitCurrentTerm, SnapshotState, AppliedMonotonic,
               // rules
               Figure2Rules, LeadershipRules, MembershipRules,
               // whole run
               Durability, Liveness>;

// A standard checker built with as much of the set's shared state as it takes: the mirror and the
// configuration view, or one of them, or neither.
template <typename T>
std::unique_ptr<Checker> make_standard_checker(const LogMirror& mirror, const MembershipView& membership) {
  if constexpr (std::is_constructible_v<T, const LogMirror&, const MembershipView&>) {
    return std::make_unique<T>(mirror, membership);
  } else if constexpr (std::is_constructible_v<T, const LogMirror&>) {
    return std::make_unique<T>(mirror);
  } else if constexpr (std::is_constructible_v<T, const MembershipView&>) {
    return std::make_unique<T>(membership);
  } else {
    return std::make_unique<T>();
  }
}

}  // namespace checkers
