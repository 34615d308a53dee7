package linux

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// The path calls through the namespace: init (zxrun and the conformance
// suite alike) serves a tmpfs at /tmp, /dev and the boot filesystem at
// /boot, each from a directory server of userspace/fs.

func TestTmpFiles(t *testing.T) {
	dir, err := os.MkdirTemp("", "conf")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "a.txt")
	if err := os.WriteFile(p, []byte("hello, world"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil || string(b) != "hello, world" {
		t.Fatalf("ReadFile: %q, %v", b, err)
	}
	f, err := os.OpenFile(p, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("!")
	if _, err := f.Seek(7, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(f)
	if string(rest) != "world!" {
		t.Errorf("read after seek: %q", rest)
	}
	buf := make([]byte, 5)
	if n, err := f.ReadAt(buf, 0); n != 5 || err != nil || string(buf) != "hello" {
		t.Errorf("pread: %d, %v, %q", n, err, buf)
	}
	if err := f.Truncate(5); err != nil {
		t.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil || st.Size() != 5 || !st.Mode().IsRegular() {
		t.Errorf("fstat after truncate: %v, %v", st, err)
	}
	f.Close()

	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); !errors.Is(err, os.ErrExist) {
		t.Errorf("second mkdir: %v, want EEXIST", err)
	}
	if err := os.Rename(p, filepath.Join(dir, "sub", "b.txt")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stat of the renamed file: %v, want ENOENT", err)
	}
	if err := os.Symlink("sub/b.txt", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if target, err := os.Readlink(filepath.Join(dir, "link")); err != nil || target != "sub/b.txt" {
		t.Errorf("readlink: %q, %v", target, err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "link")); err != nil || string(b) != "hello" {
		t.Errorf("read through the symlink: %q, %v", b, err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if len(names) != 2 || names[0] != "link" || names[1] != "sub" {
		t.Errorf("ReadDir: %v", names)
	}
	if err := syscall.Rmdir(filepath.Join(dir, "sub")); err != syscall.ENOTEMPTY {
		t.Errorf("rmdir of a non-empty directory: %v, want ENOTEMPTY", err)
	}
	if err := syscall.Unlink(filepath.Join(dir, "sub")); err != syscall.EISDIR {
		t.Errorf("unlink of a directory: %v, want EISDIR", err)
	}
	if _, err := os.Open(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("open of a missing file: %v", err)
	}
	if _, err := os.OpenFile(filepath.Join(dir, "sub", "b.txt"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600); !errors.Is(err, os.ErrExist) {
		t.Errorf("O_EXCL on an existing file: %v", err)
	}
	if err := os.Rename(filepath.Join(dir, "sub"), "/dev/sub"); err == nil {
		t.Errorf("rename across servers succeeded")
	}
}

func TestWorkingDirectory(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil || !filepath.IsAbs(wd) {
		t.Fatalf("Getwd: %q, %v", wd, err)
	}
	defer os.Chdir(wd)
	dir := t.TempDir()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.Getwd(); got != dir {
		t.Errorf("Getwd after Chdir(%s): %s", dir, got)
	}
	os.WriteFile("rel", []byte("x"), 0o644)
	if _, err := os.Stat(filepath.Join(dir, "rel")); err != nil {
		t.Errorf("a relative create did not land in the working directory: %v", err)
	}
	if err := os.Chdir("/dev/null"); err == nil {
		t.Errorf("chdir to a device succeeded")
	}
	var small [2]byte
	if _, _, e := syscall.RawSyscall(syscall.SYS_GETCWD, uintptr(unsafe.Pointer(&small[0])), 2, 0); e != syscall.ERANGE {
		t.Errorf("getcwd into 2 bytes: %v, want ERANGE", e)
	}
	if _, _, e := syscall.RawSyscall(syscall.SYS_GETCWD, 8, 4096, 0); e != syscall.EFAULT {
		t.Errorf("getcwd into a bad pointer: %v, want EFAULT", e)
	}
}

func TestDev(t *testing.T) {
	b, err := os.ReadFile("/dev/null")
	if err != nil || len(b) != 0 {
		t.Errorf("/dev/null: %q, %v", b, err)
	}
	f, err := os.OpenFile("/dev/null", os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := f.Write(make([]byte, 100)); n != 100 || err != nil {
		t.Errorf("write to /dev/null: %d, %v", n, err)
	}
	f.Close()
	z, _ := os.Open("/dev/zero")
	buf := []byte{1, 2, 3}
	if n, _ := z.Read(buf); n != 3 || buf[0]|buf[1]|buf[2] != 0 {
		t.Errorf("/dev/zero: %v", buf)
	}
	z.Close()
	r, _ := os.Open("/dev/urandom")
	rb := make([]byte, 64)
	if n, _ := io.ReadFull(r, rb); n != 64 {
		t.Errorf("/dev/urandom gave %d bytes", n)
	}
	r.Close()
	if st, err := os.Stat("/dev/null"); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("stat /dev/null: %v, %v", st, err)
	}
	if err := os.WriteFile("/dev/newfile", nil, 0o644); !errors.Is(err, syscall.EROFS) {
		t.Errorf("create in /dev: %v, want EROFS", err)
	}
}

func TestPathErrors(t *testing.T) {
	if _, _, e := syscall.RawSyscall6(syscall.SYS_OPENAT, uintptr(0xffffff9c), 8, 0, 0, 0, 0); e != syscall.EFAULT {
		t.Errorf("openat with a bad path pointer: %v, want EFAULT", e)
	}
	p, _ := syscall.BytePtrFromString("x")
	if _, _, e := syscall.RawSyscall6(syscall.SYS_OPENAT, 999, uintptr(unsafe.Pointer(p)), 0, 0, 0, 0); e != syscall.EBADF {
		t.Errorf("openat relative to a closed dirfd: %v, want EBADF", e)
	}
	r, _ := pipe(t, 0)
	if _, _, e := syscall.RawSyscall6(syscall.SYS_OPENAT, uintptr(r), uintptr(unsafe.Pointer(p)), 0, 0, 0, 0); e != syscall.ENOTDIR {
		t.Errorf("openat relative to a pipe: %v, want ENOTDIR", e)
	}
	if _, err := syscall.Seek(r, 0, 0); err != syscall.ESPIPE {
		t.Errorf("lseek on a pipe: %v, want ESPIPE", err)
	}
	if _, err := syscall.Pread(r, make([]byte, 1), 0); err != syscall.ESPIPE {
		t.Errorf("pread on a pipe: %v, want ESPIPE", err)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(r, &st); err != nil || st.Mode&syscall.S_IFMT != syscall.S_IFIFO {
		t.Errorf("fstat of a pipe: %#o, %v", st.Mode, err)
	}
	d, err := os.Open("/tmp")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Read(make([]byte, 4)); err == nil {
		t.Errorf("read of a directory succeeded")
	}
	if _, err := syscall.Getdents(r, make([]byte, 512)); err != syscall.ENOTDIR {
		t.Errorf("getdents64 on a pipe: %v, want ENOTDIR", err)
	}
	if _, err := os.ReadFile("/boot/bin/init"); err != nil {
		t.Errorf("read /boot/bin/init: %v", err)
	}
	if err := os.WriteFile("/boot/x", nil, 0o644); !errors.Is(err, syscall.EROFS) {
		t.Errorf("create in /boot: %v, want EROFS", err)
	}
}

// TestAbsoluteSymlinks: a symbolic link with an absolute target is
// resolved from the namespace root, so it may lead to another server.
func TestAbsoluteSymlinks(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink("/dev/null", filepath.Join(dir, "null")); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, "null")); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("stat through a link to /dev/null: %v, %v", st, err)
	}
	if st, err := os.Lstat(filepath.Join(dir, "null")); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("lstat of the link: %v, %v", st, err)
	}
	os.Mkdir(filepath.Join(dir, "real"), 0o755)
	if err := os.Symlink(filepath.Join(dir, "real"), filepath.Join(dir, "abs")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "abs", "f"), []byte("through"), 0o644); err != nil {
		t.Fatalf("create through an absolute link: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "real", "f")); err != nil || string(b) != "through" {
		t.Errorf("read back: %q, %v", b, err)
	}
	if got, err := filepath.EvalSymlinks(filepath.Join(dir, "abs", "f")); err != nil || got != filepath.Join(dir, "real", "f") {
		t.Errorf("EvalSymlinks: %q, %v", got, err)
	}
	os.Symlink(filepath.Join(dir, "loop"), filepath.Join(dir, "loop"))
	if _, err := os.Stat(filepath.Join(dir, "loop")); !errors.Is(err, syscall.ELOOP) {
		t.Errorf("stat of a self link: %v, want ELOOP", err)
	}
}

// TestMmapFile maps a served file privately.
func TestMmapFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "m")
	data := make([]byte, 10000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	os.WriteFile(p, data, 0o644)
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := syscall.Mmap(int(f.Fd()), 4096, 8192, syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	for i := range 8192 {
		want := byte(0) // past the end of file
		if 4096+i < len(data) {
			want = data[4096+i]
		}
		if m[i] != want {
			t.Fatalf("byte %d: %d, want %d", i, m[i], want)
		}
	}
	syscall.Munmap(m)
	if _, err := syscall.Mmap(int(f.Fd()), 0, 4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED); err != syscall.EACCES {
		t.Errorf("shared writable mapping of a read-only descriptor: %v, want EACCES", err)
	}
	if _, err := syscall.Mmap(int(f.Fd()), 100, 4096, syscall.PROT_READ, syscall.MAP_PRIVATE); err != syscall.EINVAL {
		t.Errorf("unaligned offset: %v, want EINVAL", err)
	}
	r, _ := pipe(t, 0)
	if _, err := syscall.Mmap(r, 0, 4096, syscall.PROT_READ, syscall.MAP_PRIVATE); err != syscall.ENODEV {
		t.Errorf("mapping a pipe: %v, want ENODEV", err)
	}
	if _, err := syscall.Mmap(999, 0, 4096, syscall.PROT_READ, syscall.MAP_PRIVATE); err != syscall.EBADF {
		t.Errorf("mapping a closed fd: %v, want EBADF", err)
	}
}

// TestProcSelf: the launcher's /proc names the executable, which opens.
func TestProcSelf(t *testing.T) {
	exe, err := os.Executable()
	if err != nil || !strings.HasPrefix(exe, "/boot/") {
		t.Fatalf("os.Executable: %q, %v", exe, err)
	}
	f, err := os.Open("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	magic := make([]byte, 4)
	if _, err := io.ReadFull(f, magic); err != nil || string(magic) != "\x7fELF" {
		t.Errorf("/proc/self/exe starts %q, %v", magic, err)
	}
	f.Close()
	b, err := os.ReadFile("/proc/self/cmdline")
	if err != nil || !strings.HasPrefix(string(b), os.Args[0]+"\x00") {
		t.Errorf("/proc/self/cmdline: %q, %v", b, err)
	}
}

func TestLinksAndModes(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.WriteFile(a, []byte("data"), 0o644)
	if err := os.Link(a, b); err != nil {
		t.Fatalf("link: %v", err)
	}
	sa, _ := os.Stat(a)
	sb, _ := os.Stat(b)
	if !os.SameFile(sa, sb) || sa.Sys().(*syscall.Stat_t).Nlink != 2 {
		t.Errorf("hard link: same file %v, nlink %d", os.SameFile(sa, sb), sa.Sys().(*syscall.Stat_t).Nlink)
	}
	if err := os.Link(a, b); !errors.Is(err, os.ErrExist) {
		t.Errorf("link onto an existing name: %v, want EEXIST", err)
	}
	if err := os.Link(dir, filepath.Join(dir, "d")); !errors.Is(err, syscall.EPERM) {
		t.Errorf("link of a directory: %v, want EPERM", err)
	}
	if err := os.Link(a, "/dev/a"); !errors.Is(err, syscall.EXDEV) {
		t.Errorf("link across servers: %v, want EXDEV", err)
	}
	os.Remove(a)
	if b, err := os.ReadFile(b); err != nil || string(b) != "data" {
		t.Errorf("the second name after removing the first: %q, %v", b, err)
	}
	if err := os.Chmod(b, 0o600); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(b); st.Mode().Perm() != 0o600 {
		t.Errorf("mode after chmod: %v", st.Mode())
	}
	os.Symlink(b, filepath.Join(dir, "l"))
	bp, _ := syscall.BytePtrFromString(filepath.Join(dir, "l"))
	if _, _, e := syscall.Syscall6(452, uintptr(0xffffff9c), uintptr(unsafe.Pointer(bp)), 0o644, 0x100, 0, 0); e != syscall.EOPNOTSUPP {
		t.Errorf("fchmodat2 NOFOLLOW on a link: %v, want EOPNOTSUPP", e)
	}
	if _, err := os.Open(b + "/"); !errors.Is(err, syscall.ENOTDIR) {
		t.Errorf("open of file/: %v, want ENOTDIR", err)
	}
	if _, err := os.Stat(b + "/."); !errors.Is(err, syscall.ENOTDIR) {
		t.Errorf("stat of file/.: %v, want ENOTDIR", err)
	}
	if _, err := os.Stat(dir + "/"); err != nil {
		t.Errorf("stat of dir/: %v", err)
	}
	dangling := filepath.Join(dir, "dangling")
	os.Symlink("nowhere", dangling)
	if _, err := os.OpenFile(dangling, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644); !errors.Is(err, os.ErrExist) {
		t.Errorf("O_EXCL on a dangling link: %v, want EEXIST", err)
	}
	f, err := os.OpenFile(dangling, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatalf("O_CREAT through a dangling link: %v", err)
	}
	f.Close()
	if _, err := os.Stat(filepath.Join(dir, "nowhere")); err != nil {
		t.Errorf("the link's target was not created: %v", err)
	}
}

// TestFifo: a named pipe made with mknodat in the tmpfs is a kernel pipe
// shared by its openers.
func TestFifo(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	if err := syscall.Mkfifo(p, 0o600); err != syscall.EEXIST {
		t.Errorf("mkfifo twice: %v, want EEXIST", err)
	}
	if st, err := os.Stat(p); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("stat: %v, %v", st, err)
	}
	if _, err := syscall.Open(p, syscall.O_WRONLY|syscall.O_NONBLOCK, 0); err != syscall.ENXIO {
		t.Errorf("non-blocking open for writing without a reader: %v, want ENXIO", err)
	}
	done := make(chan []byte)
	go func() {
		b, _ := os.ReadFile(p) // blocks in open until the writer comes
		done <- b
	}()
	w, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.WriteString("through the fifo")
	w.Close()
	if b := <-done; string(b) != "through the fifo" {
		t.Errorf("reader got %q", b)
	}
	if err := syscall.Mknod(filepath.Join(filepath.Dir(p), "dev"), syscall.S_IFCHR|0o600, 0x103); err != syscall.EPERM {
		t.Errorf("mknod of a device: %v, want EPERM", err)
	}
}

// TestBadPointers passes unmapped and kernel addresses to every path and
// descriptor call that takes a pointer: each fails with EFAULT (or, where
// Linux checks something else first, that error), never taking the
// kernel down.
func TestBadPointers(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString("some bytes")
	fd := f.Fd()
	d, _ := os.Open(dir)
	defer d.Close()
	r, w := pipe(t, syscall.O_NONBLOCK)
	syscall.Write(w, []byte("x"))
	s, s2 := socketpair(t, syscall.SOCK_STREAM)
	syscall.Write(s2, []byte("y"))
	ep, _ := syscall.EpollCreate1(0)
	defer syscall.Close(ep)
	good, _ := syscall.BytePtrFromString(filepath.Join(dir, "f"))
	cwd := uintptr(0xffffff9c) // AT_FDCWD
	for _, bad := range []uintptr{8, 0x1000, 0xffff800000000000} {
		calls := []struct {
			name string
			nr   uintptr
			args [6]uintptr
		}{
			{"openat", syscall.SYS_OPENAT, [6]uintptr{cwd, bad, 0}},
			{"newfstatat path", syscall.SYS_NEWFSTATAT, [6]uintptr{cwd, bad, 0, 0}},
			{"newfstatat buf", syscall.SYS_NEWFSTATAT, [6]uintptr{cwd, uintptr(unsafe.Pointer(good)), bad, 0}},
			{"fstat", syscall.SYS_FSTAT, [6]uintptr{fd, bad}},
			{"pread64", syscall.SYS_PREAD64, [6]uintptr{fd, bad, 4, 0}},
			{"pwrite64", syscall.SYS_PWRITE64, [6]uintptr{fd, bad, 4, 0}},
			{"read", syscall.SYS_READ, [6]uintptr{uintptr(r), bad, 1}},
			{"write", syscall.SYS_WRITE, [6]uintptr{fd, bad, 4}},
			{"readv", syscall.SYS_READV, [6]uintptr{fd, bad, 1}},
			{"writev", syscall.SYS_WRITEV, [6]uintptr{fd, bad, 1}},
			{"getdents64", syscall.SYS_GETDENTS64, [6]uintptr{d.Fd(), bad, 4096}},
			{"getcwd", syscall.SYS_GETCWD, [6]uintptr{bad, 4096}},
			{"chdir", syscall.SYS_CHDIR, [6]uintptr{bad}},
			{"mkdirat", syscall.SYS_MKDIRAT, [6]uintptr{cwd, bad, 0o755}},
			{"unlinkat", syscall.SYS_UNLINKAT, [6]uintptr{cwd, bad, 0}},
			{"renameat", syscall.SYS_RENAMEAT, [6]uintptr{cwd, bad, cwd, uintptr(unsafe.Pointer(good))}},
			{"renameat new", syscall.SYS_RENAMEAT, [6]uintptr{cwd, uintptr(unsafe.Pointer(good)), cwd, bad}},
			{"readlinkat", syscall.SYS_READLINKAT, [6]uintptr{cwd, bad, bad, 10}},
			{"symlinkat", syscall.SYS_SYMLINKAT, [6]uintptr{bad, cwd, uintptr(unsafe.Pointer(good))}},
			{"linkat", syscall.SYS_LINKAT, [6]uintptr{cwd, bad, cwd, uintptr(unsafe.Pointer(good)), 0}},
			{"faccessat", syscall.SYS_FACCESSAT, [6]uintptr{cwd, bad, 0}},
			{"fchmodat", syscall.SYS_FCHMODAT, [6]uintptr{cwd, bad, 0o644}},
			{"utimensat times", syscall.SYS_UTIMENSAT, [6]uintptr{cwd, uintptr(unsafe.Pointer(good)), bad, 0}},
			{"mknodat", syscall.SYS_MKNODAT, [6]uintptr{cwd, bad, syscall.S_IFIFO | 0o600}},
			{"epoll_ctl", syscall.SYS_EPOLL_CTL, [6]uintptr{uintptr(ep), 1, uintptr(r), bad}},
			{"epoll_wait", syscall.SYS_EPOLL_WAIT, [6]uintptr{uintptr(ep), bad, 1, 0}},
			{"recvfrom", syscall.SYS_RECVFROM, [6]uintptr{uintptr(s), bad, 1, 0, 0, 0}},
			{"sendto", syscall.SYS_SENDTO, [6]uintptr{uintptr(s), bad, 4, 0, 0, 0}},
			{"sendmsg", syscall.SYS_SENDMSG, [6]uintptr{uintptr(s), bad, 0}},
			{"recvmsg", syscall.SYS_RECVMSG, [6]uintptr{uintptr(s), bad, 0}},
			{"getsockopt", syscall.SYS_GETSOCKOPT, [6]uintptr{uintptr(s), syscall.SOL_SOCKET, syscall.SO_TYPE, bad, bad}},
			{"getsockname", syscall.SYS_GETSOCKNAME, [6]uintptr{uintptr(s), bad, bad}},
		}
		for _, c := range calls {
			_, _, e := syscall.Syscall6(c.nr, c.args[0], c.args[1], c.args[2], c.args[3], c.args[4], c.args[5])
			if e != syscall.EFAULT && !(c.name == "epoll_wait" && e == 0) {
				t.Errorf("%s with pointer %#x: %v, want EFAULT", c.name, bad, e)
			}
		}
	}
	// Nothing was consumed by the failed reads.
	if n, _ := syscall.Read(r, make([]byte, 4)); n != 1 {
		t.Errorf("the pipe lost its byte to failed reads (read %d)", n)
	}
	if n, _ := syscall.Read(s, make([]byte, 4)); n != 1 {
		t.Errorf("the socket lost its byte to failed reads (read %d)", n)
	}
	if names, err := d.Readdirnames(-1); err != nil || len(names) != 1 {
		t.Errorf("the directory lost entries to failed getdents64: %v, %v", names, err)
	}
}

// TestMmapFileShared: a /tmp file mapped MAP_SHARED is the server's VMO:
// stores through the mapping are what read() returns and writes are
// seen through the mapping; MAP_PRIVATE is a copy-on-write snapshot.
func TestMmapFileShared(t *testing.T) {
	p := filepath.Join(t.TempDir(), "shared")
	if err := os.WriteFile(p, []byte(strings.Repeat("a", 5000)), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := syscall.Mmap(int(f.Fd()), 0, 8192, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		t.Fatalf("shared mapping: %v", err)
	}
	defer syscall.Munmap(m)
	copy(m[4090:], "STORE")
	b := make([]byte, 5)
	if _, err := f.ReadAt(b, 4090); err != nil || string(b) != "STORE" {
		t.Errorf("read after a store through the mapping: %q, %v", b, err)
	}
	if _, err := f.WriteAt([]byte("WRITE"), 10); err != nil {
		t.Fatal(err)
	}
	if string(m[10:15]) != "WRITE" {
		t.Errorf("mapping after a write: %q", m[10:15])
	}
	if m[5000] != 0 || m[8191] != 0 {
		t.Errorf("bytes past the end of file: %d %d, want 0", m[5000], m[8191])
	}
	// A second descriptor, read-only, maps the same VMO read-only.
	g, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	r, err := syscall.Mmap(int(g.Fd()), 0, 4096, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatalf("read-only shared mapping: %v", err)
	}
	defer syscall.Munmap(r)
	m[0] = 'Z'
	if r[0] != 'Z' {
		t.Errorf("the other mapping sees %q, want Z", r[0])
	}
	if err := syscall.Mprotect(r, syscall.PROT_READ|syscall.PROT_WRITE); err == nil {
		t.Errorf("mprotect writable of a read-only descriptor's shared mapping succeeded")
	}
	// MAP_PRIVATE: stores stay in the mapping.
	q, err := syscall.Mmap(int(f.Fd()), 0, 4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("private mapping: %v", err)
	}
	defer syscall.Munmap(q)
	if q[0] != 'Z' || string(q[10:15]) != "WRITE" {
		t.Errorf("private mapping starts %q", q[:16])
	}
	q[1] = 'P'
	if _, err := f.ReadAt(b[:1], 1); err != nil || b[0] != 'a' {
		t.Errorf("file after a private store: %q, %v", b[:1], err)
	}
	// Truncation and the size: the file keeps its size across stores.
	if st, _ := f.Stat(); st.Size() != 5000 {
		t.Errorf("size %d, want 5000", st.Size())
	}
}

// TestFsCallsNotInterrupted: a signal arriving while a path call waits for
// the file server must not fail it with EINTR (Linux never does for these
// calls; the server may already have acted, so a retry would see EEXIST or
// ENOENT). Workers make the raw calls (no retry in package syscall) while
// another goroutine keeps sending them SIGURG, as the runtime's preemption.
func TestFsCallsNotInterrupted(t *testing.T) {
	dir, err := os.MkdirTemp("", "eintr")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	const workers = 3
	pid := syscall.Getpid()
	tids := make(chan int, workers)
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	deadline := time.Now().Add(700 * time.Millisecond)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			tids <- syscall.Gettid()
			fail := func(op string, err error) {
				errs <- fmt.Errorf("worker %d: %s: %v", w, op, err)
			}
			for i := 0; i < 400 && time.Now().Before(deadline); i++ {
				d := filepath.Join(dir, fmt.Sprintf("d%d-%d", w, i))
				l := d + ".l"
				r := d + ".r"
				if err := syscall.Mkdir(d, 0o755); err != nil {
					fail("mkdir", err)
					return
				}
				if err := syscall.Symlink(d, l); err != nil {
					fail("symlink", err)
					return
				}
				if err := syscall.Rename(l, r); err != nil {
					fail("rename", err)
					return
				}
				fd, err := syscall.Open(filepath.Join(d, "f"), syscall.O_CREAT|syscall.O_EXCL|syscall.O_WRONLY, 0o644)
				if err != nil {
					fail("open O_CREAT|O_EXCL", err)
					return
				}
				if n, err := syscall.Write(fd, []byte("data")); n != 4 || err != nil {
					syscall.Close(fd)
					fail("write", err)
					return
				}
				syscall.Close(fd)
				if err := syscall.Unlink(filepath.Join(d, "f")); err != nil {
					fail("unlink", err)
					return
				}
				if err := syscall.Unlink(r); err != nil {
					fail("unlink symlink", err)
					return
				}
				if err := syscall.Rmdir(d); err != nil {
					fail("rmdir", err)
					return
				}
			}
		}(w)
	}
	var ts []int
	for range workers {
		ts = append(ts, <-tids)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !stop.Load() {
			for _, tid := range ts {
				syscall.Tgkill(pid, tid, syscall.SIGURG)
			}
			runtime.Gosched()
		}
	}()
	wg.Wait()
	stop.Store(true)
	<-done
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestFileWriteNotInterrupted: a signal arriving during a large write to a
// regular file (many requests to the file server) neither fails it with
// EINTR nor cuts it short: Linux completes regular-file writes.
func TestFileWriteNotInterrupted(t *testing.T) {
	dir := t.TempDir()
	tid := make(chan int, 1)
	type result struct {
		n   int
		err error
	}
	out := make(chan result, 1)
	buf := make([]byte, 1<<20) // maxIO: one write(2) at most
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		fd, err := syscall.Open(filepath.Join(dir, "big"), syscall.O_CREAT|syscall.O_WRONLY, 0o644)
		if err != nil {
			tid <- 0
			out <- result{0, err}
			return
		}
		defer syscall.Close(fd)
		tid <- syscall.Gettid()
		n, err := syscall.Write(fd, buf)
		out <- result{n, err}
	}()
	if id := <-tid; id != 0 {
		time.Sleep(2 * time.Millisecond)
		for range 3 {
			syscall.Tgkill(syscall.Getpid(), id, syscall.SIGURG)
			time.Sleep(time.Millisecond)
		}
	}
	if r := <-out; r.n != len(buf) || r.err != nil {
		t.Errorf("write of %d bytes: %d, %v; want all", len(buf), r.n, r.err)
	}
}
