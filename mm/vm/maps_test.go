package vm

import "testing"

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
	for _, e := range h.Maps("p") {
		if e.Type == MapsTypeMapping {
			names = append(names, e.Name)
			sizes = append(sizes, e.Size/PageSize)
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
	m := h.Maps("p")
	if m[0].Type != MapsTypeAspace || m[0].Depth != 0 || m[1].Type != MapsTypeVMAR || m[1].Depth != 1 {
		t.Errorf("tree head %+v %+v", m[0], m[1])
	}
}
