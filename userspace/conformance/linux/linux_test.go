// Package linux is the conformance family for the Linux personality that
// serves stock Go programs, run inside Beryl (go test -exec bin/zxrun):
// the cheap calls a Go program makes (identities, uname, limits, prctl)
// answer as a Linux 6.1 machine would for a root process; descriptors
// (pipes, eventfd, epoll, dup, fcntl, socketpair: fd_test.go,
// socket_test.go) and the path calls through the namespace init binds
// (fs_test.go, ns_test.go) behave as Linux's; and a call the
// personality does not serve fails with ENOSYS every time while the
// kernel logs it once per process (checked on the console by
// qemu/TestLinuxPersonality).
package linux

import (
	"os"
	"strings"
	"syscall"
	"testing"
)

// unservedNr is getpriority(2), which the personality does not serve.
const unservedNr = 140

func TestIdentity(t *testing.T) {
	for name, got := range map[string]int{"uid": os.Getuid(), "euid": os.Geteuid(), "gid": os.Getgid(), "egid": os.Getegid()} {
		if got != 0 {
			t.Errorf("%s %d, want 0 (root)", name, got)
		}
	}
	if g, err := os.Getgroups(); err != nil || len(g) != 0 {
		t.Errorf("getgroups: %v %v, want none", g, err)
	}
	if pid, ppid := os.Getpid(), os.Getppid(); ppid <= 0 || ppid == pid {
		t.Errorf("getppid %d (pid %d): want the launcher's pid", ppid, pid)
	}
}

func field(b [65]int8) string {
	var s strings.Builder
	for _, c := range b {
		if c == 0 {
			break
		}
		s.WriteByte(byte(c))
	}
	return s.String()
}

func TestUname(t *testing.T) {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		t.Fatal(err)
	}
	if s, m, r := field(u.Sysname), field(u.Machine), field(u.Release); s != "Linux" || m != "x86_64" || !strings.HasPrefix(r, "6.1") {
		t.Errorf("uname %q %q %q, want Linux x86_64 6.1*", s, m, r)
	}
	if err := syscall.Uname((*syscall.Utsname)(nil)); err != syscall.EFAULT {
		t.Errorf("uname(NULL): %v, want EFAULT", err)
	}
}

func TestPrlimit(t *testing.T) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil || r.Cur != 1024 || r.Max != 1024 {
		t.Errorf("RLIMIT_NOFILE %+v %v, want 1024/1024", r, err)
	}
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &r); err != nil || r.Cur != ^uint64(0) || r.Max != ^uint64(0) {
		t.Errorf("RLIMIT_AS %+v %v, want unlimited", r, err)
	}
}

func TestPrctl(t *testing.T) {
	// PR_SET_VMA_ANON_NAME of an empty range does nothing (0, as Linux
	// with CONFIG_ANON_VMA_NAME); another PR_SET_VMA option is EINVAL.
	// TestAnonName has the rest.
	const prSetVMA, prSetVMAAnonName = 0x53564d41, 0
	if _, _, e := syscall.Syscall6(syscall.SYS_PRCTL, prSetVMA, prSetVMAAnonName, 0, 0, 0, 0); e != 0 {
		t.Errorf("prctl(PR_SET_VMA_ANON_NAME) of an empty range: %v, want 0", e)
	}
	if _, _, e := syscall.Syscall6(syscall.SYS_PRCTL, prSetVMA, 1, 0, 0, 0, 0); e != syscall.EINVAL {
		t.Errorf("prctl(PR_SET_VMA, 1): %v, want EINVAL", e)
	}
}

// TestUnimplemented calls an unserved system call many times: ENOSYS
// each time (the console shows one line for all of them).
func TestUnimplemented(t *testing.T) {
	for i := range 1000 {
		if _, _, e := syscall.RawSyscall(unservedNr, 0, 0, 0); e != syscall.ENOSYS {
			t.Fatalf("call %d: %v, want ENOSYS", i, e)
		}
	}
}
