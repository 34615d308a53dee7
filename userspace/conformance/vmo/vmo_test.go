// Package vmo is the conformance family for vmo_create, vmo_read,
// vmo_write, vmo_get_size, vmo_set_size and vmo_op_range, run inside Beryl
// (go test -exec bin/zxrun).
package vmo

import (
	"bytes"
	"testing"
	"unsafe"

	"beryl/userspace/zx"
)

const pg = zx.PageSize

func create(t *testing.T, size uint64, opts uint32) zx.Handle {
	t.Helper()
	var h zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(size, opts, &h))
	t.Cleanup(func() { zx.Sys_handle_close(h) })
	return h
}

func size(t *testing.T, h zx.Handle) uint64 {
	t.Helper()
	var n uint64
	must(t, "vmo_get_size", zx.Sys_vmo_get_size(h, &n))
	return n
}

func read(h zx.Handle, b []byte, off uint64) zx.Status {
	return zx.Sys_vmo_read(h, unsafe.Pointer(unsafe.SliceData(b)), off, uint(len(b)))
}

func write(h zx.Handle, b []byte, off uint64) zx.Status {
	return zx.Sys_vmo_write(h, unsafe.Pointer(unsafe.SliceData(b)), off, uint(len(b)))
}

func fill(n int, c byte) []byte { return bytes.Repeat([]byte{c}, n) }

func TestCreate(t *testing.T) {
	for _, c := range []struct {
		name     string
		size     uint64
		wantSize uint64
	}{
		{"size-0", 0, 0},
		{"size-1", 1, pg},
		{"size-page", pg, pg},
		{"size-page-plus-1", pg + 1, 2 * pg},
		{"size-16-pages", 16 * pg, 16 * pg},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := create(t, c.size, 0)
			if n := size(t, h); n != c.wantSize {
				t.Errorf("size %d, want %d", n, c.wantSize)
			}
		})
	}
	t.Run("basic-info", func(t *testing.T) {
		info := basic(t, create(t, pg, 0))
		if info.Type != zx.ObjTypeVMO || info.Rights != zx.DefaultVMORights || info.Props != zx.ObjPropWaitable {
			t.Errorf("info %+v, want VMO with default rights, waitable", info)
		}
	})
	t.Run("resizable-has-resize-right", func(t *testing.T) {
		info := basic(t, create(t, pg, zx.VMOResizable))
		if info.Rights != zx.DefaultVMORights|zx.RightResize {
			t.Errorf("rights %#x, want %#x", info.Rights, zx.DefaultVMORights|zx.RightResize)
		}
	})
	t.Run("distinct-koids", func(t *testing.T) {
		if basic(t, create(t, pg, 0)).Koid == basic(t, create(t, pg, 0)).Koid {
			t.Error("two VMOs share a koid")
		}
	})
	t.Run("zero-children-signal", func(t *testing.T) {
		var obs zx.Signals
		want(t, "wait ZERO_CHILDREN", zx.Sys_object_wait_one(create(t, pg, 0), 1<<3 /* ZX_VMO_ZERO_CHILDREN */, 0, &obs), zx.OK)
		if obs&(1<<3) == 0 {
			t.Errorf("observed %#x", obs)
		}
	})
	for _, c := range []struct {
		name string
		size uint64
		opts uint32
		want zx.Status
	}{
		{"bad-option", pg, 1 << 5, zx.ErrInvalidArgs},
		{"option-1", pg, 1, zx.ErrInvalidArgs},
		{"size-max", ^uint64(0), 0, zx.ErrOutOfRange},
		{"size-rounding-overflows", ^uint64(0) - pg + 2, 0, zx.ErrOutOfRange},
		{"size-2^63", 1 << 63, 0, zx.ErrOutOfRange},
	} {
		t.Run(c.name, func(t *testing.T) {
			var h zx.Handle = 0xdead
			before := handleCount(t)
			want(t, "vmo_create", zx.Sys_vmo_create(c.size, c.opts, &h), c.want)
			if h != 0xdead || handleCount(t) != before {
				t.Errorf("failed create wrote %#x / leaked a handle", h)
			}
		})
	}
	t.Run("bad-out-pointer", func(t *testing.T) {
		bad := badAddrs(t, 4, true)
		before := handleCount(t)
		for _, b := range bad {
			want(t, "vmo_create(out="+b.Name+")", zx.Sys_vmo_create(pg, 0, (*zx.Handle)(ptr(b.Addr))), zx.ErrInvalidArgs)
		}
		if n := handleCount(t); n != before {
			t.Errorf("handles %d → %d", before, n)
		}
	})
}

func TestReadWrite(t *testing.T) {
	t.Run("fresh-reads-zero", func(t *testing.T) {
		h := create(t, 4*pg, 0)
		b := fill(4*pg, 0xcc)
		must(t, "read", read(h, b, 0))
		if !bytes.Equal(b, make([]byte, 4*pg)) {
			t.Error("fresh VMO not zero")
		}
	})
	t.Run("roundtrip-unaligned", func(t *testing.T) {
		h := create(t, 4*pg, 0)
		msg := []byte("across a page boundary")
		must(t, "write", write(h, msg, pg-5))
		got := make([]byte, len(msg))
		must(t, "read", read(h, got, pg-5))
		if !bytes.Equal(got, msg) {
			t.Errorf("read back %q", got)
		}
		around := make([]byte, 2)
		must(t, "read before", read(h, around, pg-7))
		if around[0] != 0 || around[1] != 0 {
			t.Error("write spilled before its offset")
		}
	})
	t.Run("whole-vmo", func(t *testing.T) {
		h := create(t, 3*pg, 0)
		src := make([]byte, 3*pg)
		for i := range src {
			src[i] = byte(i * 7)
		}
		must(t, "write", write(h, src, 0))
		got := make([]byte, 3*pg)
		must(t, "read", read(h, got, 0))
		if !bytes.Equal(got, src) {
			t.Error("contents differ")
		}
	})
	t.Run("large-multi-chunk", func(t *testing.T) {
		const n = 40 * pg // more than the kernel's 64 KiB bounce chunk
		h := create(t, n, 0)
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(i ^ i>>12)
		}
		must(t, "write", write(h, src, 0))
		got := make([]byte, n)
		must(t, "read", read(h, got, 0))
		if !bytes.Equal(got, src) {
			t.Error("contents differ")
		}
	})
	t.Run("shared-between-handles", func(t *testing.T) {
		h := create(t, pg, 0)
		d := reduced(t, h, zx.RightSameRights)
		must(t, "write", write(h, []byte("dup"), 10))
		got := make([]byte, 3)
		must(t, "read via duplicate", read(d, got, 10))
		if string(got) != "dup" {
			t.Errorf("duplicate reads %q", got)
		}
	})
	t.Run("zero-length-at-end", func(t *testing.T) {
		h := create(t, 4*pg, 0)
		var b [1]byte
		want(t, "read 0 at end", zx.Sys_vmo_read(h, unsafe.Pointer(&b[0]), 4*pg, 0), zx.OK)
		want(t, "write 0 at end", zx.Sys_vmo_write(h, unsafe.Pointer(&b[0]), 4*pg, 0), zx.OK)
	})
	for _, c := range []struct {
		name     string
		off, len uint64
	}{
		{"past-end", 0, 8 * pg},
		{"zero-length-past-end", 4*pg + 1, 0},
		{"offset-plus-len-wraps", ^uint64(0) - 2*pg, 4 * pg},
		{"len-max-minus-page", 0, ^uint64(0) - pg},
		{"len-max-minus-half-page", 0, ^uint64(0) - pg/2},
		{"one-byte-past-end", 4*pg - 1, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := create(t, 4*pg, 0)
			buf := make([]byte, 8*pg)
			want(t, "vmo_read", zx.Sys_vmo_read(h, unsafe.Pointer(&buf[0]), c.off, uint(c.len)), zx.ErrOutOfRange)
			want(t, "vmo_write", zx.Sys_vmo_write(h, unsafe.Pointer(&buf[0]), c.off, uint(c.len)), zx.ErrOutOfRange)
		})
	}
	t.Run("read-needs-read-right", func(t *testing.T) {
		h := reduced(t, create(t, pg, 0), zx.RightWrite)
		var b [4]byte
		want(t, "vmo_read", read(h, b[:], 0), zx.ErrAccessDenied)
		must(t, "vmo_write", write(h, b[:], 0))
	})
	t.Run("write-needs-write-right", func(t *testing.T) {
		h0 := create(t, pg, 0)
		must(t, "seed", write(h0, []byte{1, 2, 3, 4}, 0))
		h := reduced(t, h0, zx.RightRead)
		want(t, "vmo_write", write(h, []byte{9, 9, 9, 9}, 0), zx.ErrAccessDenied)
		var b [4]byte
		must(t, "vmo_read", read(h, b[:], 0))
		if b != [4]byte{1, 2, 3, 4} {
			t.Errorf("denied write changed contents: %v", b)
		}
	})
	t.Run("bad-handle", func(t *testing.T) {
		var b [4]byte
		want(t, "vmo_read", read(0x7fff_fff3, b[:], 0), zx.ErrBadHandle)
		want(t, "vmo_write", write(0x7fff_fff3, b[:], 0), zx.ErrBadHandle)
	})
	t.Run("wrong-type", func(t *testing.T) {
		var b [4]byte
		ev := newEvent(t)
		want(t, "vmo_read(event)", read(ev, b[:], 0), zx.ErrWrongType)
		want(t, "vmo_write(event)", write(ev, b[:], 0), zx.ErrWrongType)
	})
	t.Run("bad-buffers", func(t *testing.T) {
		h := create(t, pg, 0)
		must(t, "seed", write(h, fill(pg, 0x11), 0))
		for _, b := range badAddrs(t, 16, true) {
			if b.Name == "read-only" {
				continue
			}
			want(t, "vmo_write(buffer="+b.Name+")", zx.Sys_vmo_write(h, ptr(b.Addr), 0, 16), zx.ErrInvalidArgs)
		}
		for _, b := range badAddrs(t, 16, true) {
			want(t, "vmo_read(buffer="+b.Name+")", zx.Sys_vmo_read(h, ptr(b.Addr), 0, 16), zx.ErrInvalidArgs)
		}
	})
	t.Run("write-from-read-only-memory", func(t *testing.T) {
		// A read-only page is a fine source for vmo_write.
		s := newScratch(t)
		h := create(t, pg, 0)
		want(t, "vmo_write(src=read-only page)", zx.Sys_vmo_write(h, ptr(s.RO()), 0, 16), zx.OK)
	})
}

func TestSize(t *testing.T) {
	t.Run("get-size-needs-no-rights", func(t *testing.T) {
		h := reduced(t, create(t, 3*pg, 0), zx.RightNone)
		if n := size(t, h); n != 3*pg {
			t.Errorf("size %d", n)
		}
	})
	t.Run("get-size-bad-pointer", func(t *testing.T) {
		h := create(t, pg, 0)
		for _, b := range badAddrs(t, 8, true) {
			want(t, "vmo_get_size(size="+b.Name+")", zx.Sys_vmo_get_size(h, (*uint64)(ptr(b.Addr))), zx.ErrInvalidArgs)
		}
	})
	t.Run("get-size-bad-handle", func(t *testing.T) {
		var n uint64
		want(t, "vmo_get_size", zx.Sys_vmo_get_size(0x7fff_fff3, &n), zx.ErrBadHandle)
		want(t, "vmo_get_size(event)", zx.Sys_vmo_get_size(newEvent(t), &n), zx.ErrWrongType)
	})
	t.Run("grow", func(t *testing.T) {
		h := create(t, 4*pg, zx.VMOResizable)
		must(t, "set_size", zx.Sys_vmo_set_size(h, 5*pg))
		if n := size(t, h); n != 5*pg {
			t.Errorf("size %d", n)
		}
		b := fill(pg, 1)
		must(t, "read new page", read(h, b, 4*pg))
		if !bytes.Equal(b, make([]byte, pg)) {
			t.Error("grown page not zero")
		}
	})
	t.Run("unaligned-rounds-up", func(t *testing.T) {
		h := create(t, pg, zx.VMOResizable)
		must(t, "set_size", zx.Sys_vmo_set_size(h, 2*pg+1))
		if n := size(t, h); n != 3*pg {
			t.Errorf("size %d, want %d", n, 3*pg)
		}
	})
	t.Run("shrink-drops-data", func(t *testing.T) {
		h := create(t, 4*pg, zx.VMOResizable)
		must(t, "write", write(h, fill(4*pg, 0xab), 0))
		must(t, "shrink", zx.Sys_vmo_set_size(h, pg))
		var b [1]byte
		want(t, "read past new end", read(h, b[:], 2*pg), zx.ErrOutOfRange)
		must(t, "regrow", zx.Sys_vmo_set_size(h, 4*pg))
		got := fill(3*pg, 1)
		must(t, "read regrown", read(h, got, pg))
		if !bytes.Equal(got, make([]byte, 3*pg)) {
			t.Error("data survived shrink")
		}
		must(t, "read kept", read(h, b[:], pg-1))
		if b[0] != 0xab {
			t.Error("data below the new size lost")
		}
	})
	t.Run("shrink-zeroes-tail-of-page", func(t *testing.T) {
		h := create(t, pg, zx.VMOResizable)
		must(t, "write", write(h, fill(pg, 0xee), 0))
		must(t, "shrink to 100", zx.Sys_vmo_set_size(h, 100))
		got := make([]byte, pg)
		must(t, "read", read(h, got, 0))
		if got[99] != 0xee || got[100] != 0 || got[pg-1] != 0 {
			t.Errorf("bytes 99/100/last = %#x %#x %#x, want ee 00 00", got[99], got[100], got[pg-1])
		}
	})
	t.Run("to-zero", func(t *testing.T) {
		h := create(t, pg, zx.VMOResizable)
		must(t, "set_size 0", zx.Sys_vmo_set_size(h, 0))
		if n := size(t, h); n != 0 {
			t.Errorf("size %d", n)
		}
	})
	t.Run("not-resizable", func(t *testing.T) {
		h := create(t, 4*pg, 0)
		want(t, "grow", zx.Sys_vmo_set_size(h, 5*pg), zx.ErrUnavailable)
		want(t, "shrink", zx.Sys_vmo_set_size(h, 3*pg), zx.ErrUnavailable)
		if n := size(t, h); n != 4*pg {
			t.Errorf("size %d", n)
		}
	})
	t.Run("too-large", func(t *testing.T) {
		h := create(t, pg, zx.VMOResizable)
		want(t, "set_size(UINT64_MAX)", zx.Sys_vmo_set_size(h, ^uint64(0)), zx.ErrOutOfRange)
		want(t, "set_size(2^63)", zx.Sys_vmo_set_size(h, 1<<63), zx.ErrOutOfRange)
		if n := size(t, h); n != pg {
			t.Errorf("size %d after failed resize", n)
		}
	})
	t.Run("needs-write-right", func(t *testing.T) {
		h := reduced(t, create(t, pg, zx.VMOResizable), zx.RightRead|zx.RightResize)
		want(t, "set_size", zx.Sys_vmo_set_size(h, 2*pg), zx.ErrAccessDenied)
	})
	t.Run("needs-resize-right", func(t *testing.T) {
		h := reduced(t, create(t, pg, zx.VMOResizable), zx.RightRead|zx.RightWrite)
		want(t, "set_size", zx.Sys_vmo_set_size(h, 2*pg), zx.ErrAccessDenied)
	})
	t.Run("bad-handle", func(t *testing.T) {
		want(t, "set_size", zx.Sys_vmo_set_size(0x7fff_fff3, pg), zx.ErrBadHandle)
		want(t, "set_size(event)", zx.Sys_vmo_set_size(newEvent(t), pg), zx.ErrWrongType)
	})
}

func TestOpRange(t *testing.T) {
	op := func(h zx.Handle, o uint32, off, n uint64) zx.Status {
		return zx.Sys_vmo_op_range(h, o, off, n, nil, 0)
	}
	t.Run("commit", func(t *testing.T) {
		h := create(t, 4*pg, 0)
		must(t, "commit", op(h, zx.VMOOpCommit, 0, 4*pg))
		b := fill(4*pg, 1)
		must(t, "read", read(h, b, 0))
		if !bytes.Equal(b, make([]byte, 4*pg)) {
			t.Error("committed pages not zero")
		}
	})
	t.Run("commit-unaligned-ok", func(t *testing.T) {
		want(t, "commit", op(create(t, 4*pg, 0), zx.VMOOpCommit, 10, pg), zx.OK)
	})
	t.Run("decommit-zeroes", func(t *testing.T) {
		h := create(t, 4*pg, 0)
		must(t, "write", write(h, fill(4*pg, 0x77), 0))
		must(t, "decommit", op(h, zx.VMOOpDecommit, pg, 2*pg))
		got := make([]byte, 4*pg)
		must(t, "read", read(h, got, 0))
		if got[pg-1] != 0x77 || got[pg] != 0 || got[3*pg-1] != 0 || got[3*pg] != 0x77 {
			t.Error("decommit must zero exactly the middle two pages")
		}
	})
	t.Run("decommit-unmaps", func(t *testing.T) {
		h := create(t, pg, 0)
		var addr zx.Vaddr
		root := zx.VmarRootSelf().Handle
		must(t, "map", zx.Sys_vmar_map(root, zx.VMPermRead|zx.VMPermWrite, 0, h, 0, pg, &addr))
		defer zx.Sys_vmar_unmap(root, addr, pg)
		p := (*byte)(ptr(uintptr(addr)))
		*p = 0x42
		must(t, "decommit", op(h, zx.VMOOpDecommit, 0, pg))
		if *p != 0 {
			t.Errorf("mapped byte after decommit = %#x, want 0", *p)
		}
	})
	t.Run("zero-partial", func(t *testing.T) {
		h := create(t, 2*pg, 0)
		must(t, "write", write(h, fill(2*pg, 0x33), 0))
		must(t, "zero", op(h, zx.VMOOpZero, 100, pg))
		got := make([]byte, 2*pg)
		must(t, "read", read(h, got, 0))
		if got[99] != 0x33 || got[100] != 0 || got[pg+99] != 0 || got[pg+100] != 0x33 {
			t.Error("ZERO must clear exactly [100, 100+page)")
		}
	})
	for _, o := range []struct {
		name string
		op   uint32
	}{{"cache-sync", zx.VMOOpCacheSync}, {"cache-invalidate", zx.VMOOpCacheInvalidate},
		{"cache-clean", zx.VMOOpCacheClean}, {"cache-clean-invalidate", zx.VMOOpCacheCleanInvalid}} {
		t.Run(o.name, func(t *testing.T) {
			h := create(t, pg, 0)
			must(t, "write", write(h, []byte("keep"), 0))
			want(t, o.name, op(h, o.op, 0, pg), zx.OK)
			want(t, o.name+" size 0", op(h, o.op, 0, 0), zx.ErrInvalidArgs)
			want(t, o.name+" past end", op(h, o.op, 0, 2*pg), zx.ErrOutOfRange)
			got := make([]byte, 4)
			must(t, "read", read(h, got, 0))
			if string(got) != "keep" {
				t.Errorf("cache op changed contents: %q", got)
			}
		})
	}
	for _, c := range []struct {
		name     string
		op       uint32
		off, len uint64
		want     zx.Status
	}{
		{"commit-past-end", zx.VMOOpCommit, 0, 5 * pg, zx.ErrOutOfRange},
		{"commit-wraps", zx.VMOOpCommit, ^uint64(0) - pg, 2 * pg, zx.ErrOutOfRange},
		{"decommit-past-end", zx.VMOOpDecommit, 3 * pg, 2 * pg, zx.ErrOutOfRange},
		{"decommit-unaligned-offset", zx.VMOOpDecommit, 1, pg, zx.ErrInvalidArgs},
		{"decommit-unaligned-size", zx.VMOOpDecommit, 0, pg + 1, zx.ErrInvalidArgs},
		{"zero-past-end", zx.VMOOpZero, 4 * pg, 1, zx.ErrOutOfRange},
		{"unknown-op-0", 0, 0, pg, zx.ErrInvalidArgs},
		{"unknown-op-5", 5, 0, pg, zx.ErrInvalidArgs},
		{"unknown-op-1000", 1000, 0, pg, zx.ErrInvalidArgs},
		{"lock", zx.VMOOpLock, 0, pg, zx.ErrNotSupported},
		{"unlock", zx.VMOOpUnlock, 0, pg, zx.ErrNotSupported},
		// TRY_LOCK (11) and the eviction hints (12, 13) as Zircon's
		// VmObjectDispatcher::RangeOp: no discardable VMOs, hints in range.
		{"try-lock", 11, 0, pg, zx.ErrNotSupported},
		{"dont-need", 12, 0, 4 * pg, zx.OK},
		{"always-need", 13, pg, pg, zx.OK},
		{"dont-need-past-end", 12, 0, 5 * pg, zx.ErrOutOfRange},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := create(t, 4*pg, 0)
			must(t, "seed", write(h, fill(4*pg, 0x5a), 0))
			want(t, "vmo_op_range", op(h, c.op, c.off, c.len), c.want)
			got := make([]byte, 4*pg)
			must(t, "read", read(h, got, 0))
			if !bytes.Equal(got, fill(4*pg, 0x5a)) {
				t.Error("failed op changed contents")
			}
		})
	}
	t.Run("commit-needs-write", func(t *testing.T) {
		h := reduced(t, create(t, pg, 0), zx.RightRead)
		want(t, "commit", op(h, zx.VMOOpCommit, 0, pg), zx.ErrAccessDenied)
		want(t, "decommit", op(h, zx.VMOOpDecommit, 0, pg), zx.ErrAccessDenied)
		want(t, "zero", op(h, zx.VMOOpZero, 0, pg), zx.ErrAccessDenied)
	})
	t.Run("lock-needs-read-or-write", func(t *testing.T) {
		// READ or WRITE suffices (then NOT_SUPPORTED: not discardable).
		want(t, "lock(READ)", op(reduced(t, create(t, pg, 0), zx.RightRead), zx.VMOOpLock, 0, pg), zx.ErrNotSupported)
		want(t, "unlock(WRITE)", op(reduced(t, create(t, pg, 0), zx.RightWrite), zx.VMOOpUnlock, 0, pg), zx.ErrNotSupported)
		want(t, "lock(MAP)", op(reduced(t, create(t, pg, 0), zx.RightMap), zx.VMOOpLock, 0, pg), zx.ErrAccessDenied)
	})
	t.Run("cache-sync-needs-read", func(t *testing.T) {
		h := reduced(t, create(t, pg, 0), zx.RightWrite)
		want(t, "cache sync", op(h, zx.VMOOpCacheSync, 0, pg), zx.ErrAccessDenied)
	})
	t.Run("bad-handle", func(t *testing.T) {
		want(t, "op_range", op(0x7fff_fff3, zx.VMOOpCommit, 0, pg), zx.ErrBadHandle)
		want(t, "op_range(event)", op(newEvent(t), zx.VMOOpCommit, 0, pg), zx.ErrWrongType)
	})
}

// TestCacheFlushErrors covers zx_cache_flush's documented errors beyond
// the options (the core-test case covers those).
func TestCacheFlushErrors(t *testing.T) {
	s := newScratch(t)
	must(t, "cache_flush(size 0, NULL)", zx.Sys_cache_flush(nil, 0, zx.CacheFlushData))
	for _, b := range badAddrs(t, 16, false) {
		want(t, "cache_flush("+b.Name+")", zx.Sys_cache_flush(ptr(b.Addr), 16, zx.CacheFlushData), zx.ErrInvalidArgs)
	}
	must(t, "cache_flush(scratch)", zx.Sys_cache_flush(ptr(s.RW()), 16, zx.CacheFlushData))
}
