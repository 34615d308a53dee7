package kos

import (
	"encoding/binary"
	"testing"
	"time"
	"unsafe"

	"beryl/userspace/zx"
)

// waitPacket waits for a kos notification and checks type, key, context.
func waitPacket(t *testing.T, p zx.Port, typ uint32, key, ctx uint64) {
	t.Helper()
	pk, err := p.Wait(after(5 * time.Second))
	ok(t, "port_wait", err)
	pl := (*[32]byte)(unsafe.Pointer(&pk.Payload))
	if pk.Type != typ || pk.Key != key || binary.LittleEndian.Uint64(pl[0:]) != ctx {
		t.Fatalf("packet type %#x key %d ctx %d, want %#x %d %d", pk.Type, pk.Key, binary.LittleEndian.Uint64(pl[0:]), typ, key, ctx)
	}
}
