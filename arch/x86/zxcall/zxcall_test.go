package zxcall

import (
	"bytes"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// On the Linux host the zx numbers are unknown to the kernel, but the
// first six argument registers are Linux's too, so Linux system calls
// exercise the trampoline end to end.

func TestRawCallGetpid(t *testing.T) {
	if got := RawCall(syscall.SYS_GETPID, 0, 0, 0, 0, 0, 0, 0, 0); int(got) != os.Getpid() {
		t.Fatalf("getpid via RawCall = %d, want %d", got, os.Getpid())
	}
	if got := Call(syscall.SYS_GETPID, 0, 0, 0, 0, 0, 0, 0, 0); int(got) != os.Getpid() {
		t.Fatalf("getpid via Call = %d, want %d", got, os.Getpid())
	}
}

func TestUnknownNumber(t *testing.T) {
	// A zx number on Linux: -ENOSYS comes back in RAX untouched.
	if got := int64(RawCall(0x1000, 1, 2, 3, 4, 5, 6, 7, 8)); got != -int64(syscall.ENOSYS) {
		t.Fatalf("got %d, want -ENOSYS", got)
	}
}

func TestArgumentsAndStackBuffer(t *testing.T) {
	// write(2) through Call with a pointer to a stack buffer: rdi, rsi, rdx.
	var fds [2]int
	if err := syscall.Pipe(fds[:]); err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fds[0])
	defer syscall.Close(fds[1])
	msg := [5]byte{'h', 'e', 'l', 'l', 'o'}
	if n := Call(syscall.SYS_WRITE, uintptr(fds[1]), uintptr(unsafe.Pointer(&msg[0])), 5, 0, 0, 0, 0, 0); n != 5 {
		t.Fatalf("write = %d", int64(n))
	}
	var in [8]byte
	if n := RawCall(syscall.SYS_READ, uintptr(fds[0]), uintptr(unsafe.Pointer(&in[0])), 8, 0, 0, 0, 0, 0); n != 5 || string(in[:5]) != "hello" {
		t.Fatalf("read = %d %q", int64(n), in[:n])
	}
	// Six arguments: r10, r8, r9 too (ppoll with a NULL sigmask and size 8).
	// The runtime's preemption signal (SIGURG) can interrupt the call:
	// EINTR says nothing about the arguments, so it is retried.
	ts := syscall.Timespec{Nsec: 1}
	n := -int64(syscall.EINTR)
	for i := 0; i < 100 && n == -int64(syscall.EINTR); i++ {
		n = int64(RawCall(syscall.SYS_PPOLL, 0, 0, uintptr(unsafe.Pointer(&ts)), 0, 8, 0, 0, 0))
	}
	if n != 0 {
		t.Fatalf("ppoll = %d", n)
	}
}

// TestCallReleasesP checks that a goroutine blocked in Call does not hold
// the only P: a child process (this test binary) blocks one goroutine in
// read(2) through Call with GOMAXPROCS=1 while another goroutine must run
// and unblock it. If Call kept the P the child would hang (nothing else
// could run, not even the test timeout), so the parent enforces a deadline.
func TestCallReleasesP(t *testing.T) {
	if os.Getenv("ZXCALL_CHILD") == "1" {
		blockedReaderChild()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCallReleasesP$")
	cmd.Env = append(os.Environ(), "ZXCALL_CHILD=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	res := make(chan error, 1)
	go func() { res <- cmd.Wait() }()
	select {
	case err := <-res:
		if err != nil || !strings.Contains(out.String(), "child ok") {
			t.Fatalf("child failed: %v\n%s", err, out.String())
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("child hung: Call kept the P while blocked")
	}
}

func blockedReaderChild() {
	runtime.GOMAXPROCS(1)
	var fds [2]int
	if err := syscall.Pipe(fds[:]); err != nil {
		panic(err)
	}
	done := make(chan uintptr)
	go func() {
		var b [1]byte
		done <- Call(syscall.SYS_READ, uintptr(fds[0]), uintptr(unsafe.Pointer(&b[0])), 1, 0, 0, 0, 0, 0)
	}()
	time.Sleep(10 * time.Millisecond) // the reader is blocked by now
	if _, err := syscall.Write(fds[1], []byte{1}); err != nil {
		panic(err)
	}
	if n := <-done; n != 1 {
		panic("short read")
	}
	println("child ok")
}
