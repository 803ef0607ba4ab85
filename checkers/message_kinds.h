// The conventional message kinds and role values of the event stream (docs/your-raft.md, "Message
// summaries"), shared by the checkers that read messages and roles (figure2.cpp, leadership_rules.cpp).
#pragma once

#include <cstdint>

#include "sim/trace_event.h"

namespace checkers::message_kinds {

constexpr std::uint16_t kRequestVote = 0;
constexpr std::uint16_t kRequestVoteReply = 1;
constexpr std::uint16_t kAppendEntries = 2;
constexpr std::uint16_t kAppendEntriesReply = 3;
// Paper 7, Figure 13: x = last included index, y = its term; the reply: x = last included index, y = 1 when done.
constexpr std::uint16_t kInstallSnapshot = 4;
constexpr std::uint16_t kInstallSnapshotReply = 5;
// Thesis 9.6: a PreVote and its grant carry the term asked for, not the sender's: no term to adopt.
constexpr std::uint16_t kPreVote = 6;
constexpr std::uint16_t kPreVoteReply = 7;
// Thesis 3.10: the leader tells the transfer's target to start an election at once.
constexpr std::uint16_t kTimeoutNow = 8;

constexpr auto kFollower = static_cast<std::uint64_t>(sim::Role::follower);
constexpr auto kCandidate = static_cast<std::uint64_t>(sim::Role::candidate);
constexpr auto kLeader = static_cast<std::uint64_t>(sim::Role::leader);
constexpr auto kPreCandidate = static_cast<std::uint64_t>(sim::Role::pre_candidate);

// Tick-based implementations (etcd, libraft) notice an elapsed timeout only at their next tick, and may
// count the tick in which the timer was reset as a whole one: an election (or a granted pre-vote) this
// early after hearing from the leader is still a broken timer, one a little early is not.
constexpr double kElectionTimerSlack = 0.5;

}  // namespace checkers::message_kinds
