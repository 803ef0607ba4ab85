// Framing and field encoding of the raftsim process protocol, version 1 (docs/protocol.md): every frame
// is a little-endian u32 body length followed by the body; integers are little-endian and unpadded;
// bytes/str are a u32 length and the bytes; lists are a u32 count and the items.
package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

const maxFrameBytes = 64 << 20

// Input frame types (raftsim -> child).
const (
	frameHello         = 1
	frameStart         = 2
	frameStop          = 3
	frameMessage       = 4
	frameTimer         = 5
	frameDiskDone      = 6
	frameClientRequest = 7
	frameShutdown      = 8
	frameTransfer      = 9 // protocol version 2: leadership transfer
)

// Reply frame types (child -> raftsim).
const (
	frameHelloOK = 129
	frameOutput  = 130
	frameError   = 131
)

// readFrame returns the next frame body, io.EOF at a clean end of input.
func readFrame(r io.Reader) ([]byte, error) {
	var header [4]byte
	if _, err := io.ReadFull(r, header[:]); err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint32(header[:])
	if n == 0 || n > maxFrameBytes {
		return nil, fmt.Errorf("frame body length %d outside 1..%d", n, maxFrameBytes)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, fmt.Errorf("truncated frame of %d bytes: %v", n, err)
	}
	return body, nil
}

func writeFrame(w io.Writer, body []byte) error {
	var header [4]byte
	binary.LittleEndian.PutUint32(header[:], uint32(len(body)))
	if _, err := w.Write(header[:]); err != nil {
		return err
	}
	_, err := w.Write(body)
	return err
}

// decoder reads fields from a frame body; the first short read sets err and every later read returns 0.
type decoder struct {
	buf []byte
	err error
}

var errShort = errors.New("frame body ends inside a field")

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || len(d.buf) < n {
		d.err = errShort
		return nil
	}
	b := d.buf[:n]
	d.buf = d.buf[n:]
	return b
}

func (d *decoder) u8() uint8 {
	if b := d.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *decoder) u16() uint16 {
	if b := d.take(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if b := d.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if b := d.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (d *decoder) i64() int64 { return int64(d.u64()) }
func (d *decoder) i32() int32 { return int32(d.u32()) }

func (d *decoder) bytes() []byte {
	n := d.u32()
	b := d.take(int(n))
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

func (d *decoder) str() string { return string(d.bytes()) }

// finish reports a short body or bytes left over after the last field.
func (d *decoder) finish(what string) error {
	if d.err != nil {
		return fmt.Errorf("%s: %v", what, d.err)
	}
	if len(d.buf) != 0 {
		return fmt.Errorf("%s: %d bytes after the last field", what, len(d.buf))
	}
	return nil
}

// encoder appends fields to a frame body.
type encoder struct{ buf []byte }

func (e *encoder) u8(v uint8)   { e.buf = append(e.buf, v) }
func (e *encoder) u16(v uint16) { e.buf = binary.LittleEndian.AppendUint16(e.buf, v) }
func (e *encoder) u32(v uint32) { e.buf = binary.LittleEndian.AppendUint32(e.buf, v) }
func (e *encoder) u64(v uint64) { e.buf = binary.LittleEndian.AppendUint64(e.buf, v) }
func (e *encoder) i32(v int32)  { e.u32(uint32(v)) }
func (e *encoder) i64(v int64)  { e.u64(uint64(v)) }
func (e *encoder) bytes(b []byte) {
	e.u32(uint32(len(b)))
	e.buf = append(e.buf, b...)
}
func (e *encoder) str(s string) {
	e.u32(uint32(len(s)))
	e.buf = append(e.buf, s...)
}
