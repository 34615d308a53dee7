// Package ipc holds the helpers of the IPC conformance families (channel,
// event, eventpair, socket, fifo, port): status and signal assertions,
// handle accounting and deliberately bad user pointers. It runs inside
// Beryl only.
package ipc

import (
	"testing"
	"time"
	"unsafe"

	"beryl/userspace/zx"
)

// BadAddrs are user addresses every syscall must reject with
// ZX_ERR_INVALID_ARGS: unmapped low memory, the kernel half and a
// non-canonical address.
// BadAddr is a user address the kernel must refuse.
type BadAddr struct {
	Name string
	Addr uintptr
}

// BadAddrs are user addresses every syscall must reject with
// ZX_ERR_INVALID_ARGS: unmapped low memory, the kernel half and a
// non-canonical address.
var BadAddrs = []BadAddr{
	{"unmapped", 0x1000},
	{"kernel_half", 0xffff_8000_0000_0000},
	{"non_canonical", 0x0000_8000_0000_0000},
}

// Expect stops the test unless got is want.
func Expect(t testing.TB, what string, got, want zx.Status) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

// OK stops the test on a non-nil error.
func OK(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// CloseLater closes handles at the end of the test, ignoring errors (some
// are consumed by the test itself).
func CloseLater(t testing.TB, hs ...zx.Handle) {
	t.Cleanup(func() {
		for _, h := range hs {
			zx.Sys_handle_close(h)
		}
	})
}

// Valid reports whether h is a live handle in this process.
func Valid(h zx.Handle) bool {
	return zx.Sys_object_get_info(h, zx.ObjectInfoHandleValid, nil, 0, nil, nil) == zx.OK
}

// Basic returns ZX_INFO_HANDLE_BASIC of h.
func Basic(t testing.TB, h zx.Handle) zx.InfoHandleBasic {
	t.Helper()
	info, err := h.BasicInfo()
	OK(t, "ZX_INFO_HANDLE_BASIC", err)
	return info
}

// HandleCount is ZX_INFO_HANDLE_COUNT: the handles to h's object anywhere.
func HandleCount(t testing.TB, h zx.Handle) uint32 {
	t.Helper()
	var b [4]byte
	_, _, err := h.GetInfo(zx.ObjectInfoHandleCount, b[:])
	OK(t, "ZX_INFO_HANDLE_COUNT", err)
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// SignalsOf returns the SignalsOf asserted on h now (without blocking).
func SignalsOf(t testing.TB, h zx.Handle) zx.Signals {
	t.Helper()
	var obs zx.Signals
	st := zx.Sys_object_wait_one(h, 0xffffffff, 0, &obs)
	if st != zx.OK && st != zx.ErrTimedOut {
		t.Fatalf("object_wait_one(%#x, deadline 0) = %v", h, st)
	}
	return obs
}

// WantSignals checks that exactly the bits of mask that are set in want
// are asserted on h.
func WantSignals(t testing.TB, what string, h zx.Handle, mask, want zx.Signals) {
	t.Helper()
	if got := SignalsOf(t, h) & mask; got != want {
		t.Fatalf("%s: SignalsOf %#x (under mask %#x), want %#x", what, got, mask, want)
	}
}

// WaitFor blocks (generously, TCG is slow) until h asserts any of s.
func WaitFor(t testing.TB, h zx.Handle, s zx.Signals) zx.Signals {
	t.Helper()
	obs, err := h.WaitOne(s, After(20*time.Second))
	OK(t, "object_wait_one", err)
	return obs
}

// After returns the deadline d from now.
func After(d time.Duration) zx.Time { return zx.Now() + zx.Time(d) }

// StaleHandle returns a handle value that was Valid and has been closed.
func StaleHandle(t testing.TB) zx.Handle {
	t.Helper()
	ev, err := zx.NewEvent(0)
	OK(t, "event_create", err)
	OK(t, "close", ev.Close())
	return ev.Handle
}

// NewEvent creates an event closed at the end of the test.
func NewEvent(t testing.TB) zx.Handle {
	t.Helper()
	ev, err := zx.NewEvent(0)
	OK(t, "event_create", err)
	CloseLater(t, ev.Handle)
	return ev.Handle
}

// NewEventPair creates an eventpair closed at the end of the test.
func NewEventPair(t testing.TB) (zx.Handle, zx.Handle) {
	t.Helper()
	a, b, err := zx.NewEventPair(0)
	OK(t, "eventpair_create", err)
	CloseLater(t, a.Handle, b.Handle)
	return a.Handle, b.Handle
}

// WithRights returns a handle to h's object with exactly rights r,
// replacing h (which then is invalid).
func WithRights(t testing.TB, h zx.Handle, r zx.Rights) zx.Handle {
	t.Helper()
	n, err := h.Replace(r)
	OK(t, "handle_replace", err)
	CloseLater(t, n)
	if got := Basic(t, n).Rights; got != r {
		t.Fatalf("replaced rights %#x, want %#x", got, r)
	}
	return n
}

// TypeCount is this process's number of handles to objects of type typ
// (ZX_INFO_PROCESS_HANDLE_STATS).
func TypeCount(t testing.TB, typ zx.ObjType) uint32 {
	t.Helper()
	var st zx.InfoProcessHandleStats
	b := StatsBytes(&st)
	_, _, err := zx.ProcessSelf().Handle.GetInfo(zx.ObjectInfoProcessHandleStats, b)
	OK(t, "ZX_INFO_PROCESS_HANDLE_STATS", err)
	return st.HandleCount[typ]
}

// StatusOf converts a wrapper's error back to a Status (nil is ZX_OK).
func StatusOf(err error) zx.Status {
	if err == nil {
		return zx.OK
	}
	if s, isStatus := err.(zx.Status); isStatus {
		return s
	}
	return zx.ErrInternal
}

// Ptr makes a deliberately bad user pointer for the kernel to reject.
func Ptr(a uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&a)) }

// HPtr is Ptr typed as a handle out-pointer.
func HPtr(a uintptr) *zx.Handle { return (*zx.Handle)(Ptr(a)) }

// BP is the address of b's first byte (nil for an empty slice).
func BP(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

// ROAddr is the address of read-only data (a string constant in .rodata):
// readable, but the kernel must refuse to write there.
func ROAddr() uintptr { return uintptr(unsafe.Pointer(unsafe.StringData(roData))) }

const roData = "beryl conformance read-only data, 64 bytes at least ..........!!"

// StatsBytes views st as the byte buffer get_info fills.
func StatsBytes(st *zx.InfoProcessHandleStats) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(st)), unsafe.Sizeof(*st))
}
