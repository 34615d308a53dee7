// Package handle is the conformance family for handle_duplicate,
// handle_replace, handle_close and handle_close_many, run inside Beryl
// (go test -exec bin/zxrun).
package handle

import (
	"testing"

	"beryl/userspace/zx"
)

func TestStartupHandles(t *testing.T) {
	for name, h := range map[string]zx.Handle{
		"process": zx.ProcessSelf().Handle, "vmar": zx.VmarRootSelf().Handle,
		"thread": zx.ThreadSelf().Handle, "job": zx.JobDefault().Handle,
	} {
		info, err := h.BasicInfo()
		if err != nil {
			t.Errorf("%s handle %#x: %v", name, h, err)
			continue
		}
		t.Logf("%s: koid %d type %d rights %#x", name, info.Koid, info.Type, info.Rights)
	}
	info, err := zx.ProcessSelf().Handle.BasicInfo()
	if err != nil || info.Type != zx.ObjTypeProcess {
		t.Fatalf("process self: %+v %v", info, err)
	}
}

func TestDuplicateClose(t *testing.T) {
	ev, err := zx.NewEvent(0)
	if err != nil {
		t.Fatal(err)
	}
	dup, err := ev.Duplicate(zx.RightSameRights)
	if err != nil || dup == ev.Handle || dup&3 != 3 {
		t.Fatalf("duplicate: %#x %v", dup, err)
	}
	a, _ := ev.BasicInfo()
	b, _ := dup.BasicInfo()
	if a.Koid != b.Koid || a.Rights != b.Rights {
		t.Errorf("duplicate differs: %+v vs %+v", a, b)
	}
	reduced, err := dup.Duplicate(zx.RightWait)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := reduced.BasicInfo(); r.Rights != zx.RightWait {
		t.Errorf("rights %#x, want WAIT only", r.Rights)
	}
	if _, err := reduced.Duplicate(zx.RightSameRights); err != zx.ErrAccessDenied {
		t.Errorf("duplicate without DUPLICATE right: %v, want ZX_ERR_ACCESS_DENIED", err)
	}
	for _, h := range []zx.Handle{ev.Handle, dup, reduced} {
		if err := h.Close(); err != nil {
			t.Errorf("close %#x: %v", h, err)
		}
	}
	if err := ev.Handle.Close(); err != zx.ErrBadHandle {
		t.Errorf("double close: %v, want ZX_ERR_BAD_HANDLE", err)
	}
	if st := zx.Sys_handle_close(zx.HandleInvalid); st != zx.OK {
		t.Errorf("closing ZX_HANDLE_INVALID: %v", st)
	}
}

func TestBadPointers(t *testing.T) {
	ev, _ := zx.NewEvent(0)
	defer ev.Close()
	for _, addr := range []uintptr{0, 0x8, 0xffff_8000_0000_0000, 0x0000_8000_0000_0000, 0xffff_ffff_8020_0000} {
		if st := zx.Sys_handle_duplicate(ev.Handle, zx.RightSameRights, (*zx.Handle)(ptr(addr))); st != zx.ErrInvalidArgs {
			t.Errorf("handle_duplicate(out=%#x) = %v, want ZX_ERR_INVALID_ARGS", addr, st)
		}
	}
}
