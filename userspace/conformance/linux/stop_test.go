package linux

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// Job control: SIGSTOP, SIGTSTP and SIGCONT, and the parent's view of
// them through wait4(WUNTRACED, WCONTINUED) and waitid(WSTOPPED,
// WCONTINUED).

const (
	wStopped     = 2
	cldStopped   = 5
	cldContinued = 6
)

// drain reads what the pipe holds (non-blocking) and returns the count.
func drain(t *testing.T, fd int) int {
	t.Helper()
	buf := make([]byte, 4096)
	total := 0
	for {
		n, err := syscall.Read(fd, buf)
		if n <= 0 || err != nil {
			return total
		}
		total += n
	}
}

func TestStopContinue(t *testing.T) {
	r, w := pipe(t, syscall.O_NONBLOCK)
	exe, _ := os.Executable()
	pid, err := syscall.ForkExec(exe, []string{exe}, &syscall.ProcAttr{
		Env: []string{childEnv + "=tick"}, Files: []uintptr{0, uintptr(w), 2}})
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(pid, syscall.SIGKILL)
	for deadline := time.Now().Add(10 * time.Second); drain(t, r) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the child writes nothing")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	var ws syscall.WaitStatus
	if got, err := syscall.Wait4(pid, &ws, syscall.WUNTRACED, nil); err != nil || got != pid || !ws.Stopped() || ws.StopSignal() != syscall.SIGSTOP {
		t.Fatalf("wait4(WUNTRACED): %d %v status %#x, want stopped by SIGSTOP", got, err, uint32(ws))
	}
	// Stopped: nothing more arrives (a write in flight may land).
	time.Sleep(50 * time.Millisecond)
	drain(t, r)
	time.Sleep(100 * time.Millisecond)
	if n := drain(t, r); n != 0 {
		t.Errorf("a stopped child wrote %d bytes", n)
	}
	// The stop is reported once.
	if got, err := syscall.Wait4(pid, &ws, syscall.WUNTRACED|syscall.WNOHANG, nil); got != 0 || err != nil {
		t.Errorf("second wait4(WUNTRACED|WNOHANG): %d %v, want 0", got, err)
	}
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	var info siginfo
	if e := waitid(pPID, pid, &info, syscall.WCONTINUED); e != 0 || info.Code != cldContinued || info.Pid != int32(pid) || info.Status != int32(syscall.SIGCONT) {
		t.Errorf("waitid(WCONTINUED): %v %+v, want CLD_CONTINUED", e, info)
	}
	for deadline := time.Now().Add(10 * time.Second); drain(t, r) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the continued child writes nothing")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// SIGTSTP with its default action stops too; waitid sees it; SIGKILL
	// ends the stopped child.
	syscall.Kill(pid, syscall.SIGTSTP)
	if e := waitid(pPID, pid, &info, wStopped); e != 0 || info.Code != cldStopped || info.Status != int32(syscall.SIGTSTP) {
		t.Errorf("waitid(WSTOPPED): %v %+v, want CLD_STOPPED by SIGTSTP", e, info)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	if got, err := syscall.Wait4(pid, &ws, 0, nil); err != nil || got != pid || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("wait4 after SIGKILL of a stopped child: %d %v status %#x", got, err, uint32(ws))
	}
	// Without WUNTRACED, wait4 does not report stops: WNOHANG finds none.
	pid2 := spawn(t, "sleep")
	defer syscall.Kill(pid2, syscall.SIGKILL)
	syscall.Kill(pid2, syscall.SIGSTOP)
	time.Sleep(20 * time.Millisecond)
	if got, err := syscall.Wait4(pid2, &ws, syscall.WNOHANG, nil); got != 0 || err != nil {
		t.Errorf("wait4(WNOHANG) of a stopped child without WUNTRACED: %d %v, want 0", got, err)
	}
	// SIGCONT to a running process does nothing visible.
	if err := syscall.Kill(os.Getpid(), syscall.SIGCONT); err != nil {
		t.Errorf("SIGCONT to self: %v", err)
	}
}
