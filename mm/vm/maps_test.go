package vm

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// mapsRec is one decoded ZX_INFO_PROCESS_MAPS record.
type mapsRec struct {
	name        string
	size, depth uint64
	typ         uint32
}

func infoMaps(as *AddressSpace) []mapsRec {
	buf := make([]byte, 64*InfoMapsRecordSize)
	n, _ := as.InfoMaps(buf)
	out := make([]mapsRec, n)
	le := binary.LittleEndian
	for i := range out {
		r := buf[i*InfoMapsRecordSize:]
		out[i] = mapsRec{string(bytes.TrimRight(r[:32], "\x00")), le.Uint64(r[40:]), le.Uint64(r[48:]), le.Uint32(r[56:])}
	}
	return out
}

func TestMapsAndSetName(t *testing.T) {
	h := newHostAS(t)
	a, err := h.Mmap(0xc000000000, 8*PageSize, ProtRead|ProtWrite, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.SetName(a+2*PageSize, 3*PageSize, " Go: heap"); err != nil {
		t.Fatalf("SetName: %v", err)
	}
	var names []string
	var sizes []uint64
	for _, e := range infoMaps(h.AddressSpace) {
		if e.typ == InfoMapsTypeMapping {
			names = append(names, e.name)
			sizes = append(sizes, e.size/PageSize)
		}
	}
	if len(names) != 3 || names[1] != " Go: heap" || names[0] != "" || names[2] != "" || sizes[0] != 2 || sizes[1] != 3 || sizes[2] != 3 {
		t.Errorf("mappings %q sizes %v, want a named middle of 3 pages", names, sizes)
	}
	if err := h.SetName(a+1, PageSize, "x"); err != ErrInvalid {
		t.Errorf("unaligned: %v", err)
	}
	if err := h.SetName(a+7*PageSize, 2*PageSize, "x"); err != ErrNoMem {
		t.Errorf("past the mapping: %v", err)
	}
	m := infoMaps(h.AddressSpace)
	if m[0].typ != InfoMapsTypeASpace || m[0].depth != 0 || m[1].typ != InfoMapsTypeVMAR || m[1].depth != 1 {
		t.Errorf("tree head %+v %+v", m[0], m[1])
	}
}
