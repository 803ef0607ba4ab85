package main

import (
	"bytes"
	"math/rand"
	"testing"
)

func TestElectsOneLeaderPerTermAndServesClients(t *testing.T) {
	c := newTestCluster(t, options{}, 3, 1)
	c.runUntil(1000000)
	for term, nodes := range c.leaders() {
		if len(nodes) != 1 {
			t.Fatalf("term %d has leaders %v", term, nodes)
		}
	}
	leader, ok := c.currentLeader()
	if !ok {
		t.Fatalf("no leader after 1 s")
	}
	follower := (leader + 1) % 3
	c.request(c.nowUs+1000, leader, command{op: opPut, clientID: 7, requestID: 1, key: "k", value: "a"})
	c.request(c.nowUs+1000, follower, command{op: opPut, clientID: 8, requestID: 1, key: "k", value: "x"})
	c.request(c.nowUs+5000, leader, command{op: opAppend, clientID: 7, requestID: 2, key: "k", value: "b"})
	c.request(c.nowUs+9000, leader, command{op: opCas, clientID: 7, requestID: 3, key: "k", value: "c", expected: "ab"})
	c.request(c.nowUs+9500, leader, command{op: opCas, clientID: 7, requestID: 4, key: "k", value: "d", expected: "zz"})
	c.request(c.nowUs+12000, leader, command{op: opGet, clientID: 7, requestID: 5, key: "k"})
	c.runUntil(c.nowUs + 200000)
	want := []struct {
		client, request uint64
		status          uint8
		value           string
		cas             bool
	}{
		{7, 1, statusOK, "a", false},
		{8, 1, statusRejected, "", false},
		{7, 2, statusOK, "ab", false},
		{7, 3, statusOK, "ab", true},
		{7, 4, statusOK, "c", false},
		{7, 5, statusOK, "c", false},
	}
	for _, w := range want {
		r, ok := c.reply(w.client, w.request)
		if !ok || r.status != w.status || r.value != w.value || r.casSucceeded != w.cas {
			t.Fatalf("reply to %d/%d: %+v (found %v), expected status %d value %q cas %v", w.client, w.request, r, ok, w.status, w.value, w.cas)
		}
		if w.status == statusOK && (r.logIndex == 0 || r.logTerm == 0) {
			t.Fatalf("ok reply without its log position: %+v", r)
		}
		if w.status == statusRejected && r.leaderHint != int32(leader) {
			t.Fatalf("rejection hints at %d, the leader is %d", r.leaderHint, leader)
		}
	}
	c.checkLogs()
	if c.minTasks < 1 || c.maxTasks != c.minTasks {
		t.Fatalf("the healthy node's goroutine count varied from %d to %d: it starts none", c.minTasks, c.maxTasks)
	}
}

func TestRestartedNodeReloadsItsDurableLogAndCatchesUp(t *testing.T) {
	c := newTestCluster(t, options{}, 3, 2)
	c.runUntil(1000000)
	leader, ok := c.currentLeader()
	if !ok {
		t.Fatalf("no leader")
	}
	for i := uint64(1); i <= 5; i++ {
		c.request(c.nowUs+int64(i)*3000, leader, command{op: opAppend, clientID: 1, requestID: i, key: "k", value: "x"})
	}
	c.runUntil(c.nowUs + 100000)
	victim := (leader + 1) % 3
	c.crash(victim)
	c.request(c.nowUs+1000, leader, command{op: opAppend, clientID: 1, requestID: 6, key: "k", value: "y"})
	c.runUntil(c.nowUs + 100000)
	before := len(c.obs[victim])
	c.start(victim, 99)
	restartObs := c.obs[victim][before:]
	if len(restartObs) == 0 || restartObs[0].kind != obsRole {
		t.Fatalf("a restart reports its role first: %+v", restartObs)
	}
	c.request(c.nowUs+1000, leader, command{op: opGet, clientID: 1, requestID: 7, key: "k"})
	c.runUntil(c.nowUs + 300000)
	r, ok := c.reply(1, 7)
	if !ok || r.status != statusOK || r.value != "xxxxxy" {
		t.Fatalf("get after restart: %+v (found %v)", r, ok)
	}
	// The restarted node applied everything again, up to the get.
	var lastApplied uint64
	for _, o := range c.obs[victim][before:] {
		if o.kind == obsApply {
			lastApplied = o.a
		}
	}
	if lastApplied != r.logIndex {
		t.Fatalf("restarted node applied up to %d, the get is at %d", lastApplied, r.logIndex)
	}
	c.checkLogs()
}

func TestLeaderCrashGivesUnknownOrOkNeverLost(t *testing.T) {
	c := newTestCluster(t, options{}, 3, 3)
	c.runUntil(1000000)
	leader, _ := c.currentLeader()
	c.request(c.nowUs+1000, leader, command{op: opPut, clientID: 3, requestID: 1, key: "a", value: "1"})
	c.runUntil(c.nowUs + 1500) // proposed, not yet committed
	c.crash(leader)
	c.runUntil(c.nowUs + 1000000)
	next, ok := c.currentLeader()
	if !ok || next == leader {
		t.Fatalf("no new leader after the leader crashed")
	}
	if _, replied := c.reply(3, 1); replied {
		t.Fatalf("a crashed node replied")
	}
	c.checkLogs()
}

func TestSameSeedSameBytesOtherSeedOtherBytes(t *testing.T) {
	run := func(seed uint64) []byte {
		c := newTestCluster(t, options{}, 5, seed)
		c.runUntil(2000000)
		return c.trace.Bytes()
	}
	a, b, other := run(11), run(11), run(12)
	if !bytes.Equal(a, b) {
		t.Fatalf("equal seeds gave different replies")
	}
	if bytes.Equal(a, other) {
		t.Fatalf("different seeds gave identical replies: the election timeouts do not come from the seed")
	}
}

func TestLeakyNodeGrowsGoroutinesAcrossRestarts(t *testing.T) {
	c := newTestCluster(t, options{fault: "leak"}, 3, 4)
	c.runUntil(1000000)
	baseline := c.maxTasks
	for i := 0; i < 4; i++ {
		c.crash(uint32(i % 3))
		c.runUntil(c.nowUs + 200000)
		c.start(uint32(i%3), uint64(100+i))
		c.runUntil(c.nowUs + 400000)
	}
	if c.maxTasks < baseline+4 {
		t.Fatalf("goroutines went from %d to %d over 4 restarts", baseline, c.maxTasks)
	}
}

func TestMalformedInputIsAnError(t *testing.T) {
	h := newHost(options{})
	if _, _, err := h.handle(startFrame(0, 0, 1, nil)); err == nil {
		t.Fatalf("START before HELLO accepted")
	}
	bad := helloFrame(3, 150000, 50000)
	if _, _, err := h.handle(bad[:len(bad)-1]); err == nil {
		t.Fatalf("truncated HELLO accepted")
	}
	if _, _, err := h.handle(helloFrame(3, 150000, 50000)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.handle(startFrame(5, 0, 1, nil)); err == nil {
		t.Fatalf("START of node 5 in a cluster of 3 accepted")
	}
	if _, _, err := h.handle(startFrame(0, 1, 1, [][]byte{{9, 9}})); err == nil {
		t.Fatalf("an undecodable disk record accepted")
	}
}

func TestSessionOverPipesEndsWithShutdown(t *testing.T) {
	var in, out bytes.Buffer
	writeFrame(&in, helloFrame(1, 150000, 50000))
	writeFrame(&in, startFrame(0, 0, 1, nil))
	writeFrame(&in, []byte{frameShutdown})
	writeFrame(&in, startFrame(0, 0, 1, nil)) // never read
	if err := serve(newHost(options{}), &in, &out); err != nil {
		t.Fatal(err)
	}
	hello, err := readFrame(&out)
	if err != nil || hello[0] != frameHelloOK {
		t.Fatalf("first reply: %v %q", err, hello)
	}
	start, err := readFrame(&out)
	if err != nil {
		t.Fatal(err)
	}
	o := decodeOutput(t, start)
	if len(o.diskWrites) != 1 || len(o.timers) != 1 {
		t.Fatalf("a fresh node's START: %+v", o)
	}
	if out.Len() != 0 {
		t.Fatalf("%d bytes after the START reply: SHUTDOWN must not be answered", out.Len())
	}
}

// Lossy, duplicating, reordering network, a slow disk, and random crashes and restarts: the observation
// streams stay consistent (log matching, one committed entry per index, applies follow commits, every
// leader voted in by a majority) and the cluster keeps serving.
func TestRandomFaultsKeepObservationsConsistent(t *testing.T) {
	randomFaults(t, options{})
}

// The same with etcd server's PreVote and CheckQuorum; a pre-vote's prospective term must not appear as
// a term its sender used (the driver checks every sent term against the sender's role term).
func TestRandomFaultsWithPreVoteAndCheckQuorum(t *testing.T) {
	randomFaults(t, options{preVote: true, checkQuorum: true})
}

func randomFaults(t *testing.T, opts options) {
	for seed := uint64(1); seed <= 40; seed++ {
		c := newTestCluster(t, opts, 5, seed)
		c.rng = rand.New(rand.NewSource(int64(seed)))
		c.dropPercent, c.latencyMaxUs = 5, 20000
		request := uint64(0)
		for step := 0; step < 60; step++ {
			if leader, ok := c.currentLeader(); ok {
				request++
				c.request(c.nowUs+1000, leader, command{op: opAppend, clientID: 9, requestID: request, key: "k", value: "x"})
			}
			if c.rng.Intn(4) == 0 {
				n := uint32(c.rng.Intn(5))
				if c.up[n] {
					c.crash(n)
				} else {
					c.start(n, seed*100+uint64(step))
				}
			}
			c.runUntil(c.nowUs + 50000)
		}
		for n := uint32(0); n < 5; n++ {
			if !c.up[n] {
				c.start(n, seed*1000+uint64(n))
			}
		}
		c.runUntil(c.nowUs + 2000000)
		c.checkLogs()
		if _, ok := c.currentLeader(); !ok {
			t.Fatalf("seed %d: no leader 2 s after the last fault", seed)
		}
	}
}
