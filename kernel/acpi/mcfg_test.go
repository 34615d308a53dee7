package acpi

import (
	"encoding/binary"
	"testing"
)

func TestParseMCFG(t *testing.T) {
	b := make([]byte, 44+16)
	copy(b, "MCFG")
	binary.LittleEndian.PutUint64(b[44:], 0xb0000000)
	b[44+10], b[44+11] = 0, 255
	e, err := ParseMCFG(b)
	if err != nil || len(e) != 1 || e[0].Base != 0xb0000000 || e[0].EndBus != 255 || e[0].Size() != 256<<20 {
		t.Fatalf("%+v %v", e, err)
	}
	b[44+10] = 9
	b[44+11] = 3
	if _, err := ParseMCFG(b); err == nil {
		t.Fatal("inverted bus range accepted")
	}
	if _, err := ParseMCFG(b[:20]); err == nil {
		t.Fatal("short table accepted")
	}
}
