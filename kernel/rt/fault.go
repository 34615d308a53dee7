package rt

import (
	"sync/atomic"

	"beryl/arch/x86"
	"beryl/kernel/linux"
	"beryl/mm/kmem"
)

// exception handles CPU exceptions: demand paging of the runtime heap
// first, then synchronous signals for faults in goroutine code (the Go
// runtime turns SIGSEGV/SIGFPE into panics), and a fatal dump for
// everything else.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func exception(f *x86.Frame, fx *x86.FXArea) {
	v := f.Vector
	var addr uint64
	if v == x86.VectorPF {
		addr = x86.ReadCR2()
		switch kmem.HandleFault(addr, f.ErrorCode) {
		case kmem.FaultResolved:
			return
		case kmem.FaultNoMemory:
			x86.SerialPuts("beryl: out of physical memory\n")
			Fatal(f, "out of memory")
		}
	}
	// A fault with interrupts disabled is in a critical section (or the
	// trap path itself): no signal can run there.
	if v == x86.VectorNMI || v == x86.VectorDF || v == x86.VectorMC || depthOf[x86.ThisCPUID()] > 1 || isIdle(curIdx()) || f.RFLAGS&x86.FlagIF == 0 {
		Fatal(f, "unrecoverable exception")
	}
	var sig uint64
	var code int32
	switch v {
	case x86.VectorPF:
		sig, code = linux.SIGSEGV, linux.SegvMaperr
		if f.ErrorCode&x86.PFPresent != 0 {
			code = linux.SegvAccerr
		}
	case x86.VectorDE:
		sig, code, addr = linux.SIGFPE, linux.FpeIntdiv, f.RIP
	case x86.VectorUD:
		sig, code, addr = linux.SIGILL, linux.IllIllopn, f.RIP
	case x86.VectorBP:
		sig, code = linux.SIGTRAP, linux.SIKernel
	case x86.VectorGP, x86.VectorSS:
		sig, code = linux.SIGSEGV, linux.SIKernel
	case x86.VectorAC:
		sig, code = linux.SIGBUS, 1
	default:
		Fatal(f, "unexpected exception")
	}
	t := &threads[curIdx()]
	a := &sigActions[sig]
	if a.Handler == linux.SigDfl || a.Handler == linux.SigIgn || t.sigMask&(1<<(sig-1)) != 0 {
		Fatal(f, "fault with no handler")
	}
	if linux.OnStack(f.RSP, t.altSP, t.altSize) && f.RSP-t.altSP < 4096 {
		Fatal(f, "fault on the signal stack")
	}
	pushSignalFrame(t, f, fx, sig, code, addr)
}

// Symbolizer, if set, names a code address for the fault dump's
// backtrace (the kernel sets it to a runtime.FuncForPC lookup). It runs on
// the trap stack of a dying machine, so it may only read.
var Symbolizer func(pc uint64, ret bool) (fn, file string, line int)

// symbolize says the fault dump may call Symbolizer (canSymbolize).
var symbolize bool

// frame prints one backtrace line (frame-pointer walk: Go on amd64 keeps
// RBP chains).
//
//go:nosplit
func frame(pc uint64, ret bool) {
	x86.SerialPuts("FAULT frame ")
	x86.SerialPutHex(pc)
	if Symbolizer != nil && symbolize {
		if fn, file, line := Symbolizer(pc, ret); fn != "" {
			x86.SerialPuts(" ")
			x86.SerialPuts(fn)
			x86.SerialPuts(" ")
			x86.SerialPuts(file)
			x86.SerialPuts(":")
			x86.SerialPutDec(uint64(line))
		}
	}
	x86.SerialPuts("\n")
}

// fatalCPU is the CPU that prints the fault dump (noCPU until one does).
var fatalCPU uint32 = noCPU

const noCPU = ^uint32(0)

// Fatal prints the fault dump (the format tools/symbolize reads: vector,
// error code, CR2, registers, code bytes, frame-pointer backtrace) and
// stops the machine with x86.ExitPanic.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func Fatal(f *x86.Frame, why string) {
	id := x86.ThisCPUID()
	if !atomic.CompareAndSwapUint32(&fatalCPU, noCPU, id) {
		// Another CPU is dumping (it stops the machine), or this one
		// faulted in the dump.
		if atomic.LoadUint32(&fatalCPU) != id {
			haltForever()
		}
		x86.SerialPuts("beryl: fault in the fault dump\n")
		x86.Stop(x86.ExitPanic)
	}
	atomic.StoreUint32(&stopping, 1)
	stopOthers()
	x86.SerialPuts("beryl: FATAL: ")
	x86.SerialPuts(why)
	if id != 0 {
		x86.SerialPuts(" (cpu ")
		x86.SerialPutDec(uint64(id))
		x86.SerialPuts(")")
	}
	x86.SerialPuts("\nFAULT vector=")
	x86.SerialPutDec(f.Vector)
	x86.SerialPuts(" (")
	x86.SerialPuts(x86.ExceptionName(f.Vector))
	x86.SerialPuts(") error=")
	x86.SerialPutHex(f.ErrorCode)
	x86.SerialPuts(" cr2=")
	x86.SerialPutHex(x86.ReadCR2())
	x86.SerialPuts("\nFAULT rip=")
	x86.SerialPutHex(f.RIP)
	kv(" cs=", f.CS)
	kv(" rflags=", f.RFLAGS)
	kv(" rsp=", f.RSP)
	kv(" ss=", f.SS)
	x86.SerialPuts("\nFAULT")
	kv(" rax=", f.RAX)
	kv(" rbx=", f.RBX)
	kv(" rcx=", f.RCX)
	kv(" rdx=", f.RDX)
	kv(" rsi=", f.RSI)
	kv(" rdi=", f.RDI)
	kv(" rbp=", f.RBP)
	kv(" rsp=", f.RSP)
	x86.SerialPuts("\nFAULT")
	kv(" r8=", f.R8)
	kv(" r9=", f.R9)
	kv(" r10=", f.R10)
	kv(" r11=", f.R11)
	kv(" r12=", f.R12)
	kv(" r13=", f.R13)
	kv(" r14=", f.R14)
	kv(" r15=", f.R15)
	x86.SerialPuts("\n")
	start := f.RIP - 16
	if kmem.Readable(start) && kmem.Readable(start+47) {
		x86.SerialPuts("FAULT bytes@")
		x86.SerialPutHex(start)
		x86.SerialPuts(":")
		b := (*[48]byte)(ptr(start))
		for i := 0; i < len(b); i++ {
			x86.SerialPuts(" ")
			x86.SerialPutByte("0123456789abcdef"[b[i]>>4])
			x86.SerialPutByte("0123456789abcdef"[b[i]&15])
		}
		x86.SerialPuts("\n")
	}
	symbolize = canSymbolize()
	frame(f.RIP, false)
	bp := f.RBP
	for i := 0; i < 32 && bp != 0 && kmem.Readable(bp) && kmem.Readable(bp+15); i++ {
		ret := *(*uint64)(ptr(bp + 8))
		if ret == 0 {
			break
		}
		frame(ret, true)
		next := *(*uint64)(ptr(bp))
		if next <= bp {
			break
		}
		bp = next
	}
	x86.SerialPuts("FAULT end\n")
	x86.Stop(x86.ExitPanic)
}

//go:nosplit
func kv(k string, v uint64) {
	x86.SerialPuts(k)
	x86.SerialPutHex(v)
}
