// Package vmar is the conformance family for vmar_allocate, vmar_map,
// vmar_unmap, vmar_protect and vmar_destroy, run inside Beryl (go test
// -exec bin/zxrun). Mapped memory is touched from Go through unsafe; faults
// are probed as recoverable panics (debug.SetPanicOnFault).
package vmar

import (
	"bytes"
	"testing"
	"unsafe"

	"beryl/userspace/zx"
)

const pg = zx.PageSize

// sub allocates a child of parent, destroyed and closed at the end of the
// test.
func sub(t *testing.T, parent zx.Handle, opts uint32, size uint) (zx.Handle, uintptr) {
	t.Helper()
	var h zx.Handle
	var addr zx.Vaddr
	must(t, "vmar_allocate", zx.Sys_vmar_allocate(parent, opts, 0, size, &h, &addr))
	t.Cleanup(func() {
		zx.Sys_vmar_destroy(h)
		zx.Sys_handle_close(h)
	})
	return h, uintptr(addr)
}

// arena is a fresh read-write sub-VMAR of n pages that can map specific.
func arena(t *testing.T, n uint) (zx.Handle, uintptr) {
	t.Helper()
	return sub(t, zx.VmarRootSelf().Handle, zx.VMCanMapRead|zx.VMCanMapWrite|zx.VMCanMapSpecific, n*pg)
}

// vmo creates a VMO of n pages closed at the end of the test.
func vmo(t *testing.T, n uint, opts uint32) zx.Handle {
	t.Helper()
	var h zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(uint64(n*pg), opts, &h))
	t.Cleanup(func() { zx.Sys_handle_close(h) })
	return h
}

func mapIn(vmar zx.Handle, opts uint32, off uint, v zx.Handle, voff uint64, n uint) (uintptr, zx.Status) {
	var addr zx.Vaddr
	st := zx.Sys_vmar_map(vmar, opts, off, v, voff, n, &addr)
	return uintptr(addr), st
}

func mem(addr uintptr, n int) []byte { return unsafe.Slice((*byte)(ptr(addr)), n) }

const rw = zx.VMPermRead | zx.VMPermWrite

func TestAllocate(t *testing.T) {
	root := zx.VmarRootSelf().Handle
	parent, pbase := arena(t, 16)
	t.Run("ok", func(t *testing.T) {
		h, addr := sub(t, parent, zx.VMCanMapRead|zx.VMCanMapWrite, 4*pg)
		if addr < pbase || addr+4*pg > pbase+16*pg || addr%pg != 0 {
			t.Errorf("child at %#x outside parent [%#x, +16 pages)", addr, pbase)
		}
		info := basic(t, h)
		if info.Type != zx.ObjTypeVMAR || info.Rights&(zx.RightRead|zx.RightWrite|zx.RightExecute) != zx.RightRead|zx.RightWrite {
			t.Errorf("child info %+v: want VMAR with READ|WRITE, no EXECUTE", info)
		}
	})
	t.Run("specific", func(t *testing.T) {
		var h zx.Handle
		var addr zx.Vaddr
		must(t, "allocate", zx.Sys_vmar_allocate(parent, zx.VMSpecific|zx.VMCanMapRead, 8*pg, 2*pg, &h, &addr))
		defer zx.Sys_handle_close(h)
		defer zx.Sys_vmar_destroy(h)
		if uintptr(addr) != pbase+8*pg {
			t.Errorf("specific child at %#x, want %#x", addr, pbase+8*pg)
		}
		var h2 zx.Handle
		want(t, "overlapping specific", zx.Sys_vmar_allocate(parent, zx.VMSpecific, 9*pg, pg, &h2, &addr), zx.ErrNoMemory)
		want(t, "touching overlap", zx.Sys_vmar_allocate(parent, zx.VMSpecific, 7*pg, 2*pg, &h2, &addr), zx.ErrNoMemory)
	})
	t.Run("align-1MB", func(t *testing.T) {
		_, addr := sub(t, root, zx.VMCanMapRead|20<<24, pg)
		if addr%(1<<20) != 0 {
			t.Errorf("ALIGN_1MB child at %#x", addr)
		}
	})
	t.Run("compact", func(t *testing.T) {
		sub(t, parent, zx.VMCompact, pg)
	})
	// An offset that is page-aligned but not 64 KiB-aligned.
	off64 := uint(pg)
	if (pbase+pg)%(64<<10) == 0 {
		off64 = 2 * pg
	}
	for _, c := range []struct {
		name         string
		opts         uint32
		offset, size uint
		want         zx.Status
	}{
		{"size-zero", 0, 0, 0, zx.ErrInvalidArgs},
		{"size-unaligned", 0, 0, pg + 1, zx.ErrInvalidArgs},
		{"offset-without-specific", 0, pg, pg, zx.ErrInvalidArgs},
		{"specific-unaligned-offset", zx.VMSpecific, 100, pg, zx.ErrInvalidArgs},
		{"specific-past-end", zx.VMSpecific, 16 * pg, pg, zx.ErrInvalidArgs},
		{"specific-straddles-end", zx.VMSpecific, 14 * pg, 4 * pg, zx.ErrInvalidArgs},
		{"specific-huge-offset", zx.VMSpecific, ^uint(0) &^ (pg - 1), pg, zx.ErrInvalidArgs},
		{"larger-than-parent", 0, 0, 32 * pg, zx.ErrInvalidArgs},
		{"perm-read-option", zx.VMPermRead, 0, pg, zx.ErrInvalidArgs},
		{"map-range-option", zx.VMMapRange, 0, pg, zx.ErrInvalidArgs},
		{"specific-overwrite-option", zx.VMSpecificOverwrite, 0, pg, zx.ErrInvalidArgs},
		{"unknown-option", 1 << 20, 0, pg, zx.ErrInvalidArgs},
		{"align-too-small", 5 << 24, 0, pg, zx.ErrInvalidArgs},
		{"align-too-large", 33 << 24, 0, pg, zx.ErrInvalidArgs},
		{"specific-misaligned-for-align", zx.VMSpecific | 16<<24, off64, pg, zx.ErrInvalidArgs},
		{"can-map-execute-parent-lacks", zx.VMCanMapExecute, 0, pg, zx.ErrAccessDenied},
		{"no-room", 0, 0, 16 * pg, zx.ErrNoMemory},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "no-room" {
				sub(t, parent, 0, pg) // parent no longer has 16 free pages
			}
			var h zx.Handle = 0xdead
			var addr zx.Vaddr
			before := handleCount(t)
			want(t, "vmar_allocate", zx.Sys_vmar_allocate(parent, c.opts, c.offset, c.size, &h, &addr), c.want)
			if h != 0xdead || handleCount(t) != before {
				t.Errorf("failed allocate wrote handle %#x / leaked a handle", h)
			}
		})
	}
	t.Run("rights-no-write", func(t *testing.T) {
		r := reduced(t, parent, zx.RightRead|zx.RightDuplicate)
		var h zx.Handle
		var addr zx.Vaddr
		want(t, "CAN_MAP_WRITE through READ-only handle", zx.Sys_vmar_allocate(r, zx.VMCanMapWrite, 0, pg, &h, &addr), zx.ErrAccessDenied)
		must(t, "CAN_MAP_READ through READ-only handle", zx.Sys_vmar_allocate(r, zx.VMCanMapRead, 0, pg, &h, &addr))
		zx.Sys_vmar_destroy(h)
		zx.Sys_handle_close(h)
	})
	t.Run("child-cannot-map-write", func(t *testing.T) {
		c, _ := sub(t, parent, zx.VMCanMapRead, 4*pg)
		var h zx.Handle
		var addr zx.Vaddr
		want(t, "grandchild CAN_MAP_WRITE", zx.Sys_vmar_allocate(c, zx.VMCanMapWrite, 0, pg, &h, &addr), zx.ErrAccessDenied)
	})
	t.Run("specific-parent-cannot-map-specific", func(t *testing.T) {
		c, _ := sub(t, parent, zx.VMCanMapRead, 4*pg)
		var h zx.Handle
		var addr zx.Vaddr
		want(t, "SPECIFIC in child without CAN_MAP_SPECIFIC", zx.Sys_vmar_allocate(c, zx.VMSpecific, 0, pg, &h, &addr), zx.ErrAccessDenied)
	})
	t.Run("destroyed-parent", func(t *testing.T) {
		c, _ := sub(t, parent, zx.VMCanMapRead, 4*pg)
		must(t, "destroy", zx.Sys_vmar_destroy(c))
		var h zx.Handle
		var addr zx.Vaddr
		want(t, "allocate in destroyed", zx.Sys_vmar_allocate(c, 0, 0, pg, &h, &addr), zx.ErrBadState)
	})
	t.Run("bad-handle", func(t *testing.T) {
		var h zx.Handle
		var addr zx.Vaddr
		want(t, "allocate", zx.Sys_vmar_allocate(0x7fff_fff3, 0, 0, pg, &h, &addr), zx.ErrBadHandle)
	})
	t.Run("wrong-type", func(t *testing.T) {
		var h zx.Handle
		var addr zx.Vaddr
		want(t, "allocate", zx.Sys_vmar_allocate(newEvent(t), 0, 0, pg, &h, &addr), zx.ErrWrongType)
	})
	t.Run("bad-out-pointers", func(t *testing.T) {
		a, _ := arena(t, 2)
		bad4, bad8 := badAddrs(t, 4, true), badAddrs(t, 8, true)
		before := handleCount(t)
		for _, b := range bad4 {
			var addr zx.Vaddr
			want(t, "child_vmar="+b.Name, zx.Sys_vmar_allocate(a, zx.VMSpecific, 0, 2*pg, (*zx.Handle)(ptr(b.Addr)), &addr), zx.ErrInvalidArgs)
		}
		for _, b := range bad8 {
			var h zx.Handle
			want(t, "child_addr="+b.Name, zx.Sys_vmar_allocate(a, zx.VMSpecific, 0, 2*pg, &h, (*zx.Vaddr)(ptr(b.Addr))), zx.ErrInvalidArgs)
		}
		if n := handleCount(t); n != before {
			t.Errorf("handles %d → %d", before, n)
		}
		// Nothing was allocated: the whole range is still free.
		var h zx.Handle
		var addr zx.Vaddr
		must(t, "allocate whole arena", zx.Sys_vmar_allocate(a, zx.VMSpecific, 0, 2*pg, &h, &addr))
		zx.Sys_handle_close(h)
	})
}

func TestMap(t *testing.T) {
	root := zx.VmarRootSelf().Handle
	t.Run("zero-fill-and-write-through", func(t *testing.T) {
		v := vmo(t, 2, 0)
		addr, st := mapIn(root, rw, 0, v, 0, 2*pg)
		must(t, "map", st)
		defer zx.Sys_vmar_unmap(root, zx.Vaddr(addr), 2*pg)
		m := mem(addr, 2*pg)
		for i, b := range m {
			if b != 0 {
				t.Fatalf("fresh mapping byte %d = %#x", i, b)
			}
		}
		copy(m[pg-3:], "hello")
		got := make([]byte, 5)
		must(t, "vmo_read", zx.Sys_vmo_read(v, unsafe.Pointer(&got[0]), pg-3, 5))
		if string(got) != "hello" {
			t.Errorf("vmo_read after store = %q", got)
		}
		must(t, "vmo_write", zx.Sys_vmo_write(v, unsafe.Pointer(&[]byte("WORLD")[0]), 2*pg-5, 5))
		if string(m[2*pg-5:]) != "WORLD" {
			t.Errorf("mapping after vmo_write = %q", m[2*pg-5:])
		}
	})
	t.Run("shared-between-mappings", func(t *testing.T) {
		v := vmo(t, 1, 0)
		a1, st := mapIn(root, rw, 0, v, 0, pg)
		must(t, "map 1", st)
		defer zx.Sys_vmar_unmap(root, zx.Vaddr(a1), pg)
		a2, st := mapIn(root, zx.VMPermRead, 0, v, 0, pg)
		must(t, "map 2", st)
		defer zx.Sys_vmar_unmap(root, zx.Vaddr(a2), pg)
		if a1 == a2 {
			t.Fatal("two mappings at the same address")
		}
		mem(a1, 8)[7] = 0x5a
		if mem(a2, 8)[7] != 0x5a {
			t.Error("second mapping does not see the store")
		}
	})
	t.Run("vmo-offset", func(t *testing.T) {
		v := vmo(t, 3, 0)
		must(t, "vmo_write", zx.Sys_vmo_write(v, unsafe.Pointer(&[]byte("page2")[0]), 2*pg, 5))
		addr, st := mapIn(root, zx.VMPermRead, 0, v, 2*pg, pg)
		must(t, "map", st)
		defer zx.Sys_vmar_unmap(root, zx.Vaddr(addr), pg)
		if string(mem(addr, 5)) != "page2" {
			t.Errorf("mapping at vmo offset 2 pages reads %q", mem(addr, 5))
		}
	})
	t.Run("mapping-outlives-vmo-handle", func(t *testing.T) {
		var v zx.Handle
		must(t, "vmo_create", zx.Sys_vmo_create(pg, 0, &v))
		must(t, "vmo_write", zx.Sys_vmo_write(v, unsafe.Pointer(&[]byte("kept")[0]), 0, 4))
		addr, st := mapIn(root, zx.VMPermRead, 0, v, 0, pg)
		must(t, "map", st)
		defer zx.Sys_vmar_unmap(root, zx.Vaddr(addr), pg)
		must(t, "close vmo", zx.Sys_handle_close(v))
		if string(mem(addr, 4)) != "kept" {
			t.Errorf("mapping after closing the VMO reads %q", mem(addr, 4))
		}
	})
	t.Run("len-rounded-up", func(t *testing.T) {
		a, base := arena(t, 2)
		v := vmo(t, 2, 0)
		addr, st := mapIn(a, rw|zx.VMSpecific, 0, v, 0, 1)
		must(t, "map 1 byte", st)
		if addr != base {
			t.Errorf("specific map at %#x, want %#x", addr, base)
		}
		if !probe(addr+pg-1, true) {
			t.Error("last byte of the rounded-up page not accessible")
		}
		if _, st := mapIn(a, rw|zx.VMSpecific, pg-pg, v, 0, pg); st != zx.ErrNoMemory {
			t.Errorf("second specific map over the first page = %v, want ZX_ERR_NO_MEMORY", st)
		}
	})
	t.Run("read-only-mapping", func(t *testing.T) {
		v := vmo(t, 1, 0)
		addr, st := mapIn(root, zx.VMPermRead, 0, v, 0, pg)
		must(t, "map", st)
		defer zx.Sys_vmar_unmap(root, zx.Vaddr(addr), pg)
		if !probe(addr, false) || probe(addr, true) {
			t.Errorf("read-only mapping: read %v write %v, want true false", probe(addr, false), probe(addr, true))
		}
	})
	t.Run("no-permission-mapping", func(t *testing.T) {
		v := vmo(t, 1, 0)
		addr, st := mapIn(root, 0, 0, v, 0, pg)
		must(t, "map", st)
		defer zx.Sys_vmar_unmap(root, zx.Vaddr(addr), pg)
		if probe(addr, false) {
			t.Error("mapping without permissions is readable")
		}
	})
	t.Run("map-range", func(t *testing.T) {
		v := vmo(t, 2, 0)
		must(t, "vmo_write", zx.Sys_vmo_write(v, unsafe.Pointer(&[]byte("xy")[0]), pg, 2))
		addr, st := mapIn(root, rw|zx.VMMapRange, 0, v, 0, 2*pg)
		must(t, "map", st)
		defer zx.Sys_vmar_unmap(root, zx.Vaddr(addr), 2*pg)
		if string(mem(addr+pg, 2)) != "xy" {
			t.Errorf("MAP_RANGE mapping reads %q", mem(addr+pg, 2))
		}
	})
	t.Run("align-64KB", func(t *testing.T) {
		v := vmo(t, 1, 0)
		addr, st := mapIn(root, zx.VMPermRead|16<<24, 0, v, 0, pg)
		must(t, "map", st)
		defer zx.Sys_vmar_unmap(root, zx.Vaddr(addr), pg)
		if addr%(64<<10) != 0 {
			t.Errorf("ALIGN_64KB mapping at %#x", addr)
		}
	})
	t.Run("specific-overwrite", func(t *testing.T) {
		a, base := arena(t, 3)
		v1, v2 := vmo(t, 3, 0), vmo(t, 1, 0)
		must(t, "fill v1", zx.Sys_vmo_write(v1, unsafe.Pointer(&bytes.Repeat([]byte{1}, 3*pg)[0]), 0, 3*pg))
		must(t, "fill v2", zx.Sys_vmo_write(v2, unsafe.Pointer(&bytes.Repeat([]byte{2}, pg)[0]), 0, pg))
		_, st := mapIn(a, rw|zx.VMSpecific, 0, v1, 0, 3*pg)
		must(t, "map v1", st)
		addr, st := mapIn(a, zx.VMPermRead|zx.VMSpecificOverwrite, pg, v2, 0, pg)
		must(t, "overwrite middle with v2", st)
		if addr != base+pg {
			t.Errorf("overwrite at %#x, want %#x", addr, base+pg)
		}
		if m := mem(base, 3*pg); m[0] != 1 || m[pg] != 2 || m[2*pg] != 1 {
			t.Errorf("after overwrite: %d %d %d, want 1 2 1", m[0], m[pg], m[2*pg])
		}
		if probe(base+pg, true) {
			t.Error("overwritten page still writable")
		}
	})
	t.Run("overwrite-over-subvmar", func(t *testing.T) {
		a, _ := arena(t, 4)
		var h zx.Handle
		var addr zx.Vaddr
		must(t, "allocate", zx.Sys_vmar_allocate(a, zx.VMSpecific, pg, pg, &h, &addr))
		defer zx.Sys_handle_close(h)
		_, st := mapIn(a, zx.VMPermRead|zx.VMSpecificOverwrite, 0, vmo(t, 2, 0), 0, 2*pg)
		want(t, "SPECIFIC_OVERWRITE over a sub-VMAR", st, zx.ErrInvalidArgs)
		var info zx.InfoHandleBasic
		if info = basic(t, h); info.Type != zx.ObjTypeVMAR {
			t.Error("sub-VMAR handle broken")
		}
		if _, st := mapIn(h, 0, 0, vmo(t, 1, 0), 0, pg); st != zx.OK {
			t.Errorf("sub-VMAR unusable after failed overwrite: %v", st)
		}
	})
	t.Run("resizable-allow-faults-shrink", func(t *testing.T) {
		v := vmo(t, 2, zx.VMOResizable)
		addr, st := mapIn(root, rw|zx.VMAllowFaults, 0, v, 0, 2*pg)
		must(t, "map resizable with ALLOW_FAULTS", st)
		defer zx.Sys_vmar_unmap(root, zx.Vaddr(addr), 2*pg)
		mem(addr, 2*pg)[pg] = 7
		must(t, "shrink", zx.Sys_vmo_set_size(v, pg))
		if !probe(addr, true) || probe(addr+pg, false) {
			t.Error("after shrinking: first page must work, second must fault")
		}
		must(t, "grow", zx.Sys_vmo_set_size(v, 2*pg))
		if !probe(addr+pg, false) || mem(addr, 2*pg)[pg] != 0 {
			t.Error("after regrowing: second page must read as zero")
		}
	})
	t.Run("past-end-allow-faults", func(t *testing.T) {
		v := vmo(t, 1, 0)
		addr, st := mapIn(root, zx.VMPermRead|zx.VMAllowFaults, 0, v, 0, 2*pg)
		must(t, "map past end with ALLOW_FAULTS", st)
		defer zx.Sys_vmar_unmap(root, zx.Vaddr(addr), 2*pg)
		if !probe(addr, false) || probe(addr+pg, false) {
			t.Error("page inside the VMO must read, page past its end must fault")
		}
	})
	t.Run("past-end-without-allow-faults", func(t *testing.T) {
		// Zircon's kernel maps it (its docs say BUFFER_TOO_SMALL); a
		// touch past the end faults.
		v := vmo(t, 1, 0)
		addr, st := mapIn(root, zx.VMPermRead, 0, v, 0, 2*pg)
		must(t, "map past end", st)
		defer zx.Sys_vmar_unmap(root, zx.Vaddr(addr), 2*pg)
		if !probe(addr, false) || probe(addr+pg, false) {
			t.Error("page inside the VMO must read, page past its end must fault")
		}
	})
	t.Run("resizable-without-allow-faults", func(t *testing.T) {
		v := vmo(t, 1, zx.VMOResizable)
		addr, st := mapIn(root, zx.VMPermRead, 0, v, 0, pg)
		must(t, "map resizable without ALLOW_FAULTS", st)
		zx.Sys_vmar_unmap(root, zx.Vaddr(addr), pg)
	})
	t.Run("require-non-resizable-ok", func(t *testing.T) {
		addr, st := mapIn(root, zx.VMPermRead|zx.VMRequireNonResizable, 0, vmo(t, 1, 0), 0, pg)
		must(t, "map", st)
		zx.Sys_vmar_unmap(root, zx.Vaddr(addr), pg)
	})
	t.Run("bad-mapped-addr", func(t *testing.T) {
		a, _ := arena(t, 1)
		v := vmo(t, 1, 0)
		for _, b := range badAddrs(t, 8, true) {
			var st zx.Status = zx.Sys_vmar_map(a, zx.VMPermRead|zx.VMSpecific, 0, v, 0, pg, (*zx.Vaddr)(ptr(b.Addr)))
			want(t, "mapped_addr="+b.Name, st, zx.ErrInvalidArgs)
		}
		if _, st := mapIn(a, zx.VMPermRead|zx.VMSpecific, 0, v, 0, pg); st != zx.OK {
			t.Errorf("range not free after rejected maps: %v", st)
		}
	})

	// Error table: each case maps into a fresh 4-page arena.
	type mc struct {
		name    string
		opts    uint32
		off     uint
		vmoOpts uint32
		vmoRts  zx.Rights // 0: same rights
		vmarRts zx.Rights // 0: same rights
		voff    uint64
		n       uint
		want    zx.Status
	}
	for _, c := range []mc{
		{name: "write-without-read", opts: zx.VMPermWrite, n: pg, want: zx.ErrInvalidArgs},
		{name: "execute-without-read", opts: zx.VMPermExecute, n: pg, want: zx.ErrInvalidArgs},
		{name: "vmo-lacks-map-right", opts: zx.VMPermRead, vmoRts: zx.RightRead | zx.RightWrite, n: pg, want: zx.ErrAccessDenied},
		{name: "vmo-lacks-write-right", opts: rw, vmoRts: zx.RightRead | zx.RightMap, n: pg, want: zx.ErrAccessDenied},
		{name: "vmo-lacks-read-right", opts: zx.VMPermRead, vmoRts: zx.RightWrite | zx.RightMap, n: pg, want: zx.ErrAccessDenied},
		{name: "vmo-lacks-execute-right", opts: zx.VMPermRead | zx.VMPermExecute, n: pg, want: zx.ErrAccessDenied},
		{name: "vmar-lacks-write-right", opts: rw, vmarRts: zx.RightRead | zx.RightDuplicate, n: pg, want: zx.ErrAccessDenied},
		{name: "map-range-with-overwrite", opts: zx.VMPermRead | zx.VMMapRange | zx.VMSpecificOverwrite, n: pg, want: zx.ErrInvalidArgs},
		{name: "can-map-option", opts: zx.VMPermRead | zx.VMCanMapRead, n: pg, want: zx.ErrInvalidArgs},
		{name: "compact-option", opts: zx.VMPermRead | zx.VMCompact, n: pg, want: zx.ErrInvalidArgs},
		{name: "unknown-option", opts: zx.VMPermRead | 1<<20, n: pg, want: zx.ErrInvalidArgs},
		{name: "align-too-small", opts: zx.VMPermRead | 9<<24, n: pg, want: zx.ErrInvalidArgs},
		{name: "align-too-large", opts: zx.VMPermRead | 33<<24, n: pg, want: zx.ErrInvalidArgs},
		{name: "len-zero", opts: zx.VMPermRead, n: 0, want: zx.ErrInvalidArgs},
		{name: "vmo-offset-unaligned", opts: zx.VMPermRead, voff: 1, n: pg, want: zx.ErrInvalidArgs},
		{name: "vmar-offset-without-specific", opts: zx.VMPermRead, off: pg, n: pg, want: zx.ErrInvalidArgs},
		{name: "specific-unaligned", opts: zx.VMPermRead | zx.VMSpecific, off: 12, n: pg, want: zx.ErrInvalidArgs},
		{name: "specific-past-end", opts: zx.VMPermRead | zx.VMSpecific, off: 4 * pg, n: pg, want: zx.ErrInvalidArgs},
		{name: "specific-straddles-end", opts: zx.VMPermRead | zx.VMSpecific, off: 3 * pg, n: 2 * pg, want: zx.ErrInvalidArgs, vmoOpts: 0},
		{name: "specific-uintptr-max", opts: zx.VMPermRead | zx.VMSpecific, off: ^uint(0), n: pg, want: zx.ErrInvalidArgs},
		{name: "larger-than-vmar", opts: zx.VMPermRead | zx.VMAllowFaults, n: 8 * pg, want: zx.ErrInvalidArgs},
		{name: "vmo-offset-overflow", opts: zx.VMPermRead, voff: ^uint64(0) &^ (pg - 1), n: 2 * pg, want: zx.ErrOutOfRange},
		{name: "resizable-require-non-resizable", opts: zx.VMPermRead | zx.VMAllowFaults | zx.VMRequireNonResizable, vmoOpts: zx.VMOResizable, n: pg, want: zx.ErrNotSupported},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, _ := arena(t, 4)
			v := vmo(t, 2, c.vmoOpts)
			if c.vmoRts != 0 {
				v = reduced(t, v, c.vmoRts)
			}
			if c.vmarRts != 0 {
				a = reduced(t, a, c.vmarRts)
			}
			var addr zx.Vaddr = 0x1234
			want(t, "vmar_map", zx.Sys_vmar_map(a, c.opts, c.off, v, c.voff, c.n, &addr), c.want)
			if addr != 0x1234 {
				t.Errorf("failed map wrote mapped_addr %#x", addr)
			}
		})
	}
	t.Run("specific-overlap", func(t *testing.T) {
		a, _ := arena(t, 4)
		v := vmo(t, 2, 0)
		_, st := mapIn(a, zx.VMPermRead|zx.VMSpecific, pg, v, 0, 2*pg)
		must(t, "map", st)
		_, st = mapIn(a, zx.VMPermRead|zx.VMSpecific, 0, v, 0, 2*pg)
		want(t, "overlapping SPECIFIC map", st, zx.ErrNoMemory)
	})
	t.Run("no-room", func(t *testing.T) {
		a, _ := arena(t, 2)
		v := vmo(t, 2, 0)
		_, st := mapIn(a, zx.VMPermRead, 0, v, 0, pg)
		must(t, "map", st)
		_, st = mapIn(a, zx.VMPermRead, 0, v, 0, 2*pg)
		want(t, "map larger than the free space", st, zx.ErrNoMemory)
	})
	t.Run("destroyed-vmar", func(t *testing.T) {
		a, _ := arena(t, 1)
		must(t, "destroy", zx.Sys_vmar_destroy(a))
		_, st := mapIn(a, zx.VMPermRead, 0, vmo(t, 1, 0), 0, pg)
		want(t, "map into destroyed", st, zx.ErrBadState)
	})
	t.Run("bad-vmar-handle", func(t *testing.T) {
		_, st := mapIn(0x7fff_fff3, zx.VMPermRead, 0, vmo(t, 1, 0), 0, pg)
		want(t, "map", st, zx.ErrBadHandle)
	})
	t.Run("bad-vmo-handle", func(t *testing.T) {
		_, st := mapIn(root, zx.VMPermRead, 0, 0x7fff_fff3, 0, pg)
		want(t, "map", st, zx.ErrBadHandle)
	})
	t.Run("vmar-wrong-type", func(t *testing.T) {
		v := vmo(t, 1, 0)
		_, st := mapIn(v, zx.VMPermRead, 0, v, 0, pg)
		want(t, "map with a VMO as VMAR", st, zx.ErrWrongType)
	})
	t.Run("vmo-wrong-type", func(t *testing.T) {
		_, st := mapIn(root, zx.VMPermRead, 0, newEvent(t), 0, pg)
		want(t, "map an event", st, zx.ErrWrongType)
	})
}

func TestUnmap(t *testing.T) {
	setup := func(t *testing.T, n uint) (zx.Handle, uintptr) {
		a, base := arena(t, n+1)
		v := vmo(t, n, 0)
		_, st := mapIn(a, rw|zx.VMSpecific, 0, v, 0, n*pg)
		must(t, "map", st)
		return a, base
	}
	t.Run("unmap-faults-after", func(t *testing.T) {
		a, base := setup(t, 1)
		mem(base, 1)[0] = 1
		must(t, "unmap", zx.Sys_vmar_unmap(a, zx.Vaddr(base), pg))
		if probe(base, false) {
			t.Error("unmapped page still readable")
		}
	})
	t.Run("split-middle", func(t *testing.T) {
		a, base := setup(t, 3)
		m := mem(base, 3*pg)
		m[0], m[2*pg] = 1, 3
		must(t, "unmap middle", zx.Sys_vmar_unmap(a, zx.Vaddr(base+pg), pg))
		if !probe(base, true) || probe(base+pg, false) || !probe(base+2*pg, true) {
			t.Error("after unmapping the middle page: outer pages must work, middle must fault")
		}
		if m[0] != 1 || m[2*pg] != 3 {
			t.Error("outer pages lost their contents")
		}
	})
	t.Run("len-rounded-up", func(t *testing.T) {
		a, base := setup(t, 2)
		must(t, "unmap 1 byte", zx.Sys_vmar_unmap(a, zx.Vaddr(base), 1))
		if probe(base+pg-1, false) || !probe(base+pg, false) {
			t.Error("unmap of 1 byte must remove exactly the first page")
		}
	})
	t.Run("nothing-mapped", func(t *testing.T) {
		a, base := setup(t, 1)
		want(t, "unmap of an empty range", zx.Sys_vmar_unmap(a, zx.Vaddr(base+pg), pg), zx.OK)
		if !probe(base, false) {
			t.Error("neighbouring mapping removed")
		}
	})
	t.Run("whole-subvmar", func(t *testing.T) {
		a, base := arena(t, 4)
		var h zx.Handle
		var addr zx.Vaddr
		must(t, "allocate", zx.Sys_vmar_allocate(a, zx.VMSpecific|zx.VMCanMapRead, pg, pg, &h, &addr))
		defer zx.Sys_handle_close(h)
		must(t, "unmap covering the sub-VMAR", zx.Sys_vmar_unmap(a, zx.Vaddr(base), 3*pg))
		_, st := mapIn(h, zx.VMPermRead, 0, vmo(t, 1, 0), 0, pg)
		want(t, "map into the unmapped sub-VMAR", st, zx.ErrBadState)
	})
	t.Run("partial-subvmar", func(t *testing.T) {
		a, base := arena(t, 4)
		var h zx.Handle
		var addr zx.Vaddr
		must(t, "allocate", zx.Sys_vmar_allocate(a, zx.VMSpecific|zx.VMCanMapRead, pg, 2*pg, &h, &addr))
		defer zx.Sys_handle_close(h)
		want(t, "unmap half a sub-VMAR", zx.Sys_vmar_unmap(a, zx.Vaddr(base), 2*pg), zx.ErrInvalidArgs)
		_, st := mapIn(h, zx.VMPermRead, 0, vmo(t, 1, 0), 0, pg)
		want(t, "sub-VMAR still alive", st, zx.OK)
	})
	for _, c := range []struct {
		name string
		off  uintptr
		n    uint
		want zx.Status
	}{
		{"unaligned-addr", 1, pg, zx.ErrInvalidArgs},
		{"len-zero", 0, 0, zx.ErrInvalidArgs},
		{"past-end", 2 * pg, pg, zx.ErrInvalidArgs},
		{"straddles-end", pg, 2 * pg, zx.ErrInvalidArgs},
		{"len-overflow", 0, ^uint(0), zx.ErrInvalidArgs},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, base := setup(t, 1)
			want(t, "vmar_unmap", zx.Sys_vmar_unmap(a, zx.Vaddr(base+c.off), c.n), c.want)
			if !probe(base, true) {
				t.Error("failed unmap removed the mapping")
			}
		})
	}
	t.Run("below-vmar", func(t *testing.T) {
		a, base := setup(t, 1)
		want(t, "unmap below the VMAR", zx.Sys_vmar_unmap(a, zx.Vaddr(base-pg), pg), zx.ErrInvalidArgs)
	})
	t.Run("destroyed", func(t *testing.T) {
		a, base := setup(t, 1)
		must(t, "destroy", zx.Sys_vmar_destroy(a))
		want(t, "unmap", zx.Sys_vmar_unmap(a, zx.Vaddr(base), pg), zx.ErrBadState)
	})
	t.Run("bad-handle", func(t *testing.T) {
		want(t, "unmap", zx.Sys_vmar_unmap(0x7fff_fff3, 0x10000, pg), zx.ErrBadHandle)
	})
	t.Run("wrong-type", func(t *testing.T) {
		want(t, "unmap", zx.Sys_vmar_unmap(newEvent(t), 0x10000, pg), zx.ErrWrongType)
	})
}

func TestProtect(t *testing.T) {
	setup := func(t *testing.T, n uint, perms uint32, vmoRights zx.Rights) (zx.Handle, uintptr) {
		a, base := arena(t, n+1)
		v := vmo(t, n, 0)
		if vmoRights != 0 {
			v = reduced(t, v, vmoRights)
		}
		_, st := mapIn(a, perms|zx.VMSpecific, 0, v, 0, n*pg)
		must(t, "map", st)
		return a, base
	}
	t.Run("rw-to-read", func(t *testing.T) {
		a, base := setup(t, 1, rw, 0)
		mem(base, 1)[0] = 9
		must(t, "protect", zx.Sys_vmar_protect(a, zx.VMPermRead, zx.Vaddr(base), pg))
		if probe(base, true) || mem(base, 1)[0] != 9 {
			t.Error("read-only page writable or lost its contents")
		}
	})
	t.Run("read-to-rw", func(t *testing.T) {
		a, base := setup(t, 1, zx.VMPermRead, 0)
		must(t, "protect", zx.Sys_vmar_protect(a, rw, zx.Vaddr(base), pg))
		if !probe(base, true) {
			t.Error("page not writable after protect(RW)")
		}
	})
	t.Run("none-and-back", func(t *testing.T) {
		a, base := setup(t, 1, rw, 0)
		mem(base, 1)[0] = 4
		must(t, "protect none", zx.Sys_vmar_protect(a, 0, zx.Vaddr(base), pg))
		if probe(base, false) {
			t.Error("page readable after protect(0)")
		}
		must(t, "protect read", zx.Sys_vmar_protect(a, zx.VMPermRead, zx.Vaddr(base), pg))
		if mem(base, 1)[0] != 4 {
			t.Error("contents lost across protect(0)")
		}
	})
	t.Run("split", func(t *testing.T) {
		a, base := setup(t, 3, rw, 0)
		must(t, "protect middle", zx.Sys_vmar_protect(a, zx.VMPermRead, zx.Vaddr(base+pg), pg))
		if !probe(base, true) || probe(base+pg, true) || !probe(base+pg, false) || !probe(base+2*pg, true) {
			t.Error("only the middle page must be read-only")
		}
	})
	t.Run("across-two-mappings", func(t *testing.T) {
		a, base := arena(t, 2)
		for i := uint(0); i < 2; i++ {
			_, st := mapIn(a, rw|zx.VMSpecific, i*pg, vmo(t, 1, 0), 0, pg)
			must(t, "map", st)
		}
		must(t, "protect both", zx.Sys_vmar_protect(a, zx.VMPermRead, zx.Vaddr(base), 2*pg))
		if probe(base, true) || probe(base+pg, true) {
			t.Error("pages still writable")
		}
	})
	t.Run("beyond-vmo-handle-rights", func(t *testing.T) {
		a, base := setup(t, 1, zx.VMPermRead, zx.RightRead|zx.RightMap)
		want(t, "protect RW of a mapping made through a read-only VMO handle", zx.Sys_vmar_protect(a, rw, zx.Vaddr(base), pg), zx.ErrAccessDenied)
		if probe(base, true) {
			t.Error("page became writable")
		}
	})
	t.Run("vmar-handle-lacks-write", func(t *testing.T) {
		a, base := setup(t, 1, zx.VMPermRead, 0)
		r := reduced(t, a, zx.RightRead)
		want(t, "protect RW through a READ-only VMAR handle", zx.Sys_vmar_protect(r, rw, zx.Vaddr(base), pg), zx.ErrAccessDenied)
	})
	t.Run("gap", func(t *testing.T) {
		a, base := setup(t, 1, rw, 0)
		want(t, "protect over a gap", zx.Sys_vmar_protect(a, zx.VMPermRead, zx.Vaddr(base), 2*pg), zx.ErrNotFound)
		if !probe(base, true) {
			t.Error("failed protect changed the mapping")
		}
	})
	t.Run("unmapped", func(t *testing.T) {
		a, base := setup(t, 1, rw, 0)
		want(t, "protect of nothing", zx.Sys_vmar_protect(a, zx.VMPermRead, zx.Vaddr(base+pg), pg), zx.ErrNotFound)
	})
	t.Run("subvmar-in-range", func(t *testing.T) {
		a, base := arena(t, 2)
		var h zx.Handle
		var addr zx.Vaddr
		must(t, "allocate", zx.Sys_vmar_allocate(a, zx.VMSpecific|zx.VMCanMapRead, pg, pg, &h, &addr))
		defer zx.Sys_handle_close(h)
		_, st := mapIn(a, rw|zx.VMSpecific, 0, vmo(t, 1, 0), 0, pg)
		must(t, "map", st)
		want(t, "protect over a sub-VMAR", zx.Sys_vmar_protect(a, zx.VMPermRead, zx.Vaddr(base), 2*pg), zx.ErrInvalidArgs)
	})
	for _, c := range []struct {
		name string
		opts uint32
		off  uintptr
		n    uint
		want zx.Status
	}{
		{"write-without-read", zx.VMPermWrite, 0, pg, zx.ErrInvalidArgs},
		{"unaligned-addr", zx.VMPermRead, 8, pg, zx.ErrInvalidArgs},
		{"len-zero", zx.VMPermRead, 0, 0, zx.ErrInvalidArgs},
		{"specific-option", zx.VMPermRead | zx.VMSpecific, 0, pg, zx.ErrInvalidArgs},
		{"unknown-option", zx.VMPermRead | 1<<20, 0, pg, zx.ErrInvalidArgs},
		{"past-end", zx.VMPermRead, 2 * pg, pg, zx.ErrInvalidArgs},
		{"len-overflow", zx.VMPermRead, 0, ^uint(0), zx.ErrInvalidArgs},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, base := setup(t, 1, rw, 0)
			want(t, "vmar_protect", zx.Sys_vmar_protect(a, c.opts, zx.Vaddr(base+c.off), c.n), c.want)
			if !probe(base, true) {
				t.Error("failed protect changed the mapping")
			}
		})
	}
	t.Run("execute-without-read", func(t *testing.T) {
		// Through the root handle, which has ZX_RIGHT_EXECUTE (the rights
		// check comes first, as in Zircon).
		root := zx.VmarRootSelf().Handle
		addr, st := mapIn(root, rw, 0, vmo(t, 1, 0), 0, pg)
		must(t, "map", st)
		defer zx.Sys_vmar_unmap(root, zx.Vaddr(addr), pg)
		want(t, "protect(EXECUTE)", zx.Sys_vmar_protect(root, zx.VMPermExecute, zx.Vaddr(addr), pg), zx.ErrInvalidArgs)
		want(t, "protect(WRITE|EXECUTE)", zx.Sys_vmar_protect(root, zx.VMPermWrite|zx.VMPermExecute, zx.Vaddr(addr), pg), zx.ErrInvalidArgs)
		if !probe(addr, true) {
			t.Error("failed protect changed the mapping")
		}
	})
	t.Run("destroyed", func(t *testing.T) {
		a, base := setup(t, 1, rw, 0)
		must(t, "destroy", zx.Sys_vmar_destroy(a))
		want(t, "protect", zx.Sys_vmar_protect(a, zx.VMPermRead, zx.Vaddr(base), pg), zx.ErrBadState)
	})
	t.Run("bad-handle", func(t *testing.T) {
		want(t, "protect", zx.Sys_vmar_protect(0x7fff_fff3, zx.VMPermRead, 0x10000, pg), zx.ErrBadHandle)
	})
	t.Run("wrong-type", func(t *testing.T) {
		want(t, "protect", zx.Sys_vmar_protect(newEvent(t), zx.VMPermRead, 0x10000, pg), zx.ErrWrongType)
	})
}

func TestDestroy(t *testing.T) {
	t.Run("unmaps-everything", func(t *testing.T) {
		a, base := arena(t, 2)
		_, st := mapIn(a, rw|zx.VMSpecific, 0, vmo(t, 2, 0), 0, 2*pg)
		must(t, "map", st)
		must(t, "destroy", zx.Sys_vmar_destroy(a))
		if probe(base, false) || probe(base+pg, false) {
			t.Error("mapping survived vmar_destroy")
		}
	})
	t.Run("handle-stays-valid", func(t *testing.T) {
		a, base := arena(t, 2)
		must(t, "destroy", zx.Sys_vmar_destroy(a))
		if info := basic(t, a); info.Type != zx.ObjTypeVMAR {
			t.Errorf("destroyed VMAR handle info %+v", info)
		}
		var h zx.Handle
		var addr zx.Vaddr
		want(t, "allocate", zx.Sys_vmar_allocate(a, 0, 0, pg, &h, &addr), zx.ErrBadState)
		want(t, "unmap", zx.Sys_vmar_unmap(a, zx.Vaddr(base), pg), zx.ErrBadState)
		want(t, "destroy again", zx.Sys_vmar_destroy(a), zx.ErrBadState)
	})
	t.Run("destroys-children", func(t *testing.T) {
		a, _ := arena(t, 4)
		c, caddr := sub(t, a, zx.VMCanMapRead, 2*pg)
		_, st := mapIn(c, zx.VMPermRead, 0, vmo(t, 1, 0), 0, pg)
		must(t, "map in child", st)
		must(t, "destroy parent", zx.Sys_vmar_destroy(a))
		if probe(caddr, false) {
			t.Error("child mapping survived")
		}
		want(t, "destroy child", zx.Sys_vmar_destroy(c), zx.ErrBadState)
	})
	t.Run("range-reusable", func(t *testing.T) {
		a, _ := arena(t, 4)
		var h zx.Handle
		var addr zx.Vaddr
		must(t, "allocate", zx.Sys_vmar_allocate(a, zx.VMSpecific, 0, 2*pg, &h, &addr))
		defer zx.Sys_handle_close(h)
		must(t, "destroy", zx.Sys_vmar_destroy(h))
		var h2 zx.Handle
		must(t, "allocate same range", zx.Sys_vmar_allocate(a, zx.VMSpecific, 0, 2*pg, &h2, &addr))
		zx.Sys_handle_close(h2)
	})
	t.Run("close-does-not-destroy", func(t *testing.T) {
		a, _ := arena(t, 4)
		var h zx.Handle
		var addr zx.Vaddr
		must(t, "allocate", zx.Sys_vmar_allocate(a, zx.VMSpecific|zx.VMCanMapRead, 0, 2*pg, &h, &addr))
		m, st := mapIn(h, zx.VMPermRead, 0, vmo(t, 1, 0), 0, pg)
		must(t, "map", st)
		must(t, "close", zx.Sys_handle_close(h))
		if !probe(m, false) {
			t.Error("mapping gone after closing the VMAR handle")
		}
		var h2 zx.Handle
		want(t, "allocate over the closed VMAR", zx.Sys_vmar_allocate(a, zx.VMSpecific, 0, 2*pg, &h2, &addr), zx.ErrNoMemory)
	})
	t.Run("no-op-children-right", func(t *testing.T) {
		a, _ := arena(t, 1)
		r := reduced(t, a, zx.RightRead|zx.RightWrite)
		want(t, "destroy without OP_CHILDREN", zx.Sys_vmar_destroy(r), zx.ErrAccessDenied)
	})
	t.Run("bad-handle", func(t *testing.T) {
		want(t, "destroy", zx.Sys_vmar_destroy(0x7fff_fff3), zx.ErrBadHandle)
	})
	t.Run("wrong-type", func(t *testing.T) {
		want(t, "destroy", zx.Sys_vmar_destroy(newEvent(t)), zx.ErrWrongType)
	})
}
