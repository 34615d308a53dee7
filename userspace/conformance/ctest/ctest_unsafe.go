// Package ctest holds the helpers the conformance families share: status
// assertions, deliberately bad user pointers, a scratch VMAR with mapped,
// unmapped and read-only pages, and handle accounting. It runs inside
// Beryl only (it makes zx system calls).
package ctest

import (
	"runtime/debug"
	"testing"
	"unsafe"

	"beryl/userspace/zx"
)

// Ptr makes a deliberately bad user pointer for the kernel to reject.
func Ptr(a uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&a)) }

// Want fails the test unless got is want.
func Want(t testing.TB, what string, got, want zx.Status) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// Must fails the test now unless st is ZX_OK.
func Must(t testing.TB, what string, st zx.Status) {
	t.Helper()
	if st != zx.OK {
		t.Fatalf("%s = %v, want ZX_OK", what, st)
	}
}

// BadAddr is a user address the kernel Must refuse.
type BadAddr struct {
	Name string
	Addr uintptr
}

// Scratch is a 4-page sub-VMAR: page 0 mapped read-write, page 1
// unmapped, page 2 mapped read-only, page 3 unmapped.
type Scratch struct {
	Vmar zx.Vmar
	Base uintptr
}

// NewScratch allocates a scratch sub-VMAR, destroyed at the end of the test.
func NewScratch(t testing.TB) *Scratch {
	t.Helper()
	var h zx.Handle
	var base zx.Vaddr
	Must(t, "vmar_allocate(Scratch)", zx.Sys_vmar_allocate(zx.VmarRootSelf().Handle,
		zx.VMCanMapRead|zx.VMCanMapWrite|zx.VMCanMapSpecific, 0, 4*zx.PageSize, &h, &base))
	s := &Scratch{Vmar: zx.Vmar{Handle: h}, Base: uintptr(base)}
	for _, m := range []struct {
		page  uint
		perms uint32
	}{{0, zx.VMPermRead | zx.VMPermWrite}, {2, zx.VMPermRead}} {
		var vmo zx.Handle
		Must(t, "vmo_create(Scratch)", zx.Sys_vmo_create(zx.PageSize, 0, &vmo))
		var addr zx.Vaddr
		Must(t, "vmar_map(Scratch)", zx.Sys_vmar_map(h, m.perms|zx.VMSpecific, m.page*zx.PageSize, vmo, 0, zx.PageSize, &addr))
		zx.Sys_handle_close(vmo)
	}
	t.Cleanup(func() {
		zx.Sys_vmar_destroy(h)
		zx.Sys_handle_close(h)
	})
	return s
}

// RW returns the read-write page's address; ro the read-only page's.
func (s *Scratch) RW() uintptr { return s.Base }
func (s *Scratch) RO() uintptr { return s.Base + 2*zx.PageSize }

// BadAddrs returns addresses that cannot hold n bytes (n >= 2), for
// buffers the kernel reads (write=false) or writes (write=true): NULL,
// unmapped, the kernel half, non-canonical, the kernel image, the last
// bytes below the canonical hole, straddling the end of a mapping, and for
// writes a read-only page.
func BadAddrs(t testing.TB, n int, write bool) []BadAddr {
	t.Helper()
	s := NewScratch(t)
	bad := []BadAddr{
		{"null", 0},
		{"unmapped", s.Base + zx.PageSize},
		{"kernel-half", 0xffff_8000_0000_0000},
		{"non-canonical", 0x0000_8000_0000_0000},
		{"kernel-image", 0xffff_ffff_8020_0000},
		{"canonical-end", 0x0000_8000_0000_0000 - uintptr(n)/2},
		{"straddle-end", s.Base + zx.PageSize - uintptr(n)/2},
	}
	if write {
		bad = append(bad, BadAddr{"read-only", s.RO()})
	}
	return bad
}

// Probe reports whether a byte at addr can be read (and written back, if
// write) without faulting; faults become recoverable panics.
func Probe(addr uintptr, write bool) (ok bool) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	p := (*byte)(Ptr(addr))
	v := *(*byte)(Ptr(addr))
	if write {
		*p = v
	}
	return true
}

// HandleCount returns the number of handles the process holds.
func HandleCount(t testing.TB) int {
	t.Helper()
	var stats zx.InfoProcessHandleStats
	Must(t, "get_info(PROCESS_HANDLE_STATS)", zx.Sys_object_get_info(zx.ProcessSelf().Handle,
		zx.ObjectInfoProcessHandleStats, unsafe.Pointer(&stats), uint(unsafe.Sizeof(stats)), nil, nil))
	n := 0
	for _, c := range stats.HandleCount {
		n += int(c)
	}
	return n
}

// Basic returns ZX_INFO_HANDLE_BASIC of h.
func Basic(t testing.TB, h zx.Handle) zx.InfoHandleBasic {
	t.Helper()
	info, err := h.BasicInfo()
	if err != nil {
		t.Fatalf("Basic info of %#x: %v", h, err)
	}
	return info
}

// Valid reports whether h is a Valid handle (ZX_INFO_HANDLE_VALID).
func Valid(h zx.Handle) bool {
	return zx.Sys_object_get_info(h, zx.ObjectInfoHandleValid, nil, 0, nil, nil) == zx.OK
}

// NewEvent creates an event closed at the end of the test.
func NewEvent(t testing.TB) zx.Handle {
	t.Helper()
	var h zx.Handle
	Must(t, "event_create", zx.Sys_event_create(0, &h))
	t.Cleanup(func() { zx.Sys_handle_close(h) })
	return h
}

// Reduced duplicates h with rights, closed at the end of the test.
func Reduced(t testing.TB, h zx.Handle, rights zx.Rights) zx.Handle {
	t.Helper()
	var d zx.Handle
	Must(t, "handle_duplicate", zx.Sys_handle_duplicate(h, rights, &d))
	t.Cleanup(func() { zx.Sys_handle_close(d) })
	return d
}

// KnownFailure marks a ported Zircon core-test case that Beryl fails for
// a recorded reason: the case reports SKIP with the reason, and
// tools/coretests lists it as ported-failing. It must be the first
// statement of the test function, with the reason a string literal.
func KnownFailure(t *testing.T, reason string) {
	t.Helper()
	t.Skip("core-test known failure: " + reason)
}
