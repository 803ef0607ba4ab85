package main

import (
	"fmt"
	"math/rand"

	"go.etcd.io/etcd/raft"
	pb "go.etcd.io/etcd/raft/raftpb"
)

// One simulated node: an etcd raft.RawNode over a raft.MemoryStorage, the KV state machine, and the
// bookkeeping that turns etcd's Ready structs into protocol outputs and checker observations.
//
// Ready handling with raftsim's asynchronous disk: a Ready that carries a HardState or entries becomes one
// disk record; its messages, its committed entries and Advance wait for DISK_DONE of that record (etcd
// requires persisting before sending), and the next Ready is taken only after Advance. A Ready with
// nothing to persist is sent, applied and advanced at once.

const tickSlot = 0

// Codes of impl_error observations (a = code; b, c as listed).
const (
	errSendOutsideCluster = 1 // b = raft id, c = message type
	errSendToSelf         = 2 // b = raft id, c = message type
	errCommitBeyondLog    = 3 // b = commit index, c = log length
	errUndecodableCommand = 4 // b = log index, c = data length
	errLeaderOutside      = 5 // b = raft id
	errVoteOutside        = 6 // b = raft id, c = term
	errAppliedOutOfOrder  = 7 // b = applied index, c = last applied index
)

type logSlot struct {
	term, digest uint64
}

type pendingKey struct{ clientID, requestID uint64 }

type node struct {
	index   uint32 // protocol node number; etcd raft id = index + 1
	cluster *clusterConfig
	rn      *raft.RawNode
	storage *raft.MemoryStorage
	rng     *rand.Rand // etcd's election-timeout draws for this node
	kv      *kvStore
	out     *output // the current input's output

	nextToken uint64
	held      *raft.Ready // taken, written to disk, waiting for DISK_DONE of heldToken
	heldToken uint64

	log         []logSlot // the log as written to disk (durable or not): index i at log[i-1]
	reported    struct{ role, term uint64 }
	roleKnown   bool
	voteTerm    uint64 // last (term, vote) reported
	vote        uint64
	commit      uint64 // last commit index reported
	durableTerm uint64 // the term of the last HardState made durable
	lastApplied uint64

	pending      map[pendingKey]bool // proposals this node made as leader, awaiting apply
	pendingOrder []pendingKey        // the same, in proposal order (Go map order is random)

	fault faultState
}

func raftID(index uint32) uint64 { return uint64(index) + 1 }

func newNode(index uint32, cluster *clusterConfig, seed uint64, records [][]byte, out *output) (*node, error) {
	storage, err := restoreStorage(records)
	if err != nil {
		return nil, err
	}
	n := &node{
		index:     index,
		cluster:   cluster,
		storage:   storage,
		rng:       rand.New(rand.NewSource(int64(seed))),
		kv:        newKVStore(),
		out:       out,
		nextToken: 1,
		pending:   map[pendingKey]bool{},
	}
	useElectionRand(n.rng)
	cfg := &raft.Config{
		ID:                        raftID(index),
		ElectionTick:              cluster.electionTick,
		HeartbeatTick:             cluster.heartbeatTick,
		Storage:                   storage,
		MaxSizePerMsg:             1 << 20, // etcd server's default
		MaxInflightMsgs:           256,     // etcd server's default
		CheckQuorum:               cluster.checkQuorum,
		PreVote:                   cluster.preVote,
		Logger:                    stderrLogger{prefix: fmt.Sprintf("etcd node %d", index)},
		DisableProposalForwarding: true, // a follower rejects with a leader hint instead
	}
	if n.rn, err = raft.NewRawNode(cfg); err != nil {
		return nil, err
	}
	fresh := len(records) == 0
	if fresh {
		// Every node bootstraps the same way: one ConfChangeAddNode entry per member at indexes 1..n,
		// term 1, committed; the first Ready persists them.
		peers := make([]raft.Peer, cluster.size)
		for i := range peers {
			peers[i] = raft.Peer{ID: raftID(uint32(i))}
		}
		if err := n.rn.Bootstrap(peers); err != nil {
			return nil, err
		}
	} else {
		n.observeRestored()
	}
	out.timers = append(out.timers, timerRequest{tickSlot, cluster.tickUs, cluster.tickUs})
	return n, nil
}

// observeRestored reports where a restarted incarnation starts: follower in its durable term, its durable
// log, its durable commit index. (A restarted node re-applies its committed entries from index 1: there
// are no snapshots; the membership comes back by applying the bootstrap ConfChange entries again.)
func (n *node) observeRestored() {
	hs, _, _ := n.storage.InitialState()
	last, _ := n.storage.LastIndex()
	if last > 0 {
		ents, err := n.storage.Entries(1, last+1, ^uint64(0))
		if err != nil {
			panic(fmt.Sprintf("restored storage: %v", err))
		}
		for _, e := range ents {
			n.log = append(n.log, logSlot{e.Term, digest(int32(e.Type), e.Data)})
		}
	}
	n.voteTerm, n.vote = hs.Term, hs.Vote // cast by an earlier incarnation
	n.durableTerm = hs.Term
	n.observeRole()
	for i, s := range n.log {
		n.out.observe(obsLogAppend, uint64(i+1), s.term, s.digest)
	}
	if hs.Commit > 0 {
		n.reportCommit(hs.Commit)
	}
}

// afterInput runs at the end of every input: role first (a new leader precedes its entries), then every
// Ready that can be handled now.
func (n *node) afterInput() {
	n.observeRole()
	for n.held == nil && n.rn.HasReady() {
		rd := n.rn.Ready()
		if rd.Snapshot.Metadata.Index != 0 {
			panic("etcd produced a snapshot, but snapshots are disabled (the log is never compacted)")
		}
		if raft.IsEmptyHardState(rd.HardState) && len(rd.Entries) == 0 {
			n.finishReady(rd)
			continue
		}
		n.observeWrite(rd)
		token := n.nextToken
		n.nextToken++
		record := encodeRecord(diskRecord{rd.HardState, rd.Entries})
		n.out.diskWrites = append(n.out.diskWrites, diskWrite{token, record})
		n.held, n.heldToken = &rd, token
	}
	n.observeRole()
}

func (n *node) onDiskDone(token uint64) error {
	if n.held == nil || token != n.heldToken {
		return fmt.Errorf("node %d: DISK_DONE for token %d, but the write in flight is %d", n.index, token, n.heldToken)
	}
	rd := *n.held
	n.held = nil
	// Now durable: the storage etcd reads from holds it, then the Ready's messages go out.
	if err := n.storage.Append(rd.Entries); err != nil {
		return err
	}
	if !raft.IsEmptyHardState(rd.HardState) {
		if err := n.storage.SetHardState(rd.HardState); err != nil {
			return err
		}
		n.durableTerm = rd.HardState.Term
	}
	n.finishReady(rd)
	return nil
}

// observeWrite reports what a Ready changes in the log and the commit index, as it is written. (A commit
// index is reported only once the entries up to it are reported: the checkers look them up.)
func (n *node) observeWrite(rd raft.Ready) {
	hs := rd.HardState
	if len(rd.Entries) > 0 {
		first := rd.Entries[0].Index
		if first < 1 || first > uint64(len(n.log))+1 {
			panic(fmt.Sprintf("Ready entries start at index %d, the log ends at %d", first, len(n.log)))
		}
		// The log after this write: log[:first-1] + entries. Report the first index that changes as a
		// truncation (if the old log had it), then the new entries from there.
		newLog := append([]logSlot(nil), n.log[:first-1]...)
		for _, e := range rd.Entries {
			newLog = append(newLog, logSlot{e.Term, digest(int32(e.Type), e.Data)})
		}
		same := 0
		for same < len(n.log) && same < len(newLog) && n.log[same] == newLog[same] {
			same++
		}
		if same < len(n.log) {
			n.out.observe(obsLogTruncate, uint64(same+1), 0, 0)
		}
		for i := same; i < len(newLog); i++ {
			n.out.observe(obsLogAppend, uint64(i+1), newLog[i].term, newLog[i].digest)
		}
		n.log = newLog
	}
	if !raft.IsEmptyHardState(hs) && hs.Commit > n.commit {
		n.reportCommit(hs.Commit)
	}
}

func (n *node) reportCommit(commit uint64) {
	n.commit = commit
	if commit > uint64(len(n.log)) {
		n.out.observe(obsImplError, errCommitBeyondLog, commit, uint64(len(n.log)))
		return
	}
	n.out.observe(obsCommit, commit, 0, 0)
}

// finishReady sends the Ready's messages, applies its committed entries and advances etcd.
func (n *node) finishReady(rd raft.Ready) {
	for _, m := range rd.Messages {
		n.sendMessage(m)
	}
	for _, e := range rd.CommittedEntries {
		n.apply(e)
	}
	n.rn.Advance(rd)
}

func (n *node) sendMessage(m pb.Message) {
	if m.To < 1 || m.To > uint64(n.cluster.size) {
		n.out.observe(obsImplError, errSendOutsideCluster, m.To, uint64(m.Type))
		return
	}
	if m.To == raftID(n.index) {
		n.out.observe(obsImplError, errSendToSelf, m.To, uint64(m.Type))
		return
	}
	payload, err := m.Marshal()
	if err != nil {
		panic(fmt.Sprintf("marshal %v: %v", m.Type, err))
	}
	s := summarize(m)
	s.to, s.payload = uint32(m.To-1), payload
	// A pre-vote carries the term its sender would campaign in (a granted reply echoes it), a term etcd
	// neither enters nor writes: the summary keeps it (docs/your-raft.md: kinds 6 and 7 carry the term
	// asked for), and the checkers do not count it as a term the sender used.
	n.out.sends = append(n.out.sends, s)
}

func (n *node) apply(e pb.Entry) {
	if e.Index != n.lastApplied+1 {
		n.out.observe(obsImplError, errAppliedOutOfOrder, e.Index, n.lastApplied)
	}
	n.lastApplied = e.Index
	n.out.observe(obsApply, e.Index, e.Term, digest(int32(e.Type), e.Data))
	switch e.Type {
	case pb.EntryConfChange:
		var cc pb.ConfChange
		if err := cc.Unmarshal(e.Data); err != nil {
			panic(fmt.Sprintf("committed ConfChange at index %d: %v", e.Index, err))
		}
		n.rn.ApplyConfChange(cc)
	case pb.EntryNormal:
		if len(e.Data) == 0 {
			return // a new leader's empty entry
		}
		c, err := decodeCommand(e.Data)
		if err != nil {
			n.out.observe(obsImplError, errUndecodableCommand, e.Index, uint64(len(e.Data)))
			return
		}
		result := n.kv.apply(c, e.Index, e.Term) // client sessions: a retried request takes effect once
		key := pendingKey{c.clientID, c.requestID}
		if n.pending[key] {
			n.dropPending(key)
			n.out.replies = append(n.out.replies, clientReply{
				clientID: c.clientID, requestID: c.requestID, status: statusOK, leaderHint: -1,
				value: result.value, casSucceeded: result.casSucceeded, logIndex: result.index, logTerm: result.term,
			})
		}
	default:
		panic(fmt.Sprintf("committed entry of type %v at index %d: not used by this node", e.Type, e.Index))
	}
}

func (n *node) dropPending(key pendingKey) {
	delete(n.pending, key)
	for i, k := range n.pendingOrder {
		if k == key {
			n.pendingOrder = append(n.pendingOrder[:i], n.pendingOrder[i+1:]...)
			return
		}
	}
}

func roleOf(s raft.StateType) uint64 {
	switch s {
	case raft.StateLeader:
		return 2
	case raft.StateCandidate:
		return 1
	default:
		return 0 // follower; a pre-candidate has not started an election (its term is unchanged)
	}
}

// observeRole reports the role, term and vote etcd holds in memory, when they change. The vote is
// reported when it is cast, not when its Ready is written: a node that votes in term T and then, before
// that Ready is taken, moves to term T+1 and votes again never writes its first vote, but its reply
// granting it is still sent (after the second is durable), and the checkers must see it.
func (n *node) observeRole() {
	bs := n.rn.BasicStatus()
	if bs.Vote != 0 && (bs.Term != n.voteTerm || bs.Vote != n.vote) {
		n.voteTerm, n.vote = bs.Term, bs.Vote
		if bs.Vote > uint64(n.cluster.size) {
			n.out.observe(obsImplError, errVoteOutside, bs.Vote, bs.Term)
		} else {
			n.out.observe(obsVote, bs.Term, bs.Vote-1, 0)
		}
	}
	role, term := roleOf(bs.RaftState), bs.Term
	if n.roleKnown && n.reported.role == role && n.reported.term == term {
		return
	}
	wasLeader := n.roleKnown && n.reported.role == 2
	n.roleKnown = true
	n.reported.role, n.reported.term = role, term
	n.out.observe(obsRole, role, term, 0)
	if wasLeader {
		n.failPending()
	}
	n.fault.onRoleChange(n, role)
}

// failPending answers every proposal this node made as leader once it is leader no more: the entry may
// still be committed by a later leader, so the outcome is unknown.
func (n *node) failPending() {
	hint := n.leaderHint()
	for _, k := range n.pendingOrder {
		n.out.replies = append(n.out.replies, clientReply{clientID: k.clientID, requestID: k.requestID,
			status: statusUnknown, leaderHint: hint})
	}
	n.pending = map[pendingKey]bool{}
	n.pendingOrder = nil
}

func (n *node) leaderHint() int32 {
	lead := n.rn.BasicStatus().Lead
	if lead == 0 {
		return -1
	}
	if lead > uint64(n.cluster.size) {
		n.out.observe(obsImplError, errLeaderOutside, lead, 0)
		return -1
	}
	return int32(lead - 1)
}

func (n *node) onMessage(from uint32, payload []byte) error {
	var m pb.Message
	if err := m.Unmarshal(payload); err != nil {
		return fmt.Errorf("node %d: message from node %d does not decode: %v", n.index, from, err)
	}
	if m.From != raftID(from) || m.To != raftID(n.index) {
		return fmt.Errorf("node %d: message from node %d names raft ids %d -> %d", n.index, from, m.From, m.To)
	}
	// Errors are etcd refusing a message it does not take (e.g. a response from a peer it does not
	// track): a transport drops those too.
	_ = n.rn.Step(m)
	return nil
}

func (n *node) onTimer(slot uint16) error {
	if slot != tickSlot {
		return fmt.Errorf("node %d: timer slot %d was never armed", n.index, slot)
	}
	n.out.timers = append(n.out.timers, timerRequest{tickSlot, n.cluster.tickUs, n.cluster.tickUs})
	n.rn.Tick()
	return nil
}

func (n *node) onClientRequest(c command) {
	reject := func() {
		n.out.replies = append(n.out.replies, clientReply{clientID: c.clientID, requestID: c.requestID,
			status: statusRejected, leaderHint: n.leaderHint()})
	}
	if n.rn.BasicStatus().RaftState != raft.StateLeader {
		reject()
		return
	}
	key := pendingKey{c.clientID, c.requestID}
	if n.pending[key] {
		return // the same request again: answered when the first proposal applies
	}
	if err := n.rn.Propose(encodeCommand(c)); err != nil {
		reject() // ErrProposalDropped: e.g. a leadership transfer in progress; nothing was appended
		return
	}
	n.pending[key] = true
	n.pendingOrder = append(n.pendingOrder, key)
}

// summarize gives the trace's view of a message: its kind (kinds.go), term, and two numbers per type
// (docs/your-raft.md): vote requests a = last index, b = last term; vote replies a = granted;
// MsgApp a = prev index, b = entry count; MsgAppResp a = success, b = match index or reject hint;
// MsgHeartbeat a = commit.
func summarize(m pb.Message) send {
	s := send{kind: wireKindOf[m.Type], term: m.Term}
	switch m.Type {
	case pb.MsgVote, pb.MsgPreVote:
		s.a, s.b = m.Index, m.LogTerm
	case pb.MsgVoteResp, pb.MsgPreVoteResp:
		if !m.Reject {
			s.a = 1
		}
	case pb.MsgApp:
		s.a, s.b = m.Index, uint64(len(m.Entries))
	case pb.MsgAppResp:
		if m.Reject {
			s.b = m.RejectHint
		} else if m.Index == 0 && m.LogTerm == 0 {
			// etcd with CheckQuorum or PreVote answers a stale leader's MsgApp/MsgHeartbeat with an empty
			// MsgAppResp of its own (higher) term, so the stale leader steps down: no success claim.
		} else {
			s.a, s.b = 1, m.Index
		}
	case pb.MsgHeartbeat:
		s.a = m.Commit
	default:
		s.a, s.b = m.Index, m.LogTerm
	}
	return s
}

// onTransfer asks etcd to hand leadership to node `target` (thesis 3.10; etcd's MsgTransferLeader), or for
// -1 to the follower with the longest matching log (the lowest id on ties: no map order reaches the choice).
func (n *node) onTransfer(target int32) {
	st := n.rn.Status()
	if st.RaftState != raft.StateLeader {
		return
	}
	to, best := uint64(0), uint64(0)
	if target >= 0 {
		to = raftID(uint32(target))
	} else {
		for id, pr := range st.Progress {
			if id != st.ID && (to == 0 || pr.Match > best || (pr.Match == best && id < to)) {
				to, best = id, pr.Match
			}
		}
	}
	if to == 0 || to == st.ID {
		return
	}
	n.rn.TransferLeader(to)
}
