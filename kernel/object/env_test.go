package object

import (
	"testing"
	"time"
)

// env is a test fixture: a root job and one process, with a leak check at
// cleanup (every object and handle created by the test must be gone).
type env struct {
	t    *testing.T
	root *Job
	p    *Process
}

func newEnv(t *testing.T) *env { return newEnvCfg(t, ProcessConfig{}) }

func newEnvCfg(t *testing.T, cfg ProcessConfig) *env {
	t.Helper()
	objs, hs := LiveObjects(ObjTypeNone), LiveHandles()
	root := NewRootJob()
	p, st := NewProcess(root, "test", cfg)
	if st != OK {
		t.Fatalf("NewProcess: %v", st)
	}
	e := &env{t: t, root: root, p: p}
	t.Cleanup(func() {
		root.Kill(0)
		p.Release()
		root.Release()
		// Waiters and timers of the test may drop their last references
		// on their own goroutines a moment after it returns: give the
		// counts a second to settle before calling it a leak.
		for i := 0; i < 100 && (LiveObjects(ObjTypeNone) != objs || LiveHandles() != hs); i++ {
			time.Sleep(10 * time.Millisecond)
		}
		if got := LiveObjects(ObjTypeNone); got != objs {
			t.Errorf("leak: %d objects live, want %d", got, objs)
		}
		if got := LiveHandles(); got != hs {
			t.Errorf("leak: %d handles live, want %d", got, hs)
		}
	})
	return e
}

// proc creates another process in the env's root job.
func (e *env) proc() *Process {
	e.t.Helper()
	p, st := NewProcess(e.root, "other", ProcessConfig{})
	if st != OK {
		e.t.Fatalf("NewProcess: %v", st)
	}
	e.t.Cleanup(func() { p.Kill(0); p.Release() })
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

func (e *env) event() Handle { return must(EventCreate(e.p, 0)) }

func (e *env) valid(h Handle) bool { return ObjectGetInfoHandleValid(e.p, h) == OK }

func (e *env) rights(h Handle) Rights {
	e.t.Helper()
	info, st := ObjectGetInfoHandleBasic(e.p, h)
	if st != OK {
		e.t.Fatalf("HANDLE_BASIC: %v", st)
	}
	return info.Rights
}
