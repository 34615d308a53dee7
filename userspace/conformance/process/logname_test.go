package process

import (
	"testing"
	"time"

	"beryl/userspace/zx"
)

// evilName is a process name with a newline and a terminal escape
// sequence (clear screen) in it.
const evilName = "logname\n\x1b[2J"

// TestLogEscapesNames: a process with a name full of control bytes, whose
// only thread faults at once (entry 0), is killed and reported in the
// kernel log; the name itself is kept as given (ZX_PROP_NAME). That the
// log line carries it escaped (\x0a\x1b[2J, no raw ESC or newline) is
// checked on the serial console by qemu's TestLogEscapesNames, which runs
// this case.
func TestLogEscapesNames(t *testing.T) {
	proc, vmar, err := zx.NewProcess(zx.JobDefault(), evilName, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer proc.Close()
	defer vmar.Close()
	if name, err := proc.Handle.Name(); err != nil || name != evilName {
		t.Fatalf("process name %q (%v), want %q", name, err, evilName)
	}
	th, err := zx.NewThread(proc, evilName, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer th.Close()
	if err := proc.Start(th, 0, 0, zx.HandleInvalid, 0); err != nil {
		t.Fatalf("process_start(entry 0): %v", err)
	}
	if _, err := proc.WaitOne(zx.TaskTerminated, zx.Now()+zx.Time(10*time.Second)); err != nil {
		t.Fatalf("faulting process: %v, want terminated", err)
	}
}
