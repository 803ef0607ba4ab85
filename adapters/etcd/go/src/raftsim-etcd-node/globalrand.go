package main

import (
	"math/rand"
	"sync"
	_ "unsafe" // go:linkname

	_ "go.etcd.io/etcd/raft"
)

// etcd raft draws every randomized election timeout from a package-level generator seeded from the wall
// clock (raft.go: `var globalRand = &lockedRand{...}`). To make the draws come from raftsim's seed without
// changing etcd's source, this file links to that variable through a struct of the identical layout and
// swaps in each node's own generator (seeded from START's random_seed) before that node handles an input.
// Inputs arrive one at a time, so each node's draws are a function of its seed and its inputs only.
// The binary must be linked with -ldflags=-w: the DWARF writer rejects the second type for the symbol.

type etcdLockedRand struct {
	mu   sync.Mutex
	rand *rand.Rand
}

//go:linkname etcdGlobalRand go.etcd.io/etcd/raft.globalRand
var etcdGlobalRand *etcdLockedRand

func useElectionRand(r *rand.Rand) {
	etcdGlobalRand.mu.Lock()
	etcdGlobalRand.rand = r
	etcdGlobalRand.mu.Unlock()
}
