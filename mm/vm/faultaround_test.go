package vm

import "testing"

// A read fault also maps the pages the VMO holds in the aligned window
// around it (faultAround pages), within the mapping and the VMO; it
// commits nothing, and a write fault maps only its own page.
func TestFaultAround(t *testing.T) {
	h := newHostAS(t)
	r := h.RootVMAR()
	v := h.vmo(t, 40*PageSize, 0)
	defer v.Release()
	// Pages 0-39 present but for 3 and 20.
	for i := uint64(0); i < 40; i++ {
		if i != 3 && i != 20 {
			v.Write(i*PageSize, []byte{byte(i)})
		}
	}
	// The mapping starts at VMO page 2, at a window-aligned address.
	base, st := r.Map(VMPermRead|VMSpecific, 0x1000000-UserBase, v, 2*PageSize, 30*PageSize, r.Rights(), allRights)
	if st != 0 {
		t.Fatal(st)
	}
	if !h.Fault(base+5*PageSize, 0) {
		t.Fatal("read fault failed")
	}
	for i := uint64(0); i < 30; i++ {
		mapped := h.pte(base+i*PageSize) != 0
		want := i < faultAround && i != 1 // VMO page 3 is absent
		if mapped != want {
			t.Errorf("page %d of the mapping: mapped %v, want %v", i, mapped, want)
		}
	}
	if v.CommittedPages() != 38 {
		t.Errorf("%d pages committed, want 38 (none by the fault)", v.CommittedPages())
	}
	// The last window is cut at the mapping's end (30 pages).
	if !h.Fault(base+29*PageSize, 0) {
		t.Fatal("read fault at the end failed")
	}
	for i := uint64(faultAround); i < 30; i++ {
		if mapped, want := h.pte(base+i*PageSize) != 0, i != 18; mapped != want {
			t.Errorf("page %d after the second fault: mapped %v, want %v", i, mapped, want)
		}
	}
	if h.Pages() != 28 {
		t.Errorf("%d pages mapped, want 28", h.Pages())
	}

	// A write fault maps only its page.
	w := h.vmo(t, 16*PageSize, 0)
	defer w.Release()
	for i := uint64(0); i < 16; i++ {
		w.Write(i*PageSize, []byte{1})
	}
	wb, st := r.Map(rw|VMSpecific, 0x2000000-UserBase, w, 0, 16*PageSize, r.Rights(), allRights)
	if st != 0 {
		t.Fatal(st)
	}
	before := h.Pages()
	if !h.Fault(wb+4*PageSize, pfWrite) || h.Pages() != before+1 {
		t.Errorf("write fault mapped %d pages, want 1", h.Pages()-before)
	}
}
