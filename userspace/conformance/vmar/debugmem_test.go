package vmar

import (
	"runtime"
	"sync/atomic"
	"testing"
	"unsafe"

	"beryl/userspace/zx"
)

// Vmar core-tests that read and write this process's own memory through
// process_read_memory / process_write_memory after part of a mapping is
// unmapped: a copy stops at the end of the one mapping holding its start.
// The originals map in the root VMAR, where ASLR leaves the space after a
// mapping empty; Beryl's root VMAR packs mappings (the Go runtime's among
// them), so here each mapping starts a sub-VMAR one page longer than it,
// and nothing else can land after it or in the holes the cases unmap.

// mapRW maps n bytes of a fresh size-byte VMO read-write at the start
// of a new sub-VMAR one page longer, closing the VMO handle at once (the
// mapping keeps the VMO alive). It returns the sub-VMAR and the address.
func mapRW(t *testing.T, size, voff uint64, n uint) (zx.Handle, uintptr) {
	t.Helper()
	var v zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(size, 0, &v))
	h, _ := arena(t, n/pg+1)
	a, st := mapIn(h, zx.VMSpecific|uint32(rw), 0, v, voff, n)
	must(t, "vmar_map", st)
	must(t, "handle_close(vmo)", zx.Sys_handle_close(v))
	return h, a
}

func readMem(addr uintptr, buf []byte) (uint, zx.Status) {
	var actual uint
	st := zx.Sys_process_read_memory(zx.ProcessSelf().Handle, zx.Vaddr(addr), unsafe.Pointer(&buf[0]), uint(len(buf)), &actual)
	return actual, st
}

func writeMem(addr uintptr, buf []byte) (uint, zx.Status) {
	var actual uint
	st := zx.Sys_process_write_memory(zx.ProcessSelf().Handle, zx.Vaddr(addr), unsafe.Pointer(&buf[0]), uint(len(buf)), &actual)
	return actual, st
}

// partialUnmap maps two pages, zeroes them, unmaps the second and checks
// copy (a read or a write of this process's memory) against the rest.
func partialUnmap(t *testing.T, what string, copy func(uintptr, []byte) (uint, zx.Status)) {
	v, a := mapRW(t, 2*pg, 0, 2*pg)
	clear(mem(a, 2*pg))
	must(t, "vmar_unmap(second page)", zx.Sys_vmar_unmap(v, zx.Vaddr(a+pg), pg))
	buf := make([]byte, 2*pg)

	n, st := copy(a, buf[:pg])
	must(t, what+" of the first page", st)
	if n != pg {
		t.Errorf("%s of the first page: actual %d, want %d", what, n, pg)
	}
	_, st = copy(a+pg, buf[:pg])
	want(t, what+" of the unmapped page", st, zx.ErrNoMemory)
	n, st = copy(a, buf)
	must(t, what+" of both pages", st)
	if n != pg {
		t.Errorf("%s of both pages: actual %d, want %d (the first page only)", what, n, pg)
	}
	n, st = copy(a+pg-1, buf[:2])
	must(t, what+" straddling the pages", st)
	if n != 1 {
		t.Errorf("%s straddling the pages: actual %d, want 1", what, n)
	}
	must(t, "vmar_unmap(first page)", zx.Sys_vmar_unmap(v, zx.Vaddr(a), pg))
}

func TestVmar_PartialUnmapAndRead(t *testing.T) {
	partialUnmap(t, "process_read_memory", readMem)
}

func TestVmar_PartialUnmapAndWrite(t *testing.T) {
	partialUnmap(t, "process_write_memory", writeMem)
}

func TestVmar_PartialUnmapWithVmarOffset(t *testing.T) {
	const off = 0x1000
	const size = 10 * pg
	const n = size - off
	_, a := mapRW(t, size, off, n)
	clear(mem(a, n))
	buf := make([]byte, n)

	// The whole mapping, both ways.
	got, st := writeMem(a, buf)
	must(t, "process_write_memory(whole mapping)", st)
	if got != n {
		t.Errorf("write of the whole mapping: actual %d, want %d", got, n)
	}
	got, st = readMem(a, buf)
	must(t, "process_read_memory(whole mapping)", st)
	if got != n {
		t.Errorf("read of the whole mapping: actual %d, want %d", got, n)
	}
	// The last byte.
	_, st = writeMem(a+n-1, buf[:1])
	must(t, "process_write_memory(last byte)", st)
	_, st = readMem(a+n-1, buf[:1])
	must(t, "process_read_memory(last byte)", st)
	// One past the end.
	_, st = writeMem(a+n, buf[:1])
	want(t, "process_write_memory(one past the end)", st, zx.ErrNoMemory)
	_, st = readMem(a+n, buf[:1])
	want(t, "process_read_memory(one past the end)", st, zx.ErrNoMemory)
	// Crossing the end.
	got, st = writeMem(a+n-1, buf[:2])
	must(t, "process_write_memory(crossing the end)", st)
	if got != 1 {
		t.Errorf("write crossing the end: actual %d, want 1", got)
	}
	got, st = readMem(a+n-1, buf[:2])
	must(t, "process_read_memory(crossing the end)", st)
	if got != 1 {
		t.Errorf("read crossing the end: actual %d, want 1", got)
	}
}

// TestVmar_ConcurrentUnmapReadMemory races process_read_memory against
// mapping and unmapping a fresh VMO (the regression: a read holding a
// stale reference to a VMO whose last handle and mapping are gone). Like
// the original it only checks that nothing breaks. The original's 1000
// iterations are scaled down to 200: each one is several syscalls and a
// VMO's life, slow under QEMU's TCG.
func TestVmar_ConcurrentUnmapReadMemory(t *testing.T) {
	child, addr, st := alloc(zx.VmarRootSelf().Handle, zx.VMCanMapSpecific|zx.VMCanMapRead, 0, 4*pg)
	must(t, "vmar_allocate", st)
	t.Cleanup(func() { zx.Sys_vmar_destroy(child); zx.Sys_handle_close(child) })

	var running atomic.Bool
	running.Store(true)
	done := make(chan struct{})
	go func() {
		defer close(done)
		var data [8]byte
		for running.Load() {
			readMem(addr, data[:])
			runtime.Gosched()
		}
	}()

	const iterations = 200
	for range iterations {
		// A VMO per iteration, so that each unmap drops its last reference.
		var v zx.Handle
		if st := zx.Sys_vmo_create(pg, 0, &v); st != zx.OK {
			running.Store(false)
			<-done
			t.Fatalf("vmo_create: %v", st)
		}
		_, st := mapIn(child, zx.VMSpecific|uint32(zx.VMPermRead), 0, v, 0, pg)
		zx.Sys_handle_close(v)
		if st == zx.OK {
			st = zx.Sys_vmar_unmap(child, zx.Vaddr(addr), pg)
		}
		if st != zx.OK {
			running.Store(false)
			<-done
			t.Fatalf("map/unmap: %v", st)
		}
	}
	running.Store(false)
	<-done
}
