// The reference Raft core. See raft.h for the input/output contract.
//
// Structure (after etcd-io/raft and ScyllaDB raft/fsm.hh):
//   * every public input runs begin_input() ... end_input();
//   * role-specific volatile state lives in a std::variant<Follower, Candidate, Leader>, changed only by
//     become_follower(), become_candidate() and become_leader();
//   * all changes to hard state (term, vote) and to the log made during one input are written with exactly
//     one PersistRequest, emitted by end_input();
//   * messages that depend on durable state are held behind the newest outstanding PersistRequest and
//     released by on_persisted() (see "Persistence protocol" below).
//
// Persistence protocol (paper Figure 2: "updated on stable storage before responding to RPCs"):
//   * Tokens start at 1 and increase by one per PersistRequest; the host reports them in order.
//   * A message produced by an input is *held* if any PersistRequest is outstanding once that input's own
//     request (if any) has been emitted; it is released by the on_persisted() call for the newest token
//     outstanding at the time it was produced. So a vote, a vote request or an AppendEntries reply never
//     leaves before the term, vote and log entries it vouches for are durable -- including entries
//     appended by *earlier* inputs whose writes are still in flight (a heartbeat acknowledging an index
//     whose entries are not yet on disk must wait too).
//   * Exception: a leader's AppendEntries go out at once, in parallel with its own log write (thesis
//     10.2.1); the leader then counts itself toward a commit majority only up to its durable index.
#include "raft/raft.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <type_traits>
#include <utility>
#include <variant>

#include "base/assert.h"
#include "raft/kv_state_machine.h"
#include "raft/leadership.h"
#include "raft/log.h"
#include "raft/membership.h"
#include "raft/ring_queue.h"

namespace raft {

namespace {

// Bounds on the queues that grow while the host's storage lags behind. When an input would need room
// that is not there it is shed in a way Raft already tolerates: an incoming message is dropped (as if
// lost by the network), an election timeout re-arms the timer and waits, a client request is rejected
// with not_leader (definitely not applied). The asserts in end_input() then hold by construction.
constexpr std::size_t kMaxInflightPersists = 1024;
constexpr std::size_t kMaxHeldMessages = 16 * 1024;

struct Follower {};

struct Candidate {
  // Peers (and, once its vote is durable, this node itself) that granted a vote in the current term.
  std::set<NodeId> votes_granted;
  // The token of the PersistRequest that makes this candidacy's term and self-vote durable.
  std::uint64_t self_vote_token = 0;
};

// One unacknowledged append of the replicate state: the last index it carries, and the leader's heartbeat
// count when it was sent (to tell a window stalled for a whole heartbeat interval).
struct InflightAppend {
  LogIndex first_index;
  LogIndex last_index;
  std::uint64_t sent_at_heartbeat = 0;
  bool resent = false;  // sent a second time after a rejection behind a reordered append
};

// Flow control per follower (raft.h ProgressState; etcd raft's Progress and Inflights).
struct Progress {
  ProgressState state = ProgressState::probe;
  LogIndex next_index;   // next entry to send (replicate: optimistically advanced past entries in flight)
  LogIndex match_index;  // highest entry known to be replicated on the peer; only moves forward
  bool probe_sent = false;  // probe: an AppendEntries is out; nothing more until its reply or a heartbeat
  RingQueue<InflightAppend> inflight;  // replicate: unacknowledged appends with entries, oldest first
  // Paper 7: while the peer needs compacted entries (state snapshot), the snapshot being sent (0: none)
  // and the offset of the chunk to send next (one chunk at a time, each after the reply to the previous).
  LogIndex snapshot_index;
  std::uint64_t snapshot_offset = 0;
  std::uint64_t read_round_acked = 0;  // thesis 6.4: the highest ReadIndex round the peer's replies echoed
};

// A follower's InstallSnapshot in progress (Figure 13 rules 2-4): the chunks received so far, in order.
struct InstallBuffer {
  Term term;  // of the leader sending it
  LogIndex index;
  Term last_term;
  std::string data;
  Membership membership;  // thesis 4.1: the configuration at `index`
};
constexpr std::size_t kMaxSnapshotBytes = 64 * 1024 * 1024;  // bound on an install buffer

struct RequestKey {
  std::uint64_t client_id = 0;
  std::uint64_t request_id = 0;
  auto operator<=>(const RequestKey&) const = default;
};

// Thesis 6.4: a read waiting for its read index (step 1), for a majority to acknowledge a heartbeat round
// that began after it arrived (step 3), and for the state machine to reach the read index (step 4).
struct PendingRead {
  Command command;                  // a get
  std::optional<LogIndex> read_index;  // unset until the leader committed an entry of its term
  std::uint64_t round = 0;          // the heartbeat round that confirms the leadership for this read
};

// The leader's progress per peer, sorted by id, in one vector: the interface of the std::map it replaces
// (find, at, count, emplace, iteration in id order, std::erase_if). A cluster has a handful of peers, and
// every acknowledgement walks them all (maybe_advance_commit): a map's node-to-node increments were most of
// that walk (issue 14). An insertion (become_leader, sync_progress: a membership change) may move every
// element: no caller holds a Progress& across one (both run outside any per-peer handler).
class PeerProgress {
 public:
  using value_type = std::pair<NodeId, Progress>;
  using iterator = std::vector<value_type>::iterator;
  using const_iterator = std::vector<value_type>::const_iterator;

  iterator begin() { return peers_.begin(); }
  iterator end() { return peers_.end(); }
  const_iterator begin() const { return peers_.begin(); }
  const_iterator end() const { return peers_.end(); }
  std::size_t size() const { return peers_.size(); }
  bool empty() const { return peers_.empty(); }

  iterator find(NodeId peer) {
    const iterator it = lower_bound(peer);
    return it != peers_.end() && it->first == peer ? it : peers_.end();
  }
  const_iterator find(NodeId peer) const { return const_cast<PeerProgress*>(this)->find(peer); }
  std::size_t count(NodeId peer) const { return find(peer) != peers_.end() ? 1 : 0; }
  Progress& at(NodeId peer) {
    const iterator it = find(peer);
    RAFTSIM_ASSERT(it != peers_.end());
    return it->second;
  }
  // Inserts `progress` for a peer not yet present, in id order.
  void emplace(NodeId peer, Progress&& progress) {
    const iterator it = lower_bound(peer);
    RAFTSIM_ASSERT(it == peers_.end() || it->first != peer);
    peers_.emplace(it, peer, std::move(progress));
    RAFTSIM_ASSERT(std::is_sorted(peers_.begin(), peers_.end(), [](const value_type& a, const value_type& b) { return a.first < b.first; }));
  }
  template <typename Pred>
  friend std::size_t erase_if(PeerProgress& progress, Pred pred) {
    return std::erase_if(progress.peers_, pred);  // keeps the order
  }

 private:
  iterator lower_bound(NodeId peer) {
    return std::lower_bound(peers_.begin(), peers_.end(), peer,
                            [](const value_type& entry, NodeId id) { return entry.first < id; });
  }
  std::vector<value_type> peers_;  // sorted by id, no duplicates
};

struct Leader {
  PeerProgress progress;                     // every peer except this node; sorted by id
  std::uint64_t heartbeats = 0;              // heartbeat timer firings in this leadership
  std::map<RequestKey, LogIndex> pending;    // proposed here, not yet answered
  std::deque<PendingRead> reads;             // ReadIndex reads in arrival order (rounds non-decreasing)
  std::uint64_t read_round = 0;              // the latest heartbeat round begun for reads
  // Thesis 6.4.1 (lease_reads): when each round not yet confirmed by a majority was begun (local time; every
  // heartbeat begins one), the lease's end (local time), and whether it was given up for this term (a
  // TimeoutNow lets the target win an election at once).
  std::map<std::uint64_t, LocalTime> round_begun;
  std::optional<LocalTime> lease_until;
  bool lease_given_up = false;
  // CheckQuorum (thesis 6.2): peers heard from in this term since the last check.
  std::set<NodeId> heard_since_check;
  // Leadership transfer in progress (thesis 3.10): no new proposals until it ends.
  std::optional<NodeId> transfer_target;
  std::uint32_t transfer_heartbeats_left = 0;  // abandoned when it reaches 0 (an election timeout)
  bool timeout_now_sent = false;
  // Thesis 4.1: membership changes the host asked for, proposed one at a time (see maybe_propose_change).
  std::deque<ConfChange> requested_changes;
};
constexpr std::size_t kMaxRequestedChanges = 16;

// Thesis 9.6: a pre-vote round. The term is unchanged; the grants (itself included) are for term + 1.
struct PreCandidate {
  std::set<NodeId> votes_granted;
};

using RoleState = std::variant<Follower, Candidate, Leader, PreCandidate>;

struct InflightPersist {
  std::uint64_t token = 0;
  // Longest prefix of the in-memory log that the disk holds once this write is done: the log's last index
  // when the write was emitted, lowered by every later in-memory truncation.
  LogIndex stable_index;
  std::optional<HardState> hard_state;  // what this write makes durable, if it writes hard state
  OutputBuffer<Envelope> held;          // released once this write is durable
};

Observation observation(Observation::Kind kind, std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0) {
  Observation o;
  o.kind = kind;
  o.a = a;
  o.b = b;
  o.c = c;
  return o;
}

}  // namespace

struct Raft::State {
  explicit State(Config config_in, DurableState durable)
      : config(std::move(config_in)),
        hard(durable.hard_state),
        durable_hard(durable.hard_state),
        log(durable.log_base, durable.log_base_term, std::move(durable.log)),
        snapshot(std::move(durable.snapshot)),
        durable_match_index(log.last_index()) {
    initial_membership.voters = config.members;
    for (LogIndex i = log.base_index().next(); i <= log.last_index(); i = i.next()) note_config_entry(i, log.at(i));
    refresh_membership(/*announce=*/false);
    // Paper 7: a restarted node's state machine starts from its snapshot, not from the empty state; the
    // snapshot holds only committed entries, so they count as committed and applied again at once.
    if (snapshot.has_value()) {
      const bool restored = kv.restore(snapshot->data);
      RAFTSIM_ASSERT_MSG(restored, "the durable snapshot does not parse");
      RAFTSIM_ASSERT(log.base_index() <= snapshot->index && snapshot->index <= log.last_index());
      commit_index = last_applied = snapshot->index;
    }
  }

  Config config;
  HardState hard;          // in memory; durable_hard is what the disk is known to hold
  HardState durable_hard;
  Log log;
  std::optional<Snapshot> snapshot;  // paper 7: the newest snapshot (taken, installed or restored)
  std::optional<InstallBuffer> install;  // follower: an InstallSnapshot in progress
  KvStateMachine kv;
  LogIndex commit_index;   // volatile (Figure 2): restarts at 0 and is learned again
  LogIndex last_applied;
  std::optional<NodeId> leader_id;
  RoleState role = Follower{};
  bool started = false;
  // Heard from the leader of the current term since the election timer last fired (thesis 9.6, 4.2.3):
  // while set, pre-votes are refused.
  bool leader_contact = false;
  // Thesis 4.2.3, one rule for membership changes (a removed server must not disrupt) and leader leases
  // (6.4.1: a lease counts on the majority that confirmed it voting for no one that long): the node's own
  // clock (told by the host before each input, Raft::advance_clock; it runs at the node's rate), when it
  // last heard from a current leader (AppendEntries or InstallSnapshot of its term) and that leader's term.
  // Measured on the clock rather than by a timer: a host timer's length is fixed when it is armed, so a
  // clock slowed afterwards would end the window early in the node's own time, and the lease's bound is
  // stated in the nodes' own times. With leases, also when this incarnation started (a restarted node has
  // forgotten whom it heard from: it grants no vote for the same timeout).
  LocalTime now;
  std::optional<LocalTime> leader_heard_at;
  Term leader_heard_term;
  LocalTime started_at;
  // Thesis 4.1: the configuration entries in the log (by index), the one in force (the last of them, else
  // the snapshot's, else the initial one) and where it comes from (its entry's index; the snapshot's index;
  // 0 for the initial configuration).
  Membership initial_membership;
  std::map<LogIndex, Membership> log_configs;
  Membership membership;
  LogIndex membership_index;

  std::uint64_t next_token = 1;
  std::uint64_t persisted_token = 0;  // the newest token reported done (on_persisted)
  LogIndex durable_match_index;  // longest prefix of the in-memory log known to be on disk
  RingQueue<InflightPersist> inflight;  // oldest first
  std::size_t held_count = 0;

  // Per-input scratch, valid between begin_input() and end_input().
  Output* out = nullptr;
  bool hard_state_dirty = false;
  std::optional<LogIndex> log_dirty_from;  // lowest log index changed by this input
  std::optional<SnapshotWrite> snapshot_dirty;  // a snapshot taken or installed by this input
  bool log_truncated = false;
  OutputBuffer<Envelope> staged;  // messages that must wait for every outstanding write
  // An emptied message buffer kept for the next batch that is held behind a write (end_input hands the
  // staging buffer over to the write; on_persisted empties it again): no allocation per held batch.
  OutputBuffer<Envelope> spare_buffer;
  std::vector<LogIndex> commit_scratch;  // maybe_advance_commit's matches, kept to reuse its capacity

  // ---- small helpers -------------------------------------------------------------------------------

  NodeId self() const { return config.id; }
  // With a planted bug, the node's own safety asserts stay quiet: finding the damage is the checkers' job.
  bool strict() const { return !config.bugs.any(); }
  bool bug(Bug b) const { return config.bugs.on(b); }
  Term term() const { return hard.term; }
  // Every majority is of the voters of the configuration in force on this node now (thesis 4.1).
  std::size_t quorum() const { return membership.quorum(); }
  bool is_voter(NodeId node) const { return membership.is_voter(node); }
  template <typename Set>
  std::size_t voters_in(const Set& nodes) const {
    return static_cast<std::size_t>(std::count_if(nodes.begin(), nodes.end(), [&](NodeId n) { return is_voter(n); }));
  }
  bool is_leader() const { return std::holds_alternative<Leader>(role); }
  bool is_candidate() const { return std::holds_alternative<Candidate>(role); }
  bool is_pre_candidate() const { return std::holds_alternative<PreCandidate>(role); }
  Role role_kind() const {
    if (is_leader()) return Role::leader;
    if (is_candidate()) return Role::candidate;
    if (is_pre_candidate()) return Role::pre_candidate;
    return Role::follower;
  }

  void observe(Observation::Kind kind, std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0) {
    RAFTSIM_ASSERT(out != nullptr);
    out->observations.push_back(observation(kind, a, b, c));
  }

  // ---- membership (thesis 4.1; raft/membership.h) --------------------------------------------------

  void note_config_entry(LogIndex index, const Entry& entry) {
    if (entry.command().op != OpKind::config) return;
    std::optional<Membership> m = decode_membership(entry.command().value);
    RAFTSIM_ASSERT_MSG(m.has_value(), "a configuration entry that does not parse");
    RAFTSIM_ASSERT(!m->voters.empty());
    log_configs[index] = std::move(*m);
  }

  // The configuration in force at `index` (for a snapshot taken there): the last configuration entry at or
  // before it, else the newest snapshot's, else the initial one.
  Membership membership_at(LogIndex index) const {
    auto it = log_configs.upper_bound(index);
    if (it != log_configs.begin()) return std::prev(it)->second;
    if (snapshot.has_value() && snapshot->index <= index) return snapshot->membership;
    return initial_membership;
  }

  // May this node stand for election? A voter of its configuration may. So may a node whose latest
  // configuration entry, not committed yet, removed it while it was a voter: it may hold the only copy of
  // that entry (a leader deposed before it committed its own removal), and the remaining voters cannot
  // elect anyone without its vote, which its longer log refuses them. It stands, leads without counting
  // itself, commits the entry and steps down (thesis 4.2.2). Found by the generic configuration (swarm seed
  // 276 with flow control): the cluster stalled for good.
  bool may_stand() const {
    if (is_voter(self())) return true;
    if (membership_index.value == 0 || membership_index <= commit_index) return false;
    return membership_at(membership_index.prev()).is_voter(self());
  }

  // No vote (or pre-vote) for a candidate that this node's latest configuration removed, once that
  // configuration is committed as far as this node knows. Thesis 4.1 has servers vote for candidates
  // outside their latest configuration (a new server's vote may be needed: a fourth server added to three,
  // one of which fails), so a candidate that configuration never had is answered as any other; but a
  // removed one stands while its removal may be uncommitted (may_stand), and after a restart it cannot
  // tell: without this rule a restarted removed leader was elected again by voters that knew its removal
  // committed (swarm seeds 3000438, 4001149). Once committed, a majority of the new configuration holds
  // every committed entry and can elect one of its own. Refusing while uncommitted stalled the cluster for
  // good (seed 3001769: the removed leader held the removal with one voter, and was the only candidate
  // every voter accepted). hashicorp/raft refuses every candidate outside its configuration.
  bool vote_allowed_by_membership(NodeId candidate) const {
    if (!config.membership || is_voter(candidate) || membership_index.value == 0) return true;
    if (membership_index > commit_index) return true;  // not known committed: the removal may be undone
    return !membership_at(membership_index.prev()).is_voter(candidate);  // never a voter here, or removed before
  }

  // A configuration takes effect as soon as its entry is in the log, committed or not, and the previous one
  // is back when that entry is truncated (thesis 4.1). Called after every change to the log or snapshot.
  void refresh_membership(bool announce = true) {
    Membership in_force = initial_membership;
    LogIndex from(0);
    if (!log_configs.empty()) {
      in_force = log_configs.rbegin()->second;
      from = log_configs.rbegin()->first;
    } else if (snapshot.has_value() && !snapshot->membership.voters.empty()) {
      in_force = snapshot->membership;
      from = snapshot->index;
    }
    if (in_force == membership && from == membership_index) return;
    membership = std::move(in_force);
    membership_index = from;
    membership.check();
    if (announce && config.membership) observe(Observation::Kind::membership, membership.voter_bits(), membership.learner_bits(), membership_index.value);
    if (is_leader()) sync_progress();
  }

  // Leader: progress for exactly the members of the configuration in force (a new learner starts at the
  // configuration entry; nextIndex backs up from there on rejection).
  void sync_progress() {
    RAFTSIM_ASSERT(is_leader());
    Leader& l = std::get<Leader>(role);
    erase_if(l.progress, [&](const auto& entry) { return !membership.contains(entry.first); });
    for (NodeId peer : membership.all()) {
      if (peer == self() || l.progress.count(peer) != 0) continue;
      Progress p;  // flow control: a newcomer's match is unknown, so it starts in probe
      p.next_index = std::max(membership_index, LogIndex(1));
      l.progress.emplace(peer, std::move(p));
    }
    if (l.transfer_target.has_value() && !is_voter(*l.transfer_target)) {
      l.transfer_target.reset();
      l.timeout_now_sent = false;
    }
  }

  // Thesis 4.1 and Ongaro's 2015 correction: a leader proposes a change only once it committed an entry of
  // its own term, and only when no earlier change is uncommitted. Caught-up learners are promoted first
  // (thesis 4.2.1), then the host's requests in order.
  void maybe_propose_change() {
    if (!is_leader()) return;
    Leader& l = std::get<Leader>(role);
    // BUG(change-without-own-term-commit): a new leader proposes before its no-op (or any entry of its
    // term) is committed, so it may not know the latest committed configuration.
    const bool own_term = committed_in_term() || bug(Bug::change_without_own_term_commit);
    // BUG(two-changes-in-flight): a change is proposed while the previous one is still uncommitted: the two
    // configurations' majorities need not overlap.
    const bool none_pending = membership_index <= commit_index || bug(Bug::two_changes_in_flight);
    if (!own_term || !none_pending || l.transfer_target.has_value() || !has_room()) return;
    std::optional<ConfChange> change;
    for (NodeId learner : membership.learners) {
      const auto it = l.progress.find(learner);
      // Caught up: it holds everything committed when this check runs (thesis 4.2.1's last round).
      if (it != l.progress.end() && it->second.match_index >= commit_index) {
        change = ConfChange{ConfChangeKind::promote, learner};
        break;
      }
    }
    while (!change.has_value() && !l.requested_changes.empty()) {
      const ConfChange next = l.requested_changes.front();
      l.requested_changes.pop_front();
      if (apply_change(membership, next).has_value()) change = next;  // else already done: nothing to do
    }
    if (!change.has_value()) return;
    std::optional<Membership> next = apply_change(membership, *change);
    RAFTSIM_ASSERT(next.has_value());
    Command command;
    command.op = OpKind::config;
    command.key = std::string(conf_change_name(change->kind)) + " " + std::to_string(change->node.value);
    command.value = encode_membership(*next);
    append_local(Entry(term(), std::move(command)));  // in force here at once (and progress follows it)
    broadcast_new_entries();
  }

  // Thesis 4.2.2: a leader that is not in the configuration it committed steps down.
  void maybe_step_down_removed() {
    if (!is_leader() || is_voter(self()) || membership_index > commit_index) return;
    become_follower(term(), std::nullopt);
  }

  void arm_election_timer() {
    RAFTSIM_ASSERT(out != nullptr);
    RAFTSIM_ASSERT(!is_leader());  // leaders do not time out; a stale election timer is ignored
    // BUG(fixed-election-timeout): without randomization (5.2) candidates keep splitting the vote.
    const std::uint64_t max_us =
        bug(Bug::fixed_election_timeout) ? config.election_timeout_us_min : config.election_timeout_us_max;
    out->timers.push_back(TimerRequest{TimerKind::election, config.election_timeout_us_min, max_us});
  }

  // CheckQuorum (thesis 6.2): a leader uses the election timer slot to check its contact every minimum
  // election timeout, so it steps down at most two of them after it last heard from a majority.
  void arm_check_quorum_timer() {
    RAFTSIM_ASSERT(out != nullptr);
    RAFTSIM_ASSERT(is_leader() && config.check_quorum);
    out->timers.push_back(
        TimerRequest{TimerKind::election, config.election_timeout_us_min, config.election_timeout_us_min});
  }

  void arm_heartbeat_timer() {
    RAFTSIM_ASSERT(out != nullptr);
    RAFTSIM_ASSERT(is_leader());
    out->timers.push_back(
        TimerRequest{TimerKind::heartbeat, config.heartbeat_interval_us, config.heartbeat_interval_us});
  }

  // A message that vouches for durable state: held until every outstanding write is done. Built in place
  // (a template, not a Message parameter: no variant moved twice on the way in).
  template <typename M>
  void stage(NodeId to, M&& message) {
    RAFTSIM_ASSERT(to != self());
    // A buffer handed over to a held write (end_input) is replaced by the spare one, or with room for a
    // few, not grown 1, 2, 4.
    if (staged.capacity() == 0) {
      if (spare_buffer.capacity() > 0) {
        staged.swap(spare_buffer);
      } else {
        staged.reserve(4);
      }
    }
    RAFTSIM_ASSERT(staged.capacity() > 0);
    emplace_envelope(staged, self(), to, std::forward<M>(message));
  }

  // A message sent now (not held), built in place in the output.
  template <typename M>
  void send(NodeId to, M&& message) {
    RAFTSIM_ASSERT(to != self());
    emplace_envelope(out->messages, self(), to, std::forward<M>(message));
  }

  // How many writes are outstanding (inflight.size()): tokens are consecutive and reported in order, so a
  // subtraction, where std::deque::size() took about 20 instructions on every input (issue 14).
  std::size_t inflight_persists() const {
    RAFTSIM_ASSERT(persisted_token < next_token);
    return static_cast<std::size_t>(next_token - 1 - persisted_token);
  }

  // Room for one more input's worth of persists and held messages (see kMaxInflightPersists).
  bool has_room() const {
    return inflight_persists() < kMaxInflightPersists && held_count + membership.voters.size() + membership.learners.size() <= kMaxHeldMessages;
  }

  // ---- input lifecycle -----------------------------------------------------------------------------

  // Inlined into each public input (a call and return per input otherwise, issue 14).
  [[gnu::always_inline]] void begin_input(Output& output) {
    RAFTSIM_ASSERT(started);         // start() must come first: it arms the first election timer
    RAFTSIM_ASSERT(out == nullptr);  // inputs do not nest
    RAFTSIM_ASSERT(staged.empty() && !hard_state_dirty && !log_dirty_from.has_value() && !snapshot_dirty.has_value());
    out = &output;
  }

  // Inlined into each public input like begin_input; its rarer parts are out of line (below).
  [[gnu::always_inline]] void end_input() {
    RAFTSIM_ASSERT(out != nullptr);
    // After the input, not inside it: a change removes a peer's progress, which the handler that advanced
    // the commit index may still be using.
    if (config.membership) end_input_membership();
    // Most inputs change nothing durable (two in three in basic.json): tested here, not in a call.
    if (hard_state_dirty || log_dirty_from.has_value() || snapshot_dirty.has_value()) {
      flush_persist();
    } else {
      RAFTSIM_ASSERT(!log_truncated);
    }
    if (!staged.empty()) route_staged();
    RAFTSIM_ASSERT(held_count <= kMaxHeldMessages);
    RAFTSIM_ASSERT(inflight_persists() <= kMaxInflightPersists);
    out = nullptr;
#if RAFTSIM_DEBUG_INVARIANTS
    if (strict()) check_invariants();
#endif
  }

  // end_input's rarer parts, kept out of line so its common path (nothing staged, nothing durable, no
  // membership) needs no saved registers (issue 14).
  [[gnu::noinline]] void end_input_membership() {
    RAFTSIM_ASSERT(config.membership);
    maybe_step_down_removed();
    maybe_propose_change();
  }

  // Route the staged messages: hold them behind the newest outstanding write, or send them now.
  [[gnu::noinline]] void route_staged() {
    RAFTSIM_ASSERT(!staged.empty());
    // Into an empty destination the whole vector is handed over (no message moved one by one).
    OutputBuffer<Envelope>& to = inflight.empty() ? out->messages : inflight.back().held;
    if (!inflight.empty()) held_count += staged.size();
    if (to.empty()) {
      to.swap(staged);
    } else {
      for (Envelope& e : staged) to.push_back(std::move(e));
    }
    staged.clear();
    RAFTSIM_ASSERT(staged.empty());
  }

  // Emit the single PersistRequest covering every hard-state and log change of this input.
  void flush_persist() {
    RAFTSIM_ASSERT(hard_state_dirty || log_dirty_from.has_value() || snapshot_dirty.has_value());
    // Built where the host reads it (no PersistRequest moved into the output).
    PersistRequest& request = out->persist.emplace_back();
    request.token = next_token++;
    if (hard_state_dirty) request.hard_state = hard;
    if (snapshot_dirty.has_value()) request.snapshot = std::move(*snapshot_dirty);
    if (log_dirty_from.has_value()) {
      // Entries compacted by this input are in its snapshot (written first): rewrite only what follows.
      const LogIndex from = std::max(*log_dirty_from, log.base_index().next());
      RAFTSIM_ASSERT(from.value >= 1 && from.value <= log.last_index().value + 1);
      // Rewriting from the lowest changed index is always correct: it is exactly the in-memory suffix.
      if (log_truncated) request.truncate_from = from;
      request.first_index = from;
      log.slice_into(from, std::numeric_limits<std::size_t>::max(), request.entries);
    }
    // In a reused slot of the ring (RingQueue::push_back_slot): every field is set here, and the held
    // buffer, emptied when its write was done, keeps its capacity (no allocation and free per write).
    InflightPersist& pending = inflight.push_back_slot();
    pending.token = request.token;
    pending.stable_index = log.last_index();
    pending.hard_state = request.hard_state;
    RAFTSIM_ASSERT(pending.held.empty());
    hard_state_dirty = false;
    log_dirty_from.reset();
    snapshot_dirty.reset();
    log_truncated = false;
  }

  // ---- log changes (every one is observed and persisted) ------------------------------------------

  void append_local(Entry entry) {
    RAFTSIM_ASSERT(entry.term().value > 0 && entry.term() <= term());  // no entry from the future
    const LogIndex index = log.last_index().next();
    const Term entry_term = entry.term();
    const bool config_entry = entry.command().op == OpKind::config;
    if (config_entry) note_config_entry(index, entry);
    log.append(std::move(entry));
    const std::uint64_t digest = log.digest_at(index);  // computed once, when the entry was created
    if (!log_dirty_from.has_value() || index < *log_dirty_from) log_dirty_from = index;
    observe(Observation::Kind::log_appended, index.value, entry_term.value, digest);
    if (config_entry) refresh_membership();
    RAFTSIM_ASSERT(log.last_index() == index);
  }

  void truncate_local(LogIndex from) {
    // Committed entries are never removed (Leader Completeness, 5.4): a conflict there is a safety bug.
    RAFTSIM_ASSERT_MSG(!strict() || from > commit_index, "truncating a committed entry");
    if (from <= commit_index) commit_index = last_applied = from.prev();  // only with a planted bug
    RAFTSIM_ASSERT(!is_leader());  // Leader Append-Only (Figure 3)
    observe(Observation::Kind::log_truncated, from.value);
    log.truncate_from(from);
    if (!log_dirty_from.has_value() || from < *log_dirty_from) log_dirty_from = from;
    log_truncated = true;
    if (log_configs.lower_bound(from) != log_configs.end()) {
      log_configs.erase(log_configs.lower_bound(from), log_configs.end());
      refresh_membership();  // the previous configuration is back (thesis 4.1)
    }
    // The disk's entries >= from no longer match memory until a later write replaces them.
    const LogIndex kept = from.prev();
    durable_match_index = std::min(durable_match_index, kept);
    for (InflightPersist& p : inflight) p.stable_index = std::min(p.stable_index, kept);
  }

  // ---- role changes (the only places `role` is assigned) ------------------------------------------

  // 5.1: a higher term makes any node a follower (vote cleared); 5.2: a candidate that hears from the
  // leader of its own term steps down. `leader` is the known leader of `new_term`, if any.
  void become_follower(Term new_term, std::optional<NodeId> leader) {
    RAFTSIM_ASSERT(new_term >= term());
    RAFTSIM_ASSERT(!leader.has_value() || *leader != self());
    if (new_term > term()) {
      hard.term = new_term;
      hard.voted_for.reset();
      hard_state_dirty = true;
    } else {
      RAFTSIM_ASSERT(!std::holds_alternative<Follower>(role));  // a same-term call must change the role

    }
    const bool was_leader = is_leader();
    if (was_leader) {
      // The outcome of every unanswered proposal is now unknown: it may still be committed by a later
      // leader, or be overwritten.
      Leader& l = std::get<Leader>(role);
      for (const auto& [key, index] : l.pending) {
        ClientReply reply;
        reply.client_id = key.client_id;
        reply.request_id = key.request_id;
        reply.status = ReplyStatus::unknown;
        reply.leader_hint = leader;
        out->replies.push_back(std::move(reply));
      }
      // A read changes nothing: one not served is definitely not performed, and the client may retry.
      for (const PendingRead& r : l.reads) {
        ClientReply reply;
        reply.client_id = r.command.client_id;
        reply.request_id = r.command.request_id;
        reply.status = ReplyStatus::not_leader;
        reply.leader_hint = leader;
        out->replies.push_back(std::move(reply));
      }
    }
    role = Follower{};
    leader_id = leader;
    leader_contact = leader.has_value();
    observe(Observation::Kind::role_changed, static_cast<std::uint64_t>(Role::follower), term().value);
    // A leader has no election timer armed; everyone else keeps the one already running.
    if (was_leader) arm_election_timer();
  }

  // 5.2: "To begin an election, a follower increments its current term and transitions to candidate
  // state. It then votes for itself and issues RequestVote RPCs in parallel to each of the other servers."
  // `transfer`: started by TimeoutNow (thesis 3.10), so voters hearing from the leader still answer it.
  void become_candidate(bool transfer = false) {
    RAFTSIM_ASSERT(!is_leader());
    RAFTSIM_ASSERT(may_stand());  // learners and non-members never stand (thesis 4.2.1)
    hard.term = term().next();
    hard.voted_for = self();
    hard_state_dirty = true;
    leader_id.reset();
    leader_contact = false;
    // end_input() will emit this input's write with token next_token; the self-vote counts once it is done.
    role = Candidate{{}, next_token};
    observe(Observation::Kind::role_changed, static_cast<std::uint64_t>(Role::candidate), term().value);
    arm_election_timer();  // a split vote times out and starts a new election (5.2)
    for (NodeId peer : membership.voters) {
      if (peer == self()) continue;
      stage(peer, RequestVote{term(), self(), log.last_index(), log.last_term(), transfer});
    }
  }

  void become_leader() {
    RAFTSIM_ASSERT(is_candidate());
    RAFTSIM_ASSERT(voters_in(std::get<Candidate>(role).votes_granted) >= quorum());
    RAFTSIM_ASSERT(durable_hard.term == term() && durable_hard.voted_for == self());  // own vote is durable
    Leader l;
    for (NodeId peer : membership.all()) {  // voters and learners alike receive entries (thesis 4.2.1)
      if (peer == self()) continue;
      // Figure 2: nextIndex initialized to leader last log index + 1, matchIndex to 0.
      // Flow control: the match is unknown, so every follower starts in probe (etcd: becomeLeader).
      Progress p;
      p.next_index = log.last_index().next();
      l.progress.emplace(peer, std::move(p));
    }
    role = std::move(l);
    leader_id = self();
    observe(Observation::Kind::role_changed, static_cast<std::uint64_t>(Role::leader), term().value);
    arm_heartbeat_timer();
    if (config.check_quorum) arm_check_quorum_timer();  // replaces the candidate's election timer
    // 8: "each leader commit a blank no-op entry into the log at the start of its term", which lets it
    // commit entries of earlier terms (5.4.2) without waiting for a client request.
    append_local(Entry(term(), Command{}));
    if (config.lease_reads) begin_round();  // thesis 6.4.1: the first round may start the lease
    broadcast_new_entries();
  }

  // ---- election ------------------------------------------------------------------------------------

  void maybe_win_election() {
    RAFTSIM_ASSERT(is_candidate());
    const Candidate& c = std::get<Candidate>(role);
    // Only votes of voters in this node's configuration count (thesis 4.1).
    // Its own vote must be durable too (it counts only then; a planted bug may bring others' votes early).
    if (voters_in(c.votes_granted) >= quorum() && durable_hard.term == term()) become_leader();
  }

  // 5.2, 5.4.1. Called with request.term == term() (the term rule already ran).
  void handle_request_vote(NodeId from, const RequestVote& request) {
    RAFTSIM_ASSERT(request.term == term());
    RAFTSIM_ASSERT(request.candidate == from);
    // "each server will vote for at most one candidate in a given term, on a first-come-first-served
    // basis" (5.2); candidates and leaders have voted for themselves, so they always refuse here.
    const bool can_vote = !hard.voted_for.has_value() || *hard.voted_for == from;
    // BUG(no-log-up-to-date-check): a candidate missing committed entries can win (5.4.1).
    const bool log_ok = log.is_up_to_date(request.last_log_term, request.last_log_index) ||  // 5.4.1
                        bug(Bug::no_log_up_to_date_check);
    // Thesis 6.4.1: a restarted node does not know whom it heard from before: no vote until a minimum election
    // timeout after its start (except for a leadership transfer, whose leader gave up its lease).
    const bool restart_ok = !config.lease_reads || request.transfer || bug(Bug::vote_during_lease) ||
                            now.value - started_at.value >= config.election_timeout_us_min;
    // Thesis 6.4.1: nor, within the minimum election timeout of hearing from a leader, for a term above that
    // leader's (this node may have moved to such a term since, by a reply or a refused RequestVote).
    const bool lease_ok = !config.lease_reads || request.transfer || bug(Bug::vote_during_lease) ||
                          request.term <= leader_heard_term || !within_leader_window();
    const bool grant = can_vote && log_ok && restart_ok && lease_ok && vote_allowed_by_membership(from);
    if (grant && is_pre_candidate()) become_follower(term(), std::nullopt);  // it backs another candidate now
    if (grant) {
      RAFTSIM_ASSERT(std::holds_alternative<Follower>(role));
      if (!hard.voted_for.has_value()) {
        hard.voted_for = from;
        hard_state_dirty = true;
      }
      observe(Observation::Kind::vote_granted, term().value, from.value);
      arm_election_timer();  // 5.2 / Figure 2: granting a vote resets the election timeout
    }
    if (bug(Bug::no_persist_vote)) {
      // BUG(no-persist-vote): the vote leaves before it is durable; a crash now forgets it.
      send(from, RequestVoteReply{term(), grant});
      return;
    }
    stage(from, RequestVoteReply{term(), grant});
  }

  void handle_request_vote_reply(NodeId from, const RequestVoteReply& reply) {
    RAFTSIM_ASSERT(reply.term == term());
    RAFTSIM_ASSERT(from != self());
    // A reply of the current term reaching a non-candidate is late (already won, or stepped down).
    if (!is_candidate() || !reply.vote_granted) return;
    std::get<Candidate>(role).votes_granted.insert(from);
    maybe_win_election();
  }

  // ---- replication: follower side (5.3) ------------------------------------------------------------

  void handle_append_entries(NodeId from, const AppendEntries& request) {
    RAFTSIM_ASSERT(request.term == term());
    RAFTSIM_ASSERT(request.leader == from);
    // Election Safety (5.2): at most one leader per term, so a leader never hears another of its term.
    RAFTSIM_ASSERT_MSG(!strict() || !is_leader(), "two leaders in one term");
    if (is_leader()) return;  // only with a planted bug: a second leader of this term
    if (is_candidate() || is_pre_candidate()) {
      become_follower(term(), from);  // 5.2: the candidate recognizes the leader as legitimate
    } else {
      RAFTSIM_ASSERT_MSG(!strict() || !leader_id.has_value() || *leader_id == from, "two leaders in one term");
      leader_id = from;
    }
    if (bug(Bug::revote_same_term) && hard.voted_for.has_value()) {
      // BUG(revote-same-term): stepping down to (or staying) follower under this term's leader forgets the
      // vote of this term, so the node may vote again in it (5.2: at most one vote per term).
      hard.voted_for.reset();
      hard_state_dirty = true;
    }
    arm_election_timer();  // valid AppendEntries from the current leader (5.2)
    leader_contact = true;  // thesis 9.6: no pre-votes while the leader is heard from
    note_leader_heard();  // thesis 4.2.3: no disruptive votes for a minimum election timeout

    AppendEntriesReply reply;
    reply.term = term();
    reply.read_round = request.read_round;
    LogIndex prev = request.prev_log_index;
    std::size_t skip = 0;
    if (prev < log.base_index()) {
      // Paper 7: entries up to the base are in this node's snapshot, hence committed, hence in every later
      // leader's log (5.4): they match. Skip the request's entries there and check from the base.
      skip = static_cast<std::size_t>(std::min<std::uint64_t>(log.base_index().value - prev.value, request.entries.size()));
      prev = prev + skip;
    }
    const bool matched_by_snapshot = request.prev_log_index < log.base_index();
    if (matched_by_snapshot && prev < log.base_index()) {
      // The whole request lies inside the snapshot: it matches up to its end, and brings nothing new.
      reply.success = true;
      reply.match_index = prev;
    } else if (!matched_by_snapshot && prev > log.last_index()) {
      // Log too short: retry from just past our end (thesis 5.3 fast backup).
      reply.conflict_index = log.last_index().next();
      reply.conflict_term = Term(0);
      reply.rejected_prev_index = request.prev_log_index;
    } else if (!matched_by_snapshot && !log.matches(prev, request.prev_log_term)) {
      // Log Matching (5.3): committed entries match every later leader's log.
      RAFTSIM_ASSERT_MSG(!strict() || prev > commit_index, "committed entry conflicts with the leader");
      reply.conflict_term = log.term_at(prev);
      reply.conflict_index = log.first_index_of_term_at(prev);
      reply.rejected_prev_index = request.prev_log_index;
    } else {
      // 5.3 / Figure 2 step 3-4: "If an existing entry conflicts with a new one (same index but different
      // terms), delete the existing entry and all that follow it. Append any new entries not already in
      // the log." An entry with the same index and term is kept, so a duplicated or reordered old request
      // never truncates entries that a later request appended.
      LogIndex index = prev;
      for (std::size_t k = skip; k < request.entries.size(); ++k) {
        const Entry& entry = request.entries[k];
        index = index.next();
        if (index <= log.last_index()) {
          if (log.term_at(index) == entry.term()) {
            // Compared field by field, not by digest: two digests per kept entry were the hottest code with
            // many clients (issue 14).
            RAFTSIM_ASSERT_MSG(!strict() || log.at(index) == entry,
                               "same index and term but different content (Log Matching)");
            if (!bug(Bug::truncate_without_conflict)) continue;
            // BUG(truncate-without-conflict): 5.3 says delete only on a real conflict; a reordered old
            // AppendEntries then drops entries appended (and perhaps committed) since.
          }
          truncate_local(index);
        }
        append_local(entry);
      }
      const LogIndex last_new = request.prev_log_index + request.entries.size();
      RAFTSIM_ASSERT(last_new <= log.last_index());
      // Figure 2 step 5: commitIndex = min(leaderCommit, index of last new entry). Only entries verified to
      // match the leader by *this* request may be committed; commit never moves backwards.
      const LogIndex new_commit = std::min(request.leader_commit, last_new);
      if (new_commit > commit_index) set_commit(new_commit);
      reply.success = true;
      reply.match_index = last_new;
    }
    if (bug(Bug::commit_beyond_match)) {
      // BUG(commit-beyond-match): the commit index follows leaderCommit to the end of this node's own log,
      // whether or not this request verified those entries (even when it was rejected): a stale suffix
      // left by an earlier leader is committed and applied.
      const LogIndex unverified = std::min(request.leader_commit, log.last_index());
      if (unverified > commit_index) set_commit(unverified);
    }
    stage(from, reply);
  }

  // ---- replication: leader side (5.3, 5.4.2) -------------------------------------------------------

  // Flow control (thesis 10.2.1; etcd raft's Progress): may another AppendEntries go to this follower now?
  // Probe: only if no probe is out. Replicate: only while the window has room. Snapshot: never.
  bool can_send_append(const Progress& p) const {
    switch (p.state) {
      case ProgressState::probe: return !p.probe_sent;
      case ProgressState::replicate: return p.inflight.size() < config.max_inflight_appends;
      case ProgressState::snapshot: return false;
    }
    return false;
  }

  // Send `peer` the entries from its next_index (up to max_entries_per_append; none if it is up to date),
  // or its snapshot if they are compacted. The caller has checked the flow control (can_send_append), or
  // is the heartbeat. `p` is the leader's progress of `peer` (passed along, not looked up again).
  void send_append(NodeId peer, Progress& p) {
    RAFTSIM_ASSERT(is_leader());
    // The leader's term and vote were durable before it could win (self-vote counted only once durable).
    RAFTSIM_ASSERT(durable_hard.term == term());
    Leader& l = std::get<Leader>(role);
    RAFTSIM_ASSERT(p.next_index.value >= 1 && p.next_index <= log.last_index().next());
    RAFTSIM_ASSERT(p.match_index < p.next_index);
    if (p.next_index.prev() < log.base_index()) {
      // Paper 7: "the leader must occasionally send snapshots to followers that lag behind". Nothing else
      // goes to this follower until the snapshot is installed (etcd: StateSnapshot).
      become_snapshot(p);
      send_snapshot_chunk(peer, p);
      return;
    }
    if (p.state == ProgressState::snapshot) become_probe(p);  // the entries it needs are in the log again
    // Sent at once, in parallel with the leader's own disk write (thesis 10.2.1).
    const LogIndex prev = p.next_index.prev();
    const std::size_t carried = send_append_entries(peer, prev, config.max_entries_per_append);
    if (p.state == ProgressState::probe) {
      // Probe: next_index stays where it is until the reply establishes the match.
      p.probe_sent = true;
    } else if (carried > 0) {
      // Replicate (pipelining): the next message continues after the entries in flight.
      p.next_index = p.next_index + carried;
      p.inflight.push_back(InflightAppend{prev.next(), p.next_index.prev(), l.heartbeats});
      RAFTSIM_ASSERT(p.inflight.size() <= config.max_inflight_appends);
      if (bug(Bug::match_on_send)) {
        // BUG(match-on-send): an append still in flight is counted as replicated (it may be lost, or be
        // rejected), so the leader may commit an entry that no majority holds.
        p.match_index = p.next_index.prev();
        maybe_advance_commit();
      }
    }
  }

  // Replicate: the same append again (its prev and entries), after a rejection behind a reordering.
  void resend_append(NodeId peer, const InflightAppend& a) {
    RAFTSIM_ASSERT(is_leader());
    RAFTSIM_ASSERT(a.first_index.prev() >= log.base_index() && a.last_index <= log.last_index());
    RAFTSIM_ASSERT(a.first_index <= a.last_index);
    const std::size_t count = static_cast<std::size_t>(a.last_index.value - a.first_index.value + 1);
    const std::size_t carried = send_append_entries(peer, a.first_index.prev(), count);
    RAFTSIM_ASSERT(carried == count);
  }

  // Sends `peer` one AppendEntries of this leader (Figure 2): its prev entry `prev` (whose term the log
  // knows: not below the snapshot's index) and up to `max_count` entries after it (0: none), the commit
  // index, and the heartbeat round begun last (thesis 6.4); returns how many entries it carries. The one
  // place send_append, resend_append and send_heartbeat_at_match build their message, built where the host
  // reads it (no AppendEntries moved into the output, and no emptied one destroyed: a message per entry per
  // follower, issue 14).
  std::size_t send_append_entries(NodeId peer, LogIndex prev, std::size_t max_count) {
    RAFTSIM_ASSERT(is_leader());
    RAFTSIM_ASSERT(peer != self());
    RAFTSIM_ASSERT(prev >= log.base_index() && prev <= log.last_index());
    Envelope& envelope = out->messages.emplace_back();
    envelope.from = self();
    envelope.to = peer;
    AppendEntries& request = envelope.message.emplace<AppendEntries>();
    request.term = term();
    request.leader = self();
    request.prev_log_index = prev;
    request.prev_log_term = log.term_at(prev);
    if (max_count > 0) log.slice_into(prev.next(), max_count, request.entries);
    RAFTSIM_ASSERT(request.entries.size() <= max_count);
    request.leader_commit = commit_index;
    request.read_round = std::get<Leader>(role).read_round;
    return request.entries.size();
  }

  // Replicate: pipeline appends up to the window while there are entries to send; probe: one probe.
  void send_while_allowed(NodeId peer, Progress& p) {
    RAFTSIM_ASSERT(is_leader());
    if (p.state == ProgressState::probe) {
      if (can_send_append(p)) send_append(peer, p);
      return;
    }
    while (p.state == ProgressState::replicate && can_send_append(p) && p.next_index <= log.last_index()) {
      send_append(peer, p);
    }
  }

  // Replicate: is entry `gap` carried by an append in flight (sent, not acknowledged)?
  static bool gap_in_flight(const Progress& p, LogIndex gap) {
    for (const InflightAppend& a : p.inflight) {
      if (a.first_index <= gap && gap <= a.last_index) return true;
    }
    return false;
  }

  void become_probe(Progress& p) {
    // etcd Progress.BecomeProbe: resume from just past the known match (or after an installed snapshot).
    p.state = ProgressState::probe;
    p.probe_sent = false;
    p.inflight.clear();
    p.snapshot_index = LogIndex(0);
    p.snapshot_offset = 0;
    p.next_index = std::max(p.next_index, p.match_index.next());
    RAFTSIM_ASSERT(p.next_index <= log.last_index().next());
  }

  void become_replicate(Progress& p) {
    // etcd Progress.BecomeReplicate: the match is established; continue right after it.
    p.state = ProgressState::replicate;
    p.probe_sent = false;
    p.inflight.clear();
    p.next_index = p.match_index.next();
    RAFTSIM_ASSERT(p.snapshot_index.value == 0);
  }

  void become_snapshot(Progress& p) {
    if (p.state == ProgressState::snapshot) return;
    p.state = ProgressState::snapshot;
    p.probe_sent = false;
    p.inflight.clear();
  }

  // A new entry to replicate (a client request, the term-start no-op): every follower whose flow control
  // allows it gets it now (several proposals that wait for room go out together, up to
  // max_entries_per_append per message: the batching).
  void broadcast_new_entries() {
    RAFTSIM_ASSERT(is_leader());
    RAFTSIM_ASSERT(std::get<Leader>(role).progress.size() <= membership.voters.size() + membership.learners.size());
    for (auto& [peer, progress] : std::get<Leader>(role).progress) send_while_allowed(peer, progress);
  }

  // 5.2: the periodic heartbeat keeps the leader's authority; for flow control it is also the
  // retransmission clock (etcd: a heartbeat response resumes a paused probe).
  //   snapshot:  the current chunk again (a lost one is resent);
  //   probe:     the probe again (its message or its reply may have been lost);
  //   replicate: the next entries if the window has room; if it is full, an empty AppendEntries at the
  //              known match (a follower always accepts it), and if no ack came for a whole heartbeat
  //              interval, the appends in flight are presumed lost: back to probe.
  void heartbeat_all() {
    RAFTSIM_ASSERT(is_leader());
    Leader& l = std::get<Leader>(role);
    ++l.heartbeats;
    for (auto& [peer, p] : l.progress) {
      if (p.state == ProgressState::snapshot) {
        send_append(peer, p);
        continue;
      }
      // Replicate: no ack for an append sent a whole heartbeat interval ago: it or its reply was lost.
      const bool stalled = p.state == ProgressState::replicate && !p.inflight.empty() &&
                           p.inflight.front().sent_at_heartbeat + 2 <= l.heartbeats;
      if (stalled) {
        become_probe(p);
        p.next_index = p.match_index.next();
      } else if (p.state == ProgressState::replicate && !can_send_append(p)) {
        RAFTSIM_ASSERT(!p.inflight.empty());
        if (p.match_index < log.base_index()) {  // the known match is compacted: no term to send it with
          become_probe(p);
          p.next_index = p.match_index.next();
        } else {
          send_heartbeat_at_match(peer, p);
          continue;
        }
      }
      if (p.state == ProgressState::probe) p.probe_sent = false;
      RAFTSIM_ASSERT(can_send_append(p));
      send_append(peer, p);
    }
  }

  // Thesis 6.4 step 3: the heartbeat round of a new read goes to every follower at once, whatever its flow
  // control (etcd: the ReadIndex heartbeats are not flow-controlled). Where the window is full (replicate)
  // or the probe is out (probe), an AppendEntries without entries at the known match carries the round: it
  // adds nothing to the window, and waiting for the probe's reply or the next heartbeat would hold the read
  // back when that follower's answer is needed for the majority. Followers being sent a snapshot are skipped
  // (a chunk per read would flood them; InstallSnapshot carries no round), as are those whose known match is
  // compacted (no term to send it with): the next heartbeat goes to them.
  void broadcast_read_round() {
    RAFTSIM_ASSERT(is_leader());
    for (auto& [peer, p] : std::get<Leader>(role).progress) {
      if (p.state == ProgressState::snapshot) continue;
      if (can_send_append(p)) {
        send_append(peer, p);
      } else if (p.match_index >= log.base_index()) {
        send_heartbeat_at_match(peer, p);
      }
    }
  }

  // An AppendEntries without entries whose prev entry is the follower's known match: it carries the
  // commit index and never fails the consistency check of a follower that kept its log.
  void send_heartbeat_at_match(NodeId peer, const Progress& p) {
    RAFTSIM_ASSERT(p.match_index >= log.base_index());  // the match entry's term is known
    send_append_entries(peer, p.match_index, 0);
  }

  void handle_append_entries_reply(NodeId from, const AppendEntriesReply& reply) {
    RAFTSIM_ASSERT(reply.term == term());
    RAFTSIM_ASSERT(from != self());
    // Only the leader of this term sent AppendEntries in it; a restarted ex-leader may still hear replies.
    if (!is_leader()) return;
    auto& all = std::get<Leader>(role).progress;
    const auto found = all.find(from);
    if (found == all.end()) return;  // a node removed since (thesis 4.1)
    Progress& p = found->second;
    // Any reply of this term, success or not, shows the peer still follows this leader (thesis 6.4 step 3).
    const bool new_round_acked = reply.read_round > p.read_round_acked;
    if (new_round_acked) {
      p.read_round_acked = reply.read_round;
      extend_lease();
      serve_reads();
    }
    if (!is_leader()) return;  // serving reads never steps down; a guard for the code below
    if (reply.success) {
      // Leader Append-Only: no follower can match more than the leader has ever had in this term.
      RAFTSIM_ASSERT(!strict() || reply.match_index <= log.last_index());
      if (reply.match_index > log.last_index()) return;  // only with a planted bug
      // Reordered or duplicated replies: match_index only moves forward.
      // BUG(stale-reply-match): ... unless an old reply may move it anywhere.
      const bool advanced = reply.match_index > p.match_index;
      if (advanced || (bug(Bug::stale_reply_match) && reply.match_index != p.match_index)) {
        p.match_index = reply.match_index;
        if (p.next_index <= p.match_index) p.next_index = p.match_index.next();
        maybe_advance_commit();
      }
      // The acknowledged appends leave the window (etcd Inflights.FreeLE).
      while (!p.inflight.empty() && p.inflight.front().last_index <= p.match_index) p.inflight.pop_front();
      if (p.state == ProgressState::probe && (advanced || reply.match_index >= p.next_index.prev())) {
        become_replicate(p);  // the reply establishes the match
      } else if (p.state == ProgressState::probe && new_round_acked) {
        // The first answer to a read's round (an empty AppendEntries at the known match where the probe was
        // out): the follower is there, so the probe goes again now (etcd: a heartbeat response resumes a
        // paused probe). Only then: stale replies of an earlier window, which a reordering network
        // delivers by the dozen after a drop to probe, would each send the probe again.
        p.probe_sent = false;
      } else if (p.state == ProgressState::snapshot && p.match_index.next() > log.base_index() &&
                 p.match_index >= p.snapshot_index) {
        become_probe(p);  // it caught up by appends after all: the snapshot is not needed
      }
      if (std::get<Leader>(role).transfer_target == from) maybe_send_timeout_now();
      send_while_allowed(from, p);  // follower is behind: keep going, up to the window
      return;
    }
    // etcd Progress.MaybeDecrTo: a rejection of an append that is not the current one is stale (reordered
    // or duplicated) and changes nothing; otherwise it drops the follower back to probe.
    if (p.state == ProgressState::snapshot) return;
    if (p.state == ProgressState::replicate) {
      if (reply.rejected_prev_index <= p.match_index) return;  // stale: the match is already past it
      // The follower's log ends just before an entry that another append in flight carries: the network
      // reordered that append behind the rejected one, which is resent once, alone (selective repeat);
      // probing would resend the whole window for one reordering. A second rejection of the same append
      // means the gap is not coming (lost): probe. If no reply comes at all, the heartbeat sees the stall.
      const auto rejected = std::find_if(p.inflight.begin(), p.inflight.end(), [&](const InflightAppend& a) {
        return a.first_index == reply.rejected_prev_index.next();
      });
      if (reply.conflict_term.value == 0 && reply.conflict_index <= reply.rejected_prev_index &&
          gap_in_flight(p, reply.conflict_index)) {
        // An append of an earlier window, or a duplicate: stale. But the latest message sent (an empty
        // heartbeat at next_index - 1) overtook nothing: what it finds missing was lost.
        if (rejected == p.inflight.end() && reply.rejected_prev_index.next() != p.next_index) return;
        if (rejected != p.inflight.end() && !rejected->resent && reply.rejected_prev_index >= log.base_index()) {
          rejected->resent = true;
          rejected->sent_at_heartbeat = std::get<Leader>(role).heartbeats;
          resend_append(from, *rejected);
          return;
        }
      }
      // The follower lacks something no longer in flight (lost): probe from just past the known match.
      become_probe(p);
      p.next_index = p.match_index.next();
      send_append(from, p);
      return;
    }
    if (reply.rejected_prev_index != p.next_index.prev()) return;  // not the answer to the current probe
    // Fast log backup (thesis 5.3): if the leader has entries of the follower's conflicting term, retry just
    // past its last one; otherwise skip the follower's whole conflicting term.
    LogIndex hint = reply.conflict_index;
    if (reply.conflict_term.value > 0) {
      if (const auto last = log.last_index_of_term(reply.conflict_term)) hint = last->next();
    }
    // Always make progress on a rejection (no livelock), never move below what is known to match, and
    // never below 1.
    LogIndex new_next = std::min(hint, p.next_index.prev());
    new_next = std::max(new_next, p.match_index.next());
    RAFTSIM_ASSERT(new_next.value >= 1);
    if (new_next < p.next_index) {
      p.next_index = new_next;
      p.probe_sent = false;
      send_append(from, p);
    }
  }

  // 5.4.2: advance commit_index to the highest N replicated on a majority with log[N].term == currentTerm.
  // The leader counts itself only up to its durable index (thesis 10.2.1).
  void maybe_advance_commit() {
    RAFTSIM_ASSERT(is_leader());
    const Leader& l = std::get<Leader>(role);
    // Thesis 4.1: a majority of the voters of the configuration in force here; learners never count, and a
    // leader that is removing itself does not count its own log (thesis 4.2.2).
    // Scratch reused between calls: this runs on every acknowledgement, so no allocation per call.
    // Only the matches above the commit index are kept: the quorum-th highest match is above it iff at
    // least `quorum` matches are, and is then the quorum-th highest of those. Most acknowledgements
    // complete no new majority (in a cluster of five, two of every four come after the entry committed):
    // those return after the count, with nothing sorted (issue 14).
    std::vector<LogIndex>& matches = commit_scratch;
    matches.clear();
    std::size_t counted = 0;  // voters (and, with the planted bug, learners) whose match was looked at
    if (is_voter(self())) {
      ++counted;
      if (durable_match_index > commit_index) matches.push_back(durable_match_index);
    }
    // Without learners every peer with progress is a voter (sync_progress keeps progress for exactly the
    // other members), so the common case needs no lookup; the size assert below still checks it.
    const bool peers_all_voters = membership.learners.empty();
    for (const auto& [peer, progress] : l.progress) {
      // BUG(learner-counted-in-quorum): a learner's log counts as a voter's (thesis 4.2.1 says it must not).
      if (peers_all_voters || is_voter(peer) || (bug(Bug::learner_counted_in_quorum) && membership.is_learner(peer))) {
        ++counted;
        if (progress.match_index > commit_index) matches.push_back(progress.match_index);
      }
    }
    RAFTSIM_ASSERT(counted == membership.voters.size() || bug(Bug::learner_counted_in_quorum));
    RAFTSIM_ASSERT(quorum() >= 1 && quorum() <= counted);
    RAFTSIM_ASSERT(matches.size() <= counted);
    if (matches.size() < quorum()) return;  // no majority holds an entry past the commit index
    // The quorum-th highest match is the highest index that at least `quorum` members hold. A handful of
    // voters (the usual cluster) are put in descending order by insertion, cheaper there than
    // nth_element's introselect; many by a partial selection, without sorting every match.
    const auto nth = matches.begin() + static_cast<std::ptrdiff_t>(quorum() - 1);
    if (matches.size() <= 8) {
      for (std::size_t i = 1; i < matches.size(); ++i) {
        const LogIndex v = matches[i];
        std::size_t j = i;
        for (; j > 0 && matches[j - 1] < v; --j) matches[j] = matches[j - 1];
        matches[j] = v;
      }
    } else {
      std::nth_element(matches.begin(), nth, matches.end(), std::greater<>());
    }
    const LogIndex majority_index = *nth;
    RAFTSIM_ASSERT(nth == matches.begin() || !(*std::prev(nth) < majority_index));
    RAFTSIM_ASSERT(majority_index <= log.last_index());
    RAFTSIM_ASSERT(majority_index > commit_index);  // only matches past the commit were kept
    // Terms are non-decreasing, so if log[majority_index] is of an earlier term so is every lower index:
    // Figure 8 -- never commit an earlier term's entry by counting replicas.
    // BUG(commit-prior-term): counting replicas of an earlier term's entry (Figure 8) is not enough.
    if (log.term_at(majority_index) == term() || bug(Bug::commit_prior_term)) {
      set_commit(majority_index);
    }
  }

  // ---- commit and apply ----------------------------------------------------------------------------

  void set_commit(LogIndex new_commit) {
    RAFTSIM_ASSERT(new_commit > commit_index);  // commit index never moves backwards
    RAFTSIM_ASSERT(new_commit <= log.last_index());
    commit_index = new_commit;
    observe(Observation::Kind::committed, commit_index.value);
    apply_committed();
  }

  // Apply committed entries in log order (Figure 2, "All Servers"), answering the clients this leader
  // proposed for.
  void apply_committed() {
    RAFTSIM_ASSERT(last_applied <= commit_index);
    while (last_applied < commit_index) {
      last_applied = last_applied.next();
      const Entry& entry = log.at(last_applied);
      // Thesis 6.3: the session table makes a retried request (the same client and request id, in the
      // log twice) take effect once; the later entry answers with the saved reply.
      const Sessions sessions = bug(Bug::retry_applied_twice) ? Sessions::off : Sessions::on;  // BUG(retry-applied-twice)
      const Command& command = entry.command();
      // In place: a follower copies no value out of the state machine; the leader copies it into its reply.
      const KvResult& result = kv.apply_in_place(command, last_applied, entry.term(), sessions);
      observe(Observation::Kind::applied, last_applied.value, entry.term().value, entry.digest());
      if (!is_leader()) continue;
      auto& pending = std::get<Leader>(role).pending;
      const auto it = pending.find(RequestKey{command.client_id, command.request_id});
      // Same client/request id at the index where *this* leader put it: an entry with the same ids at
      // another index is an earlier attempt, and the pending proposal will be answered at its own index.
      if (it == pending.end() || it->second != last_applied) continue;
      RAFTSIM_ASSERT(entry.term() == term());
      ClientReply reply;
      reply.client_id = command.client_id;
      reply.request_id = command.request_id;
      reply.status = ReplyStatus::ok;
      reply.leader_hint = self();
      reply.value = result.value;
      reply.cas_succeeded = result.cas_succeeded;
      reply.index = result.index;  // a duplicate: where the request was applied first
      reply.term = result.term;
      out->replies.push_back(std::move(reply));
      pending.erase(it);
    }
    RAFTSIM_ASSERT(last_applied == commit_index);
    serve_reads();
    maybe_take_snapshot();
  }

  // ---- ReadIndex (thesis 6.4) ----------------------------------------------------------------------

  // Step 1: the leader's commit index is the read index only once it committed an entry of its own term
  // (its no-op, section 8): before that it may not know which entries earlier leaders committed.
  bool committed_in_term() const {
    return commit_index.value > 0 && log.term_at(commit_index) == term();
  }

  // Step 3: a majority (the leader included) replied to AppendEntries sent after round `round` began.
  bool round_confirmed(std::uint64_t round) const {
    const Leader& l = std::get<Leader>(role);
    std::size_t acks = is_voter(self()) ? 1 : 0;
    for (const auto& [peer, progress] : l.progress) acks += is_voter(peer) && progress.read_round_acked >= round ? 1 : 0;
    RAFTSIM_ASSERT(acks <= membership.voters.size());
    return acks >= quorum();
  }

  void on_read(const Command& command) {
    Leader& l = std::get<Leader>(role);
    RAFTSIM_ASSERT(command.op == OpKind::get);
    RAFTSIM_ASSERT(l.reads.size() < config.max_pending_client_requests);
    PendingRead read;
    read.command = command;
    // BUG(read-before-term-commit): step 1 skipped: a new leader's commit index may miss entries an
    // earlier leader committed (and acknowledged), so the read can return an older value.
    if (committed_in_term() || bug(Bug::read_before_term_commit)) read.read_index = commit_index;
    // BUG(read-without-quorum-check): step 3 skipped: a deposed leader that has not heard of the new term
    // keeps serving reads from its stale state. (Round 0 is confirmed by everyone.)
    if (!bug(Bug::read_without_quorum_check)) {
      begin_round();
      read.round = l.read_round;
    }
    const bool new_round = read.round != 0;
    l.reads.push_back(std::move(read));
    if (new_round) broadcast_read_round();
    serve_reads();
  }

  // Serves the reads at the front whose read index is known, whose round a majority confirmed and whose
  // read index the state machine has reached (step 4), in arrival order.
  void serve_reads() {
    if (!is_leader()) return;
    Leader& l = std::get<Leader>(role);
    if (l.reads.empty()) return;
    if (committed_in_term()) {
      for (PendingRead& r : l.reads) {
        if (!r.read_index.has_value()) r.read_index = commit_index;
      }
    }
    while (!l.reads.empty()) {
      PendingRead& r = l.reads.front();
      if (!r.read_index.has_value() || !round_confirmed(r.round) || last_applied < *r.read_index) return;
      RAFTSIM_ASSERT(!strict() || log.term_at(*r.read_index) == term() || r.read_index->value <= log.base_index().value);
      ClientReply reply;
      reply.client_id = r.command.client_id;
      reply.request_id = r.command.request_id;
      reply.status = ReplyStatus::ok;
      reply.leader_hint = self();
      reply.value = kv.get(r.command.key);  // index and term stay 0: the read is in no log entry
      observe(Observation::Kind::read_served, r.read_index->value, term().value, r.command.request_id);
      out->replies.push_back(std::move(reply));
      l.reads.pop_front();
    }
  }

  // ---- leader leases (thesis 6.4.1) ---------------------------------------------------------------

  // The lease's length on the leader's clock: the followers' minimum election timeout measured on a clock that
  // may run clock_drift_bound times as fast as the leader's.
  std::uint64_t lease_duration_us() const {
    RAFTSIM_ASSERT(config.clock_drift_bound >= 1.0);
    // BUG(lease-without-drift-bound): the whole timeout, as if every clock ran at the leader's rate.
    if (bug(Bug::lease_without_drift_bound)) return config.election_timeout_us_min;
    const auto us = static_cast<std::uint64_t>(static_cast<double>(config.election_timeout_us_min) / config.clock_drift_bound);
    RAFTSIM_ASSERT(us <= config.election_timeout_us_min);
    return us;
  }

  // A heartbeat round (thesis 6.4 step 3, and 6.4.1's lease): AppendEntries sent from now on carry it; the
  // replies that echo it confirm the leadership as of now.
  void begin_round() {
    RAFTSIM_ASSERT(is_leader());
    Leader& l = std::get<Leader>(role);
    l.read_round += 1;
    if (!config.lease_reads) return;
    l.round_begun.emplace(l.read_round, now);
    // Bounded: a leader cut off from its majority begins a round per heartbeat; losing the oldest only
    // shortens a lease.
    constexpr std::size_t kMaxRounds = 1024;
    if (l.round_begun.size() > kMaxRounds) l.round_begun.erase(l.round_begun.begin());
    RAFTSIM_ASSERT(l.round_begun.size() <= kMaxRounds);
  }

  // The newest round a majority (the leader included) acknowledged starts the lease: no member of that
  // majority votes for another candidate until a minimum election timeout after it heard the round.
  void extend_lease() {
    if (!config.lease_reads || !is_leader()) return;
    Leader& l = std::get<Leader>(role);
    if (l.lease_given_up) return;
    // Voters only (thesis 4.1: learners and servers outside the configuration elect no one).
    std::vector<std::uint64_t> acked;
    acked.reserve(l.progress.size() + 1);
    if (is_voter(self())) acked.push_back(l.read_round);  // the leader itself
    for (const auto& [peer, progress] : l.progress) {
      if (is_voter(peer)) acked.push_back(progress.read_round_acked);
    }
    if (acked.size() < quorum()) return;
    std::sort(acked.begin(), acked.end(), std::greater<>());
    const std::uint64_t confirmed = acked[quorum() - 1];
    const auto it = l.round_begun.find(confirmed);
    if (it == l.round_begun.end()) return;  // round 0, or one already counted
    const LocalTime until = it->second + lease_duration_us();
    if (!l.lease_until.has_value() || until > *l.lease_until) l.lease_until = until;
    l.round_begun.erase(l.round_begun.begin(), std::next(it));  // older rounds can only start an older lease
  }

  // Thesis 6.4.1: the leader answers a read from its state machine without a round while its lease holds,
  // once it committed an entry of its term (6.4 step 1; its state then holds every acknowledged write).
  bool lease_holds() const {
    if (!config.lease_reads || !is_leader() || !committed_in_term()) return false;
    const Leader& l = std::get<Leader>(role);
    return !l.lease_given_up && l.lease_until.has_value() && now < *l.lease_until;
  }

  void serve_lease_read(const Command& command) {
    RAFTSIM_ASSERT(lease_holds());
    RAFTSIM_ASSERT(command.op == OpKind::get && last_applied == commit_index);
    ClientReply reply;
    reply.client_id = command.client_id;
    reply.request_id = command.request_id;
    reply.status = ReplyStatus::ok;
    reply.leader_hint = self();
    reply.value = kv.get(command.key);  // index and term stay 0: the read is in no log entry
    observe(Observation::Kind::lease_read, commit_index.value, term().value, command.request_id);
    out->replies.push_back(std::move(reply));
  }

  // ---- snapshots and log compaction (paper 7, Figure 13; thesis 5) ---------------------------------

  // Paper 7: "each server takes snapshots independently, covering just the committed entries in its log".
  // Every snapshot_every_entries applied entries, snapshot the state machine at last_applied and compact
  // the log, keeping snapshot_trailing_entries before the snapshot so a follower slightly behind still
  // gets AppendEntries. The snapshot is written with this input's PersistRequest (its size is the disk's).
  void maybe_take_snapshot() {
    if (config.snapshot_every_entries == 0) return;
    const LogIndex since = snapshot.has_value() ? snapshot->index : LogIndex(0);
    RAFTSIM_ASSERT(since <= last_applied);
    if (last_applied.value - since.value < config.snapshot_every_entries) return;
    Snapshot taken;
    taken.index = last_applied;
    taken.term = log.term_at(last_applied);
    taken.data = kv.snapshot();
    taken.digest = state_digest(taken.data);
    taken.membership = membership_at(taken.index);
    RAFTSIM_ASSERT(taken.term.value > 0);
    observe(Observation::Kind::snapshot_taken, taken.index.value, taken.term.value, taken.digest);
    const std::uint64_t trailing = std::min<std::uint64_t>(config.snapshot_trailing_entries, taken.index.value);
    const LogIndex base = std::max(log.base_index(), LogIndex(taken.index.value - trailing));
    const Term base_term = log.term_at(base);
    log.compact_to(base);
    snapshot_dirty = SnapshotWrite{taken, base, base_term};
    snapshot = std::move(taken);
    RAFTSIM_ASSERT(log.base_index() <= snapshot->index);
  }

  // Leader: the next chunk of its snapshot for a peer that needs compacted entries. One chunk is in
  // flight per peer; the reply asks for the next (a heartbeat resends a lost one).
  void send_snapshot_chunk(NodeId peer, Progress& p) {
    RAFTSIM_ASSERT(is_leader());
    RAFTSIM_ASSERT_MSG(snapshot.has_value(), "a compacted log without a snapshot");
    if (p.snapshot_index != snapshot->index) {  // a newer snapshot replaces one half sent
      p.snapshot_index = snapshot->index;
      p.snapshot_offset = 0;
    }
    const std::string& data = snapshot->data;
    RAFTSIM_ASSERT(p.snapshot_offset <= data.size());
    InstallSnapshot request;
    request.term = term();
    request.leader = self();
    request.last_included_index = snapshot->index;
    request.last_included_term = snapshot->term;
    request.offset = p.snapshot_offset;
    const std::size_t chunk = std::max<std::size_t>(1, config.snapshot_chunk_bytes);
    request.data = data.substr(static_cast<std::size_t>(p.snapshot_offset), chunk);
    request.done = p.snapshot_offset + request.data.size() >= data.size();
    request.membership = snapshot->membership;
    send(peer, std::move(request));
  }

  void handle_install_snapshot_reply(NodeId from, const InstallSnapshotReply& reply) {
    RAFTSIM_ASSERT(reply.term == term());
    RAFTSIM_ASSERT(from != self());
    if (!is_leader()) return;
    auto& all = std::get<Leader>(role).progress;
    const auto found = all.find(from);
    if (found == all.end()) return;  // a node removed since (thesis 4.1)
    Progress& p = found->second;
    if (reply.done) {
      // The follower's state covers the snapshot: its log matches up to there (the snapshot holds only
      // committed entries). Duplicated or reordered replies only ever move match_index forward.
      if (reply.last_included_index > log.last_index()) return;  // not this leader's snapshot
      if (reply.last_included_index > p.match_index) {
        p.match_index = reply.last_included_index;
        maybe_advance_commit();
      }
      if (p.next_index <= p.match_index) p.next_index = p.match_index.next();
      // etcd: a follower that installed the snapshot being sent goes back to probe from just after it.
      if (p.state == ProgressState::snapshot && p.snapshot_index == reply.last_included_index) {
        become_probe(p);
        p.next_index = p.match_index.next();
      }
      // Thesis 3.10: a transfer target brought up by a snapshot may now match the whole log.
      if (std::get<Leader>(role).transfer_target == from) maybe_send_timeout_now();
      send_while_allowed(from, p);
      return;
    }
    if (!snapshot.has_value() || p.snapshot_index != reply.last_included_index) return;  // stale
    if (reply.next_offset > p.snapshot_offset && reply.next_offset <= snapshot->data.size()) {
      p.snapshot_offset = reply.next_offset;  // the chunk arrived: send the next one
      send_snapshot_chunk(from, p);
    } else if (reply.next_offset < p.snapshot_offset) {
      p.snapshot_offset = reply.next_offset;  // the follower lost its buffer (restart): the heartbeat resends
    }
  }

  // Figure 13, receiver. Called with request.term == term().
  void handle_install_snapshot(NodeId from, const InstallSnapshot& request) {
    RAFTSIM_ASSERT(request.term == term());
    RAFTSIM_ASSERT(request.leader == from);
    RAFTSIM_ASSERT_MSG(!strict() || !is_leader(), "two leaders in one term");
    if (is_leader()) return;  // only with a planted bug
    if (is_candidate() || is_pre_candidate()) {
      become_follower(term(), from);  // 5.2: a message from this term's leader
    } else {
      leader_id = from;
    }
    arm_election_timer();  // it comes from the current leader (5.2)
    leader_contact = true;  // thesis 9.6: no pre-votes while the leader is heard from
    note_leader_heard();  // thesis 4.2.3: no disruptive votes for a minimum election timeout
    InstallSnapshotReply reply{term(), request.last_included_index, 0, false};
    // Never roll back: a snapshot the state already covers (a duplicate, a reordered or a stale one) is
    // ignored, and answered "done" so the leader moves on (thesis 5.4.2: the follower keeps its state).
    // BUG(snapshot-rolls-back): compares with the last snapshot, not with the applied state.
    const LogIndex covered = bug(Bug::snapshot_rolls_back) ? (snapshot ? snapshot->index : LogIndex(0)) : last_applied;
    if (request.last_included_index <= covered) {
      install.reset();
      reply.done = true;
      stage(from, reply);
      return;
    }
    // Rule 2: a chunk at offset 0 starts a new snapshot file.
    const bool same = install.has_value() && install->term == term() && install->index == request.last_included_index &&
                      install->last_term == request.last_included_term;
    if (request.offset == 0 && !(same && !install->data.empty())) {
      install = InstallBuffer{term(), request.last_included_index, request.last_included_term, {}, request.membership};
    }
    const bool in_order = install.has_value() && install->term == term() &&
                          install->index == request.last_included_index &&
                          install->last_term == request.last_included_term && request.offset == install->data.size() &&
                          install->data.size() + request.data.size() <= kMaxSnapshotBytes;
    if (!in_order) {
      // A duplicated, reordered or foreign chunk: harmless; say which offset comes next.
      reply.next_offset = same ? install->data.size() : 0;
      stage(from, reply);
      return;
    }
    install->data += request.data;  // rule 3: write data into the snapshot file at the given offset
    if (!request.done) {
      // Rule 4: reply and wait for more data chunks.
      observe(Observation::Kind::snapshot_chunk, request.last_included_index.value, request.offset, request.data.size());
      reply.next_offset = install->data.size();
      stage(from, reply);
      return;
    }
    InstallBuffer complete = std::move(*install);
    install.reset();
    if (!install_snapshot(std::move(complete))) {
      stage(from, reply);  // unreadable: ask for it again from the start
      return;
    }
    reply.done = true;
    if (bug(Bug::snapshot_before_persist)) {
      // BUG(snapshot-before-persist): the leader hears "installed" before the snapshot is durable.
      send(from, reply);
      return;
    }
    // Rule 5 "save snapshot file": the reply is held until the snapshot's write is durable (stage()).
    stage(from, reply);
  }

  // Figure 13 rules 5-8: save the snapshot, keep the log entries that follow it if the log has the
  // snapshot's last entry, else discard the whole log; reset the state machine from the snapshot.
  bool install_snapshot(InstallBuffer buffer) {
    RAFTSIM_ASSERT(!is_leader());
    RAFTSIM_ASSERT(buffer.index > log.base_index() || bug(Bug::snapshot_rolls_back));
    KvStateMachine restored;
    if (!restored.restore(buffer.data)) return false;
    if (buffer.index < log.base_index()) return false;  // only with a planted bug: below its own compaction
    Snapshot installed;
    installed.index = buffer.index;
    installed.term = buffer.last_term;
    installed.digest = state_digest(buffer.data);
    installed.data = std::move(buffer.data);
    installed.membership = std::move(buffer.membership);
    if (log.matches(installed.index, installed.term)) {
      log.compact_to(installed.index);  // rule 6: retain the entries following it
    } else {
      // Rule 7: discard the entire log. The entries up to the snapshot's index are replaced by its prefix
      // (snapshot_installed says so); only entries after it are reported removed.
      const LogIndex kept = std::max(commit_index, log.base_index());
      if (log.last_index() > installed.index) observe(Observation::Kind::log_truncated, installed.index.next().value);
      log.reset_to(installed.index, installed.term);
      log_configs.clear();
      durable_match_index = std::min(durable_match_index, kept);
      for (InflightPersist& p : inflight) p.stable_index = std::min(p.stable_index, kept);
    }
    kv = std::move(restored);
    commit_index = last_applied = installed.index;  // rule 8
    observe(Observation::Kind::snapshot_installed, installed.index.value, installed.term.value, installed.digest);
    snapshot_dirty = SnapshotWrite{installed, installed.index, installed.term};
    snapshot = std::move(installed);
    refresh_membership();  // thesis 4.1: the snapshot's configuration, or a later one still in the log
    RAFTSIM_ASSERT(log.base_index() == snapshot->index);
    return true;
  }

  // ---- inputs --------------------------------------------------------------------------------------

  void start() {
    RAFTSIM_ASSERT(!started);
    RAFTSIM_ASSERT(out != nullptr);
    started = true;
    started_at = now;  // thesis 6.4.1: see handle_request_vote
    // Tell observers where this incarnation starts: its role and term, then the restored log.
    observe(Observation::Kind::role_changed, static_cast<std::uint64_t>(Role::follower), term().value);
    LogIndex first = LogIndex(1);
    if (snapshot.has_value()) {
      // The snapshot stands for the log up to its index; trailing entries kept below it are not reported.
      observe(Observation::Kind::snapshot_restored, snapshot->index.value, snapshot->term.value, snapshot->digest);
      first = snapshot->index.next();
    }
    for (LogIndex i = first; i <= log.last_index(); i = i.next()) {
      observe(Observation::Kind::log_appended, i.value, log.term_at(i).value, log.digest_at(i));
    }
    // Thesis 4.1: the configuration this incarnation starts in (the last one in its log or snapshot).
    if (config.membership) observe(Observation::Kind::membership, membership.voter_bits(), membership.learner_bits(), membership_index.value);
    arm_election_timer();
  }

  void step(const Envelope& envelope) {
    RAFTSIM_ASSERT(envelope.to == self());
    RAFTSIM_ASSERT(envelope.from != self());  // from any node: a new one, or one removed (thesis 4.1)
    if (!has_room()) return;  // storage is backed up: drop it, as the network may (see kMaxInflightPersists)
    if (step_pre_vote(envelope)) return;  // outside the term rules: a pre-vote's term is hypothetical
    const Term message_term_value = message_term(envelope.message);
    const bool is_request = std::holds_alternative<RequestVote>(envelope.message) ||
                            std::holds_alternative<AppendEntries>(envelope.message) ||
                            std::holds_alternative<InstallSnapshot>(envelope.message);
    if (message_term_value > term() && ignores_disruptive_vote(envelope.message)) return;
    if (message_term_value > term()) {
      // 5.1: "If a server receives a request with a higher term ... it immediately reverts to follower."
      // Only an AppendEntries or InstallSnapshot (or the leader's TimeoutNow) names the new term's leader.
      std::optional<NodeId> leader;
      if (std::holds_alternative<AppendEntries>(envelope.message) ||
          std::holds_alternative<InstallSnapshot>(envelope.message) ||
          std::holds_alternative<TimeoutNow>(envelope.message)) {
        leader = envelope.from;
      }
      become_follower(message_term_value, leader);
    } else if (message_term_value < term()) {
      if (handle_stale_with_bug(envelope)) return;
      // 5.1: "If a server receives a request with a stale term number, it rejects the request." The reply
      // carries our term so the sender steps down. Stale replies are dropped: they must never count.
      if (!is_request) return;
      if (std::holds_alternative<RequestVote>(envelope.message)) {
        stage(envelope.from, RequestVoteReply{term(), false});
      } else if (const auto* is = std::get_if<InstallSnapshot>(&envelope.message)) {
        stage(envelope.from, InstallSnapshotReply{term(), is->last_included_index, 0, false});  // Figure 13 rule 1
      } else {
        AppendEntriesReply reply;
        reply.term = term();
        stage(envelope.from, reply);
      }
      return;
    }
    RAFTSIM_ASSERT(message_term_value == term());
    // CheckQuorum contact (read only by check_quorum, so not kept without it: a set insert per message).
    if (config.check_quorum && is_leader()) std::get<Leader>(role).heard_since_check.insert(envelope.from);
    std::visit(
        [&](const auto& m) {
          using T = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<T, RequestVote>) {
            handle_request_vote(envelope.from, m);
          } else if constexpr (std::is_same_v<T, RequestVoteReply>) {
            handle_request_vote_reply(envelope.from, m);
          } else if constexpr (std::is_same_v<T, AppendEntries>) {
            handle_append_entries(envelope.from, m);
          } else if constexpr (std::is_same_v<T, AppendEntriesReply>) {
            handle_append_entries_reply(envelope.from, m);
          } else if constexpr (std::is_same_v<T, InstallSnapshot>) {
            handle_install_snapshot(envelope.from, m);
          } else if constexpr (std::is_same_v<T, InstallSnapshotReply>) {
            handle_install_snapshot_reply(envelope.from, m);
          } else if constexpr (std::is_same_v<T, TimeoutNow>) {
            handle_timeout_now(envelope.from, m);
          } else {
            RAFTSIM_ASSERT_MSG(false, "pre-vote messages are handled by step_pre_vote()");
          }
        },
        envelope.message);
  }

  // Thesis 4.2.3: "if a server receives a RequestVote request within the minimum election timeout of
  // hearing from a current leader, it does not update its term or grant its vote". One rule serves two
  // features. Membership changes: a removed server that missed its removal (and, no longer sent entries,
  // keeps timing out) cannot depose a working leader; a leader counts as hearing from itself. Leader leases
  // (6.4.1): every member of the majority that confirmed a lease votes for no one until a minimum election
  // timeout of its own clock after it heard the round, which with the clocks within the drift bound is after
  // the lease ended. "Within" is measured on the node's own clock (within_leader_window). An election
  // started by TimeoutNow (thesis 3.10) is exempt: its leader asked for it (and gave up its lease). Only
  // with config.membership or config.lease_reads, so that runs without either keep their behaviour.
  bool ignores_disruptive_vote(const Message& message) const {
    const auto* request = std::get_if<RequestVote>(&message);
    if (!(config.membership || config.lease_reads) || request == nullptr || request->transfer) return false;
    if (config.membership && is_leader()) return true;
    return follower_in_leader_window();  // not a (pre-)candidate, nor (without membership) a leader
  }

  // The node heard from a current leader within the minimum election timeout of its own clock.
  bool within_leader_window() const {
    if (!leader_heard_at.has_value()) return false;
    RAFTSIM_ASSERT(now >= *leader_heard_at);
    return now.value - leader_heard_at->value < config.election_timeout_us_min;
  }

  // A follower inside the window (thesis 4.2.3): it ignores a RequestVote of a higher term and, with leases,
  // refuses pre-votes.
  bool follower_in_leader_window() const {
    if (!std::holds_alternative<Follower>(role)) return false;
    // BUG(vote-during-lease): with leases, the follower votes as soon as it is asked, so a new leader can be
    // elected while the old one still reads under its lease.
    if (config.lease_reads && bug(Bug::vote_during_lease)) return false;
    return within_leader_window();
  }

  // Thesis 4.2.3: a message of the current leader (AppendEntries, InstallSnapshot) opens the window.
  void note_leader_heard() {
    leader_heard_at = now;
    leader_heard_term = term();
  }

  // Planted bugs that act on messages of an earlier term (5.1 says: reject requests, drop replies).
  // Returns true if a bug took the message.
  bool handle_stale_with_bug(const Envelope& envelope) {
    RAFTSIM_ASSERT(message_term(envelope.message) < term());
    RAFTSIM_ASSERT(envelope.to == self());
    if (const auto* ae = std::get_if<AppendEntries>(&envelope.message); ae && bug(Bug::accept_stale_term)) {
      // BUG(accept-stale-term): an old leader's AppendEntries is applied as if it were current.
      AppendEntries current = *ae;
      current.term = term();
      handle_append_entries(envelope.from, current);
      return true;
    }
    if (bug(Bug::stale_reply_match)) {
      // BUG(stale-reply-match): a reply from an earlier term counts (a vote, or a match against a log
      // the follower had under the old leader).
      if (const auto* v = std::get_if<RequestVoteReply>(&envelope.message)) {
        handle_request_vote_reply(envelope.from, RequestVoteReply{term(), v->vote_granted});
        return true;
      }
      if (const auto* r = std::get_if<AppendEntriesReply>(&envelope.message)) {
        AppendEntriesReply current = *r;
        current.term = term();
        handle_append_entries_reply(envelope.from, current);
        return true;
      }
    }
    return false;
  }

  void on_timer(TimerKind kind) {
    if (kind == TimerKind::heartbeat) {
      if (!is_leader()) return;  // stale: armed in an earlier leadership; there is no cancel
      // 5.2: leaders send periodic AppendEntries (carrying any entries from next_index) to keep authority.
      if (config.lease_reads) begin_round();  // thesis 6.4.1: each heartbeat may extend the lease
      heartbeat_all();
      arm_heartbeat_timer();
      transfer_tick();
      return;
    }
    RAFTSIM_ASSERT(kind == TimerKind::election);
    if (is_leader()) {
      if (config.check_quorum) check_quorum();  // else stale: leaders do not time out
      return;
    }
    if (!has_room()) {
      arm_election_timer();  // cannot persist a new term now; try again after another timeout
      return;
    }
    leader_contact = false;  // an election timeout passed without hearing from a leader
    if (!may_stand()) {
      // Thesis 4.2.1: a learner, or a node outside its configuration (a spare, or removed), never stands.
      arm_election_timer();
      return;
    }
    // 5.2: a follower (or a candidate whose election timed out) starts a new election; with PreVote
    // (thesis 9.6) it first asks whether it could win.
    if (config.pre_vote) {
      become_pre_candidate();
    } else {
      become_candidate();
    }
  }

  void on_persisted(std::uint64_t token) {
    RAFTSIM_ASSERT_MSG(!inflight.empty(), "on_persisted without an outstanding PersistRequest");
    RAFTSIM_ASSERT_MSG(inflight.front().token == token, "persisted tokens must arrive in order");
    {
      // Read in place, then dropped (not moved out: no held buffer moved and destroyed twice per write).
      InflightPersist& done = inflight.front();
      // Writes are applied in order, so the disk now holds exactly what memory held when this was emitted,
      // minus what later truncations have since replaced.
      RAFTSIM_ASSERT(done.stable_index >= durable_match_index);
      durable_match_index = done.stable_index;
      if (done.hard_state.has_value()) durable_hard = *done.hard_state;
      RAFTSIM_ASSERT(held_count >= done.held.size());
      held_count -= done.held.size();
      // Nothing held (a leader's own writes): the output keeps its buffer, which a swap would give away.
      if (!done.held.empty()) {
        if (out->messages.empty()) {
          out->messages.swap(done.held);
        } else {
          for (Envelope& e : done.held) out->messages.push_back(std::move(e));
          done.held.clear();
        }
        // The emptied buffer is kept for the next batch held behind a write (stage(), end_input).
        RAFTSIM_ASSERT(staged.empty() && done.held.empty());
        if (spare_buffer.capacity() < done.held.capacity()) spare_buffer.swap(done.held);
      }
      inflight.pop_front();  // `done` is no longer a write in flight from here on (its slot is reused)
      persisted_token = token;
    }

    if (is_candidate()) {
      Candidate& c = std::get<Candidate>(role);
      if (token >= c.self_vote_token) {
        // The candidate's own vote counts only once durable (a crash must not let it vote again).
        RAFTSIM_ASSERT(durable_hard.term == term() && durable_hard.voted_for == self());
        c.votes_granted.insert(self());
        maybe_win_election();
      }
    } else if (is_leader()) {
      maybe_advance_commit();  // the leader's durable index may complete a majority
    }
  }

  // "Definitely not applied" (not_leader), with where to go if known.
  void reject_request(const Command& command, std::optional<NodeId> hint) {
    ClientReply& reject = out->replies.emplace_back();
    reject.client_id = command.client_id;
    reject.request_id = command.request_id;
    reject.status = ReplyStatus::not_leader;
    reject.leader_hint = hint;
    RAFTSIM_ASSERT(reject.value.empty() && !reject.cas_succeeded);
  }

  void on_client_request(Command&& command) {
    if (!is_leader()) {
      reject_request(command, leader_id);  // the current term's leader, if known
      return;
    }
    Leader& l = std::get<Leader>(role);
    // Thesis 3.10: during a transfer the leader stops accepting client requests (they would only be
    // overwritten or delay the target's catching up); the client retries elsewhere.
    // BUG(transfer-keeps-proposing): ... unless it keeps appending them.
    if (l.transfer_target.has_value() && !bug(Bug::transfer_keeps_proposing)) {
      reject_request(command, std::nullopt);
      return;
    }
    if (command.op == OpKind::get && lease_holds()) {
      serve_lease_read(command);  // thesis 6.4.1: no round, no log entry
      return;
    }
    if (config.read_index && command.op == OpKind::get) {
      if (l.reads.size() >= config.max_pending_client_requests) {
        reject_request(command, std::nullopt);  // overloaded: definitely not performed
        return;
      }
      on_read(command);
      return;
    }
    const RequestKey key{command.client_id, command.request_id};
    const auto at = l.pending.lower_bound(key);  // one lookup: the test, and the hint for the insertion
    if (at != l.pending.end() && at->first == key) return;  // already proposed here; its reply answers this one too
    if (l.pending.size() >= config.max_pending_client_requests || !has_room()) {
      // Overloaded: a definite "not applied" answer (not_leader without a hint); the client may retry.
      reject_request(command, std::nullopt);
      return;
    }
    // The caller's copy (or moved-in request) becomes the entry's shared, immutable command.
    append_local(Entry(term(), std::move(command)));
    l.pending.emplace_hint(at, key, log.last_index());
    RAFTSIM_ASSERT(l.pending.size() <= config.max_pending_client_requests);
    broadcast_new_entries();  // replicate at once where flow control allows, in parallel with the local write
  }

  // ---- PreVote (thesis 9.6) ------------------------------------------------------------------------

  // Before an election, ask whether one could win: PreVote for term + 1, with the term left as it is, so
  // a node that cannot win (cut off from the leader only, or behind) disrupts no one.
  void become_pre_candidate() {
    RAFTSIM_ASSERT(!is_leader());
    RAFTSIM_ASSERT(config.pre_vote && may_stand());
    leader_id.reset();
    role = PreCandidate{{self()}};
    observe(Observation::Kind::role_changed, static_cast<std::uint64_t>(Role::pre_candidate), term().value);
    arm_election_timer();  // a round without a majority times out and starts another
    for (NodeId peer : membership.voters) {
      if (peer == self()) continue;
      stage(peer, PreVote{term().next(), self(), log.last_index(), log.last_term()});
    }
    maybe_win_pre_vote();
  }

  void maybe_win_pre_vote() {
    RAFTSIM_ASSERT(is_pre_candidate());
    if (voters_in(std::get<PreCandidate>(role).votes_granted) >= quorum()) become_candidate();  // the real election
  }

  // PreVote and its reply: the term rules of 5.1 do not apply (the asked term is hypothetical). Returns
  // false for every other message.
  bool step_pre_vote(const Envelope& envelope) {
    RAFTSIM_ASSERT(envelope.to == self());
    if (const auto* request = std::get_if<PreVote>(&envelope.message)) {
      handle_pre_vote(envelope.from, *request);
      return true;
    }
    if (const auto* reply = std::get_if<PreVoteReply>(&envelope.message)) {
      handle_pre_vote_reply(envelope.from, *reply);
      return true;
    }
    return false;
  }

  // Thesis 9.6: granted only if this node would grant a vote in that term and has not heard from a leader
  // within the election timeout; a pre-vote changes no term, vote or timer, so it is answered at once.
  void handle_pre_vote(NodeId from, const PreVote& request) {
    RAFTSIM_ASSERT(request.candidate == from);
    RAFTSIM_ASSERT(from != self());
    if (bug(Bug::prevote_changes_term) && request.term > term()) {
      // BUG(prevote-changes-term): the pre-vote is taken for a RequestVote: the receiver adopts the asked
      // term (forgetting its vote and its leader), which is the disruption PreVote exists to prevent.
      become_follower(request.term, std::nullopt);
    }
    const bool up_to_date = log.is_up_to_date(request.last_log_term, request.last_log_index);  // 5.4.1
    // BUG(prevote-ignores-leader): a follower still hearing from its leader grants pre-votes.
    const bool heard_from_leader = is_leader() || (leader_contact && !bug(Bug::prevote_ignores_leader)) ||
                                   (config.lease_reads && follower_in_leader_window());
    const bool grant =
        leadership::grant_pre_vote(request.term, term(), heard_from_leader, up_to_date) && vote_allowed_by_membership(from);
    send(from, PreVoteReply{grant ? request.term : term(), grant});
  }

  void handle_pre_vote_reply(NodeId from, const PreVoteReply& reply) {
    RAFTSIM_ASSERT(from != self());
    if (!reply.vote_granted) {
      // Refused with a higher term: this node is behind (5.1 for the refusal's real term).
      if (reply.term > term()) become_follower(reply.term, std::nullopt);
      return;
    }
    // A grant for a round of this term; late grants (the round is over) are ignored.
    if (!is_pre_candidate() || reply.term != term().next()) return;
    std::get<PreCandidate>(role).votes_granted.insert(from);
    maybe_win_pre_vote();
  }

  // ---- CheckQuorum (thesis 6.2, 9.6) ---------------------------------------------------------------

  // "A leader steps down if an election timeout elapses without a successful round of heartbeats to a
  // majority of its cluster", so clients find the real leader and a partitioned leader stops serving.
  void check_quorum() {
    RAFTSIM_ASSERT(is_leader() && config.check_quorum);
    Leader& l = std::get<Leader>(role);
    // Thesis 4.1: contact with a majority of the voters (a leader removing itself is not one of them).
    const std::size_t heard = voters_in(l.heard_since_check);
    const bool contact = is_voter(self()) ? leadership::has_quorum_contact(heard, quorum()) : heard >= quorum();
    l.heard_since_check.clear();
    // BUG(check-quorum-never-steps-down): contact is counted, and ignored.
    if (contact || bug(Bug::check_quorum_never_steps_down)) {
      arm_check_quorum_timer();
      return;
    }
    become_follower(term(), std::nullopt);  // same term: it knows of no other leader
    RAFTSIM_ASSERT(!is_leader());
  }

  // ---- leadership transfer (thesis 3.10) -----------------------------------------------------------

  void on_transfer_leadership(std::optional<NodeId> target) {
    if (!is_leader()) return;  // a request that reached a deposed leader: nothing to transfer
    Leader& l = std::get<Leader>(role);
    if (l.transfer_target.has_value() || l.progress.empty()) return;  // one at a time; none in a 1-node cluster
    if (target.has_value() && (*target == self() || !is_voter(*target))) return;  // only to a voter
    if (!target.has_value()) {
      std::map<NodeId, LogIndex> match;
      for (const auto& [peer, progress] : l.progress) {
        if (is_voter(peer)) match.emplace(peer, progress.match_index);
      }
      if (match.empty()) return;
      target = leadership::pick_transfer_target(match);
    }
    RAFTSIM_ASSERT(l.progress.count(*target) == 1);
    l.transfer_target = target;
    l.transfer_heartbeats_left = leadership::transfer_heartbeats(config.election_timeout_us_min, config.heartbeat_interval_us);
    l.timeout_now_sent = false;
    observe(Observation::Kind::transfer_started, target->value, term().value);
    maybe_send_timeout_now();
    Progress& p = l.progress.at(*target);
    if (!l.timeout_now_sent && p.next_index <= log.last_index()) send_while_allowed(*target, p);
  }

  // "The prior leader ... transfers its log entries to the target server ... then sends it a TimeoutNow
  // request": only once the target's log matches the leader's whole log.
  void maybe_send_timeout_now() {
    RAFTSIM_ASSERT(is_leader());
    Leader& l = std::get<Leader>(role);
    RAFTSIM_ASSERT(l.transfer_target.has_value());
    if (l.timeout_now_sent) return;
    const NodeId target = *l.transfer_target;
    // BUG(timeoutnow-without-uptodate): TimeoutNow goes out whatever the target's log holds.
    if (l.progress.at(target).match_index != log.last_index() && !bug(Bug::timeoutnow_without_uptodate)) return;
    l.timeout_now_sent = true;
    // Thesis 6.4.1: the target may be elected at once (voters grant a transfer's votes within the timeout).
    l.lease_given_up = true;
    l.lease_until.reset();
    send(target, TimeoutNow{term(), self()});
  }

  // Each heartbeat brings the transfer closer to its deadline; at an election timeout it is abandoned and
  // the leader takes proposals again.
  void transfer_tick() {
    if (!is_leader()) return;
    Leader& l = std::get<Leader>(role);
    if (!l.transfer_target.has_value()) return;
    RAFTSIM_ASSERT(l.transfer_heartbeats_left > 0);
    if (--l.transfer_heartbeats_left > 0) return;
    observe(Observation::Kind::transfer_abandoned, l.transfer_target->value, term().value);
    l.transfer_target.reset();
    l.timeout_now_sent = false;
  }

  // The target starts an election at once: no waiting for its timer and no pre-vote (the leader vouches
  // that its log is up to date; thesis 3.10).
  void handle_timeout_now(NodeId from, const TimeoutNow& request) {
    RAFTSIM_ASSERT(request.term == term());
    RAFTSIM_ASSERT(request.leader == from);
    if (is_leader() || is_candidate()) return;  // only with a planted bug (two leaders), or a duplicate
    if (!is_voter(self())) return;  // removed (or a learner) meanwhile
    leader_contact = false;
    leader_heard_at.reset();  // thesis 6.4.1: the leader gave up its lease for this transfer
    become_candidate(/*transfer=*/true);
  }

  // ---- membership changes requested by the host (thesis 4.1) ---------------------------------------

  void on_membership_change(const ConfChange& change) {
    if (!is_leader()) return;  // the host asks whoever it believes leads; a deposed leader drops it
    Leader& l = std::get<Leader>(role);
    if (l.requested_changes.size() >= kMaxRequestedChanges) return;
    // add = add a learner, promoted once caught up (thesis 4.2.1).
    l.requested_changes.push_back(change);
    maybe_propose_change();
  }

  // ---- invariants ----------------------------------------------------------------------------------

  void check_invariants() const {
    membership.check();
    RAFTSIM_ASSERT(!membership.voters.empty());
    RAFTSIM_ASSERT(commit_index <= log.last_index());
    // Paper 7: a snapshot covers only applied entries; the log is compacted no further than it.
    RAFTSIM_ASSERT(!snapshot.has_value() || (snapshot->index <= last_applied && log.base_index() <= snapshot->index));
    RAFTSIM_ASSERT(snapshot.has_value() || log.base_index().value == 0);
    // Every input applies everything it commits before returning.
    RAFTSIM_ASSERT(last_applied == commit_index);
    RAFTSIM_ASSERT(durable_match_index <= log.last_index());
    RAFTSIM_ASSERT(durable_hard.term <= hard.term);
    Term previous(0);
    for (const Entry& e : log.entries()) {
      RAFTSIM_ASSERT(e.term().value > 0 && e.term() >= previous);  // terms non-decreasing
      RAFTSIM_ASSERT(e.term() <= hard.term);                       // no entry from a future term
      previous = e.term();
    }
    std::uint64_t previous_token = 0;
    std::size_t held = 0;
    for (const InflightPersist& p : inflight) {
      RAFTSIM_ASSERT(p.token > previous_token && p.token < next_token);
      RAFTSIM_ASSERT(p.stable_index <= log.last_index());
      previous_token = p.token;
      held += p.held.size();
    }
    RAFTSIM_ASSERT(held == held_count && held_count <= kMaxHeldMessages);
    RAFTSIM_ASSERT(inflight.size() <= kMaxInflightPersists);
    RAFTSIM_ASSERT(inflight.size() == inflight_persists());  // consecutive tokens, reported in order
    RAFTSIM_ASSERT(inflight.empty() || inflight.front().token == persisted_token + 1);
    // Only end_input() may leave messages unsent, and only behind an outstanding write.
    RAFTSIM_ASSERT(held_count == 0 || !inflight.empty());

    if (const auto* pc = std::get_if<PreCandidate>(&role)) {
      RAFTSIM_ASSERT(!leader_id.has_value() && config.pre_vote);
      RAFTSIM_ASSERT(pc->votes_granted.count(self()) == 1 && voters_in(pc->votes_granted) < quorum());
      RAFTSIM_ASSERT(may_stand());
    } else if (const auto* c = std::get_if<Candidate>(&role)) {
      RAFTSIM_ASSERT(hard.voted_for == self());  // a candidate voted for itself
      RAFTSIM_ASSERT(!leader_id.has_value());
      RAFTSIM_ASSERT(voters_in(c->votes_granted) < quorum());  // else it would have become leader
      RAFTSIM_ASSERT(c->votes_granted.count(self()) == 0 || durable_hard.term == hard.term);
    } else if (const auto* l = std::get_if<Leader>(&role)) {
      RAFTSIM_ASSERT(hard.voted_for == self());
      RAFTSIM_ASSERT(leader_id == self());
      RAFTSIM_ASSERT(durable_hard.term == hard.term);
      RAFTSIM_ASSERT(log.last_term() == hard.term);  // the term-start no-op (8) is in the log
      // Progress for every member but itself (a leader removing itself is no member: all of them).
      RAFTSIM_ASSERT(l->progress.size() + (membership.contains(self()) ? 1 : 0) == membership.voters.size() + membership.learners.size());
      // Thesis 4.2.2: a removed leader steps down once its removal is committed. (At most one uncommitted
      // configuration entry is the membership checker's to see: a new leader's commit index may lag.)
      RAFTSIM_ASSERT(!strict() || membership.is_voter(self()) || membership_index > commit_index);
      for (const auto& [peer, p] : l->progress) {
        RAFTSIM_ASSERT(peer != self() && membership.contains(peer));
        RAFTSIM_ASSERT(p.match_index <= log.last_index());
        RAFTSIM_ASSERT(p.match_index < p.next_index && p.next_index <= log.last_index().next());
        RAFTSIM_ASSERT(p.read_round_acked <= l->read_round);  // a peer echoes only rounds this leader began
        // Flow control: a window only in replicate, never over its bound, holding increasing indexes of
        // entries sent and not yet acknowledged; a probe flag only in probe; a snapshot only in snapshot.
        RAFTSIM_ASSERT(p.inflight.empty() || p.state == ProgressState::replicate);
        RAFTSIM_ASSERT(p.inflight.size() <= config.max_inflight_appends);
        RAFTSIM_ASSERT(!p.probe_sent || p.state == ProgressState::probe);
        RAFTSIM_ASSERT((p.snapshot_index.value != 0) == (p.state == ProgressState::snapshot));
        LogIndex previous_sent = p.match_index;
        for (const InflightAppend& a : p.inflight) {
          RAFTSIM_ASSERT(a.first_index <= a.last_index && a.last_index > previous_sent && a.last_index < p.next_index);
          RAFTSIM_ASSERT(a.sent_at_heartbeat <= l->heartbeats);
          previous_sent = a.last_index;
        }
      }
      // Leases (thesis 6.4.1): only when switched on; rounds not yet confirmed were begun by this leader, in order.
      RAFTSIM_ASSERT(config.lease_reads || (l->round_begun.empty() && !l->lease_until.has_value()));
      RAFTSIM_ASSERT(!l->lease_given_up || !l->lease_until.has_value());
      RAFTSIM_ASSERT(l->round_begun.empty() || l->round_begun.rbegin()->first <= l->read_round);
      for (const auto& [round, at] : l->round_begun) RAFTSIM_ASSERT(round >= 1 && at <= now);
      // ReadIndex (thesis 6.4): only when switched on; rounds in arrival order; a known read index is
      // committed; the front read is not servable (serve_reads() ran at the end of every input that could
      // make it so), unless a planted bug is about.
      RAFTSIM_ASSERT(l->reads.empty() || config.read_index);
      RAFTSIM_ASSERT(l->reads.size() <= config.max_pending_client_requests);
      std::uint64_t previous_round = 0;
      for (const PendingRead& r : l->reads) {
        RAFTSIM_ASSERT(r.round >= previous_round && r.round <= l->read_round);
        RAFTSIM_ASSERT(!r.read_index.has_value() || *r.read_index <= commit_index);
        previous_round = r.round;
      }
      RAFTSIM_ASSERT(l->pending.size() <= config.max_pending_client_requests);
      RAFTSIM_ASSERT(!l->transfer_target.has_value() || l->progress.count(*l->transfer_target) == 1);
      RAFTSIM_ASSERT(l->requested_changes.size() <= kMaxRequestedChanges);
      for (const auto& [key, index] : l->pending) {
        RAFTSIM_ASSERT(index > last_applied && index <= log.last_index());
        const Command& command = log.at(index).command();
        RAFTSIM_ASSERT(command.client_id == key.client_id && command.request_id == key.request_id);
      }
    } else {
      RAFTSIM_ASSERT(leader_id != self());
    }
  }
};

// ---- public interface: each input is bracketed by begin_input()/end_input() ----------------------------

Raft::Raft(Config config, DurableState durable) {
  RAFTSIM_ASSERT(!config.members.empty());
  RAFTSIM_ASSERT(std::is_sorted(config.members.begin(), config.members.end()));
  RAFTSIM_ASSERT(std::adjacent_find(config.members.begin(), config.members.end()) == config.members.end());
  // config.id need not be in `members`: a spare node starts outside the initial configuration and joins
  // when a leader adds it (thesis 4.1).
  RAFTSIM_ASSERT(config.election_timeout_us_min > 0 &&
                 config.election_timeout_us_min <= config.election_timeout_us_max);
  RAFTSIM_ASSERT(config.heartbeat_interval_us > 0);
  RAFTSIM_ASSERT(config.max_entries_per_append > 0 && config.max_pending_client_requests > 0);
  RAFTSIM_ASSERT(config.max_inflight_appends > 0);  // a window of 0 would never send an entry
  for (const Entry& e : durable.log) RAFTSIM_ASSERT(e.term() <= durable.hard_state.term);
  state_ = std::make_unique<State>(std::move(config), std::move(durable));
}

Raft::~Raft() = default;

void Raft::advance_clock(LocalTime now) {
  RAFTSIM_ASSERT(state_->out == nullptr);  // between inputs
  RAFTSIM_ASSERT_MSG(now >= state_->now, "a node's clock went back");
  state_->now = now;
}

bool Raft::reads_clock() const { return state_->config.lease_reads || state_->config.membership; }

void Raft::start(Output& out) {
  RAFTSIM_ASSERT(!state_->started);
  state_->out = &out;
  state_->start();
  state_->out = nullptr;
#if RAFTSIM_DEBUG_INVARIANTS
  check_invariants();
#endif
}

template <typename Handle>
void Raft::run_input(Output& out, Handle&& handle) {
  if (stopped_) return;
  state_->begin_input(out);
  handle(*state_);
  state_->end_input();
}

void Raft::step(const Envelope& envelope, Output& out) {
  run_input(out, [&](State& s) { s.step(envelope); });
}

void Raft::on_timer(TimerKind kind, Output& out) {
  run_input(out, [&](State& s) { s.on_timer(kind); });
}

void Raft::on_persisted(std::uint64_t token, Output& out) {
  run_input(out, [&](State& s) { s.on_persisted(token); });
}

// Fail-stop on a lost write (raft.h explains why): nothing after it may be acknowledged, so nothing is.
void Raft::on_persist_failed(std::uint64_t token, Output& out) {
  if (stopped_) return;
  stopped_ = true;
  out.observations.push_back(Observation{Observation::Kind::stopped, 1, token, 0});
  RAFTSIM_ASSERT(stopped_);
}

void Raft::on_client_request(const Command& command, Output& out) {
  run_input(out, [&](State& s) { s.on_client_request(Command(command)); });
}

void Raft::on_client_request(Command&& command, Output& out) {
  run_input(out, [&](State& s) { s.on_client_request(std::move(command)); });
}

void Raft::on_transfer_leadership(std::optional<NodeId> target, Output& out) {
  run_input(out, [&](State& s) { s.on_transfer_leadership(target); });
}

void Raft::on_membership_change(const ConfChange& change, Output& out) {
  RAFTSIM_ASSERT_MSG(state_->config.membership, "membership changes need Config::membership");
  RAFTSIM_ASSERT(change.kind == ConfChangeKind::add_learner || change.kind == ConfChangeKind::remove);
  run_input(out, [&](State& s) { s.on_membership_change(change); });
}

NodeId Raft::id() const { return state_->self(); }
Role Raft::role() const { return state_->role_kind(); }
Term Raft::term() const { return state_->term(); }
std::optional<NodeId> Raft::voted_for() const { return state_->hard.voted_for; }
std::optional<NodeId> Raft::leader_hint() const { return state_->leader_id; }
LogIndex Raft::commit_index() const { return state_->commit_index; }
LogIndex Raft::last_applied() const { return state_->last_applied; }
LogIndex Raft::last_log_index() const { return state_->log.last_index(); }
Term Raft::log_term(LogIndex index) const { return state_->log.term_at(index); }
const std::vector<Entry>& Raft::log() const { return state_->log.entries(); }
LogIndex Raft::log_base_index() const { return state_->log.base_index(); }
std::optional<LogIndex> Raft::snapshot_index() const {
  return state_->snapshot.has_value() ? std::optional<LogIndex>(state_->snapshot->index) : std::nullopt;
}
const KvStateMachine& Raft::state_machine() const { return state_->kv; }
const Membership& Raft::membership() const { return state_->membership; }
std::optional<ProgressView> Raft::progress(NodeId peer) const {
  if (!state_->is_leader()) return std::nullopt;
  const auto& all = std::get<Leader>(state_->role).progress;
  const auto it = all.find(peer);
  if (it == all.end()) return std::nullopt;
  const Progress& p = it->second;
  return ProgressView{p.state, p.next_index, p.match_index, p.inflight.size(), p.probe_sent};
}

const char* progress_state_name(ProgressState state) {
  switch (state) {
    case ProgressState::probe: return "probe";
    case ProgressState::replicate: return "replicate";
    case ProgressState::snapshot: return "snapshot";
  }
  RAFTSIM_ASSERT_MSG(false, "progress_state_name: value outside the ProgressState enum");
  return "?";
}
void Raft::check_invariants() const { state_->check_invariants(); }

}  // namespace raft
