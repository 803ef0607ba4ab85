#include "checkers/leadership_rules.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/assert.h"
#include "checkers/message_kinds.h"
#include "sim/time.h"

namespace checkers {

namespace {

using sim::EventKind;
using namespace message_kinds;
// kElectionTimerSlack, as the election-timer rule of figure2.cpp: a tick-based implementation may count the
// tick in which it heard from the leader as a whole one, so a pre-vote granted after half the minimum timeout
// is not yet proof of a broken rule, one granted earlier is.

using sim::us_to_ms;

}  // namespace

const char* leadership_rule_name(LeadershipRule rule) {
  switch (rule) {
    case LeadershipRule::pre_vote_state: return "pre-vote-state";
    case LeadershipRule::pre_vote_grant: return "pre-vote-grant";
    case LeadershipRule::check_quorum: return "check-quorum";
    case LeadershipRule::transfer_up_to_date: return "transfer-up-to-date";
    case LeadershipRule::transfer_proposals: return "transfer-proposals";
    case LeadershipRule::read_index_commit: return "read-index-commit";
    case LeadershipRule::read_index_quorum: return "read-index-quorum";
    case LeadershipRule::lease_read: return "lease-read";
    case LeadershipRule::lease_vote: return "lease-vote";
  }
  return "?";
}

LeadershipRules::LeadershipRules() { update_idle_below(); }
LeadershipRules::LeadershipRules(const MembershipView& shared) : membership_(shared) { update_idle_below(); }

std::vector<std::string> LeadershipRules::rule_names() const { return rules_.enabled_names(); }

bool LeadershipRules::disable_rule(const std::string& rule) { return rules_.disable(rule); }

LeadershipRules::Quorum LeadershipRules::quorum_of_voters(std::uint64_t voters) {
  Quorum q;
  q.by_configuration = true;
  q.voters = voters;
  q.members = MembershipView::count(voters);
  q.size = q.members / 2 + 1;
  RAFTSIM_ASSERT(q.blocking() <= q.size);
  return q;
}

LeadershipRules::Quorum LeadershipRules::quorum_of(std::int32_t leader) const {
  if (membership_->active()) return quorum_of_voters(membership_->voters_of(leader));
  Quorum q;  // without changes: a majority of every node seen
  q.voters = membership_->all_nodes();
  q.members = nodes_.size();
  q.size = q.members / 2 + 1;
  RAFTSIM_ASSERT(q.size >= 1 && q.blocking() <= q.size);
  return q;
}

template <typename Yes>
std::size_t LeadershipRules::votes(const Quorum& q, std::int32_t leader, std::size_t peers, Yes yes) {
  RAFTSIM_ASSERT(leader >= 0);
  std::size_t count = q.counts(leader) ? 1 : 0;  // the leader itself
  for (std::size_t p = 0; p < peers; ++p) {
    const auto peer = static_cast<std::int32_t>(p);
    if (peer != leader && q.counts(peer) && yes(p)) ++count;
  }
  RAFTSIM_ASSERT(count <= peers + 1);
  return count;
}

LeadershipRules::NodeView& LeadershipRules::grow(std::int32_t node) {
  RAFTSIM_ASSERT(node >= 0);
  const auto n = static_cast<std::size_t>(node);
  RAFTSIM_ASSERT(n < 4096);
  if (n >= nodes_.size()) nodes_.resize(n + 1);
  update_idle_below();
  return nodes_[n];
}

Violation LeadershipRules::violation(LeadershipRule rule, std::int64_t time_us, std::vector<std::int32_t> nodes,
                                     std::string message) const {
  return Violation{leadership_rule_name(rule), Severity::safety, time_us, std::move(nodes), std::move(message)};
}

void LeadershipRules::become_leader(NodeView& v, std::int64_t time_us) {
  // Contact is counted from the start of the term: a new leader has the same time as a deposed one.
  v.leading_since_us = time_us;
  v.peer_contact_us.assign(nodes_.size(), time_us);
  v.acked_match.assign(nodes_.size(), 0);
  v.peer_reply_position.assign(nodes_.size(), 0);
  v.peer_reply_us.assign(nodes_.size(), -1);
  v.clock_rate_min_leading = v.clock_rate;
  v.transferring = false;
}

std::optional<Violation> LeadershipRules::observe_slow(const sim::TraceEvent& e) {
  membership_.observe(e);
  const KindMask bit = kind_bit(e.kind);
  constexpr KindMask kSettings = kind_bit(EventKind::timing) | kind_bit(EventKind::lease_bound);
  if ((bit & kSettings) != 0) return observe_setting(e);
  // Thesis 9.6's step: a PreVote delivered to a node, then that node's outputs without a break (the timing
  // and lease_bound settings do not break it).
  const bool output = (bit & leadership_kinds::kOutputKinds) != 0;
  if (pre_vote_node_ >= 0 && (e.node != pre_vote_node_ || !output)) pre_vote_node_ = -1;
  if (output) {
    if (e.node < 0) return std::nullopt;
    // A send matters only as a granted pre-vote or a TimeoutNow (most are AppendEntries and their replies).
    const bool acted_on = (bit & leadership_kinds::kOutputsActedOn) != 0 &&
                          (e.kind != EventKind::send || e.label == kPreVoteReply || e.label == kTimeoutNow);
    if (acted_on) return on_output(e);
    NodeView& v = view(e.node);  // as on_output: a node first seen here counts in the majorities
    if (!check_quorum_on_) return std::nullopt;
    return check_quorum_contact(e, v);
  }
  if ((bit & leadership_kinds::kInputsActedOn) == 0) return std::nullopt;
  return observe_input(e);
}

// The run's settings: the timing event (first of a run) and the lease drift bound.
std::optional<Violation> LeadershipRules::observe_setting(const sim::TraceEvent& e) {
  if (e.kind == EventKind::timing) {
    election_timeout_min_us_ = static_cast<std::int64_t>(e.a);
    heartbeat_us_ = static_cast<std::int64_t>(e.c);
    check_quorum_on_ = (e.label & 2U) != 0;  // bit 1: check_quorum (sim/node_host.h)
    update_idle_below();
    return std::nullopt;
  }
  RAFTSIM_ASSERT(e.kind == EventKind::lease_bound);
  lease_bound_ = static_cast<double>(e.a) / 1e6;
  update_clock_bound();
  return std::nullopt;
}

// The inputs and lifecycle events that change a node's view (leadership_kinds::kInputsActedOn).
std::optional<Violation> LeadershipRules::observe_input(const sim::TraceEvent& e) {
  switch (e.kind) {
    case EventKind::deliver: {
      if (e.label == kPreVote && e.peer >= 0) pre_vote_node_ = e.peer;
      NodeView& receiver = view(e.peer);
      if ((e.label == kAppendEntries || e.label == kInstallSnapshot) && e.a >= receiver.term) {
        receiver.heard_leader_us = e.time_us;
        receiver.heard_leader_term = e.a;
        receiver.clock_rate_max_since_heard = receiver.clock_rate;
        receiver.lease_heard_us = e.time_us;
        receiver.lease_heard_term = e.a;
        receiver.lease_rate_max = receiver.clock_rate;
      }
      // 3.10: the leader that sent TimeoutNow gave up its lease; the target may vote at once.
      if (e.label == kTimeoutNow && e.a >= receiver.term) receiver.lease_heard_us = -1;
      if (receiver.role == kLeader && e.node >= 0 && static_cast<std::size_t>(e.node) >= receiver.acked_match.size()) {
        // A node the stream had not shown yet when this leader took office (a staggered start): it counts
        // from the leader's first day, as the others did.
        receiver.acked_match.resize(static_cast<std::size_t>(e.node) + 1, 0);
        receiver.peer_reply_position.resize(static_cast<std::size_t>(e.node) + 1, 0);
        receiver.peer_reply_us.resize(static_cast<std::size_t>(e.node) + 1, -1);
        receiver.peer_contact_us.resize(static_cast<std::size_t>(e.node) + 1, receiver.leading_since_us);
      }
      if (receiver.role == kLeader && e.a == receiver.term && e.label != kPreVote && e.label != kPreVoteReply &&
          e.node >= 0 && static_cast<std::size_t>(e.node) < receiver.peer_contact_us.size()) {
        receiver.peer_contact_us[static_cast<std::size_t>(e.node)] = e.time_us;
        std::uint64_t& acked = receiver.acked_match[static_cast<std::size_t>(e.node)];
        if (e.label == kAppendEntriesReply && e.b != 0) acked = std::max(acked, e.c);
        if (e.label == kAppendEntriesReply) receiver.peer_reply_position[static_cast<std::size_t>(e.node)] = position_;
        if (e.label == kAppendEntriesReply && static_cast<std::size_t>(e.node) < receiver.peer_reply_us.size()) {
          receiver.peer_reply_us[static_cast<std::size_t>(e.node)] = e.time_us;
        }
        // Paper 7: a follower that installed the leader's snapshot holds its log up to the snapshot's index.
        if (e.label == kInstallSnapshotReply && e.c != 0) acked = std::max(acked, e.b);
      }
      return std::nullopt;
    }
    case EventKind::client_request:
      if (e.node >= 0 && view(e.node).role == kLeader) {
        // The first arrival in this leadership: a retry carries the same request id (one operation), and a
        // read confirmed after any of its arrivals was confirmed after the operation began. A window of
        // recent requests (kRequestWindow): a read is served within a few round trips of its arrival; one
        // whose arrival fell out of the window is not judged (no false alarm).
        view(e.node).request_position.note(e.a, position_);
      }
      return std::nullopt;
    case EventKind::restart: {
      NodeView& v = view(e.node);
      const double rate = v.clock_rate;  // the machine's clock survives a restart
      v = NodeView{};
      v.incarnation = e.incarnation;
      v.clock_rate = rate;
      // 6.4.1: a restarted node forgot whom it heard from; it votes for no one for a min election timeout.
      v.lease_heard_us = e.time_us;
      v.lease_heard_term = 0;
      v.lease_rate_max = rate;
      return std::nullopt;
    }
    case EventKind::crash:
      if (e.node >= 0) view(e.node).role = 0;
      return std::nullopt;
    case EventKind::clock_rate:
      if (e.node >= 0) {
        NodeView& v = view(e.node);
        v.clock_rate = static_cast<double>(e.a) / 1e6;
        v.clock_rate_max_since_heard = std::max(v.clock_rate_max_since_heard, v.clock_rate);
        v.clock_rate_min_leading = std::min(v.clock_rate_min_leading, v.clock_rate);
        v.lease_rate_max = std::max(v.lease_rate_max, v.clock_rate);
        update_clock_bound();
      }
      return std::nullopt;
    case EventKind::pause:
      if (e.node >= 0) {
        view(e.node).paused = true;
        view(e.node).paused_at_us = e.time_us;
      }
      return std::nullopt;
    case EventKind::resume:
      if (e.node >= 0 && view(e.node).paused) {
        // A paused leader cannot step down: its check fires once it resumes, so the pause does not count
        // against it. (A paused follower's election timer due during the pause fires at once on resume:
        // the time since it heard from the leader is real time, no shift.)
        NodeView& v = view(e.node);
        v.paused = false;
        for (std::int64_t& c : v.peer_contact_us) c += e.time_us - v.paused_at_us;
      }
      return std::nullopt;
    default:
      break;
  }
  return std::nullopt;
}

std::optional<Violation> LeadershipRules::on_output(const sim::TraceEvent& e) {
  NodeView& v = view(e.node);
  switch (e.kind) {
    case EventKind::role:
      if (e.node == pre_vote_node_ && on(LeadershipRule::pre_vote_state)) {
        return violation(LeadershipRule::pre_vote_state, e.time_us, {e.node},
                         fmt::format("node {} (term {}) became {} of term {} while handling a PreVote (thesis 9.6: a "
                                     "pre-vote changes no state; only a real election may move a server's term)",
                                     e.node, v.term, sim::role_name(e.a), e.b));
      }
      if (e.a == kLeader && v.role != kLeader) become_leader(v, e.time_us);
      if (e.a == kLeader) v.led_term = e.b;
      if (e.a == kLeader && e.b > newest_leader_term_) {
        newest_leader_term_ = e.b;
        newest_leader_node_ = e.node;
        newest_leader_us_ = e.time_us;
      }
      if (e.a != kLeader) v.transferring = false;
      if (e.a != v.role || e.b != v.term) v.request_position.clear();  // reads of another leadership
      v.role = e.a;
      v.term = e.b;
      return std::nullopt;
    case EventKind::vote:
      if (e.node == pre_vote_node_ && on(LeadershipRule::pre_vote_state)) {
        return violation(LeadershipRule::pre_vote_state, e.time_us, {e.node},
                         fmt::format("node {} recorded a vote for node {} in term {} while handling a PreVote (thesis "
                                     "9.6: granting a pre-vote changes no state)",
                                     e.node, e.b, e.a));
      }
      return check_lease_vote(e, v);
    case EventKind::log_append:
      if (e.a >= 1) {
        if (e.a <= v.log_terms.size()) v.log_terms.resize(e.a - 1);
        if (e.a > v.log_terms.size() + 1) v.log_terms.resize(e.a - 1, 0);  // a gap: not every append reported
        v.log_terms.push_back(e.b);
      }
      if (v.role == kLeader && v.transferring && on(LeadershipRule::transfer_proposals)) {
        return violation(LeadershipRule::transfer_proposals, e.time_us, {e.node},
                         fmt::format("node {}, leader of term {}, appended index {} while transferring leadership "
                                     "(thesis 3.10: the leader stops accepting new client requests during a transfer)",
                                     e.node, v.term, e.a));
      }
      break;
    case EventKind::log_truncate:
      if (e.a >= 1 && e.a <= v.log_terms.size()) v.log_terms.resize(e.a - 1);
      break;
    case EventKind::snapshot_installed:
    case EventKind::snapshot_restored:
      // Paper 7: the log now reaches at least the snapshot's index (entries after it, if kept, stay).
      if (e.a >= 1) {
        if (v.log_terms.size() < e.a) v.log_terms.resize(e.a, 0);
        v.log_terms.set(e.a - 1, e.b);
      }
      break;
    case EventKind::transfer_start:
      if (v.role == kLeader) v.transferring = true;
      break;
    case EventKind::transfer_abandoned:
      v.transferring = false;
      break;
    case EventKind::read_served:
      if (auto violation = check_read(e, v)) return violation;
      break;
    case EventKind::lease_read:
      if (auto violation = check_lease_read(e, v)) return violation;
      break;
    case EventKind::send: {
      if (e.label == kPreVoteReply && e.b != 0 && on(LeadershipRule::pre_vote_grant)) {
        const std::int64_t bound_us = static_cast<std::int64_t>(static_cast<double>(election_timeout_min_us_) *
                                                                kElectionTimerSlack / v.clock_rate_max_since_heard);
        const bool recent = v.role != kLeader && v.heard_leader_us >= 0 && v.heard_leader_term == v.term &&
                            e.time_us - v.heard_leader_us < bound_us;
        // A grant for the receiver's own term is what a vote in that term would be (etcd grants when it has
        // not voted and knows no leader); one for an older term is not.
        if (v.role == kLeader || recent || e.a < v.term) {
          return violation(LeadershipRule::pre_vote_grant, e.time_us, {e.node, e.peer},
                           v.role == kLeader || recent
                               ? fmt::format("node {} granted node {} a pre-vote for term {} {} (thesis 9.6: no pre-vote "
                                             "while a current leader is heard from)",
                                             e.node, e.peer, e.a,
                                             v.role == kLeader ? fmt::format("while leading term {}", v.term)
                                                               : fmt::format("{:.3f}ms after AppendEntries of its term {}, "
                                                                             "under half the minimum election timeout",
                                                                             us_to_ms(e.time_us - v.heard_leader_us), v.term))
                               : fmt::format("node {} in term {} granted node {} a pre-vote for the older term {} "
                                             "(thesis 9.6)", e.node, v.term, e.peer, e.a));
        }
      }
      // From the leader of its term, also in the step in which it stepped down (led_term).
      const bool leader_timeout_now =
          e.label == kTimeoutNow && e.peer >= 0 && (v.role == kLeader || (v.led_term == v.term && e.a == v.term));
      if (leader_timeout_now) {
        transfer_targets_[v.term + 1] = e.peer;
        // Bounded: a vote comes within an election or two of its TimeoutNow; the oldest terms go first.
        constexpr std::size_t kTransferTermsKept = 4096;
        if (transfer_targets_.size() > kTransferTermsKept) transfer_targets_.erase(transfer_targets_.begin());
        RAFTSIM_ASSERT(transfer_targets_.size() <= kTransferTermsKept);
      }
      if (leader_timeout_now && on(LeadershipRule::transfer_up_to_date)) {
        const auto p = static_cast<std::size_t>(e.peer);
        const std::uint64_t acked = p < v.acked_match.size() ? v.acked_match[p] : 0;
        if (acked < v.log_terms.size()) {
          return violation(LeadershipRule::transfer_up_to_date, e.time_us, {e.node, e.peer},
                           fmt::format("node {}, leader of term {} with log up to index {}, sent TimeoutNow to node {}, "
                                       "which had acknowledged only up to index {} (thesis 3.10: the target's log is "
                                       "brought up to date before TimeoutNow)",
                                       e.node, v.term, v.log_terms.size(), e.peer, acked));
        }
      }
      break;
    }
    default:
      break;
  }
  if (!check_quorum_on_) return std::nullopt;  // the rule's own first test, without the call (every output)
  return check_quorum_contact(e, v);
}

// Thesis 6.4: a read answered outside the log (a = read index, b = term, c = request id) by a leader that
// (step 1) had committed an entry of its own term at the read index and (step 3) heard, after the read's
// request first arrived in its leadership (a retry has the same id), from enough peers to make a majority
// with itself. Necessary, not sufficient: a reply
// that arrived after the request may answer a heartbeat sent before it; the linearizability checker judges
// the values read.
std::optional<Violation> LeadershipRules::check_read(const sim::TraceEvent& e, const NodeView& v) const {
  RAFTSIM_ASSERT(e.kind == EventKind::read_served);
  if (on(LeadershipRule::read_index_commit)) {
    const bool known = e.a >= 1 && e.a <= v.log_terms.size() && v.log_terms[e.a - 1] != 0;
    if (v.role != kLeader || e.b != v.term || e.a == 0 || (known && v.log_terms[e.a - 1] != v.term)) {
      return violation(LeadershipRule::read_index_commit, e.time_us, {e.node},
                       fmt::format("node {} ({} of term {}) served read request {} at read index {} ({}) (thesis 6.4 "
                                   "step 1: the read index is the commit index of a leader that committed an entry of "
                                   "its own term)",
                                   e.node, sim::role_name(v.role), v.term, e.c, e.a,
                                   e.a == 0 ? "nothing committed"
                                   : known  ? fmt::format("an entry of term {}", v.log_terms[e.a - 1])
                                            : std::string("entry not seen")));
    }
  }
  const std::size_t n = nodes_.size();
  const std::uint64_t* request = v.request_position.find(e.c);
  if (!on(LeadershipRule::read_index_quorum) || request == nullptr || n <= 1) return std::nullopt;
  const Quorum quorum = quorum_of(e.node);
  const std::size_t heard = votes(quorum, e.node, v.peer_reply_position.size(),
                                  [&](std::size_t p) { return v.peer_reply_position[p] > *request; });
  RAFTSIM_ASSERT(heard <= n);
  if (heard >= quorum.size) return std::nullopt;
  return violation(LeadershipRule::read_index_quorum, e.time_us, {e.node},
                   fmt::format("node {}, leader of term {}, served read request {} having heard from only {} of {} nodes "
                               "(itself included) since the request arrived (thesis 6.4 step 3: a heartbeat round "
                               "acknowledged by a majority confirms the leader is still the leader before it reads)",
                               e.node, v.term, e.c, heard, n));
}

// Thesis 6.4.1: the leases count on no clock running more than the bound times as fast as another. Once two
// nodes' rates (a node's rate survives its restarts) differ by more, the environment, not the Raft, broke the
// lease for the rest of the run: the lease-read rule's second half stops judging (the linearizability checker
// still judges the values read).
void LeadershipRules::update_clock_bound() {
  if (lease_bound_ <= 0.0 || !clocks_within_bound_ || nodes_.empty()) return;
  double lo = nodes_.front().clock_rate;
  double hi = lo;
  for (const NodeView& n : nodes_) {
    lo = std::min(lo, n.clock_rate);
    hi = std::max(hi, n.clock_rate);
  }
  RAFTSIM_ASSERT(lo > 0.0 && lo <= hi);
  if (hi <= lease_bound_ * lo * (1.0 + 1e-9)) return;
  clocks_within_bound_ = false;
}

// Thesis 6.4.1 (a = commit index, b = term, c = request id): a lease read is a read of the leader's own
// state, so (as 6.4 step 1) the leader must have committed an entry of its term. And its lease must hold: a
// majority acknowledged a heartbeat round begun at most election_timeout_min / bound ago (leader's clock),
// and each of them votes for no one within election_timeout_min of it (own clock), so with every clock within
// the bound no leader of a higher term can have been elected yet. One was: the lease outlived the votes.
std::optional<Violation> LeadershipRules::check_lease_read(const sim::TraceEvent& e, const NodeView& v) const {
  RAFTSIM_ASSERT(e.kind == EventKind::lease_read);
  if (!on(LeadershipRule::lease_read)) return std::nullopt;
  const bool known = e.a >= 1 && e.a <= v.log_terms.size() && v.log_terms[e.a - 1] != 0;
  if (v.role != kLeader || e.b != v.term || e.a == 0 || (known && v.log_terms[e.a - 1] != v.term)) {
    return violation(LeadershipRule::lease_read, e.time_us, {e.node},
                     fmt::format("node {} ({} of term {}) served read request {} under a lease at commit index {} ({}) "
                                 "(thesis 6.4.1: only the leader reads under its lease, once it committed an entry of "
                                 "its own term)",
                                 e.node, sim::role_name(v.role), v.term, e.c, e.a,
                                 e.a == 0 ? "nothing committed"
                                 : known  ? fmt::format("an entry of term {}", v.log_terms[e.a - 1])
                                          : std::string("entry not seen")));
  }
  if (lease_bound_ <= 0.0) return std::nullopt;
  // The lease began when the leader began a round that a majority acknowledged, at most min / bound of its
  // clock ago (at its slowest rate since it leads: the longest in real time); each acknowledgement was
  // delivered after that round began. Necessary, not sufficient: a reply may answer an older round.
  // What the lease needs is that those voters meet every majority that could elect another leader now (no
  // one is elected without one of them), not that they are a majority of the leader's configuration: a
  // round confirmed by a majority of the previous configuration meets every majority of the next one
  // (thesis 4.1: one server changed at a time), also after the leader removed itself (4.2.2: it leads
  // until the change commits) and then no longer counts; for an even number of voters that takes one fewer
  // than a majority. Both the leader's configuration and the committed one count: until the change
  // commits, the voters of the committed configuration may still elect under it.
  const std::size_t n = nodes_.size();
  if (n > 1 && election_timeout_min_us_ > 0) {
    const double lease_us = static_cast<double>(election_timeout_min_us_) / lease_bound_ / v.clock_rate_min_leading;
    const std::int64_t since_us = e.time_us - static_cast<std::int64_t>(lease_us) - 2;  // + rounding to microseconds
    const auto fresh_reply = [&](std::size_t p) { return v.peer_reply_us[p] >= 0 && v.peer_reply_us[p] >= since_us; };
    // Among voters only, as read-index-quorum: the lease counts on voters refusing votes, and only voters elect.
    const auto check = [&](const Quorum& quorum, const char* whose) -> std::optional<Violation> {
      const std::size_t fresh = votes(quorum, e.node, v.peer_reply_us.size(), fresh_reply);
      RAFTSIM_ASSERT(fresh <= n);
      if (fresh >= quorum.blocking()) return std::nullopt;
      return violation(LeadershipRule::lease_read, e.time_us, {e.node},
                       fmt::format("node {}, leader of term {}, served read request {} under a lease, but only {} of the "
                                   "{} voters of {} configuration ({}) replied to it in the last {:.3f}ms, fewer than "
                                   "the {} that meet every majority (thesis 6.4.1: a lease lasts min election timeout / "
                                   "drift bound {:.3f} of the leader's clock, from a round a majority acknowledged)",
                                   e.node, e.b, e.c, fresh, quorum.members, whose,
                                   quorum.counts(e.node) ? "itself included" : "itself not among them", lease_us / 1000.0,
                                   quorum.blocking(), lease_bound_));
    };
    const Quorum mine = quorum_of(e.node);
    if (auto bad = check(mine, "its")) return bad;
    if (membership_->active() && membership_->committed_voters() != mine.voters) {
      if (auto bad = check(quorum_of_voters(membership_->committed_voters()), "the committed")) return bad;
    }
  }
  if (!clocks_within_bound_ || newest_leader_term_ <= e.b) return std::nullopt;
  return violation(LeadershipRule::lease_read, e.time_us, {e.node, newest_leader_node_},
                   fmt::format("node {}, leader of term {}, served read request {} under its lease {:.3f}ms after node {} "
                               "became leader of the higher term {} (thesis 6.4.1: with every clock within the drift "
                               "bound {:.3f}, a lease ends before the voters that confirmed it may elect another leader)",
                               e.node, e.b, e.c, us_to_ms(e.time_us - newest_leader_us_), newest_leader_node_,
                               newest_leader_term_, lease_bound_));
}

// Thesis 4.2.3/6.4.1: with leases on, a node grants no vote for a term above the one it heard a leader of
// within the min election timeout (at its fastest clock since: the shortest in real time), nor any vote that
// long after a restart; the target of a TimeoutNow (thesis 3.10) is exempt, its leader gave up its lease.
std::optional<Violation> LeadershipRules::check_lease_vote(const sim::TraceEvent& e, const NodeView& v) const {
  RAFTSIM_ASSERT(e.kind == EventKind::vote);
  if (!on(LeadershipRule::lease_vote) || lease_bound_ <= 0.0 || v.lease_heard_us < 0 || election_timeout_min_us_ <= 0) {
    return std::nullopt;
  }
  if (e.b == static_cast<std::uint64_t>(e.node) || e.a <= v.lease_heard_term) return std::nullopt;  // own, or same term
  const auto target = transfer_targets_.find(e.a);
  if (target != transfer_targets_.end() && static_cast<std::uint64_t>(target->second) == e.b) return std::nullopt;
  const auto window_us = static_cast<std::int64_t>(static_cast<double>(election_timeout_min_us_) / v.lease_rate_max) - 2;
  if (e.time_us - v.lease_heard_us >= window_us) return std::nullopt;
  return violation(LeadershipRule::lease_vote, e.time_us, {e.node, static_cast<std::int32_t>(e.b)},
                   fmt::format("node {} voted for node {} in term {} {:.3f}ms after {} (thesis 4.2.3, 6.4.1: with leases "
                               "no vote within the minimum election timeout, {:.3f}ms at its clock rate; a leader's lease "
                               "counts on it)",
                               e.node, e.b, e.a, us_to_ms(e.time_us - v.lease_heard_us),
                               v.lease_heard_term == 0 ? std::string("its restart")
                                                       : fmt::format("hearing from the leader of term {}", v.lease_heard_term),
                               us_to_ms(window_us)));
}

// Thesis 6.2: the leader checks its contact every election timeout; between the last contact from a majority
// and the check that sees it missing lie at most two of them.
std::optional<Violation> LeadershipRules::check_quorum_contact(const sim::TraceEvent& e, NodeView& v) {
  if (!check_quorum_on_ || v.role != kLeader || !on(LeadershipRule::check_quorum) || election_timeout_min_us_ <= 0) {
    return std::nullopt;
  }
  const std::size_t n = nodes_.size();
  const Quorum q = quorum_of(e.node);
  const std::size_t quorum = q.size;
  const std::size_t self_votes = q.counts(e.node) ? 1 : 0;
  if (quorum <= self_votes || v.peer_contact_us.size() < n) return std::nullopt;
  std::vector<std::int64_t> contacts;
  for (std::size_t p = 0; p < n; ++p) {
    if (static_cast<std::int32_t>(p) != e.node && q.counts(static_cast<std::int32_t>(p))) contacts.push_back(v.peer_contact_us[p]);
  }
  if (contacts.size() + self_votes < quorum) return std::nullopt;  // a configuration of nodes not yet seen
  std::sort(contacts.begin(), contacts.end(), std::greater<>());
  // A configuration that came into force while leading counts from then (the leader checks it at its next
  // CheckQuorum period, thesis 6.2).
  const std::int64_t majority_contact_us =
      std::max(contacts[quorum - self_votes - 1], membership_->changed_at_us(e.node));  // the leader itself completes the quorum
  const auto bound_us = static_cast<std::int64_t>(2.0 * static_cast<double>(election_timeout_min_us_) /
                                                  std::min(1.0, v.clock_rate_min_leading)) +
                        heartbeat_us_;
  if (e.time_us - majority_contact_us <= bound_us) return std::nullopt;
  return violation(LeadershipRule::check_quorum, e.time_us, {e.node},
                   fmt::format("node {} still acts as leader of term {} {:.3f}ms after it last heard from a majority "
                               "(at {:.3f}ms); with check_quorum it must step down within {:.3f}ms (two minimum "
                               "election timeouts at its slowest clock rate, plus a heartbeat interval; thesis 6.2)",
                               e.node, v.term, us_to_ms(e.time_us - majority_contact_us), us_to_ms(majority_contact_us), us_to_ms(bound_us)));
}

}  // namespace checkers
