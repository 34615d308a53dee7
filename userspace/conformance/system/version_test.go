package system

import (
	"bytes"
	"testing"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// The constant-reading calls: system_get_version_string and
// system_get_dcache_line_size.

// versionString reads the kernel's version string through a buffer of
// size n, returning the bytes copied and the reported length.
func versionString(t *testing.T, n int) ([]byte, uint) {
	t.Helper()
	buf := make([]byte, n)
	var actual uint
	var p unsafe.Pointer
	if n > 0 {
		p = unsafe.Pointer(&buf[0])
	}
	ctest.Must(t, "system_get_version_string", zx.Sys_system_get_version_string(p, uint(n), &actual))
	return buf[:min(uint(n), actual)], actual
}

// Zircon core-test VersionTest.ZxStringView (utest/core/version): the
// string's length is its strlen (no NUL inside it) and the data and size
// the call gives agree.
func TestVersionTest_ZxStringView(t *testing.T) {
	s, n := versionString(t, 4096)
	if n == 0 || n > 4096 {
		t.Fatalf("version string length %d", n)
	}
	if uint(len(s)) != n {
		t.Errorf("copied %d bytes, length %d", len(s), n)
	}
	if i := bytes.IndexByte(s, 0); i >= 0 {
		t.Errorf("version string %q has a NUL at %d: its strlen is not its length", s, i)
	}
}

// Zircon core-test VersionTest.StdStringView: two calls give the same
// string (the view is of one constant): the same length and bytes.
func TestVersionTest_StdStringView(t *testing.T) {
	a, na := versionString(t, 4096)
	b, nb := versionString(t, 4096)
	if na != nb || !bytes.Equal(a, b) {
		t.Errorf("version string %q (%d), then %q (%d)", a, na, b, nb)
	}
}

// A short buffer gets the string's first bytes and the whole length; a
// NULL actual is allowed.
func TestSystemGetVersionStringShortBuffer(t *testing.T) {
	full, n := versionString(t, 4096)
	part, m := versionString(t, 4)
	if m != n || !bytes.Equal(part, full[:min(4, len(full))]) {
		t.Errorf("short read %q (%d), want %q (%d)", part, m, full[:4], n)
	}
	if _, m := versionString(t, 0); m != n {
		t.Errorf("zero-size buffer: length %d, want %d", m, n)
	}
	var buf [8]byte
	ctest.Want(t, "NULL actual", zx.Sys_system_get_version_string(unsafe.Pointer(&buf[0]), 8, nil), zx.OK)
}

// An unwritable buffer or actual: ZX_ERR_INVALID_ARGS.
func TestSystemGetVersionStringBadPointers(t *testing.T) {
	for _, b := range ctest.BadAddrs(t, 8, true) {
		var actual uint
		ctest.Want(t, "buffer "+b.Name, zx.Sys_system_get_version_string(ctest.Ptr(b.Addr), 8, &actual), zx.ErrInvalidArgs)
		if b.Addr == 0 {
			continue // actual is optional
		}
		var buf [8]byte
		ctest.Want(t, "actual "+b.Name, zx.Sys_system_get_version_string(unsafe.Pointer(&buf[0]), 8, (*uint)(ctest.Ptr(b.Addr))), zx.ErrInvalidArgs)
	}
}

// x86's data cache line is 64 bytes (CPUID.01H:EBX[15:8] = 8), a power
// of two no larger than a page.
func TestSystemGetDcacheLineSize(t *testing.T) {
	if n := zx.Sys_system_get_dcache_line_size(); n != 64 {
		t.Errorf("dcache line size %d, want 64", n)
	}
}

// debug_write prints to the serial console; more than 256 bytes is cut,
// not refused; an unreadable buffer: ZX_ERR_INVALID_ARGS.
func TestDebugWrite(t *testing.T) {
	msg := []byte("debug_write conformance\n")
	ctest.Want(t, "debug_write", zx.Sys_debug_write(&msg[0], uint(len(msg))), zx.OK)
	long := bytes.Repeat([]byte{'x'}, 1000)
	long[len(long)-1] = '\n'
	ctest.Want(t, "debug_write of 1000 bytes", zx.Sys_debug_write(&long[0], uint(len(long))), zx.OK)
	ctest.Want(t, "debug_write of nothing", zx.Sys_debug_write(nil, 0), zx.OK)
	for _, b := range ctest.BadAddrs(t, 8, false) {
		ctest.Want(t, "buffer "+b.Name, zx.Sys_debug_write((*uint8)(ctest.Ptr(b.Addr)), 8), zx.ErrInvalidArgs)
	}
}

// debug_read: Beryl's serial syscalls are output-only, and Zircon checks
// that before the resource: ZX_ERR_NOT_SUPPORTED even for the root
// resource, and for no handle at all.
func TestDebugReadNotSupported(t *testing.T) {
	var buf [8]byte
	var actual uint
	ctest.Want(t, "debug_read(root)", zx.Sys_debug_read(root(t), unsafe.Pointer(&buf[0]), 8, &actual), zx.ErrNotSupported)
	ctest.Want(t, "debug_read(invalid)", zx.Sys_debug_read(zx.HandleInvalid, unsafe.Pointer(&buf[0]), 8, &actual), zx.ErrNotSupported)
}
