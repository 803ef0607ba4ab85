package main

import (
	"fmt"

	"go.etcd.io/etcd/raft"
	pb "go.etcd.io/etcd/raft/raftpb"
)

// One disk record per persisted Ready: the HardState (if it changed) and the entries, exactly what etcd
// asks an application to write before it sends the Ready's messages. Layout: u8 version (1), bytes
// HardState (protobuf, empty if unchanged), u32 count, count x bytes Entry (protobuf).

const recordVersion = 1

type diskRecord struct {
	hardState pb.HardState
	entries   []pb.Entry
}

func encodeRecord(r diskRecord) []byte {
	e := encoder{}
	e.u8(recordVersion)
	var hs []byte
	if !raft.IsEmptyHardState(r.hardState) {
		var err error
		if hs, err = r.hardState.Marshal(); err != nil {
			panic(fmt.Sprintf("marshal HardState: %v", err))
		}
	}
	e.bytes(hs)
	e.u32(uint32(len(r.entries)))
	for i := range r.entries {
		b, err := r.entries[i].Marshal()
		if err != nil {
			panic(fmt.Sprintf("marshal Entry: %v", err))
		}
		e.bytes(b)
	}
	return e.buf
}

func decodeRecord(b []byte) (diskRecord, error) {
	d := decoder{buf: b}
	var r diskRecord
	if v := d.u8(); d.err == nil && v != recordVersion {
		return r, fmt.Errorf("disk record version %d, expected %d", v, recordVersion)
	}
	if hs := d.bytes(); len(hs) > 0 {
		if err := r.hardState.Unmarshal(hs); err != nil {
			return r, fmt.Errorf("disk record HardState: %v", err)
		}
	}
	n := d.u32()
	for i := uint32(0); i < n && d.err == nil; i++ {
		var ent pb.Entry
		if err := ent.Unmarshal(d.bytes()); err != nil {
			return r, fmt.Errorf("disk record entry %d: %v", i, err)
		}
		r.entries = append(r.entries, ent)
	}
	return r, d.finish("disk record")
}

// restoreStorage replays durable records, in the order they were written, into a MemoryStorage:
// a later HardState replaces an earlier one; entries overwrite the log from their first index on.
func restoreStorage(records [][]byte) (*raft.MemoryStorage, error) {
	s := raft.NewMemoryStorage()
	for i, b := range records {
		r, err := decodeRecord(b)
		if err != nil {
			return nil, fmt.Errorf("record %d: %v", i, err)
		}
		if len(r.entries) > 0 {
			last, _ := s.LastIndex()
			if r.entries[0].Index < 1 || r.entries[0].Index > last+1 {
				return nil, fmt.Errorf("record %d: entries from index %d would leave a gap after index %d", i, r.entries[0].Index, last)
			}
			if err := s.Append(r.entries); err != nil {
				return nil, fmt.Errorf("record %d: %v", i, err)
			}
		}
		if !raft.IsEmptyHardState(r.hardState) {
			if err := s.SetHardState(r.hardState); err != nil {
				return nil, fmt.Errorf("record %d: %v", i, err)
			}
		}
	}
	return s, nil
}
