package main

import (
	"fmt"
	"runtime"

	pb "go.etcd.io/etcd/raft/raftpb"
)

// The host side of one process: the cluster's configuration from HELLO and every live node, driven one
// input frame at a time (docs/protocol.md). The process hosts the whole cluster, so nothing here may be
// shared between nodes except etcd's package-level generator, which each node swaps its own into.

const protocolVersion = 1

// Version 2 (docs/protocol.md): HELLO ends with u32 features (bit 0 pre_vote, bit 1 check_quorum), and
// TRANSFER exists. raftsim speaks it only when a feature is on.
const protocolVersionFeatures = 2
const implementationName = "etcd-raft-3.4"

type clusterConfig struct {
	size                       uint32
	electionMinUs, heartbeatUs int64
	tickUs                     int64
	electionTick               int
	heartbeatTick              int
	checkQuorum, preVote       bool
}

type options struct {
	fault       string // "", "race" or "leak": a deliberately faulty node (faults.go)
	checkQuorum bool
	preVote     bool
}

type host struct {
	opts    options
	cluster *clusterConfig
	nodes   map[uint32]*node
}

func newHost(opts options) *host { return &host{opts: opts, nodes: map[uint32]*node{}} }

// handle answers one input frame body; done is true after SHUTDOWN (no reply).
func (h *host) handle(body []byte) (reply []byte, done bool, err error) {
	d := &decoder{buf: body}
	typ := d.u8()
	if typ != frameHello && typ != frameShutdown && h.cluster == nil {
		return nil, false, fmt.Errorf("input type %d before HELLO", typ)
	}
	switch typ {
	case frameHello:
		reply, err = h.hello(d)
		return reply, false, err
	case frameShutdown:
		return nil, true, d.finish("SHUTDOWN")
	case frameStart:
		reply, err = h.start(d)
		return reply, false, err
	case frameStop:
		index := d.u32()
		if err := d.finish("STOP"); err != nil {
			return nil, false, err
		}
		if n := h.nodes[index]; n != nil {
			n.fault.onStop(n)
		}
		delete(h.nodes, index)
		return (&output{}).encode(int64(runtime.NumGoroutine())), false, nil
	case frameMessage, frameTimer, frameDiskDone, frameClientRequest, frameTransfer:
		reply, err = h.nodeInput(typ, d)
		return reply, false, err
	}
	return nil, false, fmt.Errorf("unknown input frame type %d", typ)
}

func (h *host) hello(d *decoder) ([]byte, error) {
	version := d.u32()
	size := d.u32()
	electionMin, electionMax := d.i64(), d.i64()
	heartbeat := d.i64()
	_ = d.u32() // max_entries_per_append: etcd limits appends by bytes (MaxSizePerMsg) instead
	var features uint32
	if version == protocolVersionFeatures {
		features = d.u32()
	}
	if err := d.finish("HELLO"); err != nil {
		return nil, err
	}
	if h.cluster != nil {
		return nil, fmt.Errorf("a second HELLO")
	}
	if version != protocolVersion && version != protocolVersionFeatures {
		return nil, fmt.Errorf("protocol version %d; this node speaks %d and %d", version, protocolVersion, protocolVersionFeatures)
	}
	if features > 3 {
		return nil, fmt.Errorf("HELLO: unknown feature bits %#x", features)
	}
	if size < 1 || heartbeat <= 0 || electionMin <= heartbeat || electionMax < electionMin {
		return nil, fmt.Errorf("HELLO: cluster_size %d, election timeout %d..%d us, heartbeat %d us: need size >= 1 and 0 < heartbeat < election timeout",
			size, electionMin, electionMax, heartbeat)
	}
	h.cluster = timing(size, electionMin, heartbeat)
	// The scenario's features (etcd raft.Config PreVote and CheckQuorum), or the command line's.
	h.cluster.checkQuorum = h.opts.checkQuorum || features&2 != 0
	h.cluster.preVote = h.opts.preVote || features&1 != 0
	e := encoder{}
	e.u8(frameHelloOK)
	e.u32(version)
	e.str(implementationName)
	e.u32(uint32(len(wireKinds)))
	for _, t := range wireKinds {
		e.str(pb.MessageType_name[int32(t)])
	}
	e.u32(1)
	e.str("tick")
	return e.buf, nil
}

// timing maps raftsim's timing onto etcd's logical clock: one tick timer; the tick is the largest
// divisor (in microseconds) of both the heartbeat and the minimum election timeout that is at most
// 10 ms, so both are whole numbers of ticks. etcd draws each election timeout in [ElectionTick,
// 2*ElectionTick) ticks; the scenario's maximum election timeout is not used (as with libraft).
func timing(size uint32, electionMinUs, heartbeatUs int64) *clusterConfig {
	g := gcd(electionMinUs, heartbeatUs)
	tick := g
	for d := int64(1); d <= g; d++ {
		if g%d == 0 && g/d <= 10000 {
			tick = g / d
			break
		}
	}
	c := &clusterConfig{size: size, electionMinUs: electionMinUs, heartbeatUs: heartbeatUs, tickUs: tick}
	c.heartbeatTick = int(heartbeatUs / tick)
	c.electionTick = int(electionMinUs / tick)
	return c
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func (h *host) start(d *decoder) ([]byte, error) {
	index := d.u32()
	_ = d.u32() // incarnation: a node with no durable records starts fresh whatever its incarnation
	_ = d.i64() // now_us: etcd raft reads no clock
	seed := d.u64()
	count := d.u32()
	var records [][]byte
	for i := uint32(0); i < count && d.err == nil; i++ {
		records = append(records, d.bytes())
	}
	if err := d.finish("START"); err != nil {
		return nil, err
	}
	if index >= h.cluster.size {
		return nil, fmt.Errorf("START of node %d in a cluster of %d", index, h.cluster.size)
	}
	if h.nodes[index] != nil {
		return nil, fmt.Errorf("START of node %d, which is running", index)
	}
	out := &output{}
	n, err := newNode(index, h.cluster, seed, records, out)
	if err != nil {
		return nil, fmt.Errorf("node %d: start: %v", index, err)
	}
	h.nodes[index] = n
	n.fault.onStart(n, h.opts.fault)
	n.afterInput()
	n.out = nil
	return out.encode(int64(runtime.NumGoroutine())), nil
}

func (h *host) nodeInput(typ uint8, d *decoder) ([]byte, error) {
	index := d.u32()
	_ = d.i64() // now_us
	n := h.nodes[index]
	var run func() error
	switch typ {
	case frameMessage:
		from := d.u32()
		payload := d.bytes()
		run = func() error { return n.onMessage(from, payload) }
	case frameTimer:
		slot := d.u16()
		run = func() error { return n.onTimer(slot) }
	case frameDiskDone:
		token := d.u64()
		run = func() error { return n.onDiskDone(token) }
	case frameClientRequest:
		c := command{clientID: d.u64(), requestID: d.u64(), op: d.u8()}
		c.key, c.value, c.expected = d.str(), d.str(), d.str()
		if c.op > opCas && d.err == nil {
			return nil, fmt.Errorf("CLIENT_REQUEST: op %d outside 0..3", c.op)
		}
		run = func() error { n.onClientRequest(c); return nil }
	case frameTransfer:
		target := d.i32()
		if target < -1 || (target >= 0 && uint32(target) >= h.cluster.size) {
			return nil, fmt.Errorf("TRANSFER to node %d in a cluster of %d", target, h.cluster.size)
		}
		run = func() error { n.onTransfer(target); return nil }
	}
	if err := d.finish(fmt.Sprintf("input type %d", typ)); err != nil {
		return nil, err
	}
	if n == nil {
		return nil, fmt.Errorf("input type %d for node %d, which is not running", typ, index)
	}
	out := &output{}
	n.out = out
	useElectionRand(n.rng)
	n.fault.onInput(n)
	if err := run(); err != nil {
		return nil, err
	}
	n.afterInput()
	n.out = nil
	return out.encode(int64(runtime.NumGoroutine())), nil
}
