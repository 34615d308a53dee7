package kos

import (
	"encoding/binary"
	"testing"
	"time"

	"beryl/kernel/object"
)

type (
	Handle = object.Handle
	Status = object.Status
)

const (
	OK      = object.OK
	invalid = object.HandleInvalid
)

// env is a test fixture: a root job and processes, with a leak check at
// cleanup (every object and handle created by the test must be gone) and
// the policy reset.
type env struct {
	t     *testing.T
	root  *object.Job
	procs []*object.Process
}

func newEnv(t *testing.T) *env {
	t.Helper()
	objs, hs := object.LiveObjects(object.ObjTypeNone), object.LiveHandles()
	e := &env{t: t, root: object.NewRootJob()}
	t.Cleanup(func() {
		SetPolicy(nil)
		e.root.Kill(0)
		for _, p := range e.procs {
			p.Release()
		}
		e.root.Release()
		if got := object.LiveObjects(object.ObjTypeNone); got != objs {
			t.Errorf("leak: %d objects live, want %d", got, objs)
		}
		if got := object.LiveHandles(); got != hs {
			t.Errorf("leak: %d handles live, want %d", got, hs)
		}
	})
	return e
}

// proc creates a process with a security class.
func (e *env) proc(class string) *object.Process {
	e.t.Helper()
	p, st := object.NewProcess(e.root, class, object.ProcessConfig{})
	if st != OK {
		e.t.Fatalf("NewProcess: %v", st)
	}
	if class != "" {
		p.SetClass(class)
	}
	e.procs = append(e.procs, p)
	return p
}

// must returns v, panicking (failing the test) if st is not ZX_OK.
func must[T any](v T, st Status) T {
	if st != OK {
		panic("unexpected status " + st.String())
	}
	return v
}

// must2 is must for calls returning two values.
func must2[T any](a, b T, st Status) (T, T) {
	if st != OK {
		panic("unexpected status " + st.String())
	}
	return a, b
}

func wantStatus(t *testing.T, what string, got, want Status) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

func valid(p *object.Process, h Handle) Status { return object.ObjectGetInfoHandleValid(p, h) }

func rightsOf(t *testing.T, p *object.Process, h Handle) object.Rights {
	t.Helper()
	info, st := object.ObjectGetInfoHandleBasic(p, h)
	if st != OK {
		t.Fatalf("HANDLE_BASIC: %v", st)
	}
	return info.Rights
}

func koidOf(t *testing.T, p *object.Process, h Handle) object.Koid {
	t.Helper()
	info, st := object.ObjectGetInfoHandleBasic(p, h)
	if st != OK {
		t.Fatalf("HANDLE_BASIC: %v", st)
	}
	return info.Koid
}

// callResult is the outcome of an asynchronous Call.
type callResult struct {
	sz Sizes
	st Status
}

// goCall runs Call on its own goroutine.
func goCall(p *object.Process, h Handle, deadline object.Time, args *CallArgs) <-chan callResult {
	ch := make(chan callResult, 1)
	go func() {
		sz, st := Call(p, h, deadline, args)
		ch <- callResult{sz, st}
	}()
	return ch
}

func waitCall(t *testing.T, ch <-chan callResult) callResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("call did not return")
		return callResult{}
	}
}

// recvOne receives one request on s, failing the test on error.
func recvOne(t *testing.T, p *object.Process, s Handle, nh int) (RecvInfo, *RecvArgs) {
	t.Helper()
	args := &RecvArgs{Fixed: make([]byte, MaxFixedBytes), Arena: make([]byte, 1024), Handles: make([]RecvHandle, nh)}
	info, st := Recv(p, s, 0, object.Now()+object.Time(10*time.Second), args)
	if st != OK {
		t.Fatalf("Recv: %v", st)
	}
	return info, args
}

// portPacket waits for one packet on port.
func portPacket(t *testing.T, p *object.Process, port Handle) (object.PortPacket, uint64, object.Koid) {
	t.Helper()
	pk, st := object.PortWait(p, port, object.Now()+object.Time(5*time.Second))
	if st != OK {
		t.Fatalf("PortWait: %v", st)
	}
	return pk, binary.LittleEndian.Uint64(pk.Payload[0:]), object.Koid(binary.LittleEndian.Uint64(pk.Payload[8:]))
}

func noPacket(t *testing.T, p *object.Process, port Handle) {
	t.Helper()
	if pk, st := object.PortWait(p, port, 0); st != object.ErrTimedOut {
		t.Fatalf("unexpected packet %+v (%v)", pk, st)
	}
}
