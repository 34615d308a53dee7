package process

import (
	"os"
	"strings"
	"testing"
	"unsafe"

	"beryl/userspace/launch"
	"beryl/userspace/launch/relaunch"
	"beryl/userspace/zx"
)

// TestProcessClass: the security class the kos IPC policy names a process
// by. A new process has its creator's; a holder of the root resource sets
// another before the process starts (beryl_process_set_class) and anyone
// with ZX_RIGHT_GET_PROPERTY reads it (ZX_PROP_PROCESS_CLASS); errors come
// in Zircon's order and change nothing; a started process's class is
// fixed.
func TestProcessClass(t *testing.T) {
	if relaunch.RootResource == zx.HandleInvalid {
		t.Fatal("no root resource (PA_RESOURCE): init passes it to the programs it runs")
	}
	self, err := zx.ProcessSelf().Class()
	if err != nil || self == "" {
		t.Fatalf("own class %q, %v (init names the programs it runs)", self, err)
	}
	child, vmar, err := zx.NewProcess(zx.JobDefault(), "classy", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer child.Close()
	defer vmar.Close()
	class := func() string {
		t.Helper()
		c, err := child.Class()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := class(); c != self {
		t.Errorf("new process has class %q, want its creator's %q", c, self)
	}
	ev, err := zx.NewEvent(0)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	weak, err := child.Duplicate(zx.RightsBasic | zx.RightGetProperty)
	if err != nil {
		t.Fatal(err)
	}
	defer weak.Close()
	job, err := zx.JobDefault().Duplicate(zx.RightSameRights)
	if err != nil {
		t.Fatal(err)
	}
	defer job.Close()
	for _, c := range []struct {
		name   string
		res, p zx.Handle
		class  string
		want   zx.Status
	}{
		{"no resource", zx.HandleInvalid, child.Handle, "x", zx.ErrBadHandle},
		{"event as resource", ev.Handle, child.Handle, "x", zx.ErrWrongType},
		{"no process", relaunch.RootResource, zx.HandleInvalid, "x", zx.ErrBadHandle},
		{"event as process", relaunch.RootResource, ev.Handle, "x", zx.ErrWrongType},
		{"no MANAGE_PROCESS", relaunch.RootResource, weak, "x", zx.ErrAccessDenied},
		{"empty class", relaunch.RootResource, child.Handle, "", zx.ErrInvalidArgs},
		{"space in class", relaunch.RootResource, child.Handle, "a b", zx.ErrInvalidArgs},
		{"65-byte class", relaunch.RootResource, child.Handle, strings.Repeat("c", 65), zx.ErrInvalidArgs},
	} {
		if err := (zx.Process{Handle: c.p}).SetClass(c.res, c.class); err != c.want.Err() {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if st := zx.Sys_beryl_process_set_class(relaunch.RootResource, child.Handle, (*uint8)(nil), 3); st != zx.ErrInvalidArgs {
		t.Errorf("NULL class: %v", st)
	}
	if c := class(); c != self {
		t.Errorf("failed calls changed the class to %q", c)
	}
	for _, want := range []string{"kv.client-a", strings.Repeat("c", 64)} {
		if err := child.SetClass(relaunch.RootResource, want); err != nil {
			t.Fatalf("set %q: %v", want, err)
		}
		if c, err := (zx.Process{Handle: weak}).Class(); err != nil || c != want {
			t.Errorf("class %q %v, want %q", c, err, want)
		}
	}
	// The property is read-only and needs a process handle with
	// GET_PROPERTY and room for zx.MaxClassLen bytes.
	var b [zx.MaxClassLen]byte
	if st := zx.Sys_object_set_property(child.Handle, zx.PropProcessClass, unsafe.Pointer(&b[0]), 8); st != zx.ErrAccessDenied {
		t.Errorf("set_property: %v", st)
	}
	if st := zx.Sys_object_get_property(child.Handle, zx.PropProcessClass, unsafe.Pointer(&b[0]), zx.MaxClassLen-1); st != zx.ErrBufferTooSmall {
		t.Errorf("get_property with %d bytes: %v", zx.MaxClassLen-1, st)
	}
	if st := zx.Sys_object_get_property(job, zx.PropProcessClass, unsafe.Pointer(&b[0]), zx.MaxClassLen); st != zx.ErrWrongType {
		t.Errorf("get_property of a job: %v", st)
	}
	// A launcher names its child's class; the child sees it; once started
	// the class is fixed.
	p, err := launch.Start(relaunch.SelfImage(t), launch.Config{Argv: []string{os.Args[0], "worker", "class:conf.worker"},
		Env: relaunch.Environ("class:conf.worker"), Class: "conf.worker", Resource: relaunch.RootResource})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.SetClass(relaunch.RootResource, "other"); err != zx.ErrBadState {
		t.Errorf("set on a started process: %v, want ZX_ERR_BAD_STATE", err)
	}
	if code := wait(t, p); code != 0 {
		t.Errorf("worker saw the wrong class (exit %d)", code)
	}
	if c, err := p.Class(); err != nil || c != "conf.worker" {
		t.Errorf("class after exit %q %v", c, err)
	}
}
