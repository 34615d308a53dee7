package process

import (
	"testing"
	"unsafe"

	"beryl/userspace/zx"
)

// propStdoutSocket and propStderrSocket are Beryl's process properties
// that name a process's stdout and stderr sockets (kernel/proc).
const (
	propStdoutSocket = 0x1000
	propStderrSocket = 0x1001
)

// TestStdioAfterKill: setting the stdout or stderr socket of a killed,
// unstarted process is ZX_ERR_BAD_STATE, as after start, and leaves no
// kernel handle to the socket behind (one set while the process was being
// torn down used to keep a socket handle forever).
func TestStdioAfterKill(t *testing.T) {
	before := quiesce(t)
	accepted := 0
	for i := 0; i < 100; i++ {
		a, b, err := zx.NewSocket(0)
		if err != nil {
			t.Fatal(err)
		}
		proc, vmar, err := zx.NewProcess(zx.JobDefault(), "stdio", 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := proc.Kill(); err != nil {
			t.Fatal(err)
		}
		v := uint32(a.Handle)
		for _, prop := range []uint32{propStdoutSocket, propStderrSocket} {
			// Keep trying while the teardown runs: every attempt must
			// fail, and none may leave a socket handle behind.
			for j := 0; j < 10000; j++ {
				st := zx.Sys_object_set_property(proc.Handle, prop, unsafe.Pointer(&v), 4)
				if st == zx.ErrBadState {
					break
				}
				if st != zx.OK {
					t.Fatalf("set property %#x on a killed process: %v, want ZX_ERR_BAD_STATE", prop, st)
				}
				accepted++
			}
		}
		proc.Close()
		vmar.Close()
		a.Close()
		b.Close()
	}
	if accepted != 0 {
		t.Errorf("%d stdio sets on killed processes succeeded, want ZX_ERR_BAD_STATE", accepted)
	}
	expectBaseline(t, before)
	if after := stats(t); after.Objects[zx.ObjTypeSocket] != before.Objects[zx.ObjTypeSocket] {
		t.Errorf("sockets %d, were %d", after.Objects[zx.ObjTypeSocket], before.Objects[zx.ObjTypeSocket])
	}
}
