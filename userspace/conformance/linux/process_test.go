package linux

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"beryl/userspace/zx"
)

// The process calls: clone without CLONE_THREAD (vfork-style spawn),
// execve, wait4, waitid, kill, tgkill, pidfd_open, pidfd_send_signal,
// process groups, prlimit64/getrlimit/setrlimit and prctl, with the
// errors Linux documents for them.

// childEnv selects what a copy of this test binary started by a case
// does (before the testing package runs).
const childEnv = "BERYL_LINUX_CHILD"

func init() {
	switch os.Getenv(childEnv) {
	case "":
		return
	case "exit3":
		os.Exit(3)
	case "sleep":
		time.Sleep(time.Minute)
		os.Exit(0)
	case "tick":
		// A byte on stdout every 5 ms, for a minute.
		for range 12000 {
			if _, err := os.Stdout.Write([]byte{'.'}); err != nil {
				os.Exit(1)
			}
			time.Sleep(5 * time.Millisecond)
		}
		os.Exit(0)
	}
	os.Exit(99)
}

// spawn starts a copy of this test binary playing role.
func spawn(t *testing.T, role string) int {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("os.Executable: %v", err)
	}
	pid, err := syscall.ForkExec(exe, []string{exe}, &syscall.ProcAttr{
		Env: []string{childEnv + "=" + role}, Files: []uintptr{0, 1, 2}})
	if err != nil {
		t.Fatalf("ForkExec: %v", err)
	}
	return pid
}

// siginfo is the part of siginfo_t waitid fills.
type siginfo struct {
	Signo, Errno, Code int32
	_                  int32
	Pid                int32
	Uid                uint32
	Status             int32
	_                  [128 - 28]byte
}

func waitid(idtype, id int, info *siginfo, options int) syscall.Errno {
	_, _, e := syscall.Syscall6(syscall.SYS_WAITID, uintptr(idtype), uintptr(id), uintptr(unsafe.Pointer(info)), uintptr(options), 0, 0)
	return e
}

const (
	pPID       = 1
	pPIDFD     = 3
	cldExited  = 1
	cldKilled  = 2
	sysPidfdOp = 434
	sysPidfdSi = 424
)

func pidfdOpen(pid, flags int) (int, syscall.Errno) {
	fd, _, e := syscall.Syscall(sysPidfdOp, uintptr(pid), uintptr(flags), 0)
	return int(fd), e
}

// TestPidIsKoid: getpid is the process's koid, getppid its creator's
// (the launcher's: not the process itself).
func TestPidIsKoid(t *testing.T) {
	var info zx.InfoHandleBasic
	if st := zx.Sys_object_get_info(zx.ProcessSelf().Handle, zx.ObjectInfoHandleBasic, unsafe.Pointer(&info), uint(unsafe.Sizeof(info)), nil, nil); st != 0 {
		t.Fatalf("ZX_INFO_HANDLE_BASIC: %v", st)
	}
	if pid := os.Getpid(); uint64(pid) != uint64(info.Koid) {
		t.Errorf("getpid %d, koid %d", pid, info.Koid)
	}
	if ppid := os.Getppid(); ppid <= 0 || ppid == os.Getpid() {
		t.Errorf("getppid %d", ppid)
	}
}

func TestSpawnWait(t *testing.T) {
	pid := spawn(t, "exit3")
	var info siginfo
	if e := waitid(pPID, pid, &info, syscall.WEXITED|0x01000000 /* WNOWAIT */); e != 0 {
		t.Fatalf("waitid(WNOWAIT): %v", e)
	}
	if info.Signo != int32(syscall.SIGCHLD) || info.Code != cldExited || info.Pid != int32(pid) || info.Status != 3 {
		t.Errorf("siginfo %+v, want SIGCHLD CLD_EXITED pid %d status 3", info, pid)
	}
	var ws syscall.WaitStatus
	got, err := syscall.Wait4(pid, &ws, 0, nil)
	if err != nil || got != pid || !ws.Exited() || ws.ExitStatus() != 3 {
		t.Errorf("wait4: %d %v status %#x, want %d exited 3", got, err, uint32(ws), pid)
	}
	if _, err := syscall.Wait4(pid, &ws, 0, nil); err != syscall.ECHILD {
		t.Errorf("second wait4: %v, want ECHILD", err)
	}
}

func TestSpawnSignaled(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM, syscall.SIGINT} {
		pid := spawn(t, "sleep")
		if err := syscall.Kill(pid, sig); err != nil {
			t.Fatalf("kill(%d, %v): %v", pid, sig, err)
		}
		var ws syscall.WaitStatus
		got, err := syscall.Wait4(pid, &ws, 0, nil)
		if err != nil || got != pid || !ws.Signaled() || ws.Signal() != sig {
			t.Errorf("%v: wait4 %d %v status %#x, want killed by it", sig, got, err, uint32(ws))
		}
	}
}

func TestPidfd(t *testing.T) {
	pid := spawn(t, "sleep")
	fd, e := pidfdOpen(pid, 0)
	if e != 0 {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Fatalf("pidfd_open(child): %v", e)
	}
	defer syscall.Close(fd)
	var info siginfo
	if e := waitid(pPIDFD, fd, &info, syscall.WEXITED|syscall.WNOHANG); e != 0 || info.Pid != 0 {
		t.Errorf("waitid(P_PIDFD, WNOHANG) on a running child: %v, pid %d; want 0, 0", e, info.Pid)
	}
	if _, _, e := syscall.Syscall6(sysPidfdSi, uintptr(fd), uintptr(syscall.SIGKILL), 0, 0, 0, 0); e != 0 {
		t.Fatalf("pidfd_send_signal: %v", e)
	}
	if e := waitid(pPIDFD, fd, &info, syscall.WEXITED); e != 0 || info.Code != cldKilled || info.Status != int32(syscall.SIGKILL) || info.Pid != int32(pid) {
		t.Errorf("waitid(P_PIDFD): %v %+v, want CLD_KILLED by SIGKILL", e, info)
	}
}

func TestPidfdErrors(t *testing.T) {
	if _, e := pidfdOpen(-1, 0); e != syscall.EINVAL {
		t.Errorf("pidfd_open(-1): %v, want EINVAL", e)
	}
	if _, e := pidfdOpen(os.Getpid(), 1); e != syscall.EINVAL {
		t.Errorf("pidfd_open(flags 1): %v, want EINVAL", e)
	}
	if _, e := pidfdOpen(0x7ffffff0, 0); e != syscall.ESRCH {
		t.Errorf("pidfd_open(no such pid): %v, want ESRCH", e)
	}
	fd, e := pidfdOpen(os.Getpid(), 0)
	if e != 0 {
		t.Fatalf("pidfd_open(self): %v", e)
	}
	defer syscall.Close(fd)
	if _, _, e := syscall.Syscall6(sysPidfdSi, uintptr(fd), 0, 0, 0, 0, 0); e != 0 {
		t.Errorf("pidfd_send_signal(self, 0): %v", e)
	}
	if _, _, e := syscall.Syscall6(sysPidfdSi, 1, 0, 0, 0, 0, 0); e != syscall.EBADF {
		t.Errorf("pidfd_send_signal(stdout): %v, want EBADF", e)
	}
	if _, _, e := syscall.Syscall6(sysPidfdSi, uintptr(fd), 0, 0, 1, 0, 0); e != syscall.EINVAL {
		t.Errorf("pidfd_send_signal(flags 1): %v, want EINVAL", e)
	}
	if _, _, e := syscall.Syscall6(sysPidfdSi, uintptr(fd), 65, 0, 0, 0, 0); e != syscall.EINVAL {
		t.Errorf("pidfd_send_signal(signal 65): %v, want EINVAL", e)
	}
	var info siginfo
	if e := waitid(pPIDFD, fd, &info, syscall.WEXITED); e != syscall.ECHILD {
		t.Errorf("waitid(P_PIDFD, self): %v, want ECHILD", e)
	}
	if e := waitid(pPIDFD, 1, &info, syscall.WEXITED); e != syscall.EBADF {
		t.Errorf("waitid(P_PIDFD, stdout): %v, want EBADF", e)
	}
	var b [8]byte
	if n, err := syscall.Read(fd, b[:]); err != syscall.EINVAL {
		t.Errorf("read(pidfd): %d %v, want EINVAL", n, err)
	}
}

func TestWaitErrors(t *testing.T) {
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(-1, &ws, 0, nil); err != syscall.ECHILD {
		t.Errorf("wait4 without children: %v, want ECHILD", err)
	}
	if _, err := syscall.Wait4(-1, &ws, 0x10000, nil); err != syscall.EINVAL {
		t.Errorf("wait4(options 0x10000): %v, want EINVAL", err)
	}
	var info siginfo
	for _, c := range []struct {
		name             string
		idtype, id, opts int
		want             syscall.Errno
	}{
		{"no event", 0, 0, syscall.WNOHANG, syscall.EINVAL},
		{"bad idtype", 9, 0, syscall.WEXITED, syscall.EINVAL},
		{"P_PID 0", pPID, 0, syscall.WEXITED, syscall.EINVAL},
		{"no children", 0, 0, syscall.WEXITED, syscall.ECHILD},
	} {
		if e := waitid(c.idtype, c.id, &info, c.opts); e != c.want {
			t.Errorf("waitid %s: %v, want %v", c.name, e, c.want)
		}
	}
}

func TestKillErrors(t *testing.T) {
	if err := syscall.Kill(os.Getpid(), 65); err != syscall.EINVAL {
		t.Errorf("kill(self, 65): %v, want EINVAL", err)
	}
	if err := syscall.Kill(0x7ffffff0, 0); err != syscall.ESRCH {
		t.Errorf("kill(no such pid): %v, want ESRCH", err)
	}
	if err := syscall.Kill(os.Getppid(), 0); err != syscall.EPERM {
		t.Errorf("kill(parent, 0): %v, want EPERM (only self and descendants)", err)
	}
	if err := syscall.Kill(os.Getpid(), 0); err != nil {
		t.Errorf("kill(self, 0): %v", err)
	}
	if err := syscall.Kill(0, 0); err != nil {
		t.Errorf("kill(own group, 0): %v", err)
	}
	pid, tid := os.Getpid(), syscall.Gettid()
	for _, c := range []struct {
		name          string
		tgid, tid, sg int
		want          syscall.Errno
	}{
		{"self", pid, tid, 0, 0},
		{"tgid 0", 0, tid, 0, syscall.EINVAL},
		{"signal 65", pid, tid, 65, syscall.EINVAL},
		{"no such thread", pid, 0x7ffffff0, 0, syscall.ESRCH},
		{"no such group", 0x7ffffff0, tid, 0, syscall.ESRCH},
	} {
		if _, _, e := syscall.RawSyscall(syscall.SYS_TGKILL, uintptr(c.tgid), uintptr(c.tid), uintptr(c.sg)); e != c.want {
			t.Errorf("tgkill %s: %v, want %v", c.name, e, c.want)
		}
	}
}

func TestCloneErrors(t *testing.T) {
	const cloneVM, cloneVfork, clonePidfd, cloneParentSettid, cloneNewuser = 0x100, 0x4000, 0x1000, 0x100000, 0x10000000
	for _, c := range []struct {
		name  string
		flags uintptr
	}{
		{"fork (no CLONE_VM)", uintptr(syscall.SIGCHLD)},
		{"CLONE_VM without CLONE_VFORK", cloneVM | uintptr(syscall.SIGCHLD)},
		{"new user namespace", cloneVM | cloneVfork | cloneNewuser | uintptr(syscall.SIGCHLD)},
		{"pidfd and parent tid", cloneVM | cloneVfork | clonePidfd | cloneParentSettid},
		{"exit signal 65", cloneVM | cloneVfork | 65},
	} {
		if _, _, e := syscall.RawSyscall(syscall.SYS_CLONE, c.flags, 0, 0); e != syscall.EINVAL {
			t.Errorf("clone %s: %v, want EINVAL", c.name, e)
		}
	}
}

func TestExecveErrors(t *testing.T) {
	argv := []*byte{nil}
	for _, c := range []struct {
		name string
		path string
		want syscall.Errno
	}{
		{"missing", "/boot/bin/no-such-program", syscall.ENOENT},
		{"empty", "", syscall.ENOENT},
		{"directory", "/boot", syscall.EACCES},
		{"too long", "/" + strings.Repeat("x", 5000), syscall.ENAMETOOLONG},
	} {
		p, _ := syscall.BytePtrFromString(c.path)
		if _, _, e := syscall.RawSyscall(syscall.SYS_EXECVE, uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(&argv[0])), uintptr(unsafe.Pointer(&argv[0]))); e != c.want {
			t.Errorf("execve %s: %v, want %v", c.name, e, c.want)
		}
	}
	if _, _, e := syscall.RawSyscall(syscall.SYS_EXECVE, 8, 0, 0); e != syscall.EFAULT {
		t.Errorf("execve(bad path pointer): %v, want EFAULT", e)
	}
	exe, _ := syscall.BytePtrFromString("/boot/bin/no-such-program")
	if _, _, e := syscall.RawSyscall(syscall.SYS_EXECVE, uintptr(unsafe.Pointer(exe)), 8, 0); e != syscall.EFAULT {
		t.Errorf("execve(bad argv pointer): %v, want EFAULT", e)
	}
}

func TestProcessGroups(t *testing.T) {
	pgrp := syscall.Getpgrp()
	if g, err := syscall.Getpgid(0); err != nil || g != pgrp {
		t.Errorf("getpgid(0) %d %v, getpgrp %d", g, err, pgrp)
	}
	if _, err := syscall.Getpgid(0x7ffffff0); err != syscall.ESRCH {
		t.Errorf("getpgid(no such pid): %v, want ESRCH", err)
	}
	if err := syscall.Setpgid(0, -1); err != syscall.EINVAL {
		t.Errorf("setpgid(0, -1): %v, want EINVAL", err)
	}
	if _, err := syscall.Setsid(); err != syscall.EPERM {
		t.Errorf("setsid as a group leader: %v, want EPERM", err)
	}
}

func TestRlimits(t *testing.T) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil || r.Cur != 1024 || r.Max != 1024 {
		t.Errorf("RLIMIT_NOFILE %+v %v, want 1024/1024", r, err)
	}
	if err := syscall.Getrlimit(syscall.RLIMIT_STACK, &r); err != nil || r.Cur != 8<<20 || r.Max != ^uint64(0) {
		t.Errorf("RLIMIT_STACK %+v %v, want 8 MiB/unlimited", r, err)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{Cur: 4096, Max: 8192}); err != nil {
		t.Errorf("setrlimit(RLIMIT_CORE): %v", err)
	}
	if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &r); err != nil || r.Cur != 4096 || r.Max != 8192 {
		t.Errorf("RLIMIT_CORE after set: %+v %v", r, err)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{Cur: 2, Max: 1}); err != syscall.EINVAL {
		t.Errorf("setrlimit(cur > max): %v, want EINVAL", err)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: 1, Max: 1 << 21}); err != syscall.EPERM {
		t.Errorf("setrlimit(RLIMIT_NOFILE above nr_open): %v, want EPERM", err)
	}
	prlimit := func(pid, res int, old uintptr) syscall.Errno {
		_, _, e := syscall.RawSyscall6(syscall.SYS_PRLIMIT64, uintptr(pid), uintptr(res), 0, old, 0, 0)
		return e
	}
	if e := prlimit(0, 99, uintptr(unsafe.Pointer(&r))); e != syscall.EINVAL {
		t.Errorf("prlimit64(resource 99): %v, want EINVAL", e)
	}
	if e := prlimit(0, syscall.RLIMIT_NOFILE, 8); e != syscall.EFAULT {
		t.Errorf("prlimit64(bad old pointer): %v, want EFAULT", e)
	}
	if e := prlimit(0x7ffffff0, syscall.RLIMIT_NOFILE, uintptr(unsafe.Pointer(&r))); e != syscall.ESRCH {
		t.Errorf("prlimit64(no such pid): %v, want ESRCH", e)
	}
	if e := prlimit(os.Getppid(), syscall.RLIMIT_NOFILE, uintptr(unsafe.Pointer(&r))); e != syscall.EPERM {
		t.Errorf("prlimit64(parent): %v, want EPERM", e)
	}
}

func TestPrctlBasics(t *testing.T) {
	prctl := func(op, a2 uintptr) (uintptr, syscall.Errno) {
		r, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, op, a2, 0, 0, 0, 0)
		return r, e
	}
	if _, e := prctl(syscall.PR_SET_PDEATHSIG, 65); e != syscall.EINVAL {
		t.Errorf("PR_SET_PDEATHSIG 65: %v, want EINVAL", e)
	}
	if _, e := prctl(syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM)); e != 0 {
		t.Errorf("PR_SET_PDEATHSIG: %v", e)
	}
	var sig int32
	if _, e := prctl(syscall.PR_GET_PDEATHSIG, uintptr(unsafe.Pointer(&sig))); e != 0 || sig != int32(syscall.SIGTERM) {
		t.Errorf("PR_GET_PDEATHSIG: %d %v", sig, e)
	}
	prctl(syscall.PR_SET_PDEATHSIG, 0)
	if r, e := prctl(syscall.PR_GET_DUMPABLE, 0); e != 0 || r != 1 {
		t.Errorf("PR_GET_DUMPABLE: %d %v, want 1", r, e)
	}
	if _, e := prctl(syscall.PR_SET_DUMPABLE, 2); e != syscall.EINVAL {
		t.Errorf("PR_SET_DUMPABLE 2: %v, want EINVAL", e)
	}
	if r, e := prctl(syscall.PR_CAPBSET_READ, 0); e != 0 || r != 1 {
		t.Errorf("PR_CAPBSET_READ 0: %d %v, want 1", r, e)
	}
	if _, e := prctl(syscall.PR_CAPBSET_READ, 41); e != syscall.EINVAL {
		t.Errorf("PR_CAPBSET_READ 41: %v, want EINVAL", e)
	}
	if _, e := prctl(syscall.PR_SET_NAME, 8); e != syscall.EFAULT {
		t.Errorf("PR_SET_NAME(bad pointer): %v, want EFAULT", e)
	}
	if _, e := prctl(0x7fff, 0); e != syscall.EINVAL {
		t.Errorf("unknown option: %v, want EINVAL", e)
	}
}
