package ctest

import (
	"encoding/binary"
	"unsafe"

	"beryl/userspace/zx"
)

// Zircon's mini-process (zircon/system/ulib/mini-process): a child whose
// one thread runs a command loop over the channel it gets at
// process_start. The original maps its C loop with the vDSO and is told
// the syscall entry points in a first message; Beryl's child is a few
// hand-assembled x86-64 instructions that make the system calls
// directly (SYSCALL, numbers zx.Sys*), so that first message only
// carries the transferred handle, which the child keeps, as the
// original's does. The child holds exactly the original's two handles:
// the channel and the transferred handle.

// The mini-process commands (mini-process.h); the child runs these.
const (
	MinipCmdEchoMsg       = 1 << 0
	MinipCmdCreateEvent   = 1 << 1
	MinipCmdCreateChannel = 1 << 3
	MinipCmdExitNormal    = 1 << 7
	MinipCmdChannelWrite  = 1 << 12 // one byte 0 to the transferred handle
)

// minipStackSize is the original's VMO size; the child uses 96 bytes.
const minipStackSize = 16 * 1024

// Registers by their encoding number (Intel SDM Vol. 2, 2.1.5).
const (
	mAX  = 0
	mDX  = 2
	mBX  = 3
	mSI  = 6
	mDI  = 7
	mR8  = 8
	mR9  = 9
	mR10 = 10
	mR12 = 12
	mR13 = 13
	mR15 = 15
)

// minipAsm assembles the child: a few instructions with rel32 labels.
type minipAsm struct {
	b      []byte
	labels map[string]int
	fix    map[int]string
}

func (a *minipAsm) rex(w bool, reg, rm int) {
	r := byte(0x40)
	if w {
		r |= 8
	}
	if reg >= 8 {
		r |= 4
	}
	if rm >= 8 {
		r |= 1
	}
	if r != 0x40 {
		a.b = append(a.b, r)
	}
}

// movImm: MOV r64, imm64 (REX.W B8+r io).
func (a *minipAsm) movImm(r int, v uint64) {
	a.b = append(a.b, 0x48|byte(r>>3), 0xb8+byte(r&7))
	a.b = binary.LittleEndian.AppendUint64(a.b, v)
}

// mov: MOV dst, src (REX.W 89 /r).
func (a *minipAsm) mov(dst, src int) {
	a.rex(true, src, dst)
	a.b = append(a.b, 0x89, 0xc0|byte(src&7)<<3|byte(dst&7))
}

// rsp appends opcode op with a ModRM for [RSP+disp32] (mod 10, SIB 24).
func (a *minipAsm) rsp(w bool, op byte, reg int, disp int32) {
	a.rex(w, reg, 0)
	a.b = append(a.b, op, 0x84|byte(reg&7)<<3, 0x24)
	a.b = binary.LittleEndian.AppendUint32(a.b, uint32(disp))
}

func (a *minipAsm) lea(r int, disp int32)     { a.rsp(true, 0x8d, r, disp) }  // LEA r64, [RSP+disp]
func (a *minipAsm) load32(r int, disp int32)  { a.rsp(false, 0x8b, r, disp) } // MOV r32, [RSP+disp]
func (a *minipAsm) store32(r int, disp int32) { a.rsp(false, 0x89, r, disp) } // MOV [RSP+disp], r32

func (a *minipAsm) sys(num uint32) { a.movImm(mAX, uint64(num)); a.b = append(a.b, 0x0f, 0x05) }

// jump appends a rel32 jump (op is E9, or 0F 8x for Jcc) to label.
func (a *minipAsm) jump(label string, op ...byte) {
	a.b = append(a.b, op...)
	a.fix[len(a.b)] = label
	a.b = append(a.b, 0, 0, 0, 0)
}

func (a *minipAsm) jz(l string)  { a.jump(l, 0x0f, 0x84) }
func (a *minipAsm) jnz(l string) { a.jump(l, 0x0f, 0x85) }
func (a *minipAsm) jmp(l string) { a.jump(l, 0xe9) }

func (a *minipAsm) label(l string) { a.labels[l] = len(a.b) }

// testEAX: TEST EAX, EAX.
func (a *minipAsm) testEAX() { a.b = append(a.b, 0x85, 0xc0) }

// command tests EBX for bit cmd, jumps to next when clear, else clears it.
func (a *minipAsm) command(cmd uint32, next string) {
	a.b = binary.LittleEndian.AppendUint32(append(a.b, 0xf7, 0xc3), cmd) // TEST EBX, imm32
	a.jz(next)
	a.b = binary.LittleEndian.AppendUint32(append(a.b, 0x81, 0xe3), ^cmd) // AND EBX, imm32
}

func (a *minipAsm) link() []byte {
	for at, l := range a.fix {
		binary.LittleEndian.PutUint32(a.b[at:], uint32(int32(a.labels[l]-(at+4))))
	}
	return a.b
}

// Offsets in the child's stack frame: the message (a minip_cmd_t, or the
// first message), the handle it carried, actual bytes and handles (also
// the acknowledgement), and the reply's handles.
const (
	fMsg     = 0
	fStatus  = 4
	fOrig    = 64
	fActual  = 68
	fActualH = 72
	fHandle  = 80
)

// minipCode is the child, minipr_thread_loop: RDI holds the channel.
func minipCode() []byte {
	a := &minipAsm{labels: map[string]int{}, fix: map[int]string{}}
	a.mov(mR15, mDI)
	// channel_read(ch, 0, msg, &orig, 64, 1, &actual, &actual_handles)
	a.mov(mDI, mR15)
	a.movImm(mSI, 0)
	a.lea(mDX, fMsg)
	a.lea(mR10, fOrig)
	a.movImm(mR8, 64)
	a.movImm(mR9, 1)
	a.lea(mR12, fActual)
	a.lea(mR13, fActualH)
	a.sys(zx.SysChannelRead)
	a.testEAX()
	a.jnz("trap")
	// Acknowledge: {actual, actual_handles}.
	a.mov(mDI, mR15)
	a.movImm(mSI, 0)
	a.lea(mDX, fActual)
	a.movImm(mR10, 8)
	a.movImm(mR8, 0)
	a.movImm(mR9, 0)
	a.sys(zx.SysChannelWrite)
	a.testEAX()
	a.jnz("trap")

	a.label("outer")
	a.mov(mDI, mR15)
	a.movImm(mSI, uint64(zx.ChannelReadable))
	a.movImm(mDX, uint64(zx.TimeInfinite))
	a.lea(mR10, fActual)
	a.sys(zx.SysObjectWaitOne)
	a.testEAX()
	a.jnz("trap")
	a.mov(mDI, mR15)
	a.movImm(mSI, 0)
	a.lea(mDX, fMsg)
	a.movImm(mR10, 0)
	a.movImm(mR8, 8)
	a.movImm(mR9, 0)
	a.lea(mR12, fActual)
	a.lea(mR13, fActualH)
	a.sys(zx.SysChannelRead)
	a.testEAX()
	a.jnz("trap")
	a.load32(mBX, fMsg) // what

	a.label("inner")
	a.movImm(mAX, 0)
	a.store32(mAX, fHandle)
	a.store32(mAX, fHandle+4)
	a.command(MinipCmdEchoMsg, "event")
	a.jmp("reply") // EAX is ZX_OK
	a.label("event")
	a.command(MinipCmdCreateEvent, "channel")
	a.movImm(mDI, 0)
	a.lea(mSI, fHandle)
	a.sys(zx.SysEventCreate)
	a.jmp("reply")
	a.label("channel")
	a.command(MinipCmdCreateChannel, "chwrite")
	a.movImm(mDI, 0)
	a.lea(mSI, fHandle)
	a.lea(mDX, fHandle+4)
	a.sys(zx.SysChannelCreate)
	a.jmp("reply")
	a.label("chwrite")
	a.command(MinipCmdChannelWrite, "exit")
	// channel_write(transferred, 0, &zero, 1, NULL, 0); fHandle is 0.
	a.load32(mDI, fOrig)
	a.movImm(mSI, 0)
	a.lea(mDX, fHandle)
	a.movImm(mR10, 1)
	a.movImm(mR8, 0)
	a.movImm(mR9, 0)
	a.sys(zx.SysChannelWrite)
	a.jmp("reply")
	a.label("exit")
	a.command(MinipCmdExitNormal, "unknown")
	a.movImm(mDI, 0)
	a.sys(zx.SysProcessExit)
	a.jmp("trap")
	a.label("unknown")
	// The original replies WRONG_TYPE and loops on the unknown bits
	// forever; this child drops them.
	a.movImm(mBX, 0)
	wrong := zx.ErrWrongType
	a.movImm(mAX, uint64(uint32(wrong)))

	a.label("reply")
	a.store32(mAX, fStatus)
	a.load32(mR9, fHandle)
	a.b = append(a.b, 0x45, 0x85, 0xc9) // TEST R9D, R9D
	a.jz("send")
	a.movImm(mR9, 1)
	a.label("send")
	a.mov(mDI, mR15)
	a.movImm(mSI, 0)
	a.lea(mDX, fMsg)
	a.movImm(mR10, 8)
	a.lea(mR8, fHandle)
	a.sys(zx.SysChannelWrite)
	a.testEAX()
	a.jnz("trap")
	a.b = append(a.b, 0x85, 0xdb) // TEST EBX, EBX
	a.jnz("inner")
	a.jmp("outer")

	a.label("trap")
	a.b = append(a.b, 0x0f, 0x0b) // UD2
	return a.link()
}

// StartMiniProcessEtc is start_mini_process_etc with a control channel:
// it maps the child's code and stack into vmar, starts thread at it with
// one end of a new channel, sends transferred (always consumed) through
// the channel, and returns the other end once the child acknowledges.
func StartMiniProcessEtc(proc, thread, vmar, transferred zx.Handle) (zx.Handle, zx.Status) {
	var code, stack zx.Handle
	defer func() {
		if transferred != zx.HandleInvalid {
			zx.Sys_handle_close(transferred)
		}
	}()
	if st := zx.Sys_vmo_create(zx.PageSize, 0, &code); st != zx.OK {
		return 0, st
	}
	c := minipCode()
	if st := zx.Sys_vmo_write(code, unsafe.Pointer(&c[0]), 0, uint(len(c))); st != zx.OK {
		zx.Sys_handle_close(code)
		return 0, st
	}
	if st := zx.Sys_vmo_replace_as_executable(code, zx.HandleInvalid, &code); st != zx.OK {
		return 0, st
	}
	var entry, base zx.Vaddr
	st := zx.Sys_vmar_map(vmar, uint32(zx.VMPermRead|zx.VMPermExecute), 0, code, 0, zx.PageSize, &entry)
	zx.Sys_handle_close(code)
	if st != zx.OK {
		return 0, st
	}
	if st := zx.Sys_vmo_create(minipStackSize, 0, &stack); st != zx.OK {
		return 0, st
	}
	st = zx.Sys_vmar_map(vmar, uint32(zx.VMPermRead|zx.VMPermWrite), 0, stack, 0, minipStackSize, &base)
	zx.Sys_handle_close(stack)
	if st != zx.OK {
		return 0, st
	}
	var ch [2]zx.Handle
	if st := zx.Sys_channel_create(0, &ch[0], &ch[1]); st != zx.OK {
		return 0, st
	}
	var first [8]byte
	st = zx.Sys_channel_write(ch[0], 0, unsafe.Pointer(&first[0]), uint32(len(first)), &transferred, 1)
	transferred = zx.HandleInvalid
	if st == zx.OK {
		sp := base + minipStackSize - 128
		st = zx.Sys_process_start(proc, thread, entry, sp, ch[1], 0)
		ch[1] = zx.HandleInvalid
	}
	if st == zx.OK {
		var obs zx.Signals
		st = zx.Sys_object_wait_one(ch[0], zx.ChannelReadable|zx.ChannelPeerClosed, zx.TimeInfinite, &obs)
		if st == zx.OK && obs&zx.ChannelReadable == 0 {
			st = zx.ErrUnavailable // the child died
		}
		if st == zx.OK {
			var ack [2]uint32
			var nb, nh uint32
			st = zx.Sys_channel_read(ch[0], 0, unsafe.Pointer(&ack[0]), nil, 8, 0, &nb, &nh)
		}
	}
	if ch[1] != zx.HandleInvalid {
		zx.Sys_handle_close(ch[1])
	}
	if st != zx.OK {
		zx.Sys_handle_close(ch[0])
		return 0, st
	}
	return ch[0], zx.OK
}

// MiniProcessCmd is mini_process_cmd: it sends command what and returns
// the child's status, its handle in *h if h is not nil.
func MiniProcessCmd(ch zx.Handle, what uint32, h *zx.Handle) zx.Status {
	cmd := [2]uint32{what, 0}
	if st := zx.Sys_channel_write(ch, 0, unsafe.Pointer(&cmd[0]), 8, nil, 0); st != zx.OK {
		return st
	}
	if st := zx.Sys_object_wait_one(ch, zx.ChannelReadable|zx.ChannelPeerClosed, zx.TimeInfinite, nil); st != zx.OK {
		return st
	}
	var n uint32
	if h != nil {
		n = 1
	}
	var nb, nh uint32
	if st := zx.Sys_channel_read(ch, 0, unsafe.Pointer(&cmd[0]), h, 8, n, &nb, &nh); st != zx.OK {
		return st
	}
	return zx.Status(int32(cmd[1]))
}
