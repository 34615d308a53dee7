package vm

import (
	"bytes"
	"sync"
	"testing"

	"beryl/kernel/object"
	"beryl/mm/pagetable"
)

var baselines sync.Map // *testing.T → [2]int64{VMOs, VMARs}

// hostAS is an address space on fakes, with a leak check at cleanup.
type hostAS struct {
	*AddressSpace
	frames *HeapFrames
	tables *HeapTables
	tlb    *RecordTLB
}

func newHostAS(t *testing.T) *hostAS {
	t.Helper()
	// The leak baseline is taken when a test makes its first address space.
	b, _ := baselines.LoadOrStore(t, [2]int64{object.LiveObjects(object.ObjTypeVMO), object.LiveObjects(object.ObjTypeVMAR)})
	vmos, vmars := b.([2]int64)[0], b.([2]int64)[1]
	env, f, tb, tlb := NewHostEnv()
	as, err := NewIn(env)
	if err != nil {
		t.Fatal(err)
	}
	h := &hostAS{as, f, tb, tlb}
	t.Cleanup(func() {
		as.Destroy()
		if n := f.Live(); n != 0 {
			t.Errorf("%d frames leaked", n)
		}
		if n := tb.Live(); n != 0 {
			t.Errorf("%d page tables leaked", n)
		}
		if n := object.LiveObjects(object.ObjTypeVMO); n != vmos {
			t.Errorf("live VMOs %d, want %d", n, vmos)
		}
		if n := object.LiveObjects(object.ObjTypeVMAR); n != vmars {
			t.Errorf("live VMARs %d, want %d", n, vmars)
		}
	})
	return h
}

// pte returns the PTE of va (0 if there is none).
func (h *hostAS) pte(va uint64) uint64 {
	h.ptMu.Lock()
	defer h.ptMu.Unlock()
	if h.ptGone {
		return 0
	}
	e, err := h.pt.Entry(va, false)
	if err != nil {
		return 0
	}
	return *e
}

func (h *hostAS) vmo(t *testing.T, size uint64, opts uint32) *VMO {
	t.Helper()
	v, st := NewVMO(h.frames, size, opts)
	if st != object.OK {
		t.Fatalf("NewVMO(%#x, %#x) = %v", size, opts, st)
	}
	return v
}

func wantStatus(t *testing.T, what string, got, want object.Status) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

const (
	allRights = object.DefaultVMORights | object.RightExecute
	rw        = VMPermRead | VMPermWrite
	flagsMask = pagetable.Present | pagetable.Writable | pagetable.User | pagetable.NoExecute
)

func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7)
	}
	return b
}

func isZero(b []byte) bool { return bytes.Count(b, []byte{0}) == len(b) }
