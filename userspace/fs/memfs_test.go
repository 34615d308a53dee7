package fs

import (
	"bytes"
	"strings"
	"testing"

	"beryl/proto/fsproto"
	"beryl/userspace/zx"
)

// call sends one request to f and decodes the reply's errno.
func call(t *testing.T, f *FS, req *fsproto.Encoder) (int32, *fsproto.Decoder) {
	t.Helper()
	h, errno, d, err := fsproto.ParseReply(f.Handle(req.B))
	if err != nil || h.Version != fsproto.Version {
		t.Fatalf("bad reply: %v %+v", err, h)
	}
	return errno, d
}

func open(t *testing.T, f *FS, path string, flags uint32) (uint64, int32) {
	t.Helper()
	errno, d := call(t, f, fsproto.NewRequest(fsproto.OpOpen).Str(path).U32(flags).U32(0o644))
	if errno != 0 {
		return 0, errno
	}
	return d.U64(), 0
}

func TestTmpfsProtocol(t *testing.T) {
	f := New(false)
	if e, _ := call(t, f, fsproto.NewRequest(fsproto.OpMkdir).Str("d").U32(0o755)); e != 0 {
		t.Fatalf("mkdir: %d", e)
	}
	if e, _ := call(t, f, fsproto.NewRequest(fsproto.OpMkdir).Str("d").U32(0o755)); e != eexist {
		t.Errorf("mkdir twice: %d, want EEXIST", e)
	}
	if _, e := open(t, f, "d/missing", 0); e != enoent {
		t.Errorf("open missing: %d, want ENOENT", e)
	}
	id, e := open(t, f, "d/f", oCreat|2)
	if e != 0 {
		t.Fatalf("create: %d", e)
	}
	data := bytes.Repeat([]byte("abc"), 10000)
	errno, d := call(t, f, fsproto.NewRequest(fsproto.OpWrite).U64(id).U64(5).U8(0).Bytes(data))
	if n, size := d.U32(), d.U64(); errno != 0 || n != uint32(len(data)) || size != uint64(5+len(data)) {
		t.Fatalf("write: %d, %d, size %d", errno, n, size)
	}
	errno, d = call(t, f, fsproto.NewRequest(fsproto.OpRead).U64(id).U64(0).U32(8))
	if got := d.Bytes(); errno != 0 || !bytes.Equal(got, []byte{0, 0, 0, 0, 0, 'a', 'b', 'c'}) {
		t.Errorf("read: %d %q (a hole reads as zeros)", errno, got)
	}
	if _, e := open(t, f, "d/f", oCreat|oExcl|2); e != eexist {
		t.Errorf("O_EXCL: %d, want EEXIST", e)
	}
	if _, e := open(t, f, "d", 2); e != eisdir {
		t.Errorf("open dir for writing: %d, want EISDIR", e)
	}
	if _, e := open(t, f, "d/f", oDirectory); e != enotdir {
		t.Errorf("O_DIRECTORY on a file: %d, want ENOTDIR", e)
	}
	if e, _ := call(t, f, fsproto.NewRequest(fsproto.OpUnlink).Str("d").U8(1)); e != enotempty {
		t.Errorf("rmdir non-empty: %d, want ENOTEMPTY", e)
	}
	if e, _ := call(t, f, fsproto.NewRequest(fsproto.OpRename).Str("d/f").Str("g")); e != 0 {
		t.Errorf("rename: %d", e)
	}
	if e, _ := call(t, f, fsproto.NewRequest(fsproto.OpRename).Str("d").Str("d/sub")); e != einval {
		t.Errorf("rename a directory into itself: %d, want EINVAL", e)
	}
	dirID, _ := open(t, f, "", 0)
	errno, d = call(t, f, fsproto.NewRequest(fsproto.OpReaddir).U64(dirID).U64(0))
	next, n := d.U64(), d.U16()
	var names []string
	for range n {
		names = append(names, d.Dirent().Name)
	}
	if errno != 0 || strings.Join(names, ",") != "d,g" || next != 2 {
		t.Errorf("readdir: %d %v next %d", errno, names, next)
	}
	// The unlinked file stays readable through its open node.
	if e, _ := call(t, f, fsproto.NewRequest(fsproto.OpUnlink).Str("g").U8(0)); e != 0 {
		t.Fatalf("unlink: %d", e)
	}
	if errno, d = call(t, f, fsproto.NewRequest(fsproto.OpFstat).U64(id)); errno != 0 || d.Stat().Size != uint64(5+len(data)) {
		t.Errorf("fstat of an unlinked open file: %d", errno)
	}
	if e, _ := call(t, f, fsproto.NewRequest(fsproto.OpSymlink).Str("d").Str("l")); e != 0 {
		t.Fatalf("symlink: %d", e)
	}
	if errno, d = call(t, f, fsproto.NewRequest(fsproto.OpStat).Str("l").U8(0)); errno != 0 || d.Stat().Mode&sIfmt != sIfdir {
		t.Errorf("stat through a symlink: %d", errno)
	}
	if errno, d = call(t, f, fsproto.NewRequest(fsproto.OpReadlink).Str("l")); errno != 0 || d.Str() != "d" {
		t.Errorf("readlink: %d", errno)
	}
	f.MaxBytes = 100
	big, _ := open(t, f, "big", oCreat|2)
	if e, _ := call(t, f, fsproto.NewRequest(fsproto.OpWrite).U64(big).U64(0).U8(0).Bytes(make([]byte, 200))); e != enospc {
		t.Errorf("write past MaxBytes: %d, want ENOSPC", e)
	}
}

func TestReadOnlyAndDev(t *testing.T) {
	f := New(true)
	f.AddFile("a/b/c.txt", 0o644, 5, strings.NewReader("hello"))
	id, e := open(t, f, "a/b/c.txt", 0)
	if e != 0 {
		t.Fatal(e)
	}
	if errno, d := call(t, f, fsproto.NewRequest(fsproto.OpRead).U64(id).U64(1).U32(100)); errno != 0 || string(d.Bytes()) != "ello" {
		t.Errorf("read of a backed file failed: %d", errno)
	}
	if _, e := open(t, f, "a/b/c.txt", 1); e != erofs {
		t.Errorf("open for writing: %d, want EROFS", e)
	}
	if _, e := open(t, f, "new", oCreat|1); e != erofs {
		t.Errorf("create: %d, want EROFS", e)
	}
	if e, _ := call(t, f, fsproto.NewRequest(fsproto.OpMkdir).Str("a").U32(0o755)); e != eexist {
		t.Errorf("mkdir of an existing directory: %d, want EEXIST", e)
	}
	dev := NewDev()
	null, _ := open(t, dev, "null", 2)
	if errno, d := call(t, dev, fsproto.NewRequest(fsproto.OpWrite).U64(null).U64(0).U8(0).Bytes([]byte("x"))); errno != 0 || d.U32() != 1 {
		t.Errorf("write to null: %d", errno)
	}
	full, _ := open(t, dev, "full", 2)
	if e, _ := call(t, dev, fsproto.NewRequest(fsproto.OpWrite).U64(full).U64(0).U8(0).Bytes([]byte("x"))); e != enospc {
		t.Errorf("write to full: %d, want ENOSPC", e)
	}
	// A request in another version is refused without being decoded.
	req := fsproto.NewRequest(fsproto.OpStat).Str("")
	req.B[4] = 9
	if _, errno, _, _ := fsproto.ParseReply(dev.Handle(req.B)); errno != fsproto.EPROTO {
		t.Errorf("version 9: %d, want EPROTO", errno)
	}
	if _, errno, _, _ := fsproto.ParseReply(dev.Handle(fsproto.NewRequest(99).B)); errno != fsproto.ENOSYS {
		t.Errorf("unknown op: %d, want ENOSYS", errno)
	}
}

func TestMknodSocket(t *testing.T) {
	f := New(false)
	if e, _ := call(t, f, fsproto.NewRequest(fsproto.OpMknod).Str("s").U32(sIfsock|0o755)); e != 0 {
		t.Fatalf("mknod socket: %d", e)
	}
	if e, _ := call(t, f, fsproto.NewRequest(fsproto.OpMknod).Str("s").U32(sIfsock|0o755)); e != eexist {
		t.Errorf("mknod twice: %d, want EEXIST", e)
	}
	e, d := call(t, f, fsproto.NewRequest(fsproto.OpStat).Str("s").U8(1))
	if st := d.Stat(); e != 0 || st.Mode != sIfsock|0o755 {
		t.Errorf("stat: %d, mode %o", e, st.Mode)
	}
	if e, _ := call(t, f, fsproto.NewRequest(fsproto.OpMknod).Str("c").U32(sIfchr|0o644)); e != eperm {
		t.Errorf("mknod char device: %d, want EPERM", e)
	}
	if e, _ := call(t, New(true), fsproto.NewRequest(fsproto.OpMknod).Str("s").U32(sIfsock|0o755)); e != erofs {
		t.Errorf("mknod in a read-only tree: %d, want EROFS", e)
	}
}

// memBacking is a Backing in memory for host tests.
type memBacking struct{ b []byte }

func (m *memBacking) ReadAt(p []byte, off int64) (int, error) { return copy(p, m.b[off:]), nil }
func (m *memBacking) WriteAt(p []byte, off int64) (int, error) {
	return copy(m.b[off:], p), nil
}
func (m *memBacking) SetSize(n int64) error {
	nb := make([]byte, n)
	copy(nb, m.b)
	m.b = nb
	return nil
}
func (m *memBacking) Handle(bool) (zx.Handle, error) { return zx.HandleInvalid, nil }
func (m *memBacking) Close()                         {}

func TestGetVMO(t *testing.T) {
	f := New(false)
	var mb *memBacking
	id, _ := open(t, f, "x", oCreat|2)
	call(t, f, fsproto.NewRequest(fsproto.OpWrite).U64(id).U64(0).U8(0).Bytes([]byte("hello")))
	if e, _ := call(t, f, fsproto.NewRequest(fsproto.OpGetVMO).U64(id).U32(0)); e != enodev {
		t.Errorf("get VMO without backings: %d, want ENODEV", e)
	}
	f.NewBacking = func(n int64) (Backing, error) { mb = &memBacking{make([]byte, n)}; return mb, nil }
	e, d := call(t, f, fsproto.NewRequest(fsproto.OpGetVMO).U64(id).U32(fsproto.GetVMOWrite))
	if e != 0 || d.U64() != 5 || string(mb.b) != "hello" {
		t.Fatalf("get VMO: %d, backing %q", e, mb.b)
	}
	// The file's bytes are the backing's now, both ways.
	copy(mb.b, "J")
	_, d = call(t, f, fsproto.NewRequest(fsproto.OpRead).U64(id).U64(0).U32(100))
	if got := string(d.Bytes()); got != "Jello" {
		t.Errorf("read %q, want Jello", got)
	}
	call(t, f, fsproto.NewRequest(fsproto.OpWrite).U64(id).U64(5).U8(0).Bytes([]byte("!!")))
	if string(mb.b) != "Jello!!" {
		t.Errorf("backing after a write: %q", mb.b)
	}
	if e, _ := call(t, f, fsproto.NewRequest(fsproto.OpGetVMO).U64(999).U32(0)); e != ebadf {
		t.Errorf("bad node: %d, want EBADF", e)
	}
	f.AddDir("d", 0o755)
	did, _ := open(t, f, "d", oDirectory)
	if e, _ := call(t, f, fsproto.NewRequest(fsproto.OpGetVMO).U64(did).U32(0)); e != enodev {
		t.Errorf("directory: %d, want ENODEV", e)
	}
	ro := New(true)
	ro.AddFile("r", 0o644, 3, strings.NewReader("abc"))
	ro.NewBacking = f.NewBacking
	rid, _ := open(t, ro, "r", 0)
	if e, _ := call(t, ro, fsproto.NewRequest(fsproto.OpGetVMO).U64(rid).U32(fsproto.GetVMOWrite)); e != eacces {
		t.Errorf("writable VMO of a read-only tree: %d, want EACCES", e)
	}
	if e, _ := call(t, ro, fsproto.NewRequest(fsproto.OpGetVMO).U64(rid).U32(0)); e != 0 || string(mb.b) != "abc" {
		t.Errorf("read-only VMO: %d, %q", e, mb.b)
	}
}
