package main

import "testing"

// Client sessions, Ongaro thesis 6.3: a retried request that was already applied returns the saved reply
// and is not applied again, even when the retry is a second entry in the log.
func TestSessionAppliesARetriedRequestOnce(t *testing.T) {
	s := newKVStore()
	first := s.apply(command{op: opAppend, clientID: 1, requestID: 5, key: "k", value: "x "}, 3, 1)
	if first.duplicate || first.value != "x " || first.index != 3 {
		t.Fatalf("first apply: %+v", first)
	}
	again := s.apply(command{op: opAppend, clientID: 1, requestID: 5, key: "k", value: "x "}, 7, 2)
	if !again.duplicate || again.value != "x " || again.index != 3 || again.term != 1 {
		t.Fatalf("retry: %+v, want the saved reply of index 3", again)
	}
	if s.data["k"] != "x " {
		t.Fatalf("the retry was applied again: %q", s.data["k"])
	}
	older := s.apply(command{op: opPut, clientID: 1, requestID: 4, key: "k", value: "old"}, 8, 2)
	if !older.duplicate || s.data["k"] != "x " {
		t.Fatalf("an older request of the client was applied: %+v, %q", older, s.data["k"])
	}
	other := s.apply(command{op: opAppend, clientID: 2, requestID: 5, key: "k", value: "y "}, 9, 2)
	if other.duplicate || s.data["k"] != "x y " {
		t.Fatalf("another client's request with the same id was not applied: %+v", other)
	}
	next := s.apply(command{op: opAppend, clientID: 1, requestID: 6, key: "k", value: "z "}, 10, 2)
	if next.duplicate || s.data["k"] != "x y z " {
		t.Fatalf("the client's next request was not applied: %+v", next)
	}
}

func TestSessionTableIsBoundedByDroppingTheOldest(t *testing.T) {
	s := newKVStore()
	for c := uint64(0); c <= maxSessions; c++ {
		s.apply(command{op: opPut, clientID: c, requestID: 1, key: "k", value: "v"}, c+1, 1)
	}
	if len(s.sessions) != maxSessions {
		t.Fatalf("%d sessions, want %d", len(s.sessions), maxSessions)
	}
	if _, ok := s.sessions[0]; ok {
		t.Fatalf("the session applied longest ago (client 0) was kept")
	}
}
