package main

import (
	"bytes"
	"math/rand"
	"sort"
	"testing"
)

// A tiny lock-step driver for the node program's host, standing in for raftsim in unit tests: it encodes
// input frames, decodes OUTPUT frames, and runs a cluster on a virtual clock with a fixed network delay
// and disk latency (timers fire at their minimum delay). Enough to see elections, replication, restarts.

type decodedOutput struct {
	output
	tasks int64
}

func decodeOutput(t *testing.T, body []byte) decodedOutput {
	t.Helper()
	d := &decoder{buf: body}
	if typ := d.u8(); typ != frameOutput {
		t.Fatalf("reply type %d, expected OUTPUT (%d); body %q", typ, frameOutput, body)
	}
	var o decodedOutput
	for i, n := 0, d.u32(); i < int(n) && d.err == nil; i++ {
		s := send{to: d.u32(), kind: d.u16(), term: d.u64(), a: d.u64(), b: d.u64()}
		s.payload = d.bytes()
		o.sends = append(o.sends, s)
	}
	for i, n := 0, d.u32(); i < int(n) && d.err == nil; i++ {
		w := diskWrite{token: d.u64()}
		size := d.u32()
		w.record = d.bytes()
		if int(size) != len(w.record) {
			t.Fatalf("disk write size_bytes %d for a record of %d bytes", size, len(w.record))
		}
		o.diskWrites = append(o.diskWrites, w)
	}
	for i, n := 0, d.u32(); i < int(n) && d.err == nil; i++ {
		o.timers = append(o.timers, timerRequest{d.u16(), d.i64(), d.i64()})
	}
	for i, n := 0, d.u32(); i < int(n) && d.err == nil; i++ {
		r := clientReply{clientID: d.u64(), requestID: d.u64(), status: d.u8(), leaderHint: int32(d.u32())}
		r.value = d.str()
		r.casSucceeded = d.u8() == 1
		r.logIndex, r.logTerm = d.u64(), d.u64()
		o.replies = append(o.replies, r)
	}
	for i, n := 0, d.u32(); i < int(n) && d.err == nil; i++ {
		o.observations = append(o.observations, observation{d.u8(), d.u64(), d.u64(), d.u64()})
	}
	o.tasks = d.i64()
	if err := d.finish("OUTPUT"); err != nil {
		t.Fatal(err)
	}
	return o
}

func helloFrame(size uint32, electionMinUs, heartbeatUs int64) []byte {
	e := encoder{}
	e.u8(frameHello)
	e.u32(protocolVersion)
	e.u32(size)
	e.i64(electionMinUs)
	e.i64(2 * electionMinUs)
	e.i64(heartbeatUs)
	e.u32(64)
	return e.buf
}

func startFrame(node uint32, incarnation uint32, seed uint64, records [][]byte) []byte {
	e := encoder{}
	e.u8(frameStart)
	e.u32(node)
	e.u32(incarnation)
	e.i64(0)
	e.u64(seed)
	e.u32(uint32(len(records)))
	for _, r := range records {
		e.bytes(r)
	}
	return e.buf
}

type event struct {
	atUs    int64
	seq     int
	node    uint32
	typ     uint8
	from    uint32
	payload []byte
	token   uint64
	inc     uint32 // incarnation the event belongs to
	request command
}

// stepper answers one input frame: the in-process host, or a node program over pipes (process_test.go).
type stepper interface {
	handle(body []byte) (reply []byte, done bool, err error)
}

type testCluster struct {
	t        *testing.T
	h        stepper
	size     uint32
	nowUs    int64
	seq      int
	queue    []event
	inc      []uint32
	up       []bool
	written  [][][]byte // per node: records written, in order
	durable  []int      // per node: how many of them are durable
	tokens   [][]uint64 // per node: tokens in flight, in order
	timerSeq [][]int    // per node, per slot: seq of the armed timer (re-arming cancels)
	obs      [][]observation
	replies  []clientReply
	trace    bytes.Buffer // every reply frame but its task gauge, in order: the run's fingerprint
	maxTasks int64
	// Faults (zero: a reliable network 1 ms away and a 2 ms disk).
	rng          *rand.Rand
	dropPercent  int
	latencyMaxUs int64
	lastDiskAtUs []int64
	roleTerm     []uint64 // per node: the term of its latest role observation
	minTasks     int64
}

func newTestCluster(t *testing.T, opts options, size uint32, seed uint64) *testCluster {
	return newTestClusterOn(t, newHost(opts), size, seed)
}

func newTestClusterOn(t *testing.T, h stepper, size uint32, seed uint64) *testCluster {
	c := &testCluster{t: t, h: h, size: size}
	reply, _, err := c.h.handle(helloFrame(size, 150000, 50000))
	if err != nil || reply[0] != frameHelloOK {
		t.Fatalf("HELLO: %v %q", err, reply)
	}
	c.inc = make([]uint32, size)
	c.up = make([]bool, size)
	c.written = make([][][]byte, size)
	c.durable = make([]int, size)
	c.tokens = make([][]uint64, size)
	c.timerSeq = make([][]int, size)
	c.obs = make([][]observation, size)
	c.lastDiskAtUs = make([]int64, size)
	c.roleTerm = make([]uint64, size)
	for n := uint32(0); n < size; n++ {
		c.start(n, seed*1000+uint64(n))
	}
	return c
}

func (c *testCluster) push(e event) {
	c.seq++
	e.seq = c.seq
	e.inc = c.inc[e.node]
	c.queue = append(c.queue, e)
}

func (c *testCluster) input(node uint32, frame []byte) {
	c.t.Helper()
	reply, _, err := c.h.handle(frame)
	if err != nil {
		c.t.Fatalf("node %d at %d us: %v", node, c.nowUs, err)
	}
	o := decodeOutput(c.t, reply)
	// The fingerprint leaves out the task gauge: go test's own goroutines (and the finalizer goroutine
	// while it runs a finalizer) are counted in it.
	c.trace.Write(reply[:len(reply)-8])
	if o.tasks > c.maxTasks {
		c.maxTasks = o.tasks
	}
	if c.minTasks == 0 || o.tasks < c.minTasks {
		c.minTasks = o.tasks
	}
	for _, ob := range o.observations {
		if ob.kind == obsRole {
			c.roleTerm[node] = ob.b
		}
	}
	for _, s := range o.sends {
		if s.to >= c.size || s.to == node {
			c.t.Fatalf("node %d sent to %d", node, s.to)
		}
		// A PreVote (kind 6) asks for the next term and its reply (7) echoes it: thesis 9.6, no term is taken.
		if s.term > c.roleTerm[node] && s.kind != 6 && s.kind != 7 {
			c.t.Fatalf("node %d in term %d sent a message (kind %d) of term %d", node, c.roleTerm[node], s.kind, s.term)
		}
		at := c.nowUs + 1000
		if c.rng != nil {
			if c.rng.Intn(100) < c.dropPercent {
				continue
			}
			at = c.nowUs + 200 + c.rng.Int63n(c.latencyMaxUs)
			if c.rng.Intn(100) < c.dropPercent { // a duplicate
				c.push(event{atUs: at + c.rng.Int63n(c.latencyMaxUs), node: s.to, typ: frameMessage, from: node, payload: s.payload})
			}
		}
		c.push(event{atUs: at, node: s.to, typ: frameMessage, from: node, payload: s.payload})
	}
	for _, w := range o.diskWrites {
		c.written[node] = append(c.written[node], w.record)
		c.tokens[node] = append(c.tokens[node], w.token)
		at := c.nowUs + 2000
		if c.rng != nil {
			at = c.nowUs + 500 + c.rng.Int63n(10000)
		}
		if at < c.lastDiskAtUs[node] {
			at = c.lastDiskAtUs[node] // a disk completes writes in order
		}
		c.lastDiskAtUs[node] = at
		c.push(event{atUs: at, node: node, typ: frameDiskDone, token: w.token})
	}
	for _, tm := range o.timers {
		if tm.delayMinUs <= 0 || tm.delayMaxUs < tm.delayMinUs {
			c.t.Fatalf("timer delay %d..%d", tm.delayMinUs, tm.delayMaxUs)
		}
		for int(tm.slot) >= len(c.timerSeq[node]) {
			c.timerSeq[node] = append(c.timerSeq[node], 0)
		}
		c.push(event{atUs: c.nowUs + tm.delayMinUs, node: node, typ: frameTimer, token: uint64(tm.slot)})
		c.timerSeq[node][tm.slot] = c.seq
	}
	c.replies = append(c.replies, o.replies...)
	c.obs[node] = append(c.obs[node], o.observations...)
}

func (c *testCluster) start(node uint32, seed uint64) {
	records := c.written[node][:c.durable[node]]
	c.written[node] = append([][]byte(nil), records...)
	c.tokens[node] = nil
	c.up[node] = true
	c.input(node, startFrame(node, c.inc[node], seed, records))
}

func (c *testCluster) crash(node uint32) {
	e := encoder{}
	e.u8(frameStop)
	e.u32(node)
	c.input(node, e.buf)
	c.up[node] = false
	c.inc[node]++
}

func (c *testCluster) request(atUs int64, node uint32, r command) {
	c.push(event{atUs: atUs, node: node, typ: frameClientRequest, request: r})
}

// runUntil delivers events in time order (ties in push order) up to endUs.
func (c *testCluster) runUntil(endUs int64) {
	for {
		sort.SliceStable(c.queue, func(i, j int) bool {
			if c.queue[i].atUs != c.queue[j].atUs {
				return c.queue[i].atUs < c.queue[j].atUs
			}
			return c.queue[i].seq < c.queue[j].seq
		})
		if len(c.queue) == 0 || c.queue[0].atUs > endUs {
			c.nowUs = endUs
			return
		}
		ev := c.queue[0]
		c.queue = c.queue[1:]
		c.nowUs = ev.atUs
		if !c.up[ev.node] || ev.inc != c.inc[ev.node] {
			continue // for a crashed node or an earlier incarnation
		}
		e := encoder{}
		e.u8(ev.typ)
		e.u32(ev.node)
		e.i64(c.nowUs)
		switch ev.typ {
		case frameMessage:
			e.u32(ev.from)
			e.bytes(ev.payload)
		case frameTimer:
			if c.timerSeq[ev.node][ev.token] != ev.seq {
				continue // re-armed since
			}
			e.u16(uint16(ev.token))
		case frameDiskDone:
			if len(c.tokens[ev.node]) == 0 || c.tokens[ev.node][0] != ev.token {
				c.t.Fatalf("disk completion out of order")
			}
			c.tokens[ev.node] = c.tokens[ev.node][1:]
			c.durable[ev.node]++
			e.u64(ev.token)
		case frameClientRequest:
			r := ev.request
			e.u64(r.clientID)
			e.u64(r.requestID)
			e.u8(r.op)
			e.str(r.key)
			e.str(r.value)
			e.str(r.expected)
		}
		c.input(ev.node, e.buf)
	}
}

// leaders returns, per term, the nodes that reported becoming leader in it.
func (c *testCluster) leaders() map[uint64][]uint32 {
	m := map[uint64][]uint32{}
	for n, list := range c.obs {
		for _, o := range list {
			if o.kind == obsRole && o.a == 2 {
				m[o.b] = append(m[o.b], uint32(n))
			}
		}
	}
	return m
}

// currentLeader is the node whose latest role observation is leader in the highest such term.
func (c *testCluster) currentLeader() (uint32, bool) {
	best, found, bestTerm := uint32(0), false, uint64(0)
	for n, list := range c.obs {
		if !c.up[n] {
			continue
		}
		for i := len(list) - 1; i >= 0; i-- {
			if list[i].kind == obsRole {
				if list[i].a == 2 && list[i].b >= bestTerm {
					best, found, bestTerm = uint32(n), true, list[i].b
				}
				break
			}
		}
	}
	return best, found
}

func (c *testCluster) reply(clientID, requestID uint64) (clientReply, bool) {
	for _, r := range c.replies {
		if r.clientID == clientID && r.requestID == requestID {
			return r, true
		}
	}
	return clientReply{}, false
}

// checkVotes verifies that every leader of a term was voted for, in that term, by a majority (votes are
// reported when cast, so they precede the leader's role observation in simulated time).
func (c *testCluster) checkVotes() {
	c.t.Helper()
	votes := map[[2]uint64]map[int]bool{}
	for n, list := range c.obs {
		for _, o := range list {
			if o.kind == obsVote {
				k := [2]uint64{o.a, o.b}
				if votes[k] == nil {
					votes[k] = map[int]bool{}
				}
				votes[k][n] = true
			}
		}
	}
	for term, nodes := range c.leaders() {
		for _, l := range nodes {
			if got := len(votes[[2]uint64{term, uint64(l)}]); got <= int(c.size)/2 {
				c.t.Fatalf("node %d became leader of term %d with %d reported votes", l, term, got)
			}
		}
	}
}

// checkLogs verifies the observation streams the way raftsim's checkers read them: each node's log
// (appends and truncations) is gap-free, applies follow the log, and all nodes agree on every index
// that any of them applied.
func (c *testCluster) checkLogs() {
	c.t.Helper()
	c.checkVotes()
	applied := map[uint64]uint64{}
	committed := map[uint64]logSlot{}
	for n, list := range c.obs {
		var log []logSlot
		for _, o := range list {
			switch o.kind {
			case obsCommit:
				if o.a > uint64(len(log)) {
					c.t.Fatalf("node %d committed %d, its log ends at %d", n, o.a, len(log))
				}
				for i := uint64(1); i <= o.a; i++ {
					if s, ok := committed[i]; ok && s != log[i-1] {
						c.t.Fatalf("node %d committed index %d with term %d, another node with term %d", n, i, log[i-1].term, s.term)
					}
					committed[i] = log[i-1]
				}
			case obsLogTruncate:
				if o.a < 1 || o.a > uint64(len(log))+1 {
					c.t.Fatalf("node %d truncated from %d, log ends at %d", n, o.a, len(log))
				}
				log = log[:o.a-1]
			case obsLogAppend:
				if o.a == 1 && len(log) > 0 {
					log = nil // a restart reports its durable log from index 1 again
				}
				if o.a != uint64(len(log))+1 {
					c.t.Fatalf("node %d appended index %d to a log ending at %d", n, o.a, len(log))
				}
				log = append(log, logSlot{o.b, o.c})
			case obsApply:
				if o.a > uint64(len(log)) || log[o.a-1] != (logSlot{o.b, o.c}) {
					c.t.Fatalf("node %d applied index %d (term %d) not in its log", n, o.a, o.b)
				}
				if d, ok := applied[o.a]; ok && d != o.c {
					c.t.Fatalf("index %d applied with two different entries", o.a)
				}
				applied[o.a] = o.c
			case obsImplError:
				c.t.Fatalf("node %d reported impl_error %d (%d, %d)", n, o.a, o.b, o.c)
			}
		}
	}
}
