package linux

import (
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"unsafe"
)

// UNIX-domain sockets bound to paths in the namespace (a socket node in
// the tmpfs) and to abstract names: bind/listen/accept/connect.

func unixSocket(t *testing.T) int {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("socket: %v", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	return fd
}

// TestUnixListen runs Go's net package over a path: listen, dial, echo,
// the addresses both ends see, the socket node in the directory.
func TestUnixListen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if st, err := os.Lstat(path); err != nil || st.Mode()&os.ModeSocket == 0 {
		t.Fatalf("socket node: %v, %v", st, err)
	}
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		if c.LocalAddr().String() != path {
			t.Errorf("accepted conn's local address %q, want %q", c.LocalAddr(), path)
		}
		_, err = io.Copy(c, c)
		done <- err
	}()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	if c.RemoteAddr().String() != path {
		t.Errorf("dialed conn's remote address %q, want %q", c.RemoteAddr(), path)
	}
	msg := []byte("hello over a named socket")
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != string(msg) {
		t.Fatalf("echo: %q, %v", buf, err)
	}
	c.(*net.UnixConn).CloseWrite()
	if err := <-done; err != nil {
		t.Errorf("server: %v", err)
	}
	c.Close()
	// A second bind of the path: EADDRINUSE.
	if _, err := net.Listen("unix", path); !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("second listen: %v, want EADDRINUSE", err)
	}
	// Opening the node: ENXIO.
	if _, err := os.Open(path); !errors.Is(err, syscall.ENXIO) {
		t.Errorf("open of a socket node: %v, want ENXIO", err)
	}
	ln.Close() // unlinks the path (net's default)
	if _, err := net.Dial("unix", path); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("dial after close: %v, want ENOENT", err)
	}
}

func TestUnixAbstract(t *testing.T) {
	ln, err := net.Listen("unix", "@beryl-conformance")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Write([]byte("x"))
			c.Close()
		}
	}()
	c, err := net.Dial("unix", "@beryl-conformance")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b, err := io.ReadAll(c)
	if err != nil || string(b) != "x" {
		t.Errorf("read %q, %v", b, err)
	}
	if _, err := net.Listen("unix", "@beryl-conformance"); !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("second abstract listen: %v, want EADDRINUSE", err)
	}
}

func TestUnixRefused(t *testing.T) {
	dir := t.TempDir()
	// Bound but not listening, then closed (a stale node): ECONNREFUSED.
	path := filepath.Join(dir, "stale")
	s := unixSocket(t)
	if err := syscall.Bind(s, &syscall.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	c := unixSocket(t)
	if err := syscall.Connect(c, &syscall.SockaddrUnix{Name: path}); err != syscall.ECONNREFUSED {
		t.Errorf("connect to a socket not listening: %v, want ECONNREFUSED", err)
	}
	syscall.Close(s)
	if err := syscall.Connect(c, &syscall.SockaddrUnix{Name: path}); err != syscall.ECONNREFUSED {
		t.Errorf("connect to a stale node: %v, want ECONNREFUSED", err)
	}
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	if err := syscall.Connect(c, &syscall.SockaddrUnix{Name: file}); err != syscall.ECONNREFUSED {
		t.Errorf("connect to a regular file: %v, want ECONNREFUSED", err)
	}
	if err := syscall.Connect(c, &syscall.SockaddrUnix{Name: filepath.Join(dir, "none")}); err != syscall.ENOENT {
		t.Errorf("connect to a missing path: %v, want ENOENT", err)
	}
	if err := syscall.Connect(c, &syscall.SockaddrUnix{Name: "@beryl-nobody"}); err != syscall.ECONNREFUSED {
		t.Errorf("connect to an unbound abstract name: %v, want ECONNREFUSED", err)
	}
}

func TestUnixErrors(t *testing.T) {
	dir := t.TempDir()
	s := unixSocket(t)
	if _, _, e := syscall.Syscall(syscall.SYS_BIND, uintptr(s), 8, 20); e != syscall.EFAULT {
		t.Errorf("bind bad pointer: %v, want EFAULT", e)
	}
	sa := []byte{1, 0, 'x', 0}
	if _, _, e := syscall.Syscall(syscall.SYS_BIND, uintptr(s), uintptr(unsafe.Pointer(&sa[0])), 1); e != syscall.EINVAL {
		t.Errorf("bind length 1: %v, want EINVAL", e)
	}
	if _, _, e := syscall.Syscall(syscall.SYS_BIND, uintptr(s), uintptr(unsafe.Pointer(&sa[0])), 111); e != syscall.EINVAL {
		t.Errorf("bind length 111: %v, want EINVAL", e)
	}
	inet := []byte{2, 0, 'x', 0}
	if _, _, e := syscall.Syscall(syscall.SYS_BIND, uintptr(s), uintptr(unsafe.Pointer(&inet[0])), 4); e != syscall.EINVAL {
		t.Errorf("bind AF_INET address: %v, want EINVAL", e)
	}
	r, _ := pipe(t, 0)
	if err := syscall.Bind(r, &syscall.SockaddrUnix{Name: filepath.Join(dir, "p")}); err != syscall.ENOTSOCK {
		t.Errorf("bind a pipe: %v, want ENOTSOCK", err)
	}
	if err := syscall.Bind(999, &syscall.SockaddrUnix{Name: filepath.Join(dir, "p")}); err != syscall.EBADF {
		t.Errorf("bind a closed fd: %v, want EBADF", err)
	}
	if err := syscall.Bind(s, &syscall.SockaddrUnix{Name: "/boot/sock"}); err != syscall.EROFS {
		t.Errorf("bind in a read-only tree: %v, want EROFS", err)
	}
	if err := syscall.Listen(s, 5); err != syscall.EINVAL {
		t.Errorf("listen unbound: %v, want EINVAL", err)
	}
	if _, _, err := syscall.Accept4(s, 0); err != syscall.EINVAL {
		t.Errorf("accept not listening: %v, want EINVAL", err)
	}
	if _, err := syscall.Getpeername(s); err != syscall.ENOTCONN {
		t.Errorf("getpeername unconnected: %v, want ENOTCONN", err)
	}
	if _, err := syscall.Write(s, []byte("x")); err != syscall.ENOTCONN {
		t.Errorf("write unconnected: %v, want ENOTCONN", err)
	}
	// Autobind: an empty address gets an abstract name of 5 hex digits.
	if _, _, e := syscall.Syscall(syscall.SYS_BIND, uintptr(s), uintptr(unsafe.Pointer(&sa[0])), 2); e != 0 {
		t.Fatalf("autobind: %v", e)
	}
	var name [110]byte
	l := uint32(len(name))
	if _, _, e := syscall.Syscall(syscall.SYS_GETSOCKNAME, uintptr(s), uintptr(unsafe.Pointer(&name[0])), uintptr(unsafe.Pointer(&l))); e != 0 || l != 8 || name[2] != 0 {
		t.Errorf("getsockname after autobind: %v, length %d, %q", e, l, name[:l])
	}
	if err := syscall.Bind(s, &syscall.SockaddrUnix{Name: filepath.Join(dir, "again")}); err != syscall.EINVAL {
		t.Errorf("second bind: %v, want EINVAL", err)
	}
	if err := syscall.Listen(s, 1); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(s, 2); err != nil {
		t.Errorf("listen again (a new backlog): %v", err)
	}
	syscall.SetNonblock(s, true)
	if _, _, err := syscall.Accept4(s, 0); err != syscall.EAGAIN {
		t.Errorf("non-blocking accept with nothing queued: %v, want EAGAIN", err)
	}
	if _, _, err := syscall.Accept4(s, 0x1234); err != syscall.EINVAL {
		t.Errorf("accept4 bad flags: %v, want EINVAL", err)
	}
	if v, err := syscall.GetsockoptInt(s, syscall.SOL_SOCKET, syscall.SO_ACCEPTCONN); err != nil || v != 1 {
		t.Errorf("SO_ACCEPTCONN: %d, %v", v, err)
	}
	// Connect: a connected socket is EISCONN; a listener EINVAL; a bad
	// pointer EFAULT.
	sn, _ := syscall.Getsockname(s)
	c := unixSocket(t)
	if _, _, e := syscall.Syscall(syscall.SYS_CONNECT, uintptr(c), 8, 20); e != syscall.EFAULT {
		t.Errorf("connect bad pointer: %v, want EFAULT", e)
	}
	if err := syscall.Connect(c, sn); err != nil {
		t.Fatalf("connect to the autobound name: %v", err)
	}
	if err := syscall.Connect(c, sn); err != syscall.EISCONN {
		t.Errorf("second connect: %v, want EISCONN", err)
	}
	if err := syscall.Connect(s, sn); err != syscall.EINVAL {
		t.Errorf("connect a listener: %v, want EINVAL", err)
	}
	a, _, err := syscall.Accept4(s, syscall.SOCK_CLOEXEC)
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	defer syscall.Close(a)
	if _, _, e := syscall.Syscall6(syscall.SYS_ACCEPT4, uintptr(s), 8, 8, 0, 0, 0); e != syscall.EFAULT {
		t.Errorf("accept4 bad address length pointer: %v, want EFAULT", e)
	}
	if err := syscall.Sendto(c, []byte("x"), 0, sn); err != syscall.EISCONN {
		t.Errorf("sendto with an address on a connected socket: %v, want EISCONN", err)
	}
	// Unsupported kinds, as documented in syscall/STATUS.md.
	for _, typ := range []int{syscall.SOCK_DGRAM, syscall.SOCK_SEQPACKET} {
		if _, err := syscall.Socket(syscall.AF_UNIX, typ, 0); err != syscall.ESOCKTNOSUPPORT {
			t.Errorf("socket type %d: %v, want ESOCKTNOSUPPORT", typ, err)
		}
	}
}
