package object

import (
	"encoding/binary"
	"testing"
)

// TestDebugLog: a readable log starts at the oldest record, is READABLE
// while records wait, skips records the ring overwrote, and a write-only
// log has no READ right.
func TestDebugLog(t *testing.T) {
	w, wr := NewDebugLog(false)
	defer w.Release()
	if wr.Has(RightRead) {
		t.Fatalf("write-only log rights %v", wr)
	}
	r, rr := NewDebugLog(true)
	defer r.Release()
	if !rr.Has(RightRead) {
		t.Fatalf("readable log rights %v", rr)
	}
	var b [LogRecordMax]byte
	for {
		if _, st := r.Read(&b); st == ErrShouldWait {
			break
		}
	}
	if r.Signals()&LogReadable != 0 {
		t.Fatal("READABLE with nothing to read")
	}
	DebuglogWrite(7, 9, LogInfo, uint8(LogLocal), []byte("hello"))
	if r.Signals()&LogReadable == 0 {
		t.Fatal("not READABLE after a write")
	}
	n, st := r.Read(&b)
	if st != OK || n != LogRecordHeader+5 || string(b[LogRecordHeader:n]) != "hello" ||
		binary.LittleEndian.Uint64(b[16:]) != 7 || binary.LittleEndian.Uint64(b[24:]) != 9 || b[6] != LogInfo || b[7] != uint8(LogLocal) {
		t.Fatalf("record %d %v: % x", n, st, b[:n])
	}
	seq := binary.LittleEndian.Uint32(b[:])
	for range debuglogCapacity + 3 {
		DebuglogWrite(0, 0, LogInfo, 0, make([]byte, LogRecordMax)) // truncated to the data maximum
	}
	if n, st = r.Read(&b); st != OK || n != LogRecordMax {
		t.Fatalf("after overrun: %d %v", n, st)
	}
	if got := binary.LittleEndian.Uint32(b[:]); got != seq+4 {
		t.Errorf("overrun reader at seq %d, want %d (oldest kept)", got, seq+4)
	}
}
