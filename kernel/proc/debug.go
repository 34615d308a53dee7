package proc

import (
	"encoding/binary"

	"beryl/arch/x86"
	"beryl/kernel/object"
	"beryl/mm/vm"
)

// Debugger access to threads and processes: thread_read_state,
// thread_write_state (of a suspended thread), process_read_memory and
// process_write_memory.

// The sizes of the x86-64 records of the thread_read_state topics
// (zircon/syscalls/debug.h).
const (
	GeneralRegsSize = 20 * 8
	FPRegsSize      = 160
	VectorRegsSize  = 32*64 + 8*8 + 8
	DebugRegsSize   = 6 * 8
	SingleStepSize  = 4
)

// The debug-register masks of Zircon's thread state (X86_DR6_MASK,
// X86_DR6_USER_MASK, X86_DR7_MASK, X86_DR7_USER_MASK; SDM Vol. 3B
// §18.2.3, §18.2.4).
const (
	// dr6User are B0-B3, BD, BS and BT.
	dr6User = 0xe00f
	// dr7Fixed are bit 10 (reads as 1), LE and GE, always set.
	dr7Fixed = 0x700
	// dr7User are the bits a debugger may set: L0-L3, G0-G3, R/W0-3 and
	// LEN0-3 (not GD, which would fault every MOV DR).
	dr7User = 0xffff00ff
)

// flagTF is RFLAGS.TF (SDM Vol. 1 §3.4.3.3); flagsUser are the RFLAGS
// bits a debugger may change: those EnterUser loads (CF PF AF ZF SF DF
// OF) and TF; IF is always set.
const (
	flagTF    = 1 << 8
	flagsUser = 0xCD5 | flagTF
)

// debugState is what a debugger set on a thread.
type debugState struct {
	// singleStep: RFLAGS.TF is kept set while the thread runs.
	singleStep bool
	// dr6 and dr7 are the thread's ZX_THREAD_STATE_DEBUG_REGS DR6 and
	// DR7; 0 until the first write or #DB, when they read as Zircon's
	// initial values (^dr6User, ^dr7User). The addresses and the DR7
	// the CPU loads are in Ctx.Debug.
	dr6, dr7 uint64
}

// debugRegs returns the thread's DR6 and DR7 as thread_read_state
// reports them, first taking in the DR6 a #DB left in the context (the
// thread is suspended: no #DB can come meanwhile).
func (t *Thread) debugRegs() (dr6, dr7 uint64) {
	d := &t.Ctx.Debug
	if d.DR6 != 0 {
		t.debug.dr6 = d.DR6 | x86.DR6Fixed
		d.DR6 = 0
	}
	dr6, dr7 = t.debug.dr6, t.debug.dr7
	if dr6 == 0 {
		dr6 = ^uint64(dr6User)
	}
	if dr7 == 0 {
		dr7 = ^uint64(dr7User)
	}
	return dr6, dr7
}

// userAddr reports whether a lies in the user address space (the root
// VMAR's range), as Zircon's is_user_address.
func userAddr(a uint64) bool { return a >= vm.UserBase && a < vm.UserLimit }

var dle = binary.LittleEndian

// stateStatus reports whether t's state may be read or written: it must
// count as suspended or be blocked in an exception (ZX_ERR_BAD_STATE
// otherwise, as Zircon's thread neither suspended nor in an exception).
func (t *Thread) stateStatus() object.Status {
	if t.Signals()&object.TaskTerminated != 0 {
		return object.ErrBadState
	}
	if parked, _ := t.suspendedState(); !parked && t.exc.cur.Load() == nil {
		return object.ErrBadState
	}
	return object.OK
}

// stateSize is the record size of topic kind (0: unknown topic).
func stateSize(kind uint32) int {
	switch kind {
	case object.ThreadStateGeneralRegs:
		return GeneralRegsSize
	case object.ThreadStateFPRegs:
		return FPRegsSize
	case object.ThreadStateVectorRegs:
		return VectorRegsSize
	case object.ThreadStateDebugRegs:
		return DebugRegsSize
	case object.ThreadStateSingleStep:
		return SingleStepSize
	case object.ThreadStateX86FS, object.ThreadStateX86GS:
		return 8
	}
	return 0
}

// ReadState fills buf with the record of topic kind (thread_read_state):
// ZX_ERR_INVALID_ARGS for a topic Beryl does not serve, BUFFER_TOO_SMALL
// below the record's size, BAD_STATE unless the thread is suspended. It
// returns the record's size.
func (t *Thread) ReadState(kind uint32, buf []byte) (int, object.Status) {
	n := stateSize(kind)
	if n == 0 {
		return 0, object.ErrInvalidArgs
	}
	if st := t.stateStatus(); st != object.OK {
		return 0, st
	}
	if len(buf) < n {
		return 0, object.ErrBufferTooSmall
	}
	clear(buf[:n])
	c := t.Ctx
	r := &c.Regs
	switch kind {
	case object.ThreadStateGeneralRegs:
		for i, v := range [...]uint64{r.RAX, r.RBX, r.RCX, r.RDX, r.RSI, r.RDI, r.RBP, r.RSP,
			r.R8, r.R9, r.R10, r.R11, r.R12, r.R13, r.R14, r.R15, r.RIP, r.RFLAGS, c.FSBase, c.GSBase} {
			dle.PutUint64(buf[8*i:], v)
		}
		if t.debug.singleStep {
			// TF is the kernel's while it single-steps the thread.
			dle.PutUint64(buf[17*8:], r.RFLAGS&^flagTF)
		}
	case object.ThreadStateFPRegs:
		c.SyncFPU()
		// fcw fsw ftw - fop fip fdp: the FXSAVE image's first 24 bytes;
		// st[8] from byte 32 (SDM Vol. 1 Table 10-2). The reserved byte
		// after ftw reads 0, as Zircon's record.
		copy(buf[:24], c.FX[:24])
		buf[5] = 0
		copy(buf[32:160], c.FX[32:160])
	case object.ThreadStateVectorRegs:
		for i := 0; i < 16; i++ {
			copy(buf[64*i:64*i+16], c.FX[160+16*i:176+16*i])
		}
		copy(buf[32*64+8*8:], c.FX[24:28]) // MXCSR
	case object.ThreadStateDebugRegs:
		dr6, dr7 := t.debugRegs()
		for i, v := range [...]uint64{c.Debug.DR[0], c.Debug.DR[1], c.Debug.DR[2], c.Debug.DR[3], dr6, dr7} {
			dle.PutUint64(buf[8*i:], v)
		}
	case object.ThreadStateSingleStep:
		if t.debug.singleStep {
			dle.PutUint32(buf, 1)
		}
	case object.ThreadStateX86FS:
		dle.PutUint64(buf, c.FSBase)
	case object.ThreadStateX86GS:
		dle.PutUint64(buf, c.GSBase)
	}
	return n, object.OK
}

// canonical reports whether a is a canonical user-half address.
func canonical(a uint64) bool { return a < 1<<47 }

// WriteState sets the thread's state of topic kind from buf
// (thread_write_state): errors as ReadState, and ZX_ERR_INVALID_ARGS for
// a value the thread cannot take (a single-step value other than 0 or 1,
// MXCSR bits outside its mask, an RIP, FS or GS base outside the
// canonical lower half, a breakpoint address outside the user address
// space). DEBUG_REGS validates as Zircon's x86_validate_debug_state: DR6
// is ignored, DR7 keeps only the bits a debugger may set.
func (t *Thread) WriteState(kind uint32, buf []byte) object.Status {
	n := stateSize(kind)
	if n == 0 {
		return object.ErrInvalidArgs
	}
	if st := t.stateStatus(); st != object.OK {
		return st
	}
	if len(buf) < n {
		return object.ErrBufferTooSmall
	}
	c := t.Ctx
	r := &c.Regs
	switch kind {
	case object.ThreadStateGeneralRegs:
		var v [20]uint64
		for i := range v {
			v[i] = dle.Uint64(buf[8*i:])
		}
		if !canonical(v[16]) || !canonical(v[18]) || !canonical(v[19]) {
			return object.ErrInvalidArgs
		}
		r.RAX, r.RBX, r.RCX, r.RDX, r.RSI, r.RDI, r.RBP, r.RSP = v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]
		r.R8, r.R9, r.R10, r.R11, r.R12, r.R13, r.R14, r.R15 = v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]
		r.RIP = v[16]
		flags := r.RFLAGS&^flagsUser | v[17]&flagsUser
		if t.debug.singleStep {
			flags |= flagTF
		}
		r.RFLAGS = flags
		c.FSBase, c.GSBase = v[18], v[19]
		// The thread resumes with IRETQ, which restores every register
		// (SYSRETQ would take RIP and RFLAGS from RCX and R11).
		r.Vector = 0
	case object.ThreadStateFPRegs:
		c.SyncFPU()
		// The named fields only (Zircon's arch_set_fp_regs): not the
		// reserved byte after ftw.
		copy(c.FX[:5], buf[:5])
		copy(c.FX[6:24], buf[6:24])
		copy(c.FX[32:160], buf[32:160])
		c.DropFPU()
	case object.ThreadStateVectorRegs:
		mxcsr := dle.Uint32(buf[32*64+8*8:])
		mask := uint32(dle.Uint16(c.FX[28:]))
		if mask == 0 {
			mask = 0xffbf // SDM Vol. 1 §11.6.6: the default MXCSR_MASK
		}
		if mxcsr&^mask != 0 {
			return object.ErrInvalidArgs
		}
		c.SyncFPU()
		for i := 0; i < 16; i++ {
			copy(c.FX[160+16*i:176+16*i], buf[64*i:64*i+16])
		}
		dle.PutUint32(c.FX[24:], mxcsr)
		c.DropFPU()
	case object.ThreadStateDebugRegs:
		var dr [4]uint64
		for i := range dr {
			dr[i] = dle.Uint64(buf[8*i:])
			if dr[i] != 0 && !userAddr(dr[i]) {
				return object.ErrInvalidArgs
			}
		}
		dr7 := dr7Fixed | dle.Uint64(buf[5*8:])&dr7User
		// Zircon reads DR6 back from a CPU that holds no status: the
		// fixed bits.
		t.debug.dr6, t.debug.dr7 = x86.DR6Fixed, dr7
		c.Debug.DR, c.Debug.DR6, c.Debug.Gen = dr, 0, x86.NextDebugGen()
		c.Debug.DR7 = 0
		if dr7&x86.DR7Enables != 0 {
			c.Debug.DR7 = dr7
		}
	case object.ThreadStateSingleStep:
		switch dle.Uint32(buf) {
		case 0:
			t.debug.singleStep = false
			r.RFLAGS &^= flagTF
		case 1:
			t.debug.singleStep = true
			r.RFLAGS |= flagTF
		default:
			return object.ErrInvalidArgs
		}
	case object.ThreadStateX86FS:
		v := dle.Uint64(buf)
		if !canonical(v) {
			return object.ErrInvalidArgs
		}
		c.FSBase = v
	case object.ThreadStateX86GS:
		v := dle.Uint64(buf)
		if !canonical(v) {
			return object.ErrInvalidArgs
		}
		c.GSBase = v
	}
	return object.OK
}

// ProcessMemory reads (or, with write, writes) po's memory at vaddr for
// a debugger: buf is clipped to the mapping that holds vaddr. BAD_STATE
// for a process whose address space is gone or that this package does
// not run, NO_MEMORY where nothing is mapped.
func ProcessMemory(po *object.Process, vaddr uint64, buf []byte, write bool) (int, object.Status) {
	p := processOf(po)
	if p == nil {
		return 0, object.ErrBadState
	}
	return p.AS.DebugCopy(vaddr, buf, write)
}
