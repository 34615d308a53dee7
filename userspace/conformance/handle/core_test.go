package handle

import (
	"testing"
	"time"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: HandleCloseTest, HandleDup, HandleInfoTest,
// HandleTransferTest and HandleWaitTest (handle-close, handle-dup,
// handle-info, handle-transfer and handle-wait tests in utest/core).

// rawEvent creates an event the test closes itself.
func rawEvent(t *testing.T) zx.Handle {
	t.Helper()
	var h zx.Handle
	ctest.Must(t, "event_create", zx.Sys_event_create(0, &h))
	return h
}

func TestHandleCloseTest_Many(t *testing.T) {
	hs := []zx.Handle{rawEvent(t), rawEvent(t)}
	ctest.Must(t, "handle_close_many", zx.Sys_handle_close_many(&hs[0], uint(len(hs))))
	for _, h := range hs {
		if ctest.Valid(h) {
			t.Errorf("handle %#x still valid", h)
		}
	}
}

func TestHandleCloseTest_ManyInvalidHandlesShouldNotFail(t *testing.T) {
	hs := []zx.Handle{rawEvent(t), zx.HandleInvalid, rawEvent(t), zx.HandleInvalid}
	ctest.Must(t, "handle_close_many(with ZX_HANDLE_INVALID)", zx.Sys_handle_close_many(&hs[0], uint(len(hs))))
	for _, h := range hs {
		if h != zx.HandleInvalid && ctest.Valid(h) {
			t.Errorf("handle %#x still valid", h)
		}
	}
}

func TestHandleCloseTest_ManyDuplicateTest(t *testing.T) {
	h := rawEvent(t)
	hs := []zx.Handle{h, h}
	ctest.Want(t, "handle_close_many(h, h)", zx.Sys_handle_close_many(&hs[0], 2), zx.ErrBadHandle)
	if ctest.Valid(h) {
		t.Errorf("handle still valid")
	}
}

func TestHandleDup_ReplaceSuccessOrigInvalid(t *testing.T) {
	orig := rawEvent(t)
	var repl zx.Handle
	ctest.Must(t, "handle_replace", zx.Sys_handle_replace(orig, zx.RightSameRights, &repl))
	defer zx.Sys_handle_close(repl)
	if ctest.Valid(orig) || !ctest.Valid(repl) {
		t.Errorf("after replace: original valid %v, replacement valid %v", ctest.Valid(orig), ctest.Valid(repl))
	}
}

func TestHandleDup_ReplaceFailureBothInvalid(t *testing.T) {
	var orig zx.Handle
	ctest.Must(t, "handle_duplicate", zx.Sys_handle_duplicate(ctest.NewEvent(t), zx.RightTransfer, &orig))
	// More rights than the handle has: the replace fails and the original
	// handle is gone anyway.
	repl := zx.Handle(0x12345)
	ctest.Want(t, "handle_replace(more rights)", zx.Sys_handle_replace(orig, zx.RightTransfer|zx.RightRead, &repl), zx.ErrInvalidArgs)
	if ctest.Valid(orig) {
		t.Errorf("original handle still valid")
	}
	if repl != zx.HandleInvalid && ctest.Valid(repl) {
		t.Errorf("replacement %#x valid", repl)
	}
}

func TestHandleDup_Replace(t *testing.T) {
	orig := rawEvent(t)
	var repl zx.Handle
	ctest.Must(t, "handle_replace", zx.Sys_handle_replace(orig, zx.RightSignal|zx.RightWait, &repl))
	defer zx.Sys_handle_close(repl)
	if r := ctest.Basic(t, repl).Rights; r != zx.RightSignal|zx.RightWait {
		t.Errorf("rights %#x", r)
	}
	ctest.Must(t, "signal through the replacement", zx.Sys_object_signal(repl, 0, uint32(zx.EventSignaled)))
}

func TestHandleDup_Duplicate(t *testing.T) {
	orig := ctest.NewEvent(t)
	var dup zx.Handle
	ctest.Must(t, "handle_duplicate", zx.Sys_handle_duplicate(orig, zx.RightSameRights, &dup))
	defer zx.Sys_handle_close(dup)
	bo, bd := ctest.Basic(t, orig), ctest.Basic(t, dup)
	if dup == orig || bo.Koid != bd.Koid || bo.Rights != bd.Rights {
		t.Errorf("original %+v duplicate %+v", bo, bd)
	}
	ctest.Must(t, "signal through the duplicate", zx.Sys_object_signal(dup, 0, uint32(zx.EventSignaled)))
	if s, err := zx.Handle(orig).WaitOne(zx.EventSignaled, 0); err != nil || s&zx.EventSignaled == 0 {
		t.Errorf("original sees %#x, %v", s, err)
	}
}

func TestHandleInfoTest_DupAndInfoRights(t *testing.T) {
	ev := ctest.NewEvent(t)
	dup := ctest.Reduced(t, ev, zx.RightInspect|zx.RightDuplicate)
	b, bd := ctest.Basic(t, ev), ctest.Basic(t, dup)
	if b.Type != zx.ObjTypeEvent || b.Rights != zx.DefaultEventRights || b.Props != zx.ObjPropWaitable {
		t.Errorf("event %+v", b)
	}
	if bd.Koid != b.Koid || bd.Rights != zx.RightInspect|zx.RightDuplicate {
		t.Errorf("duplicate %+v", bd)
	}
	// The duplicate lacks WAIT: waiting through it is denied.
	_, err := dup.WaitOne(zx.EventSignaled, 0)
	if err != zx.ErrAccessDenied {
		t.Errorf("wait without WAIT: %v", err)
	}
}

func TestHandleInfoTest_RelatedKoid(t *testing.T) {
	a, b, err := zx.NewChannel(0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	ia, ib := ctest.Basic(t, a.Handle), ctest.Basic(t, b.Handle)
	if ia.RelatedKoid != ib.Koid || ib.RelatedKoid != ia.Koid {
		t.Errorf("channel ends %+v %+v", ia, ib)
	}
	if r := ctest.Basic(t, ctest.NewEvent(t)).RelatedKoid; r != 0 {
		t.Errorf("event related koid %d", r)
	}
	job, proc, thread := ctest.Basic(t, zx.JobDefault().Handle), ctest.Basic(t, zx.ProcessSelf().Handle), ctest.Basic(t, zx.ThreadSelf().Handle)
	if proc.RelatedKoid != job.Koid || thread.RelatedKoid != proc.Koid {
		t.Errorf("job %+v process %+v thread %+v", job, proc, thread)
	}
}

func TestHandleInfoTest_DuplicateRights(t *testing.T) {
	ev := ctest.NewEvent(t)
	for _, r := range []zx.Rights{zx.RightNone, zx.RightInspect, zx.RightWait | zx.RightSignal, zx.DefaultEventRights} {
		if got := ctest.Basic(t, ctest.Reduced(t, ev, r)).Rights; got != r {
			t.Errorf("duplicate with %#x has %#x", r, got)
		}
	}
	var h zx.Handle
	ctest.Want(t, "duplicate with more rights", zx.Sys_handle_duplicate(ctest.Reduced(t, ev, zx.RightDuplicate), zx.RightDuplicate|zx.RightRead, &h), zx.ErrInvalidArgs)
}

func TestHandleInfoTest_ReplaceRights(t *testing.T) {
	for _, r := range []zx.Rights{zx.RightNone, zx.RightInspect, zx.RightWait | zx.RightSignal} {
		var h zx.Handle
		ctest.Must(t, "handle_replace", zx.Sys_handle_replace(rawEvent(t), r, &h))
		if got := ctest.Basic(t, h).Rights; got != r {
			t.Errorf("replace with %#x gives %#x", r, got)
		}
		zx.Sys_handle_close(h)
	}
}

func TestHandleTransferTest_OverChannelThenRead(t *testing.T) {
	a, b, err := zx.NewChannel(0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	ev := rawEvent(t)
	koid := ctest.Basic(t, ev).Koid
	if err := a.Write([]byte("event"), []zx.Handle{ev}, 0); err != nil {
		t.Fatal(err)
	}
	if ctest.Valid(ev) {
		t.Errorf("sent handle still valid in the sender")
	}
	hs := make([]zx.Handle, 1)
	buf := make([]byte, 16)
	n, nh, err := b.Read(buf, hs, 0)
	if err != nil || n != 5 || nh != 1 {
		t.Fatalf("read %d bytes %d handles: %v", n, nh, err)
	}
	defer zx.Sys_handle_close(hs[0])
	if got := ctest.Basic(t, hs[0]).Koid; got != koid {
		t.Errorf("received koid %d, want %d", got, koid)
	}
	ctest.Must(t, "signal the received event", zx.Sys_object_signal(hs[0], 0, uint32(zx.EventSignaled)))
}

func TestHandleTransferTest_CancelsWait(t *testing.T) {
	a, b, err := zx.NewChannel(0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	ev := rawEvent(t)
	done := make(chan error, 1)
	go func() {
		_, err := ev.WaitOne(zx.EventSignaled, zx.TimeInfinite)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	if err := a.Write(nil, []zx.Handle{ev}, 0); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != zx.ErrCanceled {
			t.Errorf("wait = %v, want ZX_ERR_CANCELED", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("wait not cancelled when its handle was sent")
	}
	hs := make([]zx.Handle, 1)
	if _, _, err := b.Read(nil, hs, 0); err == nil {
		zx.Sys_handle_close(hs[0])
	}
}

func TestHandleWaitTest_HandleWaitTest(t *testing.T) {
	ev := ctest.NewEvent(t)
	done := make(chan zx.Signals, 1)
	go func() {
		s, _ := zx.Handle(ev).WaitOne(zx.EventSignaled, zx.TimeInfinite)
		done <- s
	}()
	time.Sleep(10 * time.Millisecond)
	ctest.Must(t, "signal", zx.Sys_object_signal(ev, 0, uint32(zx.EventSignaled)))
	select {
	case s := <-done:
		if s&zx.EventSignaled == 0 {
			t.Errorf("observed %#x", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("waiter not woken")
	}
}

func TestHandleWaitTest_HandleWaitMultipleThreads(t *testing.T) {
	ev := ctest.NewEvent(t)
	const n = 4
	done := make(chan zx.Signals, n)
	for range n {
		go func() {
			s, _ := zx.Handle(ev).WaitOne(zx.EventSignaled, zx.TimeInfinite)
			done <- s
		}()
	}
	time.Sleep(20 * time.Millisecond)
	ctest.Must(t, "signal", zx.Sys_object_signal(ev, 0, uint32(zx.EventSignaled)))
	for range n {
		select {
		case s := <-done:
			if s&zx.EventSignaled == 0 {
				t.Errorf("observed %#x", s)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a waiter was not woken")
		}
	}
}
