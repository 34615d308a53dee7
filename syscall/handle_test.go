package zxsys

import (
	"testing"

	"beryl/kernel/object"
)

func TestHandleDuplicateReplaceClose(t *testing.T) {
	f := newEnv(t)
	ev := f.create1(SysEventCreate, 0)
	dup := f.create1(SysHandleDuplicate, uint64(ev), uint64(object.RightSameRights))
	if dup == ev || dup == object.HandleInvalid {
		t.Fatalf("dup %#x of %#x", dup, ev)
	}
	// Fewer rights; then more than held → INVALID_ARGS.
	weak := f.create1(SysHandleDuplicate, uint64(ev), uint64(object.RightWait))
	f.want(object.ErrAccessDenied, SysHandleDuplicate, uint64(weak), uint64(object.RightSameRights), uint64(f.alloc(4)))
	f.want(object.ErrInvalidArgs, SysHandleDuplicate, uint64(ev), uint64(object.RightManageJob), uint64(f.alloc(4)))
	f.want(object.ErrBadHandle, SysHandleDuplicate, 0x12345677, uint64(object.RightSameRights), uint64(f.alloc(4)))
	// Bad out pointers: INVALID_ARGS and no handle created.
	n := f.handles()
	for _, bp := range append(badPtrs, 0) {
		f.want(object.ErrInvalidArgs, SysHandleDuplicate, uint64(ev), uint64(object.RightSameRights), uint64(bp))
		f.want(object.ErrInvalidArgs, SysHandleReplace, uint64(ev), uint64(object.RightSameRights), uint64(bp))
	}
	if f.handles() != n {
		t.Fatalf("handles %d → %d after bad pointers", n, f.handles())
	}
	// Replace invalidates the source.
	rep := f.create1(SysHandleReplace, uint64(dup), uint64(object.RightWait|object.RightTransfer))
	f.want(object.ErrBadHandle, SysHandleClose, uint64(dup))
	f.ok(SysHandleClose, uint64(rep))
	f.ok(SysHandleClose, 0) // ZX_HANDLE_INVALID
	f.ok(SysHandleClose, uint64(weak))
	f.ok(SysHandleClose, uint64(ev))
	if f.handles() != 0 {
		t.Fatalf("%d handles left", f.handles())
	}
}

func TestHandleCloseMany(t *testing.T) {
	f := newEnv(t)
	var hs []object.Handle
	for i := 0; i < 300; i++ { // more than one copy chunk
		hs = append(hs, f.create1(SysEventCreate, 0))
	}
	arr := f.alloc(4 * (len(hs) + 1))
	for i, h := range hs {
		f.put32(arr+UserPtr(4*i), uint32(h))
	}
	// A bad pointer, or an array running off mapped memory: nothing closed.
	f.want(object.ErrInvalidArgs, SysHandleCloseMany, badPtr, 3)
	f.want(object.ErrInvalidArgs, SysHandleCloseMany, uint64(arr), memSize)
	f.want(object.ErrInvalidArgs, SysHandleCloseMany, uint64(arr), 1<<62)
	if f.handles() != 300 {
		t.Fatalf("handles = %d", f.handles())
	}
	f.put32(arr+4*300, 0x77777777) // one bad value: the rest still close
	f.want(object.ErrBadHandle, SysHandleCloseMany, uint64(arr), 301)
	if f.handles() != 0 {
		t.Fatalf("handles = %d", f.handles())
	}
	f.ok(SysHandleCloseMany, 0, 0)
}
