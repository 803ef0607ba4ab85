package main

// What a node answers to one input: one OUTPUT frame (docs/protocol.md, "OUTPUT").

// Observation kinds: the numeric event kinds of sim/trace_event.h.
const (
	obsRole        = 18 // a = role (0 follower, 1 candidate, 2 leader), b = term
	obsVote        = 19 // a = term, b = candidate
	obsLogAppend   = 20 // a = index, b = term, c = entry digest
	obsLogTruncate = 21 // a = first removed index
	obsCommit      = 22 // a = commit index
	obsApply       = 23 // a = index, b = term, c = entry digest
	obsImplError   = 36 // a = code, b, c = details
)

// Reply statuses.
const (
	statusOK       = 0 // applied
	statusRejected = 1 // definitely not applied
	statusUnknown  = 2 // may or may not be applied
)

type send struct {
	to         uint32
	kind       uint16
	term, a, b uint64
	payload    []byte
}

type diskWrite struct {
	token  uint64
	record []byte
}

type timerRequest struct {
	slot                   uint16
	delayMinUs, delayMaxUs int64
}

type clientReply struct {
	clientID, requestID uint64
	status              uint8
	leaderHint          int32 // -1: none
	value               string
	casSucceeded        bool
	logIndex, logTerm   uint64
}

type observation struct {
	kind    uint8
	a, b, c uint64
}

type output struct {
	sends        []send
	diskWrites   []diskWrite
	timers       []timerRequest
	replies      []clientReply
	observations []observation
}

func (o *output) observe(kind uint8, a, b, c uint64) {
	o.observations = append(o.observations, observation{kind, a, b, c})
}

// encode builds the OUTPUT frame body; tasks is the goroutine count after the input.
func (o *output) encode(tasks int64) []byte {
	e := encoder{}
	e.u8(frameOutput)
	e.u32(uint32(len(o.sends)))
	for _, s := range o.sends {
		e.u32(s.to)
		e.u16(s.kind)
		e.u64(s.term)
		e.u64(s.a)
		e.u64(s.b)
		e.bytes(s.payload)
	}
	e.u32(uint32(len(o.diskWrites)))
	for _, w := range o.diskWrites {
		e.u64(w.token)
		e.u32(uint32(len(w.record)))
		e.bytes(w.record)
	}
	e.u32(uint32(len(o.timers)))
	for _, t := range o.timers {
		e.u16(t.slot)
		e.i64(t.delayMinUs)
		e.i64(t.delayMaxUs)
	}
	e.u32(uint32(len(o.replies)))
	for _, r := range o.replies {
		e.u64(r.clientID)
		e.u64(r.requestID)
		e.u8(r.status)
		e.i32(r.leaderHint)
		e.str(r.value)
		if r.casSucceeded {
			e.u8(1)
		} else {
			e.u8(0)
		}
		e.u64(r.logIndex)
		e.u64(r.logTerm)
	}
	e.u32(uint32(len(o.observations)))
	for _, ob := range o.observations {
		e.u8(ob.kind)
		e.u64(ob.a)
		e.u64(ob.b)
		e.u64(ob.c)
	}
	e.i64(tasks)
	return e.buf
}

func encodeError(message string) []byte {
	e := encoder{}
	e.u8(frameError)
	e.str(message)
	return e.buf
}
