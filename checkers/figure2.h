// The rules of the Raft paper's Figure 2, each checked at the step where it applies (docs/checkers.md has
// the table: rule -> checker name, or why a rule cannot be observed).
//
// A *step* is one input a node handles (a delivered message, a timer, a durable disk write, a client
// request, a restart) together with everything the node did in response: the simulator writes a node's
// observations, disk writes and sends right after the input event, before anything else happens, so the
// stream cuts into steps exactly. The rules read message summaries with the conventional kinds of
// docs/your-raft.md: 0 RequestVote (a = last log index, b = last log term), 1 RequestVote reply
// (a = granted), 2 AppendEntries (a = prev log index, b = entry count), 3 AppendEntries reply
// (a = success, b = match index on success), 4 InstallSnapshot (a = last included index, b = its term),
// 5 its reply (a = last included index, b = done), 6/7 PreVote and its reply (thesis 9.6: their term is the
// one asked for, so not subject to the term rule), 8 TimeoutNow. Other kinds are only subject to the term rule.
//
// The end-to-end checkers see a broken rule only if the run goes on to lose a write or elect two leaders;
// these see it the moment the node breaks it, whatever happens next.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checkers/checker.h"
#include "checkers/fifo_vector.h"
#include "checkers/message_kinds.h"
#include "checkers/rule_switch.h"
#include "checkers/term_maxima.h"
#include "checkers/term_runs.h"

namespace checkers {

enum class Figure2Rule : std::uint8_t {
  term_adoption,         // All servers: a higher term in any message -> adopt it, become follower; Candidates:
                         // AppendEntries from the new leader -> follower
  stale_term_request,    // RequestVote / AppendEntries receivers, rule 1: reply false if term < currentTerm
  vote_grant,            // RequestVote receiver, rule 2: vote only for the requester, in its term, if its log
                         // is at least as up-to-date (5.4.1)
  append_receiver,       // AppendEntries receiver, rules 3-4: truncate only on a conflict, append only the
                         // request's entries; followers take entries only from AppendEntries
  follower_commit,       // AppendEntries receiver, rule 5: commit at most up to the last new entry
  reply_claim,           // a success reply vouches only for entries the request verified
  candidate_conversion,  // Candidates: on conversion increment currentTerm; a leader never turns candidate
  election_timer,        // Followers: an election starts only when the timeout elapsed without hearing from
                         // the leader or granting a vote
  persistence,           // Persistent state "updated on stable storage before responding to RPCs"
};
inline constexpr std::size_t kFigure2RuleCount = 9;

const char* figure2_rule_name(Figure2Rule rule);

// One checker for all the rules (they share the step framing and the per-node view, which is most of the
// cost); each violation carries its rule's name as the checker name, and each rule can be switched off.
class Figure2Rules final : public Checker {
 public:
  Figure2Rules();
  const char* name() const override { return "figure-2"; }
  std::vector<std::string> rule_names() const override;
  bool disable_rule(const std::string& rule) override;
  // Inlined into StandardDispatch's function for each event kind (most tests fold): only the step framing, then
  // out of line take_output (an output of the open step) or observe_other (anything else).
  [[gnu::always_inline]] std::optional<Violation> observe(const sim::TraceEvent& e) override {
    // The common case first (timing and clock_rate, handled by observe_other, are never step outputs).
    if (is_step_output(e)) {
      // An apply (a tenth of all events) is read by no rule and changes no view: only its kind is noted.
      if (e.kind == sim::EventKind::apply) {
        step_.output_kinds |= kind_bit(sim::EventKind::apply);
        return std::nullopt;
      }
      take_output(e);  // (no rule is judged before the step's end)
      return std::nullopt;
    }
    return observe_other(e);
  }
  std::optional<Violation> finish(std::int64_t end_time_us) override;

 private:
  enum class Input : std::uint8_t { start, deliver, timer, disk, client, restart };

  // Persistent state a step changed: the replies that depend on it must wait until it is durable.
  struct Changes {
    std::uint64_t min_index = UINT64_MAX;  // lowest log index appended or truncated (UINT64_MAX: none)
    std::uint64_t term = 0;                // the new currentTerm (0: unchanged)
    std::uint64_t vote_term = 0;           // the term of a new vote (0: none)
    std::uint64_t made_in_term = 0;        // the node's term when it made them
    std::uint64_t snapshot_index = 0;      // a snapshot installed (Figure 13) up to this index (0: none)
    bool any() const { return min_index != UINT64_MAX || term != 0 || vote_term != 0 || snapshot_index != 0; }
    void merge(const Changes& o) {
      min_index = std::min(min_index, o.min_index);
      snapshot_index = std::max(snapshot_index, o.snapshot_index);
      term = std::max(term, o.term);
      vote_term = std::max(vote_term, o.vote_term);
      made_in_term = std::max(made_in_term, o.made_in_term);
    }
  };
  // A disk write the node issued and that is not durable yet, with the changes it carries.
  struct PendingWrite {
    std::uint64_t token = 0;
    Changes changes;
  };

  struct NodeView {
    std::uint32_t incarnation = 0;
    std::uint64_t term = 0;
    std::uint64_t role = 0;                // sim::Role
    TermRuns log_terms;                    // log_terms[i - 1]: term of entry i
    TermMaxima verified;  // term -> highest prev + n of its AppendEntries seen
    std::int64_t timer_reset_us = 0;       // when the election timeout last had to restart
    std::uint64_t commit = 0;              // the highest commit index reported in this incarnation
    std::uint64_t led_last_index = 0;      // its log's end while it was leader in this incarnation
    std::int64_t heard_leader_us = -1;     // the last AppendEntries of its term (-1: none this incarnation)
    double clock_rate = 1.0;
    double clock_rate_max_since_reset = 1.0;
    double clock_rate_min_since_heard = 1.0;  // the slowest clock since heard_leader_us (a timer armed then runs late; thesis 4.2.3's window)
    FifoVector<PendingWrite> pending_writes;
    std::uint64_t writes_unnotified = 0;  // issued, and the node has not been told they are durable
    bool paused = false;
    // Changed but not yet in any write (allowed while a write is in flight: it goes with the next one).
    Changes unwritten;
    std::uint64_t last_vote_term = 0, last_vote_for = 0;  // the latest vote seen, in any incarnation
  };

  struct Step {
    bool open = false;
    std::int32_t node = -1;
    Input input = Input::start;
    std::int64_t time_us = 0;
    std::int32_t from = -1;  // deliver: the sender
    std::uint16_t kind = 0;  // deliver: message kind
    std::uint64_t msg_term = 0, x = 0, y = 0;
    std::uint64_t term_at_x = 0;  // InstallSnapshot: the node's term at the last included index x before the step
    // The node as the step found it.
    std::uint64_t term = 0, role = 0, last_index = 0, last_term = 0;
    std::vector<sim::TraceEvent> outputs;
    // What the outputs hold, so the rules skip the scans that cannot find anything (most steps are a send or
    // an append and a write): the kinds (kind_bit), and the message kinds of the sends (bit min(label, 31)).
    KindMask output_kinds = 0;
    std::uint32_t sent_labels = 0;
    std::vector<std::uint64_t> truncated_terms;  // the term of the first entry each truncation removed
    // The election timer rule, judged when the candidate role is reported (the view resets the timer then).
    bool early_election = false;
    std::int64_t election_quiet_us = 0, election_bound_us = 0;
    // Most steps (a heartbeat, its reply, an append and its write) can break no rule but persistence: each
    // output is judged as it arrives by a cheap test that passes only where the full rules would find nothing
    // (kept exact by the order of the step: see take_output). Any doubt (`suspect`) and the step's end runs
    // every rule over the outputs; otherwise only persistence, from what the outputs changed (below).
    bool suspect = false;
    std::uint64_t appended_min_index = UINT64_MAX;  // the lowest index appended in the step (UINT64_MAX: none)
    std::size_t writes = 0;                         // disk writes issued in the step
  };

  bool on(Figure2Rule rule) const { return rules_.on(rule); }
  [[gnu::always_inline]] NodeView& view(std::int32_t node) {
    const auto n = static_cast<std::size_t>(node);
    return node >= 0 && node < node_count_ ? nodes_[n] : grow(node);
  }
  NodeView& grow(std::int32_t node);  // a node not seen yet (keeps node_count_)
  [[gnu::always_inline]] inline void open_step(const sim::TraceEvent& e, Input input, std::int32_t node);
  std::optional<Violation> close_step();
  // The replies that vouch for persistent state (bits of Step::sent_labels).
  static constexpr std::uint32_t kDurableReplies = (std::uint32_t{1} << message_kinds::kRequestVoteReply) |
                                                   (std::uint32_t{1} << message_kinds::kAppendEntriesReply) |
                                                   (std::uint32_t{1} << message_kinds::kInstallSnapshotReply);
  // A step close_step would find nothing in, and change nothing for: no rule in doubt (take_output), no
  // change to persist (nor one left unwritten by an earlier step: then unwritten is Changes{}), and no reply
  // that vouches for persistent state, or no write in flight it could wait for (check_replies_durable finds
  // nothing missing in Changes{} but for the odd replies take_output makes suspect). Most steps: a leader
  // taking a reply, a heartbeat, a follower's reply once its write is durable, a request to a follower.
  bool closes_quietly() const {
    const Step& s = step_;
    const NodeView& v = nodes_[static_cast<std::size_t>(s.node)];
    return !s.suspect && s.appended_min_index == UINT64_MAX && !v.unwritten.any() &&
           ((s.sent_labels & kDurableReplies) == 0 || v.pending_writes.empty());
  }
  // What a node does in a step: its observations, disk writes and sends (kStepOutputKinds), and
  // what the network did with its send right before (a drop or duplicate of that send). Inline: every event.
  bool is_step_output(const sim::TraceEvent& e) const {
    if (!step_.open || e.node != step_.node) return false;
    if ((kStepOutputKinds & kind_bit(e.kind)) != 0) return true;
    return (kSendEchoKinds & kind_bit(e.kind)) != 0 && e.node == previous_send_node_ && e.peer == previous_send_peer_;
  }
  // A node's observations, disk writes and sends; membership (thesis 4.1: a configuration entry appended or
  // truncated in the step), read_served and lease_read (thesis 6.4, 6.4.1: a read answered in the step).
  static constexpr KindMask kStepOutputKinds =
      kind_bit(sim::EventKind::role) | kind_bit(sim::EventKind::vote) | kind_bit(sim::EventKind::log_append) |
      kind_bit(sim::EventKind::log_truncate) | kind_bit(sim::EventKind::commit) | kind_bit(sim::EventKind::apply) |
      kind_bit(sim::EventKind::impl_error) | kind_bit(sim::EventKind::snapshot_taken) |
      kind_bit(sim::EventKind::snapshot_installed) | kind_bit(sim::EventKind::snapshot_restored) |
      kind_bit(sim::EventKind::snapshot_chunk) | kind_bit(sim::EventKind::membership) |
      kind_bit(sim::EventKind::read_served) | kind_bit(sim::EventKind::lease_read) |
      kind_bit(sim::EventKind::disk_write) | kind_bit(sim::EventKind::send);
  static constexpr KindMask kSendEchoKinds = kind_bit(sim::EventKind::drop_random) |
                                             kind_bit(sim::EventKind::drop_blocked) | kind_bit(sim::EventKind::duplicate);
  // Records an output of the step and keeps the node's view current, event by event (the rules at the
  // step's end need the state the step started from, which step_ holds).
  // No violation ever (the rules judge at the step's end), so nothing returned: observe is inlined into
  // StandardDispatch's per-kind functions, which then have no optional to test after the call.
  [[gnu::noinline]] void take_output(const sim::TraceEvent& e);
  [[gnu::noinline]] std::optional<Violation> observe_other(const sim::TraceEvent& e);  // anything but a step output
  void reset_timer(NodeView& v, std::int64_t time_us);
  Violation violation(Figure2Rule rule, std::vector<std::int32_t> nodes, std::string message) const;

  std::optional<Violation> check_term_rules();
  std::optional<Violation> check_vote_and_append_rules();
  std::optional<Violation> check_candidate_rules();
  std::optional<Violation> check_persistence();
  // Persistence once the step's changes are known (from a scan of the outputs, or gathered as they came).
  [[gnu::always_inline]] inline std::optional<Violation> persist(Changes changed, std::size_t writes);
  std::optional<Violation> check_replies_durable(const NodeView& v) const;

  RuleSwitch<Figure2Rule, kFigure2RuleCount, figure2_rule_name> rules_;
  std::vector<NodeView> nodes_;
  std::int32_t node_count_ = 0;  // nodes_.size(), kept by grow() (view()'s test, without a division)
  Step step_;
  // The send that the network's drop/duplicate events right after it belong to (-1: the last event was no send).
  std::int32_t previous_send_node_ = -1, previous_send_peer_ = -1;
  std::int64_t election_timeout_min_us_ = 0;  // 0: the stream did not say (the timer rules are then off)
  std::int64_t election_timeout_max_us_ = 0;
  bool check_quorum_ = false;  // from the timing event's features (trace format 3)
  bool membership_ = false;    // bit 3: membership changes may happen (thesis 4.2.3 applies to leaders too)
};

}  // namespace checkers
