package main

import (
	"encoding/binary"
	"errors"
)

// The replicated key-value state machine, with the semantics of raft/kv_state_machine.cpp: get reads
// ("" if absent); put and append return the key's new value; cas returns the value before and succeeds
// only if it equals `expected`.

// Client ops as the protocol numbers them.
const (
	opGet    = 0
	opPut    = 1
	opAppend = 2
	opCas    = 3
)

type command struct {
	op                   uint8
	clientID, requestID  uint64
	key, value, expected string
}

type kvResult struct {
	value        string
	casSucceeded bool
	// Where the request took effect: this entry, or for a retry of a request already applied, the entry
	// that applied it first (the reply is then the saved one).
	index, term uint64
	duplicate   bool
}

// A client's session (Ongaro thesis 6.3): its last applied request and that request's reply. A client has
// one request outstanding at a time and numbers them in increasing order, so the last one is all that a
// retry can ask for.
type session struct {
	lastRequestID uint64
	reply         kvResult
}

// maxSessions bounds the session table: one entry per client id, and raftsim's clients are at most 1,000;
// beyond it the session applied longest ago is dropped, the same choice on every replica (it depends only
// on the applied log).
const maxSessions = 4096

type kvStore struct {
	data     map[string]string
	sessions map[uint64]session // by client id
}

func newKVStore() *kvStore {
	return &kvStore{data: map[string]string{}, sessions: map[uint64]session{}}
}

// apply applies the command of the entry at (index, term) once per request: a retried request (same
// client and request id) that was already applied gets the saved reply and changes nothing, an older
// request of the client changes nothing (thesis 6.3). Request id 0 means no session.
func (s *kvStore) apply(c command, index, term uint64) kvResult {
	tracked := c.requestID != 0
	if tracked {
		if sess, ok := s.sessions[c.clientID]; ok && c.requestID <= sess.lastRequestID {
			saved := kvResult{index: index, term: term}
			if c.requestID == sess.lastRequestID {
				saved = sess.reply
			}
			saved.duplicate = true
			return saved
		}
	}
	r := s.execute(c)
	r.index, r.term = index, term
	if tracked {
		_, known := s.sessions[c.clientID]
		s.sessions[c.clientID] = session{lastRequestID: c.requestID, reply: r}
		if !known && len(s.sessions) > maxSessions {
			s.evictOldest(c.clientID)
		}
	}
	return r
}

func (s *kvStore) evictOldest(keep uint64) {
	var oldest uint64
	found := false
	for id, sess := range s.sessions { // the minimum is unique per (index, id): map order does not matter
		if id == keep {
			continue
		}
		o := s.sessions[oldest]
		if !found || sess.reply.index < o.reply.index || (sess.reply.index == o.reply.index && id < oldest) {
			oldest, found = id, true
		}
	}
	delete(s.sessions, oldest)
}

func (s *kvStore) execute(c command) kvResult {
	switch c.op {
	case opGet:
		return kvResult{value: s.data[c.key]}
	case opPut:
		s.data[c.key] = c.value
		return kvResult{value: c.value}
	case opAppend:
		s.data[c.key] += c.value
		return kvResult{value: s.data[c.key]}
	case opCas:
		before := s.data[c.key]
		if before != c.expected {
			return kvResult{value: before}
		}
		s.data[c.key] = c.value
		return kvResult{value: before, casSucceeded: true}
	}
	panic("kvStore.execute: op outside get/put/append/cas")
}

// Entry data layout: u8 op, u64 client id, u64 request id, then key, value, expected as u32 length + bytes.
func encodeCommand(c command) []byte {
	e := encoder{}
	e.u8(c.op)
	e.u64(c.clientID)
	e.u64(c.requestID)
	e.str(c.key)
	e.str(c.value)
	e.str(c.expected)
	return e.buf
}

var errBadCommand = errors.New("undecodable command")

func decodeCommand(b []byte) (command, error) {
	d := decoder{buf: b}
	c := command{op: d.u8(), clientID: d.u64(), requestID: d.u64()}
	c.key, c.value, c.expected = d.str(), d.str(), d.str()
	if d.err != nil || len(d.buf) != 0 || c.op > opCas {
		return command{}, errBadCommand
	}
	return c, nil
}

// digest is what the checkers compare entries by: FNV-1a over the entry type and its data, with a
// splitmix64 finish so every bit mixes. The term travels separately in the observation.
func digest(entryType int32, data []byte) uint64 {
	h := uint64(0xcbf29ce484222325)
	mix := func(b byte) {
		h ^= uint64(b)
		h *= 0x100000001b3
	}
	var t [4]byte
	binary.LittleEndian.PutUint32(t[:], uint32(entryType))
	for _, b := range t {
		mix(b)
	}
	for _, b := range data {
		mix(b)
	}
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9
	h = (h ^ (h >> 27)) * 0x94d049bb133111eb
	return h ^ (h >> 31)
}
