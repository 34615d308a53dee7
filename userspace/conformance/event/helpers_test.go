package event

import (
	"testing"
	"time"

	"beryl/userspace/zx"
)

// badAddrs are user addresses every syscall must reject with
// ZX_ERR_INVALID_ARGS: unmapped low memory, the kernel half and a
// non-canonical address.
var badAddrs = []struct {
	name string
	addr uintptr
}{
	{"unmapped", 0x1000},
	{"kernel_half", 0xffff_8000_0000_0000},
	{"non_canonical", 0x0000_8000_0000_0000},
}

func expect(t *testing.T, what string, got, want zx.Status) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

func ok(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// closeLater closes handles at the end of the test, ignoring errors (some
// are consumed by the test itself).
func closeLater(t *testing.T, hs ...zx.Handle) {
	t.Cleanup(func() {
		for _, h := range hs {
			zx.Sys_handle_close(h)
		}
	})
}

// valid reports whether h is a live handle in this process.
func valid(h zx.Handle) bool {
	return zx.Sys_object_get_info(h, zx.ObjectInfoHandleValid, nil, 0, nil, nil) == zx.OK
}

func basic(t *testing.T, h zx.Handle) zx.InfoHandleBasic {
	t.Helper()
	info, err := h.BasicInfo()
	ok(t, "ZX_INFO_HANDLE_BASIC", err)
	return info
}

// handleCount is ZX_INFO_HANDLE_COUNT: the handles to h's object anywhere.
func handleCount(t *testing.T, h zx.Handle) uint32 {
	t.Helper()
	var b [4]byte
	_, _, err := h.GetInfo(zx.ObjectInfoHandleCount, b[:])
	ok(t, "ZX_INFO_HANDLE_COUNT", err)
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// signals returns the signals asserted on h now (without blocking).
func signals(t *testing.T, h zx.Handle) zx.Signals {
	t.Helper()
	var obs zx.Signals
	st := zx.Sys_object_wait_one(h, 0xffffffff, 0, &obs)
	if st != zx.OK && st != zx.ErrTimedOut {
		t.Fatalf("object_wait_one(%#x, deadline 0) = %v", h, st)
	}
	return obs
}

// wantSignals checks that exactly the bits of mask that are set in want
// are asserted on h.
func wantSignals(t *testing.T, what string, h zx.Handle, mask, want zx.Signals) {
	t.Helper()
	if got := signals(t, h) & mask; got != want {
		t.Fatalf("%s: signals %#x (under mask %#x), want %#x", what, got, mask, want)
	}
}

// waitFor blocks (generously, TCG is slow) until h asserts any of s.
func waitFor(t *testing.T, h zx.Handle, s zx.Signals) zx.Signals {
	t.Helper()
	obs, err := h.WaitOne(s, after(20*time.Second))
	ok(t, "object_wait_one", err)
	return obs
}

func after(d time.Duration) zx.Time { return zx.Now() + zx.Time(d) }

// staleHandle returns a handle value that was valid and has been closed.
func staleHandle(t *testing.T) zx.Handle {
	t.Helper()
	ev, err := zx.NewEvent(0)
	ok(t, "event_create", err)
	ok(t, "close", ev.Close())
	return ev.Handle
}

func newEvent(t *testing.T) zx.Handle {
	t.Helper()
	ev, err := zx.NewEvent(0)
	ok(t, "event_create", err)
	closeLater(t, ev.Handle)
	return ev.Handle
}

func newEventPair(t *testing.T) (zx.Handle, zx.Handle) {
	t.Helper()
	a, b, err := zx.NewEventPair(0)
	ok(t, "eventpair_create", err)
	closeLater(t, a.Handle, b.Handle)
	return a.Handle, b.Handle
}

// withRights returns a handle to h's object with exactly rights r,
// replacing h (which then is invalid).
func withRights(t *testing.T, h zx.Handle, r zx.Rights) zx.Handle {
	t.Helper()
	n, err := h.Replace(r)
	ok(t, "handle_replace", err)
	closeLater(t, n)
	if got := basic(t, n).Rights; got != r {
		t.Fatalf("replaced rights %#x, want %#x", got, r)
	}
	return n
}

// typeCount is this process's number of handles to objects of type typ
// (ZX_INFO_PROCESS_HANDLE_STATS).
func typeCount(t *testing.T, typ zx.ObjType) uint32 {
	t.Helper()
	var st zx.InfoProcessHandleStats
	b := statsBytes(&st)
	_, _, err := zx.ProcessSelf().Handle.GetInfo(zx.ObjectInfoProcessHandleStats, b)
	ok(t, "ZX_INFO_PROCESS_HANDLE_STATS", err)
	return st.HandleCount[typ]
}

// status converts a wrapper's error back to a Status (nil is ZX_OK).
func status(err error) zx.Status {
	if err == nil {
		return zx.OK
	}
	if s, isStatus := err.(zx.Status); isStatus {
		return s
	}
	return zx.ErrInternal
}
