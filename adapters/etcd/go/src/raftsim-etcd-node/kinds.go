package main

import pb "go.etcd.io/etcd/raft/raftpb"

// The trace's message kinds. The first four follow raftsim's convention (docs/your-raft.md, "Message
// summaries"), which the Figure 2 rule checkers read: 0 RequestVote, 1 its reply, 2 AppendEntries, 3 its
// reply. Every other etcd message type follows, in etcd's own order, under its etcd name.
var wireKinds = func() []pb.MessageType {
	kinds := []pb.MessageType{pb.MsgVote, pb.MsgVoteResp, pb.MsgApp, pb.MsgAppResp}
	for i := 0; i < len(pb.MessageType_name); i++ {
		t := pb.MessageType(i)
		if t != pb.MsgVote && t != pb.MsgVoteResp && t != pb.MsgApp && t != pb.MsgAppResp {
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
