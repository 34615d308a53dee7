package futex

import (
	"runtime/debug"
	"testing"
	"unsafe"

	"beryl/userspace/zx"
)

// ptr makes a deliberately bad user pointer for the kernel to reject.
func ptr(a uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&a)) }

// want fails the test unless got is want.
func want(t *testing.T, what string, got, want zx.Status) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// must fails the test now unless st is ZX_OK.
func must(t *testing.T, what string, st zx.Status) {
	t.Helper()
	if st != zx.OK {
		t.Fatalf("%s = %v, want ZX_OK", what, st)
	}
}

// badAddr is a user address the kernel must refuse.
type badAddr struct {
	name string
	addr uintptr
}

// scratch is a 4-page sub-VMAR: page 0 mapped read-write, page 1
// unmapped, page 2 mapped read-only, page 3 unmapped.
type scratch struct {
	vmar zx.Vmar
	base uintptr
}

func newScratch(t *testing.T) *scratch {
	t.Helper()
	var h zx.Handle
	var base zx.Vaddr
	must(t, "vmar_allocate(scratch)", zx.Sys_vmar_allocate(zx.VmarRootSelf().Handle,
		zx.VMCanMapRead|zx.VMCanMapWrite|zx.VMCanMapSpecific, 0, 4*zx.PageSize, &h, &base))
	s := &scratch{vmar: zx.Vmar{Handle: h}, base: uintptr(base)}
	for _, m := range []struct {
		page  uint
		perms uint32
	}{{0, zx.VMPermRead | zx.VMPermWrite}, {2, zx.VMPermRead}} {
		var vmo zx.Handle
		must(t, "vmo_create(scratch)", zx.Sys_vmo_create(zx.PageSize, 0, &vmo))
		var addr zx.Vaddr
		must(t, "vmar_map(scratch)", zx.Sys_vmar_map(h, m.perms|zx.VMSpecific, m.page*zx.PageSize, vmo, 0, zx.PageSize, &addr))
		zx.Sys_handle_close(vmo)
	}
	t.Cleanup(func() {
		zx.Sys_vmar_destroy(h)
		zx.Sys_handle_close(h)
	})
	return s
}

// rw returns the read-write page's address; ro the read-only page's.
func (s *scratch) rw() uintptr { return s.base }
func (s *scratch) ro() uintptr { return s.base + 2*zx.PageSize }

// badAddrs returns addresses that cannot hold n bytes (n >= 2), for
// buffers the kernel reads (write=false) or writes (write=true): NULL,
// unmapped, the kernel half, non-canonical, the kernel image, the last
// bytes below the canonical hole, straddling the end of a mapping, and for
// writes a read-only page.
func badAddrs(t *testing.T, n int, write bool) []badAddr {
	t.Helper()
	s := newScratch(t)
	bad := []badAddr{
		{"null", 0},
		{"unmapped", s.base + zx.PageSize},
		{"kernel-half", 0xffff_8000_0000_0000},
		{"non-canonical", 0x0000_8000_0000_0000},
		{"kernel-image", 0xffff_ffff_8020_0000},
		{"canonical-end", 0x0000_8000_0000_0000 - uintptr(n)/2},
		{"straddle-end", s.base + zx.PageSize - uintptr(n)/2},
	}
	if write {
		bad = append(bad, badAddr{"read-only", s.ro()})
	}
	return bad
}

// probe reports whether a byte at addr can be read (and written back, if
// write) without faulting; faults become recoverable panics.
func probe(addr uintptr, write bool) (ok bool) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	p := (*byte)(ptr(addr))
	v := *(*byte)(ptr(addr))
	if write {
		*p = v
	}
	return true
}

// handleCount returns the number of handles the process holds.
func handleCount(t *testing.T) int {
	t.Helper()
	var stats zx.InfoProcessHandleStats
	must(t, "get_info(PROCESS_HANDLE_STATS)", zx.Sys_object_get_info(zx.ProcessSelf().Handle,
		zx.ObjectInfoProcessHandleStats, unsafe.Pointer(&stats), uint(unsafe.Sizeof(stats)), nil, nil))
	n := 0
	for _, c := range stats.HandleCount {
		n += int(c)
	}
	return n
}

// basic returns ZX_INFO_HANDLE_BASIC of h.
func basic(t *testing.T, h zx.Handle) zx.InfoHandleBasic {
	t.Helper()
	info, err := h.BasicInfo()
	if err != nil {
		t.Fatalf("basic info of %#x: %v", h, err)
	}
	return info
}

// valid reports whether h is a valid handle (ZX_INFO_HANDLE_VALID).
func valid(h zx.Handle) bool {
	return zx.Sys_object_get_info(h, zx.ObjectInfoHandleValid, nil, 0, nil, nil) == zx.OK
}

// newEvent creates an event closed at the end of the test.
func newEvent(t *testing.T) zx.Handle {
	t.Helper()
	var h zx.Handle
	must(t, "event_create", zx.Sys_event_create(0, &h))
	t.Cleanup(func() { zx.Sys_handle_close(h) })
	return h
}

// reduced duplicates h with rights, closed at the end of the test.
func reduced(t *testing.T, h zx.Handle, rights zx.Rights) zx.Handle {
	t.Helper()
	var d zx.Handle
	must(t, "handle_duplicate", zx.Sys_handle_duplicate(h, rights, &d))
	t.Cleanup(func() { zx.Sys_handle_close(d) })
	return d
}

var _ = probe
var _ = handleCount
var _ = basic
var _ = valid
var _ = newEvent
var _ = reduced
var _ = badAddrs
