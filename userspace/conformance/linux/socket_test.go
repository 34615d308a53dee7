package linux

import (
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"unsafe"
)

// socketpair(AF_UNIX, SOCK_STREAM) and the calls on its ends.

func socketpair(t *testing.T, typ int) (int, int) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, typ, 0)
	if err != nil {
		t.Fatalf("socketpair: %v", err)
	}
	t.Cleanup(func() { syscall.Close(fds[0]); syscall.Close(fds[1]) })
	return fds[0], fds[1]
}

func TestSocketpair(t *testing.T) {
	a, b := socketpair(t, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC)
	for _, d := range [][2]int{{a, b}, {b, a}} {
		if n, err := syscall.Write(d[0], []byte("ping")); n != 4 || err != nil {
			t.Fatalf("write: %d, %v", n, err)
		}
		buf := make([]byte, 8)
		if n, err := syscall.Read(d[1], buf); n != 4 || err != nil || string(buf[:4]) != "ping" {
			t.Fatalf("read: %d, %v, %q", n, err, buf[:n])
		}
	}
	if err := syscall.Sendto(a, []byte("to"), 0, nil); err != nil {
		t.Fatalf("sendto: %v", err)
	}
	buf := make([]byte, 8)
	if n, _, err := syscall.Recvfrom(b, buf, 0); n != 2 || err != nil {
		t.Fatalf("recvfrom: %d, %v", n, err)
	}
	if _, _, err := syscall.Recvfrom(b, buf, syscall.MSG_DONTWAIT); err != syscall.EAGAIN {
		t.Errorf("recvfrom MSG_DONTWAIT on an empty socket: %v, want EAGAIN", err)
	}
	if v, err := syscall.GetsockoptInt(a, syscall.SOL_SOCKET, syscall.SO_TYPE); err != nil || v != syscall.SOCK_STREAM {
		t.Errorf("SO_TYPE: %d, %v", v, err)
	}
	if err := syscall.Shutdown(a, syscall.SHUT_WR); err != nil {
		t.Fatal(err)
	}
	if n, err := syscall.Read(b, buf); n != 0 || err != nil {
		t.Errorf("read after the peer's SHUT_WR: %d, %v, want end of file", n, err)
	}
	if _, err := syscall.Write(b, []byte("back")); err != nil {
		t.Errorf("the other direction after SHUT_WR: %v", err)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(a, &st); err != nil || st.Mode&syscall.S_IFMT != syscall.S_IFSOCK {
		t.Errorf("fstat: %#o, %v", st.Mode, err)
	}
}

func TestSocketErrors(t *testing.T) {
	if _, err := syscall.Socketpair(syscall.AF_INET, syscall.SOCK_STREAM, 0); err != syscall.EAFNOSUPPORT {
		t.Errorf("socketpair AF_INET: %v, want EAFNOSUPPORT", err)
	}
	if _, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 7); err != syscall.EPROTONOSUPPORT {
		t.Errorf("socketpair protocol 7: %v, want EPROTONOSUPPORT", err)
	}
	if _, _, e := syscall.RawSyscall6(syscall.SYS_SOCKETPAIR, syscall.AF_UNIX, syscall.SOCK_STREAM, 0, 8, 0, 0); e != syscall.EFAULT {
		t.Errorf("socketpair bad pointer: %v, want EFAULT", e)
	}
	if _, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0); err != syscall.EAFNOSUPPORT {
		t.Errorf("socket AF_INET: %v, want EAFNOSUPPORT (no network stack yet)", err)
	}
	r, _ := pipe(t, 0)
	if err := syscall.Shutdown(r, syscall.SHUT_WR); err != syscall.ENOTSOCK {
		t.Errorf("shutdown of a pipe: %v, want ENOTSOCK", err)
	}
	if err := syscall.Shutdown(999, syscall.SHUT_WR); err != syscall.EBADF {
		t.Errorf("shutdown of a closed fd: %v, want EBADF", err)
	}
	a, _ := socketpair(t, syscall.SOCK_STREAM)
	if err := syscall.Shutdown(a, 3); err != syscall.EINVAL {
		t.Errorf("shutdown how=3: %v, want EINVAL", err)
	}
	var msg syscall.Msghdr
	ctl := make([]byte, 24)
	msg.Control = &ctl[0]
	msg.Controllen = 24
	if _, _, e := syscall.RawSyscall(syscall.SYS_SENDMSG, uintptr(a), uintptr(unsafe.Pointer(&msg)), 0); e != syscall.EOPNOTSUPP {
		t.Errorf("sendmsg with ancillary data: %v, want EOPNOTSUPP", e)
	}
}

// TestSocketpairNet runs a socketpair end through net.FileConn and the
// runtime's netpoller.
func TestSocketpairNet(t *testing.T) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	f0, f1 := os.NewFile(uintptr(fds[0]), "s0"), os.NewFile(uintptr(fds[1]), "s1")
	c0, err := net.FileConn(f0)
	if err != nil {
		t.Fatalf("FileConn: %v", err)
	}
	f0.Close()
	defer c0.Close()
	go func() {
		f1.Write([]byte("over the netpoller"))
		f1.Close()
	}()
	b, err := io.ReadAll(c0)
	if err != nil || string(b) != "over the netpoller" {
		t.Fatalf("ReadAll: %q, %v", b, err)
	}
}
