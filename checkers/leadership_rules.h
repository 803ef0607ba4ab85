// The rules of PreVote, CheckQuorum, leadership transfer and ReadIndex (Ongaro's thesis 9.6, 6.2, 3.10, 6.4), checked at
// the step where they apply, for any implementation whose message summaries use the conventional kinds
// (docs/your-raft.md): 6 PreVote (a = last log index, b = last log term; term = the term asked for),
// 7 PreVote reply (a = granted), 8 TimeoutNow; 3 AppendEntries reply (a = success, b = match index).
// The features switched on come from the timing event's label (sim/node_host.h RaftFeatures).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "checkers/checker.h"
#include "checkers/first_arrivals.h"
#include "checkers/rule_switch.h"
#include "checkers/membership_view.h"
#include "checkers/message_kinds.h"
#include "checkers/term_runs.h"

namespace checkers {

// The kinds LeadershipRules::observe sorts events by (inline in observe, so in the header).
namespace leadership_kinds {

constexpr bool is_leadership_step_output(sim::EventKind kind) {
  switch (kind) {
    case sim::EventKind::role:
    case sim::EventKind::vote:
    case sim::EventKind::log_append:
    case sim::EventKind::log_truncate:
    case sim::EventKind::commit:
    case sim::EventKind::apply:
    case sim::EventKind::impl_error:
    case sim::EventKind::disk_write:
    case sim::EventKind::send:
    case sim::EventKind::transfer_start:
    case sim::EventKind::transfer_abandoned:
    case sim::EventKind::snapshot_taken:
    case sim::EventKind::snapshot_installed:
    case sim::EventKind::snapshot_restored:
    case sim::EventKind::snapshot_chunk:
    case sim::EventKind::read_served:
    case sim::EventKind::membership:
    case sim::EventKind::lease_read: return true;
    default: return false;
  }
}

constexpr KindMask mask_of(bool (*pred)(sim::EventKind)) {
  KindMask mask = 0;
  for (int k = 0; k < sim::kEventKindCount; ++k) {
    if (pred(static_cast<sim::EventKind>(k))) mask |= kind_bit(static_cast<sim::EventKind>(k));
  }
  return mask;
}

constexpr KindMask kOutputKinds = mask_of(is_leadership_step_output);
// The outputs on_output acts on (for the others, only the check-quorum rule: any output of a leader counts).
constexpr KindMask kOutputsActedOn =
    kind_bit(sim::EventKind::role) | kind_bit(sim::EventKind::vote) | kind_bit(sim::EventKind::log_append) |
    kind_bit(sim::EventKind::log_truncate) | kind_bit(sim::EventKind::snapshot_installed) |
    kind_bit(sim::EventKind::snapshot_restored) | kind_bit(sim::EventKind::transfer_start) |
    kind_bit(sim::EventKind::transfer_abandoned) | kind_bit(sim::EventKind::read_served) | kind_bit(sim::EventKind::lease_read) |
    kind_bit(sim::EventKind::send);
// The other kinds observe() acts on; every kind not named here or above only ends a step.
constexpr KindMask kInputsActedOn =
    kind_bit(sim::EventKind::deliver) | kind_bit(sim::EventKind::client_request) | kind_bit(sim::EventKind::restart) |
    kind_bit(sim::EventKind::crash) | kind_bit(sim::EventKind::clock_rate) | kind_bit(sim::EventKind::pause) |
    kind_bit(sim::EventKind::resume);
static_assert((kOutputsActedOn & ~kOutputKinds) == 0 && (kInputsActedOn & kOutputKinds) == 0);

}  // namespace leadership_kinds

enum class LeadershipRule : std::uint8_t {
  pre_vote_state,       // 9.6: handling a PreVote changes no term and no vote
  pre_vote_grant,       // 9.6: a pre-vote is granted neither for a term below the receiver's nor within the
                        // election timeout of hearing from the current leader
  check_quorum,         // 6.2: with check_quorum, a leader that has not heard from a majority for two minimum
                        // election timeouts (at its clock rate) + a heartbeat interval has stepped down
  transfer_up_to_date,  // 3.10: TimeoutNow goes only to a target that acknowledged the leader's whole log
  transfer_proposals,   // 3.10: a leader transferring leadership appends no new entries
  read_index_commit,    // 6.4 step 1: a read's index is a commit index of an entry of the leader's own term
  read_index_quorum,    // 6.4 step 3: a read is served only after a majority (the leader included) replied to
                        // the leader in its term after the read's request arrived
  lease_read,           // 6.4.1: a read under a lease is served by the leader of its term at a commit index of
                        // that term, after a majority replied within the lease (min election timeout / bound of
                        // its clock), and, while every two clocks' rates stayed within the drift bound, never
                        // after a leader of a higher term was elected
  lease_vote,           // 4.2.3/6.4.1: with leases, no vote for a higher term within the min election timeout (own
                        // clock) of hearing from a leader or of a restart, except for a TimeoutNow's target
};
inline constexpr std::size_t kLeadershipRuleCount = 9;

const char* leadership_rule_name(LeadershipRule rule);

class LeadershipRules final : public Checker {
 public:
  LeadershipRules();  // with a configuration view of its own
  explicit LeadershipRules(const MembershipView& shared);
  const char* name() const override { return "leadership"; }
  std::vector<std::string> rule_names() const override;
  bool disable_rule(const std::string& rule) override;
  // Inlined into StandardDispatch's function for each event kind (most of the tests fold away).
  [[gnu::always_inline]] std::optional<Violation> observe(const sim::TraceEvent& e) override {
    using namespace leadership_kinds;
    ++position_;
    const KindMask bit = kind_bit(e.kind);
    // Most events need nothing but the step's framing below: an apply, a commit, a write, an AppendEntries
    // or its reply sent, a client's or a disk's event. Without check-quorum (which judges every output of a
    // leader) they return here, once their node is known (a node first seen in any output counts in majorities).
    constexpr KindMask kIdleKinds = ~(kOutputsActedOn | kInputsActedOn | kind_bit(sim::EventKind::timing) |
                                      kind_bit(sim::EventKind::lease_bound));
    const bool idle_send = e.kind == sim::EventKind::send && e.label != message_kinds::kPreVoteReply &&
                           e.label != message_kinds::kTimeoutNow;
    // (With a configuration view of its own, observe_slow feeds it every event.) The node is -1 (a client's
    // event) or one already seen (nodes_ holds at most 4096, grow()).
    if (((bit & kIdleKinds) != 0 || idle_send) && e.node < idle_below_) {
      if (pre_vote_node_ >= 0 && (e.node != pre_vote_node_ || (bit & kOutputKinds) == 0)) pre_vote_node_ = -1;
      return std::nullopt;
    }
    return observe_slow(e);
  }

 private:
  static constexpr std::size_t kRequestWindow = 4096;  // recent client requests remembered per leader
  struct NodeView {
    std::uint32_t incarnation = 0;
    std::uint64_t role = 0;
    std::uint64_t term = 0;
    TermRuns log_terms;  // log_terms[i] is the term of index i + 1 (runs: memory per term change, issue 14 goal 2)
    double clock_rate = 1.0;
    // Pre-vote: when it last heard AppendEntries of its current term (-1: never), and the fastest clock since.
    std::int64_t heard_leader_us = -1;
    std::uint64_t heard_leader_term = 0;
    double clock_rate_max_since_heard = 1.0;
    // Leader (of `term`): when each peer was last heard from in its term, the slowest clock since it led,
    // what each peer acknowledged, whether a transfer is in progress.
    std::vector<std::int64_t> peer_contact_us;
    std::int64_t leading_since_us = 0;  // when it became leader
    // The term it last led (0: none; reset at a restart). A TimeoutNow of that term is its leader's: a
    // leader whose removal commits steps down and hands off in one step (thesis 4.2.2, 3.10), and the
    // stream shows its role change before that step's TimeoutNow.
    std::uint64_t led_term = 0;
    double clock_rate_min_leading = 1.0;
    std::vector<std::uint64_t> acked_match;
    // ReadIndex: the position in the stream of each peer's latest AppendEntries reply of the leader's term,
    // and of recent client requests (request id -> position), a bounded window.
    std::vector<std::uint64_t> peer_reply_position;
    FirstArrivals request_position{kRequestWindow};
    // Leases: when each peer's latest AppendEntries reply of the leader's term was delivered (-1: none).
    std::vector<std::int64_t> peer_reply_us;
    // Leases, as a voter: when it last heard AppendEntries or InstallSnapshot of a term >= its own, or
    // restarted (-1: never), that term, and its fastest clock since.
    std::int64_t lease_heard_us = -1;
    std::uint64_t lease_heard_term = 0;
    double lease_rate_max = 1.0;
    bool transferring = false;
    bool paused = false;
    std::int64_t paused_at_us = 0;
  };

  // Thesis 4.1: with membership changes, a leader's majorities are of the voters of its configuration only
  // (a leader removing itself is not one of them); without, of all nodes.
  struct Quorum {
    std::uint64_t voters = 0;
    bool by_configuration = false;
    std::size_t size = 0;     // votes that make a majority
    std::size_t members = 0;  // voters in the configuration
    // Votes that meet every majority (members - size + 1): as many as a majority for an odd number of
    // voters, one fewer for an even number. A set this large holds a member of any majority that could elect.
    std::size_t blocking() const { return members + 1 - size; }
    bool counts(std::int32_t p) const { return !by_configuration || MembershipView::has(voters, p); }
  };
  Quorum quorum_of(std::int32_t leader) const;
  // The quorum of a configuration's voters (bit n: node n).
  static Quorum quorum_of_voters(std::uint64_t voters);
  // The votes for something: the leader's own (if it is a voter) and each other voter p < peers with yes(p).
  template <typename Yes>
  static std::size_t votes(const Quorum& q, std::int32_t leader, std::size_t peers, Yes yes);

  [[gnu::always_inline]] NodeView& view(std::int32_t node) {
    const auto n = static_cast<std::size_t>(node);
    return node >= 0 && n < nodes_.size() ? nodes_[n] : grow(node);
  }
  NodeView& grow(std::int32_t node);  // a node not seen yet
  bool on(LeadershipRule rule) const { return rules_.on(rule); }
  Violation violation(LeadershipRule rule, std::int64_t time_us, std::vector<std::int32_t> nodes, std::string message) const;
  [[gnu::noinline]] std::optional<Violation> observe_slow(const sim::TraceEvent& e);  // kept out of observe's frame
  std::optional<Violation> observe_setting(const sim::TraceEvent& e);
  // observe_slow's two halves (inline: one frame for the slow path).
  [[gnu::always_inline]] inline std::optional<Violation> observe_input(const sim::TraceEvent& e);
  [[gnu::always_inline]] inline std::optional<Violation> on_output(const sim::TraceEvent& e);
  std::optional<Violation> check_quorum_contact(const sim::TraceEvent& e, NodeView& v);
  void become_leader(NodeView& v, std::int64_t time_us);
  std::optional<Violation> check_read(const sim::TraceEvent& e, const NodeView& v) const;
  std::optional<Violation> check_lease_read(const sim::TraceEvent& e, const NodeView& v) const;
  std::optional<Violation> check_lease_vote(const sim::TraceEvent& e, const NodeView& v) const;
  void update_clock_bound();

  RuleSwitch<LeadershipRule, kLeadershipRuleCount, leadership_rule_name> rules_;
  std::vector<NodeView> nodes_;
  // observe's inline test in one compare: nodes_.size() without check-quorum and with the shared view (an
  // idle event of a node below it returns at once), else INT32_MIN (none does; -1 neither). Kept by
  // update_idle_below() wherever nodes_ grows or check_quorum_on_ changes.
  std::int32_t idle_below_ = 0;
  void update_idle_below() {
    idle_below_ = !check_quorum_on_ && membership_.shared() ? static_cast<std::int32_t>(nodes_.size()) : INT32_MIN;
  }
  MembershipFeed membership_;  // thesis 4.1: majorities of the leader's configuration's voters
  std::int64_t election_timeout_min_us_ = 0;
  std::int64_t heartbeat_us_ = 0;
  bool check_quorum_on_ = false;
  std::uint64_t position_ = 0;  // events seen so far
  // Thesis 6.4.1: the clock drift bound announced by lease_bound (0: leases off), whether every two nodes'
  // clock rates have stayed within it so far, and the newest leader elected (highest term, by whom, when).
  double lease_bound_ = 0.0;
  bool clocks_within_bound_ = true;
  std::uint64_t newest_leader_term_ = 0;
  std::int32_t newest_leader_node_ = -1;
  std::int64_t newest_leader_us_ = 0;
  // 3.10: the targets of TimeoutNow by the term their election takes (votes for them are exempt from lease-vote).
  std::map<std::uint64_t, std::int32_t> transfer_targets_;
  // The node handling a PreVote delivered in the step in progress (-1: the step's input was no PreVote).
  std::int32_t pre_vote_node_ = -1;
};

}  // namespace checkers
