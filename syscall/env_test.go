package zxsys

import (
	"encoding/binary"
	"testing"
	"time"

	"beryl/kernel/object"
	"beryl/mm/vm"
)

// fakeCaller is a user thread whose memory is one byte slice at base plus
// a read-only page at roBase; every other address fails, like unmapped,
// kernel-half and non-canonical addresses do in the kernel. Its address
// space (VMARs, VMO pages) is a real mm/vm one on host fakes.
type fakeCaller struct {
	t      *testing.T
	p      *object.Process
	as     *vm.AddressSpace
	frames *vm.HeapFrames
	mem    []byte
	ro     []byte
	next   uint64
	copies int           // CopyIn/CopyOut calls
	job    object.Handle // see jobHandle
	exited int           // ExitThread calls
}

// testDispatcher serves the fake callers' calls.
var testDispatcher = &Dispatcher{}

const (
	memBase = 0x10000
	memSize = 1 << 20
	roBase  = 0x400000
	roSize  = 4096

	badPtr          = 0xdead0000
	kernelPtr       = 0xffff800000001000
	nonCanonicalPtr = 0x0000800000000000
)

var badPtrs = []UserPtr{badPtr, kernelPtr, nonCanonicalPtr, memBase + memSize - 2, roBase}

func (f *fakeCaller) Process() *object.Process              { return f.p }
func (f *fakeCaller) AddressSpace() *vm.AddressSpace        { return f.as }
func (f *fakeCaller) ThreadKoid() object.Koid               { return 0x7777 }
func (f *fakeCaller) Killed() <-chan struct{}               { return nil }
func (f *fakeCaller) SetIOPorts(base, n uint32, allow bool) {}
func (f *fakeCaller) TakeStartupHandle() object.Handle      { return object.HandleInvalid }
func (f *fakeCaller) ExitThread()                           { f.exited++ }

func (f *fakeCaller) span(uaddr uint64, n int, write bool) []byte {
	end := uaddr + uint64(n)
	if end < uaddr {
		return nil
	}
	if uaddr >= memBase && end <= memBase+memSize {
		return f.mem[uaddr-memBase : end-memBase]
	}
	if !write && uaddr >= roBase && end <= roBase+roSize {
		return f.ro[uaddr-roBase : end-roBase]
	}
	return nil
}

func (f *fakeCaller) CopyIn(dst []byte, uaddr uint64) object.Status {
	f.copies++
	s := f.span(uaddr, len(dst), false)
	if s == nil {
		return object.ErrInvalidArgs
	}
	copy(dst, s)
	return object.OK
}

func (f *fakeCaller) CopyOut(uaddr uint64, src []byte) object.Status {
	f.copies++
	s := f.span(uaddr, len(src), true)
	if s == nil {
		return object.ErrInvalidArgs
	}
	copy(s, src)
	return object.OK
}

// alloc returns n zeroed bytes of user memory, 8-aligned.
func (f *fakeCaller) alloc(n int) UserPtr {
	p := memBase + f.next
	f.next += uint64(n+7) &^ 7
	if f.next > memSize {
		f.t.Fatal("fake user memory exhausted")
	}
	clear(f.mem[p-memBase : p-memBase+uint64(n)])
	return UserPtr(p)
}

func (f *fakeCaller) bytes(p UserPtr, n int) []byte { return f.mem[uint64(p)-memBase:][:n] }
func (f *fakeCaller) u32(p UserPtr) uint32          { return binary.LittleEndian.Uint32(f.bytes(p, 4)) }
func (f *fakeCaller) u64(p UserPtr) uint64          { return binary.LittleEndian.Uint64(f.bytes(p, 8)) }
func (f *fakeCaller) h(p UserPtr) object.Handle     { return object.Handle(f.u32(p)) }
func (f *fakeCaller) put32(p UserPtr, v uint32)     { binary.LittleEndian.PutUint32(f.bytes(p, 4), v) }
func (f *fakeCaller) put64(p UserPtr, v uint64)     { binary.LittleEndian.PutUint64(f.bytes(p, 8), v) }

// data copies b into fresh user memory.
func (f *fakeCaller) data(b []byte) UserPtr {
	p := f.alloc(len(b))
	copy(f.bytes(p, len(b)), b)
	return p
}

// call dispatches syscall num with args.
func (f *fakeCaller) call(num uint64, args ...uint64) int64 {
	var a [8]uint64
	copy(a[:], args)
	return testDispatcher.Dispatch(f, num, &a)
}

// st dispatches and returns the status.
func (f *fakeCaller) st(num uint64, args ...uint64) object.Status {
	return object.Status(f.call(num, args...))
}

// ok dispatches and fails the test unless the result is ZX_OK.
func (f *fakeCaller) ok(num uint64, args ...uint64) {
	f.t.Helper()
	if st := f.st(num, args...); st != object.OK {
		f.t.Fatalf("%s: %v", Lookup(num).Name, st)
	}
}

// want dispatches and checks the status.
func (f *fakeCaller) want(want object.Status, num uint64, args ...uint64) {
	f.t.Helper()
	if st := f.st(num, args...); st != want {
		f.t.Fatalf("%s: got %v, want %v", Lookup(num).Name, st, want)
	}
}

// create1 runs a syscall whose last argument is one out handle.
func (f *fakeCaller) create1(num uint64, args ...uint64) object.Handle {
	f.t.Helper()
	out := f.alloc(4)
	f.ok(num, append(args, uint64(out))...)
	return f.h(out)
}

// create2 runs a syscall whose last two arguments are out handles.
func (f *fakeCaller) create2(num uint64, args ...uint64) (object.Handle, object.Handle) {
	f.t.Helper()
	o := f.alloc(8)
	f.ok(num, append(args, uint64(o), uint64(o+4))...)
	return f.h(o), f.h(o + 4)
}

// create3 runs a syscall whose last three arguments are out handles.
func (f *fakeCaller) create3(num uint64, args ...uint64) (object.Handle, object.Handle, object.Handle) {
	f.t.Helper()
	o := f.alloc(12)
	f.ok(num, append(args, uint64(o), uint64(o+4), uint64(o+8))...)
	return f.h(o), f.h(o + 4), f.h(o + 8)
}

// newEnv makes a process in a fresh root job and checks at cleanup that
// killing it leaves object, handle and VMO page counts where they
// started.
func newEnv(t *testing.T) *fakeCaller {
	t.Helper()
	objs, hs := object.LiveObjects(object.ObjTypeNone), object.LiveHandles()
	job := object.NewRootJob()
	p, st := object.NewProcess(job, "test", object.ProcessConfig{})
	if st != object.OK {
		t.Fatal(st)
	}
	p.Start()
	var f *fakeCaller
	// Registered first, so it runs last: after the address spaces of f and
	// of any peer are destroyed.
	t.Cleanup(func() {
		p.Kill(0)
		p.Release()
		job.Kill(0)
		job.Release()
		if o, h, ok := object.CountsSettle(objs, hs, 2*time.Second); !ok {
			t.Errorf("leak: objects %d→%d, handles %d→%d", objs, o, hs, h)
		}
		if n := f.frames.Live(); n != 0 {
			t.Errorf("leak: %d VMO pages", n)
		}
	})
	f = newFakeCaller(t, p)
	return f
}

// newFakeCaller makes a caller in p with an empty address space on host
// fakes.
func newFakeCaller(t *testing.T, p *object.Process) *fakeCaller {
	env, frames, _, _ := vm.NewHostEnv()
	as, err := vm.NewIn(env)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(as.Destroy)
	return &fakeCaller{t: t, p: p, as: as, frames: frames, mem: make([]byte, memSize), ro: make([]byte, roSize)}
}

// handles returns the number of handles in the caller's table.
func (f *fakeCaller) handles() int { return f.p.Table().Len() }
