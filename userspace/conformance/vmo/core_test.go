package vmo

import (
	"bytes"
	"math"
	"sync"
	"testing"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: VmoTestCase (vmo/vmo.cc in utest/core).

func rawVmo(t *testing.T, size uint64, options uint32) zx.Handle {
	t.Helper()
	var h zx.Handle
	ctest.Must(t, "vmo_create", zx.Sys_vmo_create(size, options, &h))
	t.Cleanup(func() { zx.Sys_handle_close(h) })
	return h
}

func root() zx.Handle { return zx.VmarRootSelf().Handle }

func vmap(t *testing.T, perms zx.VMFlag, vmo zx.Handle, off uint64, n uint) uintptr {
	t.Helper()
	var a zx.Vaddr
	ctest.Must(t, "vmar_map", zx.Sys_vmar_map(root(), uint32(perms), 0, vmo, off, n, &a))
	if a == 0 {
		t.Fatal("vmar_map gave address 0")
	}
	t.Cleanup(func() { zx.Sys_vmar_unmap(root(), a, n) })
	return uintptr(a)
}

func vsize(t *testing.T, h zx.Handle) uint64 {
	t.Helper()
	var s uint64 = 0x99999999
	ctest.Must(t, "vmo_get_size", zx.Sys_vmo_get_size(h, &s))
	return s
}

func roundUp(n uint64) uint64 { return (n + pg - 1) &^ (pg - 1) }

func mem(a uintptr, n int) []byte { return unsafe.Slice((*byte)(ctest.Ptr(a)), n) }

func TestVmoTestCase_Create(t *testing.T) {
	for i := range uint64(16) {
		var h zx.Handle
		ctest.Must(t, "vmo_create", zx.Sys_vmo_create(i*pg, 0, &h))
		ctest.Must(t, "close", zx.Sys_handle_close(h))
	}
}

func TestVmoTestCase_ReadWriteBadLen(t *testing.T) {
	const n = 4 * pg
	v := rawVmo(t, n, 0)
	buf := make([]byte, n)
	for i := 1; i <= 2; i++ {
		bad := uint(math.MaxUint64 - pg/uint64(i))
		ctest.Want(t, "vmo_read(huge)", zx.Sys_vmo_read(v, unsafe.Pointer(&buf[0]), 0, bad), zx.ErrOutOfRange)
		ctest.Want(t, "vmo_write(huge)", zx.Sys_vmo_write(v, unsafe.Pointer(&buf[0]), 0, bad), zx.ErrOutOfRange)
	}
	ctest.Must(t, "vmo_read", zx.Sys_vmo_read(v, unsafe.Pointer(&buf[0]), 0, n))
	ctest.Must(t, "vmo_write", zx.Sys_vmo_write(v, unsafe.Pointer(&buf[0]), 0, n))
}

func TestVmoTestCase_ReadWrite(t *testing.T) {
	const n = 4 * pg
	v := rawVmo(t, n, 0)
	buf := make([]byte, n)
	ctest.Must(t, "vmo_read", zx.Sys_vmo_read(v, unsafe.Pointer(&buf[0]), 0, n))
	if !bytes.Equal(buf, make([]byte, n)) {
		t.Fatal("new VMO not zero")
	}
	for i := range buf {
		buf[i] = 0x99
	}
	ctest.Must(t, "vmo_write", zx.Sys_vmo_write(v, unsafe.Pointer(&buf[0]), 0, n))
	a := vmap(t, zx.VMPermRead|zx.VMPermWrite, v, 0, n)
	if !bytes.Equal(mem(a, n), buf) {
		t.Error("mapping differs from what was written")
	}
}

func TestVmoTestCase_ReadWriteRange(t *testing.T) {
	const n = 4 * pg
	v := rawVmo(t, n, 0)
	buf := make([]byte, 2*n)
	p := unsafe.Pointer(&buf[0])
	ctest.Want(t, "read past end", zx.Sys_vmo_read(v, p, 0, 2*n), zx.ErrOutOfRange)
	ctest.Must(t, "read 0 at end", zx.Sys_vmo_read(v, p, n, 0))
	ctest.Want(t, "read 0 past end", zx.Sys_vmo_read(v, p, n+1, 0), zx.ErrOutOfRange)
	ctest.Want(t, "write past end", zx.Sys_vmo_write(v, p, 0, 2*n), zx.ErrOutOfRange)
	ctest.Must(t, "write 0 at end", zx.Sys_vmo_write(v, p, n, 0))
	ctest.Want(t, "write 0 past end", zx.Sys_vmo_write(v, p, n+1, 0), zx.ErrOutOfRange)
	ctest.Want(t, "read wraparound", zx.Sys_vmo_read(v, p, math.MaxUint64-n/2, n), zx.ErrOutOfRange)
	ctest.Want(t, "write wraparound", zx.Sys_vmo_write(v, p, math.MaxUint64-n/2, n), zx.ErrOutOfRange)
}

func TestVmoTestCase_Map(t *testing.T) {
	v := rawVmo(t, 4*pg, 0)
	vmap(t, zx.VMPermRead, v, 0, pg)
	vmap(t, zx.VMPermRead, v, 0, pg)
	var a zx.Vaddr
	ctest.Want(t, "map SPECIFIC at UINTPTR_MAX", zx.Sys_vmar_map(root(), uint32(zx.VMPermRead|zx.VMSpecific), math.MaxUint64, v, 0, pg, &a), zx.ErrInvalidArgs)
}

func TestVmoTestCase_MapRead(t *testing.T) {
	v := rawVmo(t, 2*pg, 0)
	a := vmap(t, zx.VMPermRead|zx.VMPermWrite, v, 0, pg)
	// Reading the VMO's second page into a mapping of its first: no
	// deadlock in the kernel.
	ctest.Must(t, "vmo_read into its own mapping", zx.Sys_vmo_read(v, ctest.Ptr(a), pg, pg))
}

func TestVmoTestCase_ParallelRead(t *testing.T) {
	const pages = 256
	v1, v2 := rawVmo(t, pg*pages, 0), rawVmo(t, pg*pages, 0)
	a1 := vmap(t, zx.VMPermRead|zx.VMPermWrite, v1, 0, pg*pages/2)
	a2 := vmap(t, zx.VMPermRead|zx.VMPermWrite, v2, 0, pg*pages/2)
	var wg sync.WaitGroup
	var st1 zx.Status
	wg.Add(1)
	go func() {
		defer wg.Done()
		st1 = zx.Sys_vmo_read(v1, ctest.Ptr(a2), pg*pages/2, pg*pages/2)
	}()
	ctest.Must(t, "vmo_read(v2 into v1's mapping)", zx.Sys_vmo_read(v2, ctest.Ptr(a1), pg*pages/2, pg*pages/2))
	wg.Wait()
	ctest.Must(t, "vmo_read(v1 into v2's mapping)", st1)
}

func TestVmoTestCase_ReadOnlyMap(t *testing.T) {
	v := rawVmo(t, pg, 0)
	a := vmap(t, zx.VMPermRead, v, 0, pg)
	if ctest.Probe(a, true) {
		t.Error("a read-only mapping is writable")
	}
}

func TestVmoTestCase_NoPermMap(t *testing.T) {
	v := rawVmo(t, pg, 0)
	a := vmap(t, zx.VMPermRead, v, 0, pg)
	ctest.Must(t, "vmar_protect(none)", zx.Sys_vmar_protect(root(), 0, zx.Vaddr(a), pg))
	if ctest.Probe(a, false) || ctest.Probe(a, true) {
		t.Error("a mapping without permissions is accessible")
	}
}

func TestVmoTestCase_NoPermProtect(t *testing.T) {
	v := rawVmo(t, pg, 0)
	a := vmap(t, 0, v, 0, pg)
	if ctest.Probe(a, true) || ctest.Probe(a, false) {
		t.Error("a mapping without permissions is accessible")
	}
	ctest.Must(t, "vmar_protect(READ)", zx.Sys_vmar_protect(root(), uint32(zx.VMPermRead), zx.Vaddr(a), pg))
	if ctest.Probe(a, true) {
		t.Error("writable after protect(READ)")
	}
	if !ctest.Probe(a, false) {
		t.Error("not readable after protect(READ)")
	}
}

func TestVmoTestCase_Resize(t *testing.T) {
	n := uint64(4 * pg)
	v := rawVmo(t, n, zx.VMOResizable)
	if s := vsize(t, v); s != n {
		t.Errorf("size %d", s)
	}
	n += pg
	ctest.Must(t, "set_size", zx.Sys_vmo_set_size(v, n))
	if s := vsize(t, v); s != n {
		t.Errorf("size %d after set_size(%d)", s, n)
	}
	ctest.Want(t, "set_size(UINT64_MAX)", zx.Sys_vmo_set_size(v, math.MaxUint64), zx.ErrOutOfRange)
	ctest.Must(t, "set_size(unaligned)", zx.Sys_vmo_set_size(v, n+1))
	size := vsize(t, v)
	if size != roundUp(n+1) {
		t.Errorf("size %d, want %d", size, roundUp(n+1))
	}
	n = roundUp(n + 1)
	vmap(t, zx.VMPermRead, v, 0, uint(n))
	var a zx.Vaddr
	ctest.Want(t, "map(REQUIRE_NON_RESIZABLE)", zx.Sys_vmar_map(root(), uint32(zx.VMPermRead|zx.VMRequireNonResizable), 0, v, 0, uint(n), &a), zx.ErrNotSupported)
	ctest.Must(t, "set_size while mapped", zx.Sys_vmo_set_size(v, size))
}

func TestVmoTestCase_NoResize(t *testing.T) {
	const n = 4 * pg
	v := rawVmo(t, n, 0)
	ctest.Want(t, "set_size(bigger)", zx.Sys_vmo_set_size(v, n+pg), zx.ErrUnavailable)
	ctest.Want(t, "set_size(smaller)", zx.Sys_vmo_set_size(v, n-pg), zx.ErrUnavailable)
	if s := vsize(t, v); s != n {
		t.Errorf("size %d", s)
	}
	vmap(t, zx.VMPermRead|zx.VMPermWrite|zx.VMRequireNonResizable, v, 0, n)
}

func TestVmoTestCase_SizeAlign(t *testing.T) {
	for s := uint64(0); s < 4*pg; s += 7 {
		var v zx.Handle
		ctest.Must(t, "vmo_create", zx.Sys_vmo_create(s, 0, &v))
		if got := vsize(t, v); got != roundUp(s) {
			t.Fatalf("vmo_create(%d): size %d", s, got)
		}
		zx.Sys_handle_close(v)
	}
}

func TestVmoTestCase_ResizeAlign(t *testing.T) {
	v := rawVmo(t, 0, zx.VMOResizable)
	for s := uint64(0); s < 4*pg; s += 7 {
		ctest.Must(t, "set_size", zx.Sys_vmo_set_size(v, s))
		if got := vsize(t, v); got != roundUp(s) {
			t.Fatalf("set_size(%d): size %d", s, got)
		}
	}
}

func TestVmoTestCase_Commit(t *testing.T) {
	const size = 16384
	v := rawVmo(t, size, 0)
	ctest.Must(t, "commit", zx.Sys_vmo_op_range(v, zx.VMOOpCommit, 0, size, nil, 0))
	ctest.Must(t, "decommit", zx.Sys_vmo_op_range(v, zx.VMOOpDecommit, 0, size, nil, 0))
	ctest.Must(t, "commit", zx.Sys_vmo_op_range(v, zx.VMOOpCommit, 0, size, nil, 0))
	p := vmap(t, zx.VMPermRead|zx.VMPermWrite, v, 0, size)
	p2 := vmap(t, zx.VMPermRead|zx.VMPermWrite, v, pg, size-pg)
	u := (*uint32)(ctest.Ptr(p + pg))
	ua := (*uint32)(ctest.Ptr(p2))
	*u = 99
	if *u != 99 || *ua != 99 {
		t.Fatalf("written %d, alias %d", *u, *ua)
	}
	ctest.Must(t, "decommit page 0", zx.Sys_vmo_op_range(v, zx.VMOOpDecommit, 0, pg, nil, 0))
	if *u != 99 || *ua != 99 {
		t.Errorf("page 1 lost by decommitting page 0: %d %d", *u, *ua)
	}
	ctest.Must(t, "decommit page 1", zx.Sys_vmo_op_range(v, zx.VMOOpDecommit, pg, pg, nil, 0))
	if *u != 0 || *ua != 0 {
		t.Errorf("page 1 kept after decommit: %d %d", *u, *ua)
	}
}

func TestVmoTestCase_ZeroPage(t *testing.T) {
	const size = 4 * pg
	v := rawVmo(t, size, 0)
	var ps [3]*uint32
	for i := range ps {
		ps[i] = (*uint32)(ctest.Ptr(vmap(t, zx.VMPermRead|zx.VMPermWrite, v, 0, size)))
	}
	// Reads of untouched pages see zeros through every mapping; a write
	// through one is seen through the others.
	for _, p := range ps {
		if *p != 0 {
			t.Fatalf("untouched page reads %d", *p)
		}
	}
	*ps[0] = 99
	for i, p := range ps {
		if *p != 99 {
			t.Errorf("mapping %d reads %d after the write", i, *p)
		}
	}
	var b [4]byte
	ctest.Must(t, "vmo_read", zx.Sys_vmo_read(v, unsafe.Pointer(&b[0]), 0, 4))
	if b != [4]byte{99} {
		t.Errorf("vmo_read %v", b)
	}
	// A zero page read through a mapping, then written by vmo_write: the
	// mapping sees the new page.
	p1 := (*uint32)(unsafe.Add(unsafe.Pointer(ps[0]), pg))
	if *p1 != 0 {
		t.Fatalf("page 1 reads %d", *p1)
	}
	w := uint32(100)
	ctest.Must(t, "vmo_write", zx.Sys_vmo_write(v, unsafe.Pointer(&w), pg, 4))
	if *p1 != 100 {
		t.Errorf("page 1 reads %d after vmo_write", *p1)
	}
	p2 := (*uint32)(unsafe.Add(unsafe.Pointer(ps[0]), 2*pg))
	if *p2 != 0 {
		t.Fatalf("page 2 reads %d", *p2)
	}
	ctest.Must(t, "commit page 2", zx.Sys_vmo_op_range(v, zx.VMOOpCommit, 2*pg, pg, nil, 0))
	ctest.Must(t, "vmo_write", zx.Sys_vmo_write(v, unsafe.Pointer(&w), 2*pg, 4))
	if *p2 != 100 {
		t.Errorf("page 2 reads %d after commit and vmo_write", *p2)
	}
}

func TestVmoTestCase_DecommitMisaligned(t *testing.T) {
	v := rawVmo(t, 2*pg, 0)
	ctest.Want(t, "decommit(misaligned, nothing committed)", zx.Sys_vmo_op_range(v, zx.VMOOpDecommit, 0x10, 0x100, nil, 0), zx.ErrInvalidArgs)
	ctest.Must(t, "commit(misaligned)", zx.Sys_vmo_op_range(v, zx.VMOOpCommit, 0x10, 0x100, nil, 0))
	ctest.Want(t, "decommit(misaligned)", zx.Sys_vmo_op_range(v, zx.VMOOpDecommit, 0x10, 0x100, nil, 0), zx.ErrInvalidArgs)
}

func TestVmoTestCase_Rights(t *testing.T) {
	const n = 4 * pg
	var buf [16]byte
	bp := unsafe.Pointer(&buf[0])
	v := rawVmo(t, n, 0)
	expected := zx.RightDuplicate | zx.RightTransfer | zx.RightWait | zx.RightRead | zx.RightWrite | zx.RightMap | zx.RightGetProperty | zx.RightSetProperty
	if r := ctest.Basic(t, v).Rights; r&expected != expected {
		t.Errorf("rights %#x lack %#x", r, expected&^r)
	}
	ctest.Must(t, "read 0", zx.Sys_vmo_read(v, bp, 0, 0))
	ctest.Must(t, "write 0", zx.Sys_vmo_write(v, bp, 0, 0))
	r := ctest.Reduced(t, v, zx.RightRead)
	ctest.Must(t, "read(READ)", zx.Sys_vmo_read(r, bp, 0, 0))
	ctest.Want(t, "write(READ)", zx.Sys_vmo_write(r, bp, 0, 0), zx.ErrAccessDenied)
	w := ctest.Reduced(t, v, zx.RightWrite)
	ctest.Want(t, "read(WRITE)", zx.Sys_vmo_read(w, bp, 0, 0), zx.ErrAccessDenied)
	ctest.Must(t, "write(WRITE)", zx.Sys_vmo_write(w, bp, 0, 0))
	none := ctest.Reduced(t, v, 0)
	ctest.Want(t, "read(none)", zx.Sys_vmo_read(none, bp, 0, 0), zx.ErrAccessDenied)
	ctest.Want(t, "write(none)", zx.Sys_vmo_write(none, bp, 0, 0), zx.ErrAccessDenied)
	mapWith := func(h zx.Handle, perms zx.VMFlag, want zx.Status) {
		t.Helper()
		var a zx.Vaddr
		st := zx.Sys_vmar_map(root(), uint32(perms), 0, h, 0, n, &a)
		ctest.Want(t, "vmar_map", st, want)
		if st == zx.OK {
			zx.Sys_vmar_unmap(root(), a, n)
		}
	}
	R, W := zx.VMPermRead, zx.VMPermWrite
	rm := ctest.Reduced(t, v, zx.RightRead|zx.RightMap|zx.RightDuplicate)
	mapWith(rm, 0, zx.OK)
	mapWith(rm, R, zx.OK)
	mapWith(rm, W, zx.ErrInvalidArgs)
	mapWith(rm, R|W, zx.ErrAccessDenied)
	nomap := ctest.Reduced(t, v, zx.RightRead|zx.RightWrite|zx.RightDuplicate)
	mapWith(nomap, 0, zx.ErrAccessDenied)
	mapWith(nomap, R, zx.ErrAccessDenied)
	mapWith(nomap, R|W, zx.ErrAccessDenied)
	wm := ctest.Reduced(t, v, zx.RightWrite|zx.RightMap|zx.RightDuplicate)
	mapWith(wm, 0, zx.OK)
	mapWith(wm, R, zx.ErrAccessDenied)
	mapWith(wm, W, zx.ErrInvalidArgs)
	rwm := ctest.Reduced(t, v, zx.RightRead|zx.RightWrite|zx.RightMap|zx.RightDuplicate)
	mapWith(rwm, R|W, zx.OK)
	mapWith(rwm, R|W|zx.VMPermExecute, zx.ErrAccessDenied)
	name := []byte("test vmo\x00")
	ctest.Must(t, "set_property(NAME)", zx.Sys_object_set_property(v, zx.PropName, unsafe.Pointer(&name[0]), uint(len(name))))
	got := make([]byte, 32)
	ctest.Must(t, "get_property(NAME)", zx.Sys_object_get_property(v, zx.PropName, unsafe.Pointer(&got[0]), 32))
	if string(got[:8]) != "test vmo" || got[8] != 0 {
		t.Errorf("name %q", got)
	}
	// A handle of the wrong type and no rights: WRONG_TYPE, not
	// ACCESS_DENIED.
	var port zx.Handle
	ctest.Must(t, "port_create", zx.Sys_port_create(0, &port))
	defer zx.Sys_handle_close(port)
	ctest.Want(t, "vmo_read(port, no rights)", zx.Sys_vmo_read(ctest.Reduced(t, port, 0), bp, 0, 0), zx.ErrWrongType)
}

func TestVmoTestCase_ResizeHazard(t *testing.T) {
	const size = 2 * pg
	v := rawVmo(t, size, zx.VMOResizable)
	var a zx.Vaddr
	ctest.Must(t, "vmar_map without ALLOW_FAULTS", zx.Sys_vmar_map(root(), uint32(zx.VMPermRead|zx.VMPermWrite), 0, v, 0, size, &a))
	t.Cleanup(func() { zx.Sys_vmar_unmap(root(), a, size) })
	if (*[2]int32)(ctest.Ptr(uintptr(a)))[1] != 0 {
		t.Error("fresh VMO not zero")
	}
	ctest.Must(t, "set_size(0)", zx.Sys_vmo_set_size(v, 0))
	if ctest.Probe(uintptr(a)+4, false) || ctest.Probe(uintptr(a)+4, true) {
		t.Error("a shrunk VMO's mapping still reads or writes")
	}
}

func TestVmoTestCase_ContentSize(t *testing.T) {
	const n = 4 * pg
	v := rawVmo(t, n, zx.VMOResizable)
	get := func() uint64 {
		t.Helper()
		var c uint64 = 42
		ctest.Must(t, "get_property(CONTENT_SIZE)", zx.Sys_object_get_property(v, zx.PropVMOContentSize, unsafe.Pointer(&c), 8))
		return c
	}
	set := func(c uint64) {
		t.Helper()
		ctest.Must(t, "set_property(CONTENT_SIZE)", zx.Sys_object_set_property(v, zx.PropVMOContentSize, unsafe.Pointer(&c), 8))
	}
	if c := get(); c != n {
		t.Errorf("content size %d, want %d", c, n)
	}
	for _, c := range []uint64{n / 3, n + 15643} {
		set(c)
		if got := get(); got != c {
			t.Errorf("content size %d after setting %d", got, c)
		}
	}
	ctest.Must(t, "set_size", zx.Sys_vmo_set_size(v, 5461))
	if c := get(); c != 5461 {
		t.Errorf("content size %d after set_size(5461)", c)
	}
}

func TestVmoTestCase_CacheFlush(t *testing.T) {
	const size = 0x8000
	v := rawVmo(t, size, 0)
	ro := vmap(t, zx.VMPermRead, v, 0, size)
	rw := vmap(t, zx.VMPermRead|zx.VMPermWrite, v, 0, size)
	ctest.Must(t, "commit", zx.Sys_vmo_op_range(v, zx.VMOOpCommit, 0, size, nil, 0))
	const insn, data, inval = zx.CacheFlushInsn, zx.CacheFlushData, zx.CacheFlushInvalidate
	for _, p := range []uintptr{rw, ro} {
		for _, o := range []uint32{insn, data, data | insn, data | inval, data | inval | insn} {
			ctest.Must(t, "cache_flush", zx.Sys_cache_flush(ctest.Ptr(p), size, o))
		}
	}
	for _, o := range []uint32{0, inval, insn | inval, 1 << 3, ^uint32(0)} {
		ctest.Want(t, "cache_flush(bad options)", zx.Sys_cache_flush(ctest.Ptr(ro), size, o), zx.ErrInvalidArgs)
	}
}

func TestVmoTestCase_Cache(t *testing.T) {
	v := rawVmo(t, pg, 0)
	for _, p := range []uint32{zx.CachePolicyCached, zx.CachePolicyUncached, zx.CachePolicyUncachedDevice, zx.CachePolicyWriteCombining} {
		ctest.Must(t, "set_cache_policy on a clean VMO", zx.Sys_vmo_set_cache_policy(v, p))
	}
	ctest.Want(t, "set_cache_policy(MASK+1)", zx.Sys_vmo_set_cache_policy(v, 4), zx.ErrInvalidArgs)
	var a zx.Vaddr
	ctest.Must(t, "vmar_map", zx.Sys_vmar_map(root(), uint32(zx.VMPermRead), 0, v, 0, pg, &a))
	ctest.Want(t, "set_cache_policy while mapped", zx.Sys_vmo_set_cache_policy(v, zx.CachePolicyCached), zx.ErrBadState)
	ctest.Must(t, "vmar_unmap", zx.Sys_vmar_unmap(root(), a, pg))
	ctest.Must(t, "set_cache_policy after unmap", zx.Sys_vmo_set_cache_policy(v, zx.CachePolicyCached))
	var c zx.Handle
	ctest.Must(t, "vmo_create_child", zx.Sys_vmo_create_child(v, zx.VMOChildSnapshot, 0, pg, &c))
	ctest.Want(t, "set_cache_policy with a clone", zx.Sys_vmo_set_cache_policy(v, zx.CachePolicyCached), zx.ErrBadState)
	zx.Sys_handle_close(c)
	ctest.Must(t, "set_cache_policy after the clone closed", zx.Sys_vmo_set_cache_policy(v, zx.CachePolicyCached))
	ctest.Must(t, "vmo_create_child", zx.Sys_vmo_create_child(v, zx.VMOChildSnapshot, 0, pg, &c))
	ctest.Want(t, "set_cache_policy on a clone", zx.Sys_vmo_set_cache_policy(c, zx.CachePolicyCached), zx.ErrBadState)
	zx.Sys_handle_close(c)
	ctest.Must(t, "set_cache_policy(UNCACHED)", zx.Sys_vmo_set_cache_policy(v, zx.CachePolicyUncached))
	ctest.Want(t, "snapshot of an uncached VMO", zx.Sys_vmo_create_child(v, zx.VMOChildSnapshot, 0, pg, &c), zx.ErrBadState)
	ctest.Must(t, "set_cache_policy(CACHED)", zx.Sys_vmo_set_cache_policy(v, zx.CachePolicyCached))
	ctest.Must(t, "snapshot of a cached VMO", zx.Sys_vmo_create_child(v, zx.VMOChildSnapshot, 0, pg, &c))
	zx.Sys_handle_close(c)
	var b [1]byte
	ctest.Must(t, "set_cache_policy(UNCACHED)", zx.Sys_vmo_set_cache_policy(v, zx.CachePolicyUncached))
	ctest.Want(t, "vmo_read uncached", zx.Sys_vmo_read(v, unsafe.Pointer(&b[0]), 0, 1), zx.ErrBadState)
	ctest.Want(t, "vmo_write uncached", zx.Sys_vmo_write(v, unsafe.Pointer(&b[0]), 0, 1), zx.ErrBadState)
	ctest.Must(t, "set_cache_policy(CACHED)", zx.Sys_vmo_set_cache_policy(v, zx.CachePolicyCached))
	ctest.Must(t, "vmo_read cached", zx.Sys_vmo_read(v, unsafe.Pointer(&b[0]), 0, 1))
	ctest.Must(t, "vmo_write cached", zx.Sys_vmo_write(v, unsafe.Pointer(&b[0]), 0, 1))
}
