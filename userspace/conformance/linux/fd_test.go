package linux

import (
	"bytes"
	"io"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// The descriptor calls: pipe2, dup/dup2/dup3, fcntl, close_range,
// eventfd2, epoll, read/write on each, as Linux answers them.

func pipe(t *testing.T, flags int) (int, int) {
	t.Helper()
	var p [2]int
	if err := syscall.Pipe2(p[:], flags); err != nil {
		t.Fatalf("pipe2: %v", err)
	}
	t.Cleanup(func() { syscall.Close(p[0]); syscall.Close(p[1]) })
	return p[0], p[1]
}

func TestPipe2ReadWrite(t *testing.T) {
	r, w := pipe(t, syscall.O_CLOEXEC)
	if r < 3 || w < 3 || r == w {
		t.Fatalf("pipe2 gave %d, %d", r, w)
	}
	if n, err := syscall.Write(w, []byte("hello")); n != 5 || err != nil {
		t.Fatalf("write: %d, %v", n, err)
	}
	buf := make([]byte, 16)
	if n, err := syscall.Read(r, buf); n != 5 || err != nil || string(buf[:5]) != "hello" {
		t.Fatalf("read: %d, %v, %q", n, err, buf[:n])
	}
	// Wrong directions.
	if _, err := syscall.Write(r, []byte("x")); err != syscall.EBADF {
		t.Errorf("write on the read end: %v, want EBADF", err)
	}
	if _, err := syscall.Read(w, buf); err != syscall.EBADF {
		t.Errorf("read on the write end: %v, want EBADF", err)
	}
}

func TestPipe2Errors(t *testing.T) {
	var p [2]int32
	if _, _, e := syscall.RawSyscall(syscall.SYS_PIPE2, uintptr(unsafe.Pointer(&p)), 0x4000000, 0); e != syscall.EINVAL {
		t.Errorf("pipe2 bad flags: %v, want EINVAL", e)
	}
	if _, _, e := syscall.RawSyscall(syscall.SYS_PIPE2, 8, 0, 0); e != syscall.EFAULT {
		t.Errorf("pipe2 bad pointer: %v, want EFAULT", e)
	}
	if _, err := syscall.Read(1000, make([]byte, 1)); err != syscall.EBADF {
		t.Errorf("read of a closed fd: %v, want EBADF", err)
	}
	if _, err := syscall.Write(-1, []byte("x")); err != syscall.EBADF {
		t.Errorf("write to fd -1: %v, want EBADF", err)
	}
	r, w := pipe(t, 0)
	syscall.Write(w, []byte("x"))
	if _, _, e := syscall.RawSyscall(syscall.SYS_READ, uintptr(r), 8, 1); e != syscall.EFAULT {
		t.Errorf("read into a bad pointer: %v, want EFAULT", e)
	}
	if _, _, e := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(w), 8, 1); e != syscall.EFAULT {
		t.Errorf("write from a bad pointer: %v, want EFAULT", e)
	}
}

func TestPipeNonblocking(t *testing.T) {
	r, w := pipe(t, syscall.O_NONBLOCK)
	buf := make([]byte, 8)
	if _, err := syscall.Read(r, buf); err != syscall.EAGAIN {
		t.Fatalf("read of an empty non-blocking pipe: %v, want EAGAIN", err)
	}
	big := make([]byte, 1<<20)
	n, err := syscall.Write(w, big)
	if n != 65536 || err != nil {
		t.Fatalf("write of 1 MiB into an empty pipe: %d, %v, want 65536 (its capacity)", n, err)
	}
	if _, err := syscall.Write(w, []byte("x")); err != syscall.EAGAIN {
		t.Fatalf("write to a full non-blocking pipe: %v, want EAGAIN", err)
	}
	syscall.Close(w)
	total := 0
	for {
		n, err := syscall.Read(r, big)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if n == 0 {
			break
		}
		total += n
	}
	if total != 65536 {
		t.Fatalf("read %d bytes back, want 65536", total)
	}
}

func TestPipeBlocking(t *testing.T) {
	r, w := pipe(t, 0)
	go func() {
		time.Sleep(20 * time.Millisecond)
		syscall.Write(w, []byte("late"))
	}()
	buf := make([]byte, 8)
	if n, err := syscall.Read(r, buf); n != 4 || err != nil || string(buf[:4]) != "late" {
		t.Fatalf("blocking read: %d, %v, %q", n, err, buf[:n])
	}
	// A blocking write larger than the pipe completes as the reader drains.
	data := bytes.Repeat([]byte("0123456789abcdef"), 20000) // 320000 bytes
	done := make(chan int)
	go func() {
		n, _ := syscall.Write(w, data)
		done <- n
	}()
	got := make([]byte, 0, len(data))
	for len(got) < len(data) {
		n, err := syscall.Read(r, buf[:cap(buf)])
		if err != nil || n == 0 {
			t.Fatalf("read: %d, %v", n, err)
		}
		got = append(got, buf[:n]...)
		if len(got) < 64 {
			buf = make([]byte, 4096)
		}
	}
	if n := <-done; n != len(data) || !bytes.Equal(got, data) {
		t.Fatalf("blocking write returned %d; data equal: %v", n, bytes.Equal(got, data))
	}
}

func TestPipeEOFAndEPIPE(t *testing.T) {
	r, w := pipe(t, 0)
	syscall.Close(w)
	if n, err := syscall.Read(r, make([]byte, 4)); n != 0 || err != nil {
		t.Errorf("read after the writer closed: %d, %v, want 0 (EOF)", n, err)
	}
	r2, w2 := pipe(t, 0)
	syscall.Close(r2)
	if _, err := syscall.Write(w2, []byte("x")); err != syscall.EPIPE {
		t.Errorf("write without a reader: %v, want EPIPE", err)
	}
}

// TestOsPipe goes through os.Pipe, the runtime's netpoller and the
// descriptors' edge-triggered epoll, as testing's Example capture does.
func TestOsPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go func() {
		for i := 0; i < 100; i++ {
			w.Write([]byte("line of output\n"))
			if i%10 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
		w.Close()
	}()
	b, err := io.ReadAll(r)
	if err != nil || len(b) != 1500 {
		t.Fatalf("ReadAll: %d bytes, %v", len(b), err)
	}
	r.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
}

func TestOsPipeDeadline(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	r.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, err := r.Read(make([]byte, 1)); !os.IsTimeout(err) {
		t.Fatalf("read past its deadline: %v, want a timeout", err)
	}
}

func TestDup(t *testing.T) {
	r, w := pipe(t, 0)
	d, err := syscall.Dup(w)
	if err != nil || d == w {
		t.Fatalf("dup: %d, %v", d, err)
	}
	syscall.Write(d, []byte("via dup"))
	syscall.Close(d)
	buf := make([]byte, 16)
	if n, _ := syscall.Read(r, buf); string(buf[:n]) != "via dup" {
		t.Fatalf("read %q", buf[:n])
	}
	if err := syscall.Dup2(w, 200); err != nil {
		t.Fatalf("dup2: %v", err)
	}
	defer syscall.Close(200)
	if err := syscall.Dup3(w, 200, 0); err != nil {
		t.Fatalf("dup3 onto an open fd: %v", err)
	}
	if err := syscall.Dup3(w, w, 0); err != syscall.EINVAL {
		t.Errorf("dup3 to itself: %v, want EINVAL", err)
	}
	if err := syscall.Dup3(w, 201, 0x1); err != syscall.EINVAL {
		t.Errorf("dup3 bad flags: %v, want EINVAL", err)
	}
	if _, err := syscall.Dup(999); err != syscall.EBADF {
		t.Errorf("dup of a closed fd: %v, want EBADF", err)
	}
	if err := syscall.Dup2(999, 300); err != syscall.EBADF {
		t.Errorf("dup2 of a closed fd: %v, want EBADF", err)
	}
	if err := syscall.Dup2(w, 1<<20); err != syscall.EBADF {
		t.Errorf("dup2 beyond the limit: %v, want EBADF", err)
	}
	// The write end stays open through 200: closing w leaves no EOF yet.
	syscall.Close(w)
	syscall.Write(200, []byte("z"))
	if n, _ := syscall.Read(r, buf); n != 1 {
		t.Fatalf("read through the dup'd end: %d", n)
	}
}

func fcntl(fd, cmd, arg int) (int, syscall.Errno) {
	r, _, e := syscall.RawSyscall(syscall.SYS_FCNTL, uintptr(fd), uintptr(cmd), uintptr(arg))
	return int(r), e
}

func TestFcntl(t *testing.T) {
	r, _ := pipe(t, syscall.O_CLOEXEC)
	if v, e := fcntl(r, syscall.F_GETFD, 0); e != 0 || v != syscall.FD_CLOEXEC {
		t.Errorf("F_GETFD of an O_CLOEXEC pipe: %d, %v", v, e)
	}
	fcntl(r, syscall.F_SETFD, 0)
	if v, _ := fcntl(r, syscall.F_GETFD, 0); v != 0 {
		t.Errorf("F_GETFD after clearing: %d", v)
	}
	if v, _ := fcntl(r, syscall.F_GETFL, 0); v&syscall.O_NONBLOCK != 0 || v&syscall.O_ACCMODE != syscall.O_RDONLY {
		t.Errorf("F_GETFL: %#x", v)
	}
	fcntl(r, syscall.F_SETFL, syscall.O_NONBLOCK)
	if v, _ := fcntl(r, syscall.F_GETFL, 0); v&syscall.O_NONBLOCK == 0 {
		t.Errorf("F_GETFL after F_SETFL O_NONBLOCK: %#x", v)
	}
	if _, err := syscall.Read(r, make([]byte, 1)); err != syscall.EAGAIN {
		t.Errorf("read after F_SETFL O_NONBLOCK: %v, want EAGAIN", err)
	}
	d, e := fcntl(r, syscall.F_DUPFD_CLOEXEC, 100)
	if e != 0 || d < 100 {
		t.Fatalf("F_DUPFD_CLOEXEC 100: %d, %v", d, e)
	}
	if v, _ := fcntl(d, syscall.F_GETFD, 0); v != syscall.FD_CLOEXEC {
		t.Errorf("F_GETFD of the F_DUPFD_CLOEXEC copy: %d", v)
	}
	// Status flags belong to the open file description: the copy shares them.
	if v, _ := fcntl(d, syscall.F_GETFL, 0); v&syscall.O_NONBLOCK == 0 {
		t.Errorf("dup'd descriptor lost O_NONBLOCK: %#x", v)
	}
	syscall.Close(d)
	if _, e := fcntl(999, syscall.F_GETFD, 0); e != syscall.EBADF {
		t.Errorf("F_GETFD of a closed fd: %v, want EBADF", e)
	}
	if _, e := fcntl(r, 9999, 0); e != syscall.EINVAL {
		t.Errorf("unknown command: %v, want EINVAL", e)
	}
	for fd := 0; fd <= 2; fd++ {
		if _, e := fcntl(fd, syscall.F_GETFD, 0); e != 0 {
			t.Errorf("F_GETFD of %d: %v", fd, e)
		}
	}
}

func TestCloseRange(t *testing.T) {
	r, w := pipe(t, 0)
	for _, fd := range []int{400, 401, 402} {
		syscall.Dup2(w, fd)
	}
	if _, _, e := syscall.RawSyscall(436, 400, 401, 4 /* CLOSE_RANGE_CLOEXEC */); e != 0 {
		t.Fatalf("close_range CLOEXEC: %v", e)
	}
	if v, _ := fcntl(400, syscall.F_GETFD, 0); v != syscall.FD_CLOEXEC {
		t.Errorf("F_GETFD after close_range CLOEXEC: %d", v)
	}
	if _, _, e := syscall.RawSyscall(436, 400, 402, 0); e != 0 {
		t.Fatalf("close_range: %v", e)
	}
	for _, fd := range []int{400, 401, 402} {
		if _, e := fcntl(fd, syscall.F_GETFD, 0); e != syscall.EBADF {
			t.Errorf("fd %d after close_range: %v, want EBADF", fd, e)
		}
	}
	if _, _, e := syscall.RawSyscall(436, 5, 4, 0); e != syscall.EINVAL {
		t.Errorf("close_range first > last: %v, want EINVAL", e)
	}
	if _, _, e := syscall.RawSyscall(436, 400, 402, 0x80); e != syscall.EINVAL {
		t.Errorf("close_range bad flags: %v, want EINVAL", e)
	}
	if err := syscall.Close(400); err != syscall.EBADF {
		t.Errorf("close of a closed fd: %v, want EBADF", err)
	}
	_ = r
}

func TestEventfd(t *testing.T) {
	fd, _, e := syscall.RawSyscall(syscall.SYS_EVENTFD2, 3, syscall.O_NONBLOCK|1 /* EFD_SEMAPHORE */, 0)
	if e != 0 {
		t.Fatalf("eventfd2: %v", e)
	}
	defer syscall.Close(int(fd))
	b := make([]byte, 8)
	for i := 0; i < 3; i++ {
		if n, err := syscall.Read(int(fd), b); n != 8 || err != nil || b[0] != 1 {
			t.Fatalf("semaphore read %d: %d, %v, %v", i, n, err, b)
		}
	}
	if _, err := syscall.Read(int(fd), b); err != syscall.EAGAIN {
		t.Fatalf("read of a zero eventfd: %v, want EAGAIN", err)
	}
	if _, err := syscall.Read(int(fd), b[:4]); err != syscall.EINVAL {
		t.Errorf("4-byte read: %v, want EINVAL", err)
	}
	all := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	if _, err := syscall.Write(int(fd), all); err != syscall.EINVAL {
		t.Errorf("write of 2^64-1: %v, want EINVAL", err)
	}
	if _, _, e := syscall.RawSyscall(syscall.SYS_EVENTFD2, 0, 0x40, 0); e != syscall.EINVAL {
		t.Errorf("eventfd2 bad flags: %v, want EINVAL", e)
	}
}

func TestEpollPipe(t *testing.T) {
	r, w := pipe(t, syscall.O_NONBLOCK)
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(ep)
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | -syscall.EPOLLET, Fd: int32(r)}
	if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, r, &ev); err != nil {
		t.Fatal(err)
	}
	if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, r, &ev); err != syscall.EEXIST {
		t.Errorf("second ADD: %v, want EEXIST", err)
	}
	if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_MOD, w, &ev); err != syscall.ENOENT {
		t.Errorf("MOD of an unregistered fd: %v, want ENOENT", err)
	}
	if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, 999, &ev); err != syscall.EBADF {
		t.Errorf("ADD of a closed fd: %v, want EBADF", err)
	}
	if err := syscall.EpollCtl(r, syscall.EPOLL_CTL_ADD, w, &ev); err != syscall.EINVAL {
		t.Errorf("ADD on a non-epoll fd: %v, want EINVAL", err)
	}
	evs := make([]syscall.EpollEvent, 4)
	if n, _ := syscall.EpollWait(ep, evs, 0); n != 0 {
		t.Fatalf("empty pipe reported ready (%d)", n)
	}
	syscall.Write(w, []byte("x"))
	if n, _ := syscall.EpollWait(ep, evs, 1000); n != 1 || evs[0].Fd != int32(r) || evs[0].Events&syscall.EPOLLIN == 0 {
		t.Fatalf("after a write: %d events %+v", n, evs[0])
	}
	// Edge-triggered: no new event until the pipe changes again.
	if n, _ := syscall.EpollWait(ep, evs, 0); n != 0 {
		t.Fatalf("edge-triggered item reported twice without a change")
	}
	syscall.Write(w, []byte("y"))
	if n, _ := syscall.EpollWait(ep, evs, 1000); n != 1 {
		t.Fatalf("second write: %d events", n)
	}
	syscall.Close(w)
	if n, _ := syscall.EpollWait(ep, evs, 1000); n != 1 || evs[0].Events&syscall.EPOLLHUP == 0 {
		t.Fatalf("after the writer closed: %d events %+v, want EPOLLHUP", n, evs[0])
	}
	if _, _, e := syscall.RawSyscall6(syscall.SYS_EPOLL_WAIT, uintptr(ep), uintptr(unsafe.Pointer(&evs[0])), 0, 0, 0, 0); e != syscall.EINVAL {
		t.Errorf("epoll_wait maxevents 0: %v, want EINVAL", e)
	}
}

// TestPipeReadRestarted: a blocking pipe read interrupted by a signal
// whose handler has SA_RESTART (all of Go's) is restarted, as Linux's
// pipe_read returns -ERESTARTSYS; it does not fail with EINTR. At -smp 4
// the runtime's own SIGURG made TestPipeBlocking's read fail that way.
func TestPipeReadRestarted(t *testing.T) {
	r, w := pipe(t, 0)
	tids := make(chan int, 1)
	type result struct {
		n   int
		err error
	}
	res := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		tids <- syscall.Gettid()
		buf := make([]byte, 8)
		n, err := syscall.Read(r, buf)
		res <- result{n, err}
	}()
	tid := <-tids
	for range 5 {
		time.Sleep(10 * time.Millisecond)
		if err := syscall.Tgkill(syscall.Getpid(), tid, syscall.SIGURG); err != nil {
			t.Fatalf("tgkill: %v", err)
		}
	}
	syscall.Write(w, []byte("x"))
	if got := <-res; got.n != 1 || got.err != nil {
		t.Fatalf("read after signals: %d, %v (want 1, nil: restarted)", got.n, got.err)
	}
}
