package eventpair

import (
	"testing"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: EventPairTest (eventpair.cc in utest/core).

func TestEventPairTest_HandlesNotInvalid(t *testing.T) {
	a, b := newEventPair(t)
	if a == zx.HandleInvalid || b == zx.HandleInvalid || a == b {
		t.Errorf("handles %#x %#x", a, b)
	}
}

func TestEventPairTest_HandleRightsAreCorrect(t *testing.T) {
	a, b := newEventPair(t)
	for _, h := range []zx.Handle{a, b} {
		if r := basic(t, h).Rights; r != zx.DefaultEventPairRights {
			t.Errorf("rights %#x, want %#x", r, zx.DefaultEventPairRights)
		}
	}
}

func TestEventPairTest_KoidsAreCorrect(t *testing.T) {
	a, b := newEventPair(t)
	ia, ib := basic(t, a), basic(t, b)
	if ia.Koid == 0 || ib.Koid == 0 || ia.Koid == ib.Koid || ia.RelatedKoid != ib.Koid || ib.RelatedKoid != ia.Koid {
		t.Errorf("%+v %+v", ia, ib)
	}
}

func TestEventPairTest_CheckNoFlagsSupported(t *testing.T) {
	var a, b zx.Handle
	for _, o := range []uint32{1, 2, 0xffffffff} {
		if st := zx.Sys_eventpair_create(o, &a, &b); st == zx.OK {
			zx.Sys_handle_close(a)
			zx.Sys_handle_close(b)
			t.Errorf("eventpair_create(options %#x) = ZX_OK", o)
		}
	}
}

func TestEventPairTest_SignalEventPairAndClearVerifySignals(t *testing.T) {
	a, b := newEventPair(t)
	ctest.Must(t, "signal USER0", zx.Sys_object_signal(a, 0, uint32(zx.SignalUser0)))
	wantSignals(t, "after set", a, 0xffffffff, zx.SignalUser0)
	wantSignals(t, "peer untouched", b, 0xffffffff, 0)
	ctest.Must(t, "clear USER0, set USER1", zx.Sys_object_signal(a, uint32(zx.SignalUser0), uint32(zx.SignalUser1)))
	wantSignals(t, "after clear", a, 0xffffffff, zx.SignalUser1)
}

func TestEventPairTest_SignalPeerAndVerifyRecived(t *testing.T) {
	a, b := newEventPair(t)
	ctest.Must(t, "signal_peer USER0", zx.Sys_object_signal_peer(a, 0, uint32(zx.SignalUser0)))
	wantSignals(t, "peer", b, 0xffffffff, zx.SignalUser0)
	wantSignals(t, "self", a, 0xffffffff, 0)
}

func TestEventPairTest_SignalPeerThenCloseAndVerifySignalReceived(t *testing.T) {
	var a, b zx.Handle
	ctest.Must(t, "eventpair_create", zx.Sys_eventpair_create(0, &a, &b))
	defer zx.Sys_handle_close(b)
	ctest.Must(t, "signal_peer USER0", zx.Sys_object_signal_peer(a, 0, uint32(zx.SignalUser0)))
	ctest.Must(t, "close", zx.Sys_handle_close(a))
	wantSignals(t, "peer", b, 0xffffffff, zx.SignalUser0|zx.EventPairPeerClosed)
}

func TestEventPairTest_SignalingClosedPeerReturnsPeerClosed(t *testing.T) {
	var a, b zx.Handle
	ctest.Must(t, "eventpair_create", zx.Sys_eventpair_create(0, &a, &b))
	defer zx.Sys_handle_close(b)
	zx.Sys_handle_close(a)
	ctest.Want(t, "signal_peer(peer closed)", zx.Sys_object_signal_peer(b, 0, uint32(zx.SignalUser0)), zx.ErrPeerClosed)
}
