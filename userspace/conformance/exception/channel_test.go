package exception

import (
	"testing"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// task_create_exception_channel's documented errors, in Zircon's order.
func TestCreateExceptionChannel_Errors(t *testing.T) {
	c := newChild(t, asm{}.exit(0))
	var ch zx.Handle
	ctest.Want(t, "bad option", zx.Sys_task_create_exception_channel(c.proc, 2, &ch), zx.ErrInvalidArgs)
	ctest.Want(t, "bad handle", zx.Sys_task_create_exception_channel(zx.Handle(0x7ffffff3), 0, &ch), zx.ErrBadHandle)
	ev := ctest.NewEvent(t)
	// Rights are checked before the type: an event has no MANAGE_THREAD.
	ctest.Want(t, "event", zx.Sys_task_create_exception_channel(ev, 0, &ch), zx.ErrAccessDenied)
	ctest.Want(t, "DEBUGGER on a thread", zx.Sys_task_create_exception_channel(c.thread, zx.ExceptionChannelDebugger, &ch), zx.ErrInvalidArgs)
	for _, missing := range []zx.Rights{zx.RightInspect, zx.RightDuplicate, zx.RightTransfer, zx.RightManageThread, zx.RightEnumerate} {
		for _, task := range []zx.Handle{c.proc, c.job} {
			h := ctest.Reduced(t, task, ctest.Basic(t, task).Rights&^missing)
			ctest.Want(t, "missing a right", zx.Sys_task_create_exception_channel(h, 0, &ch), zx.ErrAccessDenied)
			zx.Sys_handle_close(h)
		}
	}
	// A thread needs no ENUMERATE.
	th := ctest.Reduced(t, c.thread, ctest.Basic(t, c.thread).Rights&^zx.RightEnumerate)
	defer zx.Sys_handle_close(th)
	tc := channel(t, th, 0)
	ctest.Want(t, "second thread channel", zx.Sys_task_create_exception_channel(c.thread, 0, &ch), zx.ErrAlreadyBound)
	for _, task := range []zx.Handle{c.proc, c.job} {
		channel(t, task, 0)
		channel(t, task, zx.ExceptionChannelDebugger)
		ctest.Want(t, "second channel", zx.Sys_task_create_exception_channel(task, 0, &ch), zx.ErrAlreadyBound)
		ctest.Want(t, "second debugger channel", zx.Sys_task_create_exception_channel(task, zx.ExceptionChannelDebugger, &ch), zx.ErrAlreadyBound)
	}
	// Closing the channel frees the slot.
	ctest.Must(t, "close", zx.Sys_handle_close(tc))
	channel(t, c.thread, 0)
}

func TestCreateExceptionChannel_Rights(t *testing.T) {
	c := newChild(t, asm{}.exit(0))
	ch := channel(t, c.proc, 0)
	if got := ctest.Basic(t, ch).Rights; got != zx.RightTransfer|zx.RightWait|zx.RightRead {
		t.Errorf("channel rights %#x, want TRANSFER|WAIT|READ", got)
	}
	ctest.Want(t, "channel_write", zx.Sys_channel_write(ch, 0, nil, 0, nil, 0), zx.ErrAccessDenied)
}

func TestCreateExceptionChannel_DeadTask(t *testing.T) {
	c := newChild(t, asm{}.exit(0))
	ch := channel(t, c.proc, 0)
	c.start(t)
	if rc := retcode(t, c.proc); rc != 0 {
		t.Fatalf("retcode %d", rc)
	}
	ctest.Must(t, "PEER_CLOSED after death", zx.Sys_object_wait_one(ch, zx.ChannelPeerClosed, deadline(), nil))
	var ch2 zx.Handle
	ctest.Want(t, "dead process", zx.Sys_task_create_exception_channel(c.proc, 0, &ch2), zx.ErrBadState)
	ctest.Want(t, "dead thread", zx.Sys_task_create_exception_channel(c.thread, 0, &ch2), zx.ErrBadState)
}

func TestExceptionGet_Errors(t *testing.T) {
	var out zx.Handle
	ctest.Want(t, "get_thread bad handle", zx.Sys_exception_get_thread(zx.Handle(0x7ffffff3), &out), zx.ErrBadHandle)
	ctest.Want(t, "get_process bad handle", zx.Sys_exception_get_process(zx.Handle(0x7ffffff3), &out), zx.ErrBadHandle)
	ev := ctest.NewEvent(t)
	ctest.Want(t, "get_thread of an event", zx.Sys_exception_get_thread(ev, &out), zx.ErrWrongType)
	ctest.Want(t, "get_process of an event", zx.Sys_exception_get_process(ev, &out), zx.ErrWrongType)
	c := newChild(t, asm{}.exit(0))
	var v uint32
	for _, p := range []uint32{zx.PropExceptionState, zx.PropExceptionStrategy} {
		ctest.Want(t, "get of a process", zx.Sys_object_get_property(c.proc, p, ptr(&v), 4), zx.ErrWrongType)
		ctest.Want(t, "set of a process", zx.Sys_object_set_property(c.proc, p, ptr(&v), 4), zx.ErrWrongType)
		ctest.Want(t, "get, short buffer", zx.Sys_object_get_property(c.proc, p, ptr(&v), 3), zx.ErrBufferTooSmall)
	}
}
