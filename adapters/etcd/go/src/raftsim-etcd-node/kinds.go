package main

import pb "go.etcd.io/etcd/raft/raftpb"

// The trace's message kinds. The first four follow raftsim's convention (docs/your-raft.md, "Message
// summaries"), which the Figure 2 rule checkers read: 0 RequestVote, 1 its reply, 2 AppendEntries, 3 its
// reply. Every other etcd message type follows, in etcd's own order, under its etcd name.
//
// Kinds 4-8 follow it too: 4 MsgSnap (InstallSnapshot; snapshots are off), 5 MsgSnapStatus (the slot of
// the InstallSnapshot reply: a local message etcd never sends), 6 MsgPreVote, 7 MsgPreVoteResp,
// 8 MsgTimeoutNow, which the leadership checker reads (thesis 9.6, 3.10).
var wireKinds = func() []pb.MessageType {
	kinds := []pb.MessageType{pb.MsgVote, pb.MsgVoteResp, pb.MsgApp, pb.MsgAppResp, pb.MsgSnap, pb.MsgSnapStatus,
		pb.MsgPreVote, pb.MsgPreVoteResp, pb.MsgTimeoutNow}
	placed := map[pb.MessageType]bool{}
	for _, t := range kinds {
		placed[t] = true
	}
	for i := 0; i < len(pb.MessageType_name); i++ {
		if t := pb.MessageType(i); !placed[t] {
			kinds = append(kinds, t)
		}
	}
	return kinds
}()

var wireKindOf = func() map[pb.MessageType]uint16 {
	m := make(map[pb.MessageType]uint16, len(wireKinds))
	for i, t := range wireKinds {
		m[t] = uint16(i)
	}
	return m
}()
