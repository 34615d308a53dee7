package vm

import (
	"bytes"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"beryl/kernel/object"
	"beryl/mm/pagetable"
)

func TestFaultInstallsPTEs(t *testing.T) {
	h := newHostAS(t)
	r := h.RootVMAR()
	v := h.vmo(t, 4*PageSize, 0)
	defer v.Release()
	rwx := rw | VMPermExecute
	a, _ := r.Map(rw|VMSpecific, 0x400000-UserBase, v, 0, 2*PageSize, r.Rights(), allRights)
	x, _ := r.Map(VMPermRead|VMPermExecute|VMSpecific, 0x500000-UserBase, v, 2*PageSize, PageSize, r.Rights(), allRights)
	w, _ := r.Map(rwx|VMSpecific, 0x600000-UserBase, v, 3*PageSize, PageSize, r.Rights(), allRights)
	ro, _ := r.Map(VMPermRead|VMSpecific, 0x700000-UserBase, v, 0, PageSize, r.Rights(), allRights)
	none, _ := r.Map(VMSpecific, 0x800000-UserBase, v, 0, PageSize, r.Rights(), allRights)

	for _, c := range []struct {
		name  string
		va    uint64
		ec    uint64
		ok    bool
		flags uint64
	}{
		{"read RW", a + 5, 0, true, pagetable.Present | pagetable.User | pagetable.Writable | pagetable.NoExecute},
		{"write RW", a + PageSize, pfWrite, true, pagetable.Present | pagetable.User | pagetable.Writable | pagetable.NoExecute},
		{"fetch RW", a, pfFetch, false, 0},
		{"fetch RX", x, pfFetch, true, pagetable.Present | pagetable.User},
		{"write RX", x, pfWrite, false, 0},
		{"RWX", w, pfWrite, true, pagetable.Present | pagetable.User | pagetable.Writable},
		{"write RO", ro, pfWrite | 1, false, 0},
		{"read none", none, 0, false, 0},
		{"unmapped", 0x900000, 0, false, 0},
		{"nil page", 0, 0, false, 0},
		{"kernel half", 0xffff_8000_0000_0000, 0, false, 0},
		{"non-canonical", 0x0000_8000_0000_0000, 0, false, 0},
		{"reserved bit", a, pfRsvd | 1, false, 0},
	} {
		if got := h.Fault(c.va, c.ec); got != c.ok {
			t.Errorf("%s: Fault = %v, want %v", c.name, got, c.ok)
		}
		if c.ok {
			if f := h.pte(c.va) & flagsMask; f != c.flags {
				t.Errorf("%s: PTE flags %#x, want %#x", c.name, f, c.flags)
			}
		}
	}
	// ro and a share VMO page 0: same frame.
	h.Fault(ro, 0)
	if h.pte(ro)&pagetable.AddrMask != h.pte(a)&pagetable.AddrMask {
		t.Error("two mappings of one VMO page got different frames")
	}
	if h.Pages() != 5 || v.CommittedPages() != 4 {
		t.Errorf("pages mapped %d, committed %d", h.Pages(), v.CommittedPages())
	}
	// Bytes written through one mapping are visible through the VMO.
	if err := h.CopyOut(a+PageSize+8, []byte("beryl")); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 5)
	v.Read(PageSize+8, b)
	if string(b) != "beryl" {
		t.Errorf("VMO reads %q", b)
	}
}

func TestShrinkUnmapsEverywhere(t *testing.T) {
	h1, h2 := newHostAS(t), newHostAS(t)
	h1.tlb.SetLive(h1.Root())
	v := h1.vmo(t, 4*PageSize, VMOResizable)
	defer v.Release()
	opts := rw | VMAllowFaults
	a1, st := h1.RootVMAR().Map(opts, 0, v, 0, 4*PageSize, h1.RootVMAR().Rights(), v.Rights())
	wantStatus(t, "map 1", st, object.OK)
	a2, st := h2.RootVMAR().Map(opts, 0, v, 0, 4*PageSize, h2.RootVMAR().Rights(), v.Rights())
	wantStatus(t, "map 2", st, object.OK)
	for i := uint64(0); i < 4; i++ {
		h1.Fault(a1+i*PageSize, pfWrite)
		h2.Fault(a2+i*PageSize, 0)
	}
	flushes, _ := h1.tlb.Snapshot()
	wantStatus(t, "shrink", v.SetSize(PageSize), object.OK)
	if h1.Pages() != 1 || h2.Pages() != 1 || h1.frames.Live() != 1 {
		t.Errorf("after shrink: pages %d/%d frames %d", h1.Pages(), h2.Pages(), h1.frames.Live())
	}
	if f, _ := h1.tlb.Snapshot(); len(f)-len(flushes) != 3 {
		t.Errorf("%d TLB flushes in the live address space, want 3", len(f)-len(flushes))
	}
	if h2.Fault(a2+PageSize, 0) || !h2.Fault(a2, 0) {
		t.Error("fault past the shrunk end resolved, or inside it refused")
	}
	if h2.CopyIn(make([]byte, 1), a2+PageSize) == nil {
		t.Error("copy past the shrunk end succeeded")
	}
	// Decommit through the VMO unmaps too.
	wantStatus(t, "decommit", v.OpRange(VMOOpDecommit, 0, PageSize), object.OK)
	if h1.Pages() != 0 || h2.Pages() != 0 || h1.frames.Live() != 0 {
		t.Errorf("after decommit: pages %d/%d frames %d", h1.Pages(), h2.Pages(), h1.frames.Live())
	}
	h1.Destroy() // before h2's leak check at cleanup
	h2.Destroy()
}

func TestPagesFreedWithLastReference(t *testing.T) {
	h := newHostAS(t)
	r := h.RootVMAR()
	vmos := object.LiveObjects(object.ObjTypeVMO)
	v := h.vmo(t, 4*PageSize, 0)
	a, _ := r.Map(rw, 0, v, 0, 4*PageSize, r.Rights(), allRights)
	b, _ := r.Map(VMPermRead, 0, v, 0, 2*PageSize, r.Rights(), allRights)
	h.CopyOut(a, pattern(4*PageSize, 5))
	v.Release() // the handle goes; the mappings keep the VMO
	if v.Destroyed() || h.frames.Live() != 4 {
		t.Fatalf("destroyed %v frames %d with mappings left", v.Destroyed(), h.frames.Live())
	}
	got := make([]byte, 2*PageSize)
	if err := h.CopyIn(got, b); err != nil || !bytes.Equal(got, pattern(4*PageSize, 5)[:2*PageSize]) {
		t.Errorf("contents through the second mapping: %v", err)
	}
	r.Unmap(a, 4*PageSize)
	if h.frames.Live() != 4 {
		t.Error("pages freed while a mapping remains")
	}
	r.Unmap(b, 2*PageSize)
	if !v.Destroyed() || h.frames.Live() != 0 || object.LiveObjects(object.ObjTypeVMO) != vmos {
		t.Errorf("destroyed %v frames %d after the last mapping", v.Destroyed(), h.frames.Live())
	}
}

func TestMmap(t *testing.T) {
	h := newHostAS(t)
	const hint = 0xc000000000
	a, err := h.Mmap(hint, 64<<20, 0, false)
	if err != nil || a != hint {
		t.Fatalf("hinted PROT_NONE reservation at %#x: %v", a, err)
	}
	b, err := h.Mmap(hint, PageSize, ProtRead|ProtWrite, false)
	if err != nil || b == hint || b >= mmapTop || b < UserBase {
		t.Errorf("taken hint gave %#x, %v", b, err)
	}
	c, _ := h.Mmap(0, PageSize, ProtRead|ProtWrite, false)
	if c+PageSize != b {
		t.Errorf("top-down placement: %#x then %#x", b, c)
	}
	// PROT_NONE: no access, faults fail.
	if h.CopyIn(make([]byte, 1), a) == nil || h.Fault(a, 0) {
		t.Error("PROT_NONE reservation accessible")
	}
	// MAP_FIXED over the reservation (what the Go runtime's sysMap does).
	if va, err := h.Mmap(a+PageSize, 2*PageSize, ProtRead|ProtWrite, true); err != nil || va != a+PageSize {
		t.Fatalf("MAP_FIXED: %#x %v", va, err)
	}
	if err := h.CopyOut(a+PageSize, pattern(2*PageSize, 1)); err != nil {
		t.Fatal(err)
	}
	if !h.Fault(a+2*PageSize, pfWrite) || h.CopyIn(make([]byte, 1), a) == nil {
		t.Error("fixed mapping not writable, or reservation around it opened")
	}
	// MAP_FIXED again over written memory: the old pages go, new ones are zero.
	frames := h.frames.Live()
	h.Mmap(a+PageSize, PageSize, ProtRead|ProtWrite, true)
	buf := make([]byte, PageSize)
	h.CopyIn(buf, a+PageSize)
	if !isZero(buf) || h.frames.Live() != frames-1 {
		t.Errorf("MAP_FIXED over data: zero %v, frames %d → %d", isZero(buf), frames, h.frames.Live())
	}
	// mprotect: contents survive PROT_NONE.
	h.CopyIn(buf, a+2*PageSize)
	want := append([]byte(nil), buf...)
	if err := h.Mprotect(a+2*PageSize, PageSize, 0); err != nil {
		t.Fatal(err)
	}
	if h.CopyIn(buf, a+2*PageSize) == nil {
		t.Error("PROT_NONE page readable")
	}
	h.Mprotect(a+2*PageSize, PageSize, ProtRead)
	if h.CopyIn(buf, a+2*PageSize) != nil || !bytes.Equal(buf, want) || h.CopyOut(a+2*PageSize, buf) == nil {
		t.Error("read-only page: contents lost or writable")
	}
	if err := h.Mprotect(a, 64<<20, ProtRead|ProtWrite); err != nil {
		t.Errorf("mprotect across mappings: %v", err)
	}
	if h.CopyOut(a+10*PageSize, []byte{1}) != nil {
		t.Error("reservation not writable after mprotect")
	}
	// Errors.
	if _, err := h.Mmap(0, 0, ProtRead, false); err != ErrInvalid {
		t.Errorf("length 0: %v", err)
	}
	if _, err := h.Mmap(a+1, PageSize, ProtRead, true); err != ErrInvalid {
		t.Errorf("unaligned fixed: %v", err)
	}
	if _, err := h.Mmap(0xffff_8000_0000_0000, PageSize, ProtRead, true); err != ErrInvalid {
		t.Errorf("kernel-half fixed: %v", err)
	}
	if _, err := h.Mmap(0, 1<<47, ProtRead, false); err != ErrNoMem {
		t.Errorf("huge: %v", err)
	}
	if err := h.Mprotect(a+(64<<20)-PageSize, 2*PageSize, ProtRead); err != ErrNoMem {
		t.Errorf("mprotect over a gap: %v", err)
	}
	if err := h.Mprotect(a+1, PageSize, ProtRead); err != ErrInvalid {
		t.Errorf("unaligned mprotect: %v", err)
	}
	if err := h.Munmap(a+1, PageSize); err != ErrInvalid {
		t.Errorf("unaligned munmap: %v", err)
	}
	// munmap of part of a private mapping frees its pages.
	h.CopyOut(a+20*PageSize, make([]byte, 4*PageSize))
	frames = h.frames.Live()
	if err := h.Munmap(a+20*PageSize, 2*PageSize); err != nil {
		t.Fatal(err)
	}
	if h.frames.Live() != frames-2 || h.CopyIn(buf[:1], a+20*PageSize) == nil {
		t.Errorf("partial munmap: frames %d → %d", frames, h.frames.Live())
	}
	if h.CopyIn(buf[:1], a+22*PageSize) != nil {
		t.Error("munmap took too much")
	}
	if err := h.Munmap(0x1000_0000, PageSize); err != nil {
		t.Errorf("munmap of nothing: %v", err)
	}
}

func TestMmapFixedOverSubVMAR(t *testing.T) {
	h := newHostAS(t)
	s, _, _ := h.RootVMAR().Allocate(VMCanMapRead|VMCanMapWrite, 0, 4*PageSize)
	defer s.Release()
	if _, err := h.Mmap(s.Start(), PageSize, ProtRead, true); err != ErrInvalid {
		t.Errorf("MAP_FIXED over a sub-VMAR: %v", err)
	}
	if va, err := h.Mmap(s.Start(), PageSize, ProtRead, false); err != nil || va == s.Start() {
		t.Errorf("hint inside a sub-VMAR honoured: %#x %v", va, err)
	}
	// munmap enters the sub-VMAR but leaves it alive.
	v := h.vmo(t, PageSize, 0)
	m, _ := s.Map(rw, 0, v, 0, PageSize, s.Rights(), allRights)
	v.Release()
	if err := h.Munmap(s.Start(), 4*PageSize); err != nil || s.Destroyed() || h.CopyIn(make([]byte, 1), m) == nil {
		t.Errorf("munmap over a sub-VMAR: %v, destroyed %v", err, s.Destroyed())
	}
}

func TestDecommitZeroFill(t *testing.T) {
	h := newHostAS(t)
	a, _ := h.Mmap(0, 8*PageSize, ProtRead|ProtWrite, false)
	h.CopyOut(a, pattern(8*PageSize, 2))
	for i := uint64(0); i < 8; i++ {
		h.Fault(a+i*PageSize, pfWrite)
	}
	if h.frames.Live() != 8 || h.Pages() != 8 {
		t.Fatalf("frames %d pages %d", h.frames.Live(), h.Pages())
	}
	if err := h.Decommit(a+2*PageSize, 3*PageSize); err != nil {
		t.Fatal(err)
	}
	if h.frames.Live() != 5 || h.Pages() != 5 {
		t.Errorf("after DONTNEED: frames %d pages %d, want 5", h.frames.Live(), h.Pages())
	}
	buf := make([]byte, 8*PageSize)
	h.CopyIn(buf, a)
	p := pattern(8*PageSize, 2)
	if !bytes.Equal(buf[:2*PageSize], p[:2*PageSize]) || !isZero(buf[2*PageSize:5*PageSize]) ||
		!bytes.Equal(buf[5*PageSize:], p[5*PageSize:]) {
		t.Error("DONTNEED did not zero exactly its range")
	}
	if err := h.Decommit(a+1, PageSize); err != ErrInvalid {
		t.Errorf("unaligned: %v", err)
	}
	if err := h.Decommit(0x2000_0000, PageSize); err != nil {
		t.Errorf("DONTNEED on a gap: %v", err)
	}
	// Shared VMOs keep their contents: only the PTEs go.
	v := h.vmo(t, PageSize, 0)
	defer v.Release()
	v.Write(0, []byte{42})
	m, _ := h.RootVMAR().Map(rw, 0, v, 0, PageSize, h.RootVMAR().Rights(), allRights)
	h.Fault(m, 0)
	h.Decommit(m, PageSize)
	b := make([]byte, 1)
	if h.pte(m) != 0 || h.CopyIn(b, m) != nil || b[0] != 42 {
		t.Errorf("DONTNEED on a shared VMO: PTE %#x byte %d", h.pte(m), b[0])
	}
}

func TestCopyBadAddresses(t *testing.T) {
	h := newHostAS(t)
	a, _ := h.Mmap(0x10_0000, 2*PageSize, ProtRead|ProtWrite, true)
	ro, _ := h.Mmap(0x20_0000, PageSize, ProtRead, true)
	none, _ := h.Mmap(0x30_0000, PageSize, 0, true)
	buf := make([]byte, 16)
	for _, c := range []struct {
		name string
		va   uint64
		n    int
		in   bool // CopyIn fails too
	}{
		{"unmapped", 0x50_0000, 16, true},
		{"nil", 0, 8, true},
		{"below UserBase", UserBase - 8, 8, true},
		{"kernel half", 0xffff_8000_0000_1000, 8, true},
		{"top of kernel", 0xffff_ffff_ffff_fff8, 8, true},
		{"non-canonical", 0x0000_8000_0000_0000, 8, true},
		{"overflow", ^uint64(0) - 3, 8, true},
		{"straddles UserLimit", UserLimit - 4, 8, true},
		{"runs off the mapping", a + 2*PageSize - 8, 16, true},
		{"PROT_NONE", none, 8, true},
		{"read-only", ro, 8, false},
	} {
		if err := h.CopyOut(c.va, buf[:c.n]); err != ErrFault {
			t.Errorf("%s: CopyOut = %v, want ErrFault", c.name, err)
		}
		if err := h.CopyIn(buf[:c.n], c.va); (err == ErrFault) != c.in {
			t.Errorf("%s: CopyIn = %v", c.name, err)
		}
	}
	if err := h.Poke(ro, []byte("loader")); err != nil {
		t.Errorf("Poke into read-only: %v", err)
	}
	if err := h.CopyIn(buf[:6], ro); err != nil || string(buf[:6]) != "loader" {
		t.Errorf("read back %q %v", buf[:6], err)
	}
	if err := h.Poke(none+PageSize, []byte{1}); err != ErrFault {
		t.Errorf("Poke into unmapped: %v", err)
	}
	// A copy spanning two pages of one mapping works.
	if err := h.CopyOut(a+PageSize-3, []byte("across")); err != nil {
		t.Errorf("across a page boundary: %v", err)
	}
	if err := h.CopyIn(nil, 0xffff_8000_0000_0000); err != nil {
		t.Errorf("empty copy: %v", err)
	}
}

// TestCopyOutNoMemory: a writable page that cannot be committed gives
// ErrNoMem, not ErrFault (signal delivery keeps an asynchronous signal
// pending for the one and kills for the other), and the copy works once
// memory is back; a bad address stays ErrFault while memory is short.
func TestCopyOutNoMemory(t *testing.T) {
	h := newHostAS(t)
	a, _ := h.Mmap(0x10_0000, 2*PageSize, ProtRead|ProtWrite, true)
	ro, _ := h.Mmap(0x20_0000, PageSize, ProtRead, true)
	if err := h.CopyOut(a, []byte{1}); err != nil {
		t.Fatal(err)
	}
	h.frames.Limit = h.frames.Live()
	if err := h.CopyOut(a+8, []byte{2}); err != nil {
		t.Errorf("committed page without memory: %v", err)
	}
	if err := h.CopyOut(a+PageSize, []byte{3}); err != ErrNoMem {
		t.Errorf("uncommitted page without memory: CopyOut = %v, want ErrNoMem", err)
	}
	if err := h.CopyOut(a+PageSize-4, make([]byte, 8)); err != ErrNoMem {
		t.Errorf("across into an uncommitted page: CopyOut = %v, want ErrNoMem", err)
	}
	for _, va := range []uint64{0x50_0000, ro, a + 2*PageSize} {
		if err := h.CopyOut(va, []byte{4}); err != ErrFault {
			t.Errorf("bad address %#x without memory: CopyOut = %v, want ErrFault", va, err)
		}
	}
	h.frames.Limit = 0
	if err := h.CopyOut(a+PageSize, []byte{3}); err != nil {
		t.Errorf("memory back: %v", err)
	}
}

func TestDestroy(t *testing.T) {
	h := newHostAS(t)
	h.tlb.SetLive(h.Root())
	root := h.RootVMAR()
	root.AddRef() // a handle's reference
	for i := 0; i < 4; i++ {
		a, _ := h.Mmap(0, 3<<20, ProtRead|ProtWrite, false)
		h.CopyOut(a+(1<<20), []byte{1})
		h.Fault(a, pfWrite)
	}
	v := h.vmo(t, PageSize, 0)
	root.Map(rw|VMMapRange, 0, v, 0, PageSize, root.Rights(), allRights)
	pml4 := h.Root()
	h.Destroy()
	if h.frames.Live() != 1 || h.tables.Live() != 0 {
		t.Errorf("after Destroy: %d frames (want the VMO's 1), %d tables", h.frames.Live(), h.tables.Live())
	}
	if len(h.tlb.Retired) != 1 || h.tlb.Retired[0] != pml4 || h.tlb.LiveRoot != 0 {
		t.Errorf("live root not retired: %v", h.tlb.Retired)
	}
	v.Release()
	if h.frames.Live() != 0 {
		t.Errorf("%d frames after the VMO's handle went", h.frames.Live())
	}
	w := h.vmo(t, PageSize, 0)
	_, st := root.Map(VMPermRead, 0, w, 0, PageSize, root.Rights(), allRights)
	w.Release()
	wantStatus(t, "map into destroyed root", st, object.ErrBadState)
	wantStatus(t, "unmap destroyed root", root.Unmap(root.Start(), PageSize), object.ErrBadState)
	if h.Fault(0x10_0000, 0) || h.CopyIn(make([]byte, 1), 0x10_0000) == nil {
		t.Error("destroyed address space still resolves")
	}
	if _, err := h.Mmap(0, PageSize, ProtRead, false); err == nil {
		t.Error("mmap after destroy")
	}
	h.Destroy() // idempotent
	root.Release()
}

// TestConcurrent runs faults, copies, mmap/munmap/mprotect/DONTNEED and
// VMO resizes at once (meant for -race).
func TestConcurrent(t *testing.T) {
	h := newHostAS(t)
	shared := h.vmo(t, 64*PageSize, VMOResizable)
	defer shared.Release()
	sa, st := h.RootVMAR().Map(rw|VMAllowFaults, 0, shared, 0, 64*PageSize, h.RootVMAR().Rights(), shared.Rights())
	wantStatus(t, "map shared", st, object.OK)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				a, err := h.Mmap(0, 4*PageSize, ProtRead|ProtWrite, false)
				if err != nil {
					errs <- err
					return
				}
				data := pattern(100, byte(g+i))
				if err := h.CopyOut(a+PageSize-50, data); err != nil {
					errs <- fmt.Errorf("copyout: %v", err)
					return
				}
				got := make([]byte, 100)
				if err := h.CopyIn(got, a+PageSize-50); err != nil || !bytes.Equal(got, data) {
					errs <- fmt.Errorf("copyin: %v", err)
					return
				}
				h.Fault(a, pfWrite)
				h.Fault(sa+uint64(i%64)*PageSize, 0)
				h.Mprotect(a, PageSize, ProtRead)
				h.Decommit(a+PageSize, PageSize)
				h.Munmap(a, 4*PageSize)
			}
		}(g)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			shared.SetSize(uint64(1+i%64) * PageSize)
			shared.OpRange(VMOOpDecommit, 0, PageSize)
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	h.RootVMAR().Unmap(sa, 64*PageSize)
}

// TestImports keeps the machine-specific code in kernel.go: no other file
// imports arch or kmem, and no file imports unsafe (it would have to be
// named *_unsafe.go).
func TestImports(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case p == "unsafe" && !strings.HasSuffix(f, "_unsafe.go"):
				t.Errorf("%s imports unsafe", f)
			case (strings.HasPrefix(p, "beryl/arch") || p == "beryl/mm/kmem") && f != "kernel.go":
				t.Errorf("%s imports %s: only kernel.go may", f, p)
			}
		}
	}
	if _, err := os.Stat("kernel.go"); err != nil || len(files) < 5 {
		t.Fatalf("files: %v %v", files, err)
	}
}

// TestPrivateVMOs: each mmap makes one private VMO; splitting a mapping
// (munmap or mprotect in its middle) keeps one; MAP_FIXED over part of a
// mapping adds one; VMOs mapped with zx_vmar_map do not count; munmap of
// every piece drops it.
func TestPrivateVMOs(t *testing.T) {
	h := newHostAS(t)
	want := func(what string, n uint64) {
		t.Helper()
		if got := h.PrivateVMOs(); got != n {
			t.Fatalf("%s: %d private VMOs, want %d", what, got, n)
		}
	}
	want("empty", 0)
	a, err := h.Mmap(0, 8*PageSize, ProtRead|ProtWrite, false)
	if err != nil {
		t.Fatal(err)
	}
	want("one mmap", 1)
	if _, err := h.Mmap(0, PageSize, ProtRead, false); err != nil {
		t.Fatal(err)
	}
	want("two mmaps", 2)
	if err := h.Mprotect(a+2*PageSize, PageSize, ProtRead); err != nil {
		t.Fatal(err)
	}
	if err := h.Munmap(a+5*PageSize, PageSize); err != nil {
		t.Fatal(err)
	}
	want("split in four", 2)
	if _, err := h.Mmap(a+6*PageSize, PageSize, ProtRead|ProtWrite, true); err != nil {
		t.Fatal(err)
	}
	want("MAP_FIXED over part", 3)
	v := h.vmo(t, PageSize, 0)
	defer v.Release()
	r := h.RootVMAR()
	sub, _, st := r.Allocate(VMCanMapRead|VMCanMapSpecific, 0, 16*PageSize)
	wantStatus(t, "vmar_allocate", st, object.OK)
	defer sub.Release()
	if _, st := sub.Map(VMPermRead, 0, v, 0, PageSize, sub.Rights(), allRights); st != object.OK {
		t.Fatalf("vmar_map: %v", st)
	}
	want("zx mapping", 3)
	if err := h.Munmap(a, 8*PageSize); err != nil {
		t.Fatal(err)
	}
	want("first mmap's pieces unmapped", 1)
}
