// Cluster membership of the reference Raft (Ongaro's thesis, chapter 4): which nodes vote and which only
// receive entries (learners, thesis 4.2.1), and the configuration entries that change it.
//
// Design: single-server changes (thesis 4.1), not joint consensus (4.3). Adding or removing one voter at a
// time makes every majority of the old configuration overlap every majority of the new one, so no joint
// phase is needed, and the rules are few enough to check one by one on the trace:
//   * a configuration takes effect on a node as soon as its entry is in the node's log (appended, not
//     committed), and the previous one is back if that entry is truncated;
//   * a leader proposes a change only after it committed an entry of its own term (Ongaro, raft-dev,
//     2015-07: without it, a leader elected under an older configuration can overwrite a change committed
//     under a newer one) and only when no earlier change is uncommitted in its log (at most one change in
//     flight);
//   * a new node joins as a learner, receives entries, and is promoted to voter once caught up;
//   * a restarted node uses the last configuration in its log, else its snapshot's (a snapshot carries the
//     configuration at its index), else the initial one (Config::members).
// Joint consensus would allow arbitrary changes in one step; raftsim's nemesis only adds and removes one
// node at a time, so single-server changes cover it with less to get wrong.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "raft/types.h"

namespace raft {

struct Membership {
  std::vector<NodeId> voters;    // sorted, no duplicates
  std::vector<NodeId> learners;  // sorted, no duplicates, disjoint from voters

  // Inline: the leader asks for every peer on every commit check (hot in long runs).
  bool is_voter(NodeId node) const { return std::binary_search(voters.begin(), voters.end(), node); }
  bool is_learner(NodeId node) const { return std::binary_search(learners.begin(), learners.end(), node); }
  bool contains(NodeId node) const { return is_voter(node) || is_learner(node); }
  std::size_t quorum() const { return voters.size() / 2 + 1; }  // a majority of the voters
  // Every member (voters and learners) in ascending id order.
  std::vector<NodeId> all() const;
  // Bit n set for node n (nodes 0..63): how the trace reports a configuration.
  std::uint64_t voter_bits() const;
  std::uint64_t learner_bits() const;
  void check() const;  // asserts sorted, unique, disjoint

  bool operator==(const Membership&) const = default;
};

// One single-server change (thesis 4.1, 4.2.1).
enum class ConfChangeKind : std::uint8_t {
  add_learner = 0,  // a new node receives entries, not yet counted in any majority
  promote = 1,      // a caught-up learner becomes a voter
  remove = 2,       // a voter or learner leaves
};

const char* conf_change_name(ConfChangeKind kind);

struct ConfChange {
  ConfChangeKind kind = ConfChangeKind::add_learner;
  NodeId node;
};

// The configuration after `change`, or nullopt if the change does not apply (adding a member, promoting a
// non-learner, removing a non-member, removing the last voter).
std::optional<Membership> apply_change(const Membership& from, const ConfChange& change);

// A configuration as the `value` of a config entry: "v=1,2,3;l=4" (deterministic, readable in traces).
std::string encode_membership(const Membership& m);
std::optional<Membership> decode_membership(std::string_view text);

}  // namespace raft
