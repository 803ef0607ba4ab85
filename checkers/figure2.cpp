#include "checkers/figure2.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/assert.h"
#include "checkers/message_kinds.h"
#include "sim/time.h"

namespace checkers {

namespace {

using sim::EventKind;
using namespace message_kinds;

const char* kind_name(std::uint16_t kind) {
  switch (kind) {
    case kRequestVote: return "RequestVote";
    case kRequestVoteReply: return "RequestVote reply";
    case kAppendEntries: return "AppendEntries";
    case kAppendEntriesReply: return "AppendEntries reply";
    case kInstallSnapshot: return "InstallSnapshot";
    case kInstallSnapshotReply: return "InstallSnapshot reply";
    case kPreVote: return "PreVote";
    case kPreVoteReply: return "PreVote reply";
    case kTimeoutNow: return "TimeoutNow";
    default: return "message";
  }
}

using sim::us_to_ms;

}  // namespace

const char* figure2_rule_name(Figure2Rule rule) {
  switch (rule) {
    case Figure2Rule::term_adoption: return "term-adoption";
    case Figure2Rule::stale_term_request: return "stale-term-request";
    case Figure2Rule::vote_grant: return "vote-grant";
    case Figure2Rule::append_receiver: return "append-receiver";
    case Figure2Rule::follower_commit: return "follower-commit";
    case Figure2Rule::reply_claim: return "reply-claim";
    case Figure2Rule::candidate_conversion: return "candidate-conversion";
    case Figure2Rule::election_timer: return "election-timer";
    case Figure2Rule::persistence: return "persistence";
  }
  return "?";
}

Figure2Rules::Figure2Rules() = default;

std::vector<std::string> Figure2Rules::rule_names() const { return rules_.enabled_names(); }

bool Figure2Rules::disable_rule(const std::string& rule) { return rules_.disable(rule); }

Figure2Rules::NodeView& Figure2Rules::grow(std::int32_t node) {
  RAFTSIM_ASSERT(node >= 0);
  const auto n = static_cast<std::size_t>(node);
  if (n >= nodes_.size()) nodes_.resize(n + 1);
  RAFTSIM_ASSERT(nodes_.size() <= static_cast<std::size_t>(INT32_MAX));
  node_count_ = static_cast<std::int32_t>(nodes_.size());
  return nodes_[n];
}

Violation Figure2Rules::violation(Figure2Rule rule, std::vector<std::int32_t> nodes, std::string message) const {
  return Violation{figure2_rule_name(rule), Severity::safety, step_.time_us, std::move(nodes), std::move(message)};
}

void Figure2Rules::reset_timer(NodeView& v, std::int64_t time_us) {
  v.timer_reset_us = time_us;
  v.clock_rate_max_since_reset = v.clock_rate;
}

// ---- step framing ------------------------------------------------------------------------------------



void Figure2Rules::open_step(const sim::TraceEvent& e, Input input, std::int32_t node) {
  RAFTSIM_ASSERT(!step_.open);
  NodeView& v = view(node);
  if (e.incarnation != v.incarnation) {  // a restarted process: only the disk survived
    const std::uint64_t vote_term = v.last_vote_term, vote_for = v.last_vote_for;
    TermMaxima verified = std::move(v.verified);
    const double clock_rate = v.clock_rate;  // the machine's clock, not the process's: it survives a restart
    v = NodeView{};
    v.incarnation = e.incarnation;
    v.clock_rate = clock_rate;
    v.last_vote_term = vote_term;  // perhaps durable: a repeat of it needs no write
    v.last_vote_for = vote_for;
    // What a leader verified before the crash and the node made durable stays verified (a leader that
    // does not know of the restart commits it by heartbeat, as etcd does); what was lost is no longer in
    // the log, so nothing can be committed or vouched for there.
    v.verified = std::move(verified);
    reset_timer(v, e.time_us);
  }
  step_.open = true;
  step_.node = node;
  step_.input = input;
  step_.time_us = e.time_us;
  step_.from = -1;
  step_.term = v.term;
  step_.role = v.role;
  step_.last_index = v.log_terms.size();
  step_.last_term = v.log_terms.empty() ? 0 : v.log_terms.back();
  step_.outputs.clear();
  step_.output_kinds = 0;
  step_.sent_labels = 0;
  step_.truncated_terms.clear();
  step_.early_election = false;
  step_.appended_min_index = UINT64_MAX;
  step_.writes = 0;
  // The term rules judge only a delivered message of another term, or one reaching a (pre-)candidate; a
  // start-up or restart step is rare: judged in full.
  step_.suspect = input == Input::restart || input == Input::start ||
                  (input == Input::deliver && (e.a != v.term || v.role == kCandidate || v.role == kPreCandidate));
  if (input == Input::restart) reset_timer(v, e.time_us);
  if (input == Input::deliver) {
    step_.from = e.node;
    step_.kind = e.label;
    step_.msg_term = e.a;
    step_.x = e.b;
    step_.y = e.c;
    if (e.label == kInstallSnapshot) {
      step_.term_at_x = e.b >= 1 && e.b <= v.log_terms.size() ? v.log_terms[e.b - 1] : 0;
      if (e.a >= v.term) {  // from the leader of its term: the election timeout restarts (5.2)
        reset_timer(v, e.time_us);
        v.heard_leader_us = e.time_us;
        v.clock_rate_min_since_heard = v.clock_rate;
      }
    }
    if (e.label == kAppendEntries && e.a >= v.term) {
      // Heard from the leader of its (possibly new) term: the election timeout restarts, and the request
      // verifies the follower's log up to prev + n if it is accepted (the upper bound of what it may claim).
      reset_timer(v, e.time_us);
      v.heard_leader_us = e.time_us;
      v.clock_rate_min_since_heard = v.clock_rate;
      v.verified.raise(e.a, e.b + e.c);
    }
  }
}

std::optional<Violation> Figure2Rules::observe_other(const sim::TraceEvent& e) {
  if (e.kind == EventKind::timing) {
    election_timeout_min_us_ = static_cast<std::int64_t>(e.a);
    election_timeout_max_us_ = static_cast<std::int64_t>(e.b);
    check_quorum_ = (e.label & 2U) != 0;  // the features (sim/node_host.h): bit 1 check_quorum
    membership_ = (e.label & 8U) != 0;    // bit 3: membership
    return std::nullopt;
  }
  if (e.kind == EventKind::clock_rate && e.node >= 0) {
    NodeView& v = view(e.node);
    v.clock_rate = static_cast<double>(e.a) / 1e6;
    v.clock_rate_max_since_reset = std::max(v.clock_rate_max_since_reset, v.clock_rate);
    v.clock_rate_min_since_heard = std::min(v.clock_rate_min_since_heard, v.clock_rate);
  }
  previous_send_node_ = previous_send_peer_ = -1;
  std::optional<Violation> closed = step_.open && !closes_quietly() ? close_step() : std::nullopt;
  step_.open = false;
  switch (e.kind) {
    case EventKind::deliver: open_step(e, Input::deliver, e.peer); break;
    case EventKind::timer_fired: open_step(e, Input::timer, e.node); break;
    case EventKind::disk_synced:
    case EventKind::disk_failed:  // the node learns of the I/O error: its write stays not durable, forever
    case EventKind::disk_notify: {
      NodeView& v = view(e.node);
      if (e.incarnation == v.incarnation) {
        if (e.kind == EventKind::disk_synced) {
          auto& pending = v.pending_writes;
          const auto synced = [&](const PendingWrite& w) { return w.token == e.a; };
          if (!pending.empty() && synced(pending.front()) && std::none_of(pending.begin() + 1, pending.end(), synced)) {
            pending.pop_front();  // the usual case: writes complete in order
          } else {
            pending.erase_if(synced);
          }
        }
        // The node learns of it now, or (paused, or busy with another input: b = 1) with a later disk_notify:
        // until then, for the node, it is in flight.
        const bool told_now = e.kind == EventKind::disk_notify || (!v.paused && e.b == 0);
        if (told_now && v.writes_unnotified > 0) --v.writes_unnotified;
      }
      open_step(e, Input::disk, e.node);
      break;
    }
    case EventKind::pause:
    case EventKind::resume:
      if (e.node >= 0) view(e.node).paused = e.kind == EventKind::pause;
      break;
    case EventKind::client_request: open_step(e, Input::client, e.node); break;
    case EventKind::restart: open_step(e, Input::restart, e.node); break;
    default:
      if ((kStepOutputKinds & kind_bit(e.kind)) == 0) break;
      // Output without an input event: a node's start-up (or a stream written before format 2).
      open_step(e, Input::start, e.node);
      take_output(e);
      break;
  }
  return closed;
}

std::optional<Violation> Figure2Rules::finish(std::int64_t end_time_us) {
  (void)end_time_us;
  if (!step_.open) return std::nullopt;
  std::optional<Violation> v = close_step();
  step_.open = false;
  return v;
}

// Keeps the node's view current, event by event (the rules at the step's end need the state the step
// started from, which step_ holds).
void Figure2Rules::take_output(const sim::TraceEvent& e) {
  Step& s = step_;  // open, and of e's node (is_step_output)
  NodeView& v = nodes_[static_cast<std::size_t>(s.node)];  // open_step made it
  // Only the kinds a rule scans for are kept (not the applies, a tenth of all events, nor the echoes).
  constexpr KindMask kScanned = kind_bit(EventKind::role) | kind_bit(EventKind::vote) | kind_bit(EventKind::log_append) |
                                kind_bit(EventKind::log_truncate) | kind_bit(EventKind::commit) |
                                kind_bit(EventKind::snapshot_installed) | kind_bit(EventKind::snapshot_chunk) |
                                kind_bit(EventKind::disk_write) | kind_bit(EventKind::send);
  if ((kScanned & kind_bit(e.kind)) != 0) s.outputs.push_back(e);
  s.output_kinds |= kind_bit(e.kind);
  switch (e.kind) {
    case EventKind::role:
      s.suspect = true;  // the vote, append, commit and candidate rules read the role as the step goes
      // With PreVote the timer starts a pre-vote round (thesis 9.6): the same rule holds for it.
      if ((e.a == kCandidate || e.a == kPreCandidate) && v.role != kCandidate && v.role != kPreCandidate &&
          election_timeout_min_us_ > 0 && !step_.early_election &&
          step_.input != Input::restart && step_.input != Input::start &&
          (step_.input != Input::deliver || step_.kind <= kAppendEntriesReply)) {
        // Followers: the election timeout must have elapsed since the node last heard from the leader or
        // granted a vote (a node's clock running fast makes its timeouts shorter in real time).
        const auto bound_us = static_cast<std::int64_t>(static_cast<double>(election_timeout_min_us_) * kElectionTimerSlack /
                                                        v.clock_rate_max_since_reset);
        if (e.time_us - v.timer_reset_us < bound_us) {
          step_.early_election = true;
          step_.election_quiet_us = e.time_us - v.timer_reset_us;
          step_.election_bound_us = bound_us;
        }
      }
      if (v.role == kLeader && e.a != kLeader) reset_timer(v, e.time_us);  // a deposed leader's timer starts
      if (e.a == kCandidate || e.a == kPreCandidate) reset_timer(v, e.time_us);  // each election has its own timeout
      v.role = e.a;
      v.term = e.b;
      if (e.a == kLeader) v.led_last_index = std::max<std::uint64_t>(v.led_last_index, v.log_terms.size());
      break;
    case EventKind::vote:
      s.suspect = true;  // vote-grant, and persistence's record of the latest vote
      if (e.b != static_cast<std::uint64_t>(e.node)) reset_timer(v, e.time_us);  // granting a vote (Followers)
      break;
    case EventKind::log_append: {
      RAFTSIM_ASSERT(e.a >= 1);
      // AppendEntries rule 4 as check_vote_and_append_rules judges it, with the role the step began with (a
      // role output makes the step suspect) and no restart or start-up (suspect from the start).
      const bool is_append = s.input == Input::deliver && s.kind == kAppendEntries && s.msg_term >= s.term;
      const bool receiver_ok = is_append ? e.a > s.x && e.a <= s.x + s.y : s.input == Input::disk;
      if (s.role != kLeader && !receiver_ok) s.suspect = true;
      s.appended_min_index = std::min(s.appended_min_index, e.a);
      if (v.role == kLeader) v.led_last_index = std::max(v.led_last_index, e.a);
      if (e.a > v.log_terms.size() + 1) {
        // A gap: an implementation that does not report every append; the view cannot follow it.
        v.log_terms.resize(e.a - 1, 0);
      }
      if (e.a <= v.log_terms.size()) v.log_terms.resize(e.a - 1);  // an overwrite without a truncate event
      v.log_terms.push_back(e.b);
      break;
    }
    case EventKind::log_truncate:
      s.suspect = true;  // AppendEntries rule 3
      if (e.a >= 1 && e.a <= v.log_terms.size()) {
        step_.truncated_terms.push_back(v.log_terms[e.a - 1]);
        v.log_terms.resize(e.a - 1);
      } else {
        step_.truncated_terms.push_back(0);
      }
      break;
    case EventKind::commit:
      // AppendEntries rule 5 as check_vote_and_append_rules judges it at the step's end: what it reads then
      // (led_last_index, verified) is no lower than now, so a commit within the bound now is within it then.
      if (s.role != kLeader && e.a > std::max(v.led_last_index, v.verified.max_up_to(s.term))) s.suspect = true;
      v.commit = std::max(v.commit, e.a);
      break;
    case EventKind::snapshot_installed:
    case EventKind::snapshot_restored:
      s.suspect = true;  // Figure 13, and persistence of the snapshot
      // Paper 7: the log is the committed log up to a, then its own entries after a if it held entry a.
      if (e.a >= 1 && (e.a > v.log_terms.size() || v.log_terms[e.a - 1] != e.b)) v.log_terms.resize(e.a, 0);
      if (e.a >= 1) v.log_terms.set(e.a - 1, e.b);
      v.commit = std::max(v.commit, e.a);
      break;
    case EventKind::disk_write: {
      RAFTSIM_ASSERT(v.pending_writes.size() < 1'000'000);
      ++v.writes_unnotified;
      v.pending_writes.push_back(PendingWrite{e.a, Changes{}});
      ++s.writes;
      break;
    }
    case EventKind::send:
      // The send that the network's drop/duplicate events right after it belong to.
      previous_send_node_ = e.node;
      previous_send_peer_ = e.peer;
      s.sent_labels |= std::uint32_t{1} << std::min<std::uint16_t>(e.label, 31);
      // The reply claim as check_vote_and_append_rules judges it at the step's end (verified changes only
      // when a step opens, the commit index only rises): within it now is within it then.
      if (e.label == kAppendEntriesReply && e.b != 0 && e.c > std::max(v.verified.at(e.a), v.commit)) s.suspect = true;
      // The replies check_replies_durable would find something missing in Changes{} for (closes_quietly).
      if ((e.label == kRequestVoteReply && e.b != 0 && e.a == 0) || (e.label == kAppendEntriesReply && e.c == UINT64_MAX)) {
        s.suspect = true;
      }
      break;
    default: break;
  }
}

std::optional<Violation> Figure2Rules::close_step() {
  RAFTSIM_ASSERT(step_.open);
  RAFTSIM_ASSERT(step_.node >= 0);
  if (!step_.suspect) {
    // No rule but persistence can find anything (take_output's tests): its changes are the step's appends
    // (a role, vote, truncation or snapshot makes the step suspect), made in the term the step began with.
    Changes changed;
    changed.min_index = step_.appended_min_index;
    changed.made_in_term = step_.term;
    return persist(changed, step_.writes);
  }
  if (auto v = check_term_rules()) return v;
  if (auto v = check_vote_and_append_rules()) return v;
  if (auto v = check_candidate_rules()) return v;
  return check_persistence();
}

// ---- the rules ---------------------------------------------------------------------------------------

// All Servers: "If RPC request or response contains term T > currentTerm: set currentTerm = T, convert to
// follower (5.1)". Candidates: "If AppendEntries RPC received from new leader: convert to follower".
// RequestVote and AppendEntries receivers, rule 1: "Reply false if term < currentTerm (5.1)".
std::optional<Violation> Figure2Rules::check_term_rules() {
  const Step& s = step_;
  if (s.input != Input::deliver) return std::nullopt;
  const bool has_role = (s.output_kinds & kind_bit(EventKind::role)) != 0;
  const auto follower_of = [&](std::uint64_t term) {
    return has_role && std::any_of(s.outputs.begin(), s.outputs.end(), [&](const sim::TraceEvent& o) {
      return o.kind == EventKind::role && o.a == kFollower && o.b == term;
    });
  };
  // Thesis 4.2.3 (libraft, etcd with CheckQuorum): "if a server receives a RequestVote request within the
  // minimum election timeout of hearing from a current leader, it does not update its term or grant its
  // vote", so that a removed or partitioned server cannot disrupt a working leader. Implementations read
  // "within" as "before my own election timeout fires", which may be drawn up to twice the minimum.
  const NodeView& v = nodes_[static_cast<std::size_t>(s.node)];
  // Judged only for a message of a higher term (most steps carry the node's own term).
  const auto leader_sticky = [&]() {
    const double sticky_us = static_cast<double>(std::max(election_timeout_max_us_, 2 * election_timeout_min_us_)) /
                             std::min(1.0, std::min(v.clock_rate, v.clock_rate_min_since_heard));
    // With CheckQuorum a leader is itself the current leader it heard from (etcd's lease check): it may ignore
    // the RequestVote too, and steps down on its own once it loses its majority (the check-quorum rule).
    // With membership changes likewise (thesis 4.2.3: a removed server's RequestVote must not depose it).
    const bool sticky_role = (s.role == kFollower && v.heard_leader_us >= 0 &&
                              static_cast<double>(s.time_us - v.heard_leader_us) < sticky_us) ||
                             (s.role == kLeader && (check_quorum_ || membership_));
    return s.kind == kRequestVote && sticky_role && election_timeout_min_us_ > 0 &&
           (s.output_kinds & (kind_bit(EventKind::vote) | kind_bit(EventKind::role))) == 0;
  };
  const bool pre_vote = s.kind == kPreVote || s.kind == kPreVoteReply;
  if (on(Figure2Rule::term_adoption) && s.msg_term > s.term && !follower_of(s.msg_term) && !leader_sticky() && !pre_vote) {
    return violation(Figure2Rule::term_adoption, {s.node, s.from},
                     fmt::format("node {} (term {}) received a {} of term {} from node {} and did not become a "
                                 "follower of term {} (Figure 2, all servers: a higher term in any message is "
                                 "adopted at once)",
                                 s.node, s.term, kind_name(s.kind), s.msg_term, s.from, s.msg_term));
  }
  // Candidates (and pre-candidates, thesis 9.6): a message of the leader of their own term (AppendEntries,
  // or InstallSnapshot, Figure 13) makes them its follower.
  if (on(Figure2Rule::term_adoption) && (s.kind == kAppendEntries || s.kind == kInstallSnapshot) &&
      s.msg_term == s.term && (s.role == kCandidate || s.role == kPreCandidate) && !follower_of(s.msg_term)) {
    return violation(Figure2Rule::term_adoption, {s.node, s.from},
                     fmt::format("candidate {} received {} from node {}, the leader of its own term {}, "
                                 "and did not become its follower (Figure 2, candidates; 5.2)",
                                 s.node, kind_name(s.kind), s.from, s.term));
  }
  const bool request = s.kind == kRequestVote || s.kind == kAppendEntries || s.kind == kInstallSnapshot;
  if (!on(Figure2Rule::stale_term_request) || !request || s.msg_term >= s.term) return std::nullopt;
  for (const sim::TraceEvent& o : s.outputs) {
    const bool changes_state = o.kind == EventKind::vote || o.kind == EventKind::log_append ||
                               o.kind == EventKind::log_truncate || o.kind == EventKind::commit ||
                               o.kind == EventKind::role || o.kind == EventKind::snapshot_installed ||
                               o.kind == EventKind::snapshot_chunk;
    const bool accepts = o.kind == EventKind::send && o.peer == s.from &&
                         (((o.label == kRequestVoteReply || o.label == kAppendEntriesReply) && o.b != 0) ||
                          (o.label == kInstallSnapshotReply && o.c != 0 && o.b > v.commit));
    if (!changes_state && !accepts) continue;
    return violation(Figure2Rule::stale_term_request, {s.node, s.from},
                     fmt::format("node {} in term {} received a {} of the older term {} from node {} and {} "
                                 "(Figure 2, receiver rule 1: reply false if term < currentTerm)",
                                 s.node, s.term, kind_name(s.kind), s.msg_term, s.from,
                                 accepts ? "answered it with success" : fmt::format("reported a {}", sim::event_kind_name(o.kind))));
  }
  return std::nullopt;
}

std::optional<Violation> Figure2Rules::check_vote_and_append_rules() {
  const Step& s = step_;
  const NodeView& v = nodes_[static_cast<std::size_t>(s.node)];
  const bool is_request_vote = s.input == Input::deliver && s.kind == kRequestVote;
  const bool is_append = s.input == Input::deliver && s.kind == kAppendEntries && s.msg_term >= s.term;
  // Figure 13 rules 6-7: an InstallSnapshot of the node's term may discard the log, unless the log holds the
  // snapshot's last entry (same index and term): then the entries after it are kept.
  const bool is_install = s.input == Input::deliver && s.kind == kInstallSnapshot && s.msg_term >= s.term;
  const bool installs = (s.output_kinds & kind_bit(EventKind::snapshot_installed)) != 0;
  bool leader = s.role == kLeader;  // at this point of the step
  bool becomes_leader = false;
  if ((s.output_kinds & kind_bit(EventKind::role)) != 0) {
    for (const sim::TraceEvent& o : s.outputs) becomes_leader |= o.kind == EventKind::role && o.a == kLeader;
  }
  std::size_t truncation = 0;
  std::uint64_t term_now = s.term;
  // The outputs these rules read (a step of sends, writes and applies only has nothing for them).
  constexpr KindMask kRuleKinds = kind_bit(EventKind::role) | kind_bit(EventKind::vote) | kind_bit(EventKind::log_truncate) |
                                  kind_bit(EventKind::log_append) | kind_bit(EventKind::commit);
  const std::size_t scanned = (s.output_kinds & kRuleKinds) != 0 ? s.outputs.size() : 0;
  for (std::size_t i = 0; i < scanned; ++i) {
    const sim::TraceEvent& o = s.outputs[i];
    if (o.kind == EventKind::role) {
      leader = o.a == kLeader;
      term_now = o.b;
    }
    // RequestVote receiver, rule 2: "If votedFor is null or candidateId, and candidate's log is at least as
    // up-to-date as receiver's log, grant vote (5.2, 5.4)". (Who else it voted for: single-vote.)
    if (o.kind == EventKind::vote && o.b != static_cast<std::uint64_t>(s.node) && on(Figure2Rule::vote_grant)) {
      if (!is_request_vote || o.b != static_cast<std::uint64_t>(s.from) || o.a != s.msg_term) {
        return violation(Figure2Rule::vote_grant, {s.node, static_cast<std::int32_t>(o.b)},
                         fmt::format("node {} voted for node {} in term {} without a RequestVote of that term from "
                                     "it in this step (Figure 2: votes are granted only to a requester)",
                                     s.node, o.b, o.a));
      }
      const bool up_to_date = s.y > s.last_term || (s.y == s.last_term && s.x >= s.last_index);
      if (!up_to_date) {
        return violation(Figure2Rule::vote_grant, {s.node, s.from},
                         fmt::format("node {} voted for node {} in term {} although the candidate's log (last entry "
                                     "{} of term {}) is behind its own (last entry {} of term {}) (5.4.1: the "
                                     "candidate's log must be at least as up-to-date)",
                                     s.node, s.from, o.a, s.x, s.y, s.last_index, s.last_term));
      }
    }
    if (!on(Figure2Rule::append_receiver) && !on(Figure2Rule::follower_commit)) continue;
    if (o.kind == EventKind::log_truncate && on(Figure2Rule::append_receiver) && s.input != Input::restart) {
      // Rule 3: "If an existing entry conflicts with a new one (same index but different terms), delete the
      // existing entry and all that follow it": only above prev (which matched), and only where the request
      // brings an entry of another term.
      const std::uint64_t removed_term = truncation < s.truncated_terms.size() ? s.truncated_terms[truncation] : 0;
      ++truncation;
      const auto replaced = std::find_if(s.outputs.begin() + static_cast<std::ptrdiff_t>(i), s.outputs.end(),
                                         [&](const sim::TraceEvent& a) { return a.kind == EventKind::log_append && a.a == o.a; });
      const bool conflict = replaced != s.outputs.end() && replaced->b != removed_term;
      // An implementation that applies a request to its log when it persists it (etcd's Ready loop) reports
      // the change in the step where its previous write completed: the conflict must still be there.
      const bool deferred = s.input == Input::disk && !leader && conflict;
      if (is_install && installs) {
        if (s.term_at_x == s.y && s.y != 0) {
          return violation(Figure2Rule::append_receiver, {s.node, s.from},
                           fmt::format("node {} discarded its log from index {} installing a snapshot up to index {} "
                                       "(term {}) from node {}, although its log held that entry (Figure 13, "
                                       "InstallSnapshot rule 6: retain the log entries following it)",
                                       s.node, o.a, s.x, s.y, s.from));
        }
        continue;
      }
      if (!deferred && (!is_append || o.a <= s.x || !conflict)) {
        return violation(Figure2Rule::append_receiver, {s.node},
                         is_append ? fmt::format("node {} truncated its log from index {} (an entry of term {}) on "
                                                 "AppendEntries from node {} (prev {}, {} entries) that {} (Figure 2, "
                                                 "AppendEntries rule 3: delete only entries that conflict)",
                                                 s.node, o.a, removed_term, s.from, s.x, s.y,
                                                 o.a <= s.x ? "matched up to prev" : "brings no entry of another term there")
                                   : fmt::format("node {} truncated its log from index {} outside any AppendEntries "
                                                 "(Figure 2: only a leader's AppendEntries removes entries)",
                                                 s.node, o.a));
      }
    }
    if (o.kind == EventKind::log_append && on(Figure2Rule::append_receiver) && s.input != Input::restart &&
        s.input != Input::start) {
      // Rule 4: "Append any new entries not already in the log": the request's own, at prev+1 .. prev+n.
      if (is_append && !leader && (o.a <= s.x || o.a > s.x + s.y)) {
        return violation(Figure2Rule::append_receiver, {s.node, s.from},
                         fmt::format("node {} appended index {} on AppendEntries from node {} carrying indexes {}..{} "
                                     "(Figure 2, AppendEntries rule 4)",
                                     s.node, o.a, s.from, s.x + 1, s.x + s.y));
      }
      if (!is_append && !leader && !becomes_leader && s.input != Input::disk) {
        return violation(Figure2Rule::append_receiver, {s.node},
                         fmt::format("node {}, not the leader, appended index {} (term {}) outside any AppendEntries "
                                     "(Figure 2: followers take entries only from the leader)",
                                     s.node, o.a, o.b));
      }
    }
    if (o.kind == EventKind::commit && on(Figure2Rule::follower_commit) && !leader && !becomes_leader &&
        s.input != Input::restart && s.input != Input::start) {
      // Rule 5: "If leaderCommit > commitIndex, set commitIndex = min(leaderCommit, index of last new
      // entry)": never beyond what an AppendEntries of its term verified.
      // A commit may be reported after the node moved to a later term (etcd reports it when it persists,
      // possibly after it adopted a higher term or stepped down as leader): what any AppendEntries of its
      // term or an earlier one verified bounds it, and a deposed leader's log as it led.
      const std::uint64_t verified = std::max(v.led_last_index, v.verified.max_up_to(term_now));
      if (o.a > verified) {
        return violation(Figure2Rule::follower_commit, {s.node},
                         fmt::format("node {}, a follower in term {}, committed index {} but AppendEntries of that "
                                     "term or earlier ones verified its log only up to index {} (Figure 2, AppendEntries "
                                     "rule 5: commitIndex = min(leaderCommit, index of last new entry))",
                                     s.node, term_now, o.a, verified));
      }
    }
  }
  // A success reply vouches that the follower's log matches the leader's up to the match index: only what
  // an AppendEntries of the reply's term carried (prev + n) can be vouched for, or what the follower knows
  // to be committed (every later leader holds it: etcd answers a stale request with its commit index).
  if (!on(Figure2Rule::reply_claim) || (s.sent_labels & (std::uint32_t{1} << kAppendEntriesReply)) == 0) return std::nullopt;
  for (const sim::TraceEvent& o : s.outputs) {
    if (o.kind != EventKind::send || o.label != kAppendEntriesReply || o.b == 0) continue;
    const std::uint64_t verified = std::max(v.verified.at(o.a), v.commit);
    if (o.c > verified) {
      return violation(Figure2Rule::reply_claim, {s.node, o.peer},
                       fmt::format("node {} told node {} that its log matches up to index {} in term {}, but no "
                                   "AppendEntries of term {} it received, nor its commit index, reached beyond index {} "
                                   "(a success reply vouches only for entries the request verified)",
                                   s.node, o.peer, o.c, o.a, o.a, verified));
    }
  }
  return std::nullopt;
}

// Candidates: "On conversion to candidate, start election: increment currentTerm, vote for self, reset
// election timer". Followers: "If election timeout elapses without receiving AppendEntries RPC from current
// leader or granting vote to candidate: convert to candidate". Leaders step down only on a higher term.
std::optional<Violation> Figure2Rules::check_candidate_rules() {
  const Step& s = step_;
  std::uint64_t role = s.role;
  std::uint64_t term = s.term;
  const std::size_t scanned = (s.output_kinds & kind_bit(EventKind::role)) != 0 ? s.outputs.size() : 0;
  for (std::size_t i = 0; i < scanned; ++i) {
    const sim::TraceEvent& o = s.outputs[i];
    if (o.kind != EventKind::role) continue;
    if (o.a == kCandidate && s.input != Input::restart && s.input != Input::start) {
      if (on(Figure2Rule::candidate_conversion) && (role == kLeader || o.b != term + 1)) {
        return violation(Figure2Rule::candidate_conversion, {s.node},
                         role == kLeader
                             ? fmt::format("node {}, leader of term {}, became a candidate (Figure 2: a leader steps "
                                           "down only to follower, on a higher term)", s.node, term)
                             : fmt::format("node {} became a candidate of term {} from term {} (Figure 2: on conversion "
                                           "to candidate, increment currentTerm)", s.node, o.b, term));
      }
    }
    role = o.a;
    term = o.b;
  }
  if (on(Figure2Rule::election_timer) && s.early_election) {
    return violation(Figure2Rule::election_timer, {s.node},
                     fmt::format("node {} started an election {:.3f}ms after it last heard from the leader or granted a "
                                 "vote, under half the minimum election timeout ({:.3f}ms at its clock rate) (Figure "
                                 "2, followers: convert to candidate only if the election timeout elapses without "
                                 "AppendEntries from the current leader or a vote granted)",
                                 s.node, us_to_ms(s.election_quiet_us), us_to_ms(s.election_bound_us)));
  }
  return std::nullopt;
}

// "Persistent state on all servers (updated on stable storage before responding to RPCs)": a step that
// changes currentTerm, votedFor or the log issues a disk write, and a granted vote or a success reply
// leaves only once the writes carrying what it vouches for are durable.
std::optional<Violation> Figure2Rules::check_persistence() {
  const Step& s = step_;
  if (s.input == Input::restart || s.input == Input::start) return std::nullopt;
  NodeView& v = nodes_[static_cast<std::size_t>(s.node)];
  Changes changed;
  std::uint64_t term = s.term;
  std::size_t writes = 0;
  constexpr KindMask kChangeKinds = kind_bit(EventKind::role) | kind_bit(EventKind::vote) | kind_bit(EventKind::log_append) |
                                    kind_bit(EventKind::log_truncate) | kind_bit(EventKind::snapshot_installed) |
                                    kind_bit(EventKind::disk_write);
  const std::size_t scanned = (s.output_kinds & kChangeKinds) != 0 ? s.outputs.size() : 0;
  for (std::size_t i = 0; i < scanned; ++i) {
    const sim::TraceEvent& o = s.outputs[i];
    if (o.kind == EventKind::role) {
      if (o.b > term) changed.term = o.b;
      term = o.b;
    } else if (o.kind == EventKind::vote) {
      // A vote repeated (a duplicated RequestVote, or after a restart that kept it) changes nothing.
      if (o.a != v.last_vote_term || o.b != v.last_vote_for) changed.vote_term = std::max(changed.vote_term, o.a);
      v.last_vote_term = o.a;
      v.last_vote_for = o.b;
    } else if (o.kind == EventKind::log_append || o.kind == EventKind::log_truncate) {
      changed.min_index = std::min(changed.min_index, o.a);
    } else if (o.kind == EventKind::snapshot_installed) {
      changed.snapshot_index = std::max(changed.snapshot_index, o.a);
    } else if (o.kind == EventKind::disk_write) {
      ++writes;
    }
  }
  RAFTSIM_ASSERT(writes == s.writes);
  changed.made_in_term = term;
  return persist(changed, writes);
}

std::optional<Violation> Figure2Rules::persist(Changes changed, std::size_t writes) {
  const Step& s = step_;
  NodeView& v = nodes_[static_cast<std::size_t>(s.node)];
  // Changes of earlier steps not written yet (an implementation that persists once its write in flight
  // completes, as etcd's Ready loop does) go with this step's writes.
  if (v.unwritten.any()) {  // else it is Changes{}: merging it changes nothing
    changed.merge(v.unwritten);
    v.unwritten = Changes{};
  }
  const bool any = changed.any();
  if (any && writes == 0 && v.writes_unnotified == 0 && on(Figure2Rule::persistence)) {
    return violation(Figure2Rule::persistence, {s.node},
                     fmt::format("node {} changed its {} without writing to its disk, and no write of its is in "
                                 "flight (Figure 2: currentTerm, votedFor and log[] are persistent state)",
                                 s.node, changed.term != 0 ? "term" : changed.vote_term != 0 ? "vote" : "log"));
  }
  if (any && writes == 0) v.unwritten = changed;
  if (any && writes > 0) {
    // Which of the step's writes holds what is not in the stream: the term and vote are taken to be in its
    // first write (they are written before the entries that depend on them), the log changes in its last.
    RAFTSIM_ASSERT(v.pending_writes.size() >= writes);
    Changes& first = v.pending_writes[v.pending_writes.size() - writes].changes;
    Changes& last = v.pending_writes.back().changes;
    last.min_index = std::min(last.min_index, changed.min_index);
    first.term = std::max(first.term, changed.term);
    first.vote_term = std::max(first.vote_term, changed.vote_term);
    first.made_in_term = std::max(first.made_in_term, changed.made_in_term);
    last.snapshot_index = std::max(last.snapshot_index, changed.snapshot_index);
    last.made_in_term = std::max(last.made_in_term, changed.made_in_term);
  }
  if ((s.sent_labels & kDurableReplies) == 0) return std::nullopt;  // no reply that vouches (most steps)
  return check_replies_durable(v);
}

// The replies of the step that vouch for persistent state (a granted vote, a success reply, a snapshot's
// "done"): each leaves only once what it depends on is durable.
std::optional<Violation> Figure2Rules::check_replies_durable(const NodeView& v) const {
  const Step& s = step_;
  if (!on(Figure2Rule::persistence) || (s.sent_labels & kDurableReplies) == 0) return std::nullopt;
  enum class Missing : std::uint8_t { none, term, vote, entries, snapshot };
  for (const sim::TraceEvent& o : s.outputs) {
    if (o.kind != EventKind::send || o.b == 0) continue;
    const bool vote_reply = o.label == kRequestVoteReply;
    const bool append_reply = o.label == kAppendEntriesReply;
    // Figure 13 rule 5: the last chunk's "done" reply leaves only once the snapshot is saved.
    const bool snapshot_reply = o.label == kInstallSnapshotReply && o.c != 0;
    if (!vote_reply && !append_reply && !snapshot_reply) continue;
    // What the reply depends on: its term (any reply), the vote it grants, the entries it vouches for.
    const auto missing = [&](const Changes& c) {
      // Changes made under a later term came after the reply was decided (a reply of term T held until
      // durable, while the node moved on to T+1 and rewrote its log): not what it vouches for.
      if (c.made_in_term > o.a) return Missing::none;
      if (c.term != 0 && c.term <= o.a) return Missing::term;
      if (vote_reply && c.vote_term == o.a) return Missing::vote;
      if (append_reply && c.min_index <= o.c) return Missing::entries;
      if (snapshot_reply && c.snapshot_index != 0 && c.snapshot_index <= o.b) return Missing::snapshot;
      return Missing::none;
    };
    // Formatted only for a violation (most steps send a success reply: no string per reply).
    const auto missing_text = [](const Changes& c, Missing m) {
      RAFTSIM_ASSERT(m != Missing::none);
      return m == Missing::term       ? fmt::format("term {}", c.term)
             : m == Missing::vote     ? fmt::format("vote of term {}", c.vote_term)
             : m == Missing::entries  ? fmt::format("entries from index {}", c.min_index)
                                      : fmt::format("snapshot up to index {}", c.snapshot_index);
    };
    const auto what = [&]() {
      return vote_reply     ? std::string("granted vote")
             : snapshot_reply ? fmt::format("snapshot-installed reply (index {})", o.b)
                              : fmt::format("success reply (match {})", o.c);
    };
    if (const Missing m = missing(v.unwritten); m != Missing::none) {
      return violation(Figure2Rule::persistence, {s.node, o.peer},
                       fmt::format("node {} sent node {} a {} of term {} before writing its {} to disk (Figure 2: "
                                   "persistent state is updated on stable storage before responding to RPCs)",
                                   s.node, o.peer, what(), o.a, missing_text(v.unwritten, m)));
    }
    for (const PendingWrite& w : v.pending_writes) {
      const Missing m = missing(w.changes);
      if (m == Missing::none) continue;
      return violation(Figure2Rule::persistence, {s.node, o.peer},
                       fmt::format("node {} sent node {} a {} of term {} while disk write {} holding its {} was not "
                                   "durable yet (Figure 2: persistent state is updated on stable storage before "
                                   "responding to RPCs)",
                                   s.node, o.peer, what(), o.a, w.token, missing_text(w.changes, m)));
    }
  }
  return std::nullopt;
}

}  // namespace checkers
