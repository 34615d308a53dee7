package proc

import (
	"encoding/binary"
	"strings"
	"sync"
	"time"

	"beryl/kernel/linux"
	"beryl/proto/fsproto"
)

// The path calls: each resolves its path against the working directory
// or a directory descriptor, finds the serving mount in the namespace
// (ns.go) and turns the call into an fsproto request; files opened so are
// nodeFiles, which read and write through the same channel.

// nodeFile is a file or directory open on a directory server.
type nodeFile struct {
	m    *mount
	node uint64
	path string // absolute, cleaned: the base of *at calls and fchdir
	mode uint32 // S_IFMT bits

	mu      sync.Mutex
	off     int64
	cookie  uint64 // getdents64 position
	pending []fsproto.Dirent
	eof     bool
}

func (n *nodeFile) isDir() bool { return n.mode&linux.SIfmt == linux.SIfdir }

func (n *nodeFile) pread(buf []byte, off int64, intr <-chan struct{}) int64 {
	if n.isDir() {
		return -linux.EISDIR
	}
	total := 0
	for total < len(buf) {
		c := min(len(buf)-total, fsproto.MaxData)
		req := fsproto.NewRequest(fsproto.OpRead).U64(n.node).U64(uint64(off) + uint64(total)).U32(uint32(c))
		errno, d := n.m.call(req, intr)
		if errno != 0 {
			if total > 0 {
				break
			}
			return -int64(errno)
		}
		data := d.Bytes()
		if d.Err != nil || len(data) > c {
			return -linux.EIO
		}
		copy(buf[total:], data)
		total += len(data)
		if len(data) < c {
			break
		}
	}
	return int64(total)
}

// pwrite writes buf at off (at the end with appending set) and returns
// the count and the file's new size.
func (n *nodeFile) pwrite(buf []byte, off int64, appending bool, intr <-chan struct{}) (int64, int64) {
	if n.isDir() {
		return -linux.EISDIR, 0
	}
	total := 0
	var size int64
	for total < len(buf) || len(buf) == 0 {
		c := min(len(buf)-total, fsproto.MaxData)
		var ap uint8
		if appending {
			ap = 1
		}
		req := fsproto.NewRequest(fsproto.OpWrite).U64(n.node).U64(uint64(off) + uint64(total)).U8(ap).Bytes(buf[total : total+c])
		errno, d := n.m.call(req, intr)
		if errno != 0 {
			if total > 0 {
				break
			}
			return -int64(errno), 0
		}
		w := int(d.U32())
		size = int64(d.U64())
		if d.Err != nil || w > c {
			return -linux.EIO, 0
		}
		total += w
		if w < c || len(buf) == 0 {
			break
		}
	}
	return int64(total), size
}

func (n *nodeFile) read(f *file, buf []byte, intr <-chan struct{}) int64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	r := n.pread(buf, n.off, intr)
	if r > 0 {
		n.off += r
	}
	return r
}

func (n *nodeFile) write(f *file, buf []byte, intr <-chan struct{}) int64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	appending := f.flags.Load()&linux.OAppend != 0
	r, size := n.pwrite(buf, n.off, appending, intr)
	if r > 0 {
		if appending {
			n.off = size
		} else {
			n.off += r
		}
	}
	return r
}

func (n *nodeFile) poll() uint32 { return linux.EpollIn | linux.EpollOut }

func (n *nodeFile) release() {
	n.m.call(fsproto.NewRequest(fsproto.OpClose).U64(n.node), nil)
	n.m.put()
}

func (n *nodeFile) stat(intr <-chan struct{}) (fsproto.Stat, int32) {
	errno, d := n.m.call(fsproto.NewRequest(fsproto.OpFstat).U64(n.node), intr)
	if errno != 0 {
		return fsproto.Stat{}, errno
	}
	st := d.Stat()
	if d.Err != nil {
		return st, linux.EIO
	}
	return st, 0
}

// userPath reads a NUL-terminated path of at most PATH_MAX bytes.
func (t *Thread) userPath(addr uint64) (string, int64) {
	var b []byte
	var chunk [256]byte
	for len(b) < linux.PathMax {
		// Read up to the end of the page, so a path ending just before an
		// unmapped page is read.
		n := min(uint64(len(chunk)), 4096-addr%4096)
		if t.P.AS.CopyIn(chunk[:n], addr) != nil {
			return "", -linux.EFAULT
		}
		for i := range n {
			if chunk[i] == 0 {
				return string(append(b, chunk[:i]...)), 0
			}
		}
		b = append(b, chunk[:n]...)
		addr += n
	}
	return "", -linux.ENAMETOOLONG
}

// wantsDir reports whether path names a directory by its form: it ends
// in "/", "/." or "/.." (or is "." or ".."), which cleaning removes.
func wantsDir(path string) bool {
	return strings.HasSuffix(path, "/") || path == "." || path == ".." ||
		strings.HasSuffix(path, "/.") || strings.HasSuffix(path, "/..")
}

// absPath makes path absolute against dirfd (AT_FDCWD: the working
// directory).
func (t *Thread) absPath(dirfd uint64, path string) (string, int64) {
	if path == "" {
		return "", -linux.ENOENT
	}
	if strings.HasPrefix(path, "/") {
		return cleanPath(path), 0
	}
	if int32(dirfd) == linux.AtFdcwd {
		return cleanPath(t.P.ns.getwd() + "/" + path), 0
	}
	f := t.fdArg(dirfd)
	if f == nil {
		return "", -linux.EBADF
	}
	defer f.put()
	n, ok := f.ops.(*nodeFile)
	if !ok || !n.isDir() {
		return "", -linux.ENOTDIR
	}
	return cleanPath(n.path + "/" + path), 0
}

// lookup reads a path argument and resolves it to its mount (with a
// reference) and the path below it.
func (t *Thread) lookup(dirfd, pathAddr uint64) (*mount, string, string, int64) {
	path, e := t.userPath(pathAddr)
	if e != 0 {
		return nil, "", "", e
	}
	abs, e := t.absPath(dirfd, path)
	if e != 0 {
		return nil, "", "", e
	}
	m, rel, ok := t.P.ns.resolve(abs)
	if !ok {
		return nil, "", "", -linux.ENOENT
	}
	return m, rel, abs, 0
}

// maxRedirects bounds the absolute symbolic links one path may cross
// (Linux's MAXSYMLINKS).
const maxRedirects = 40

// pathCall sends the request mk builds for abs to the mount serving it,
// following ERedirect replies (absolute symbolic links, which may lead to
// another mount). It returns the mount (a reference to put) and the path
// finally resolved, or an errno with no mount.
func (t *Thread) pathCall(abs string, mk func(rel string) *fsproto.Encoder) (*mount, string, int32, *fsproto.Decoder) {
	for range maxRedirects {
		m, rel, ok := t.P.ns.resolve(abs)
		if !ok {
			return nil, "", linux.ENOENT, nil
		}
		errno, d := m.call(mk(rel), t.abortCh())
		if errno == fsproto.ERedirect {
			next := d.Str()
			m.put()
			if d.Err != nil || !strings.HasPrefix(next, "/") {
				return nil, "", linux.EIO, nil
			}
			abs = cleanPath(next)
			continue
		}
		if errno != 0 {
			m.put()
			return nil, "", errno, nil
		}
		return m, abs, 0, d
	}
	return nil, "", linux.ELOOP, nil
}

// pathArg reads a path argument and makes it absolute against dirfd.
func (t *Thread) pathArg(dirfd, pathAddr uint64) (string, int64) {
	path, e := t.userPath(pathAddr)
	if e != 0 {
		return "", e
	}
	return t.absPath(dirfd, path)
}

// openFlags are the open(2) flags passed on to the server or kept.
const openFlags = linux.OAccmode | linux.OCreat | linux.OExcl | linux.OTrunc | linux.OAppend | linux.ODirectory | linux.ONofollow

func sysOpenat(t *Thread, a *[6]uint64) (int64, bool) {
	path, e := t.userPath(a[1])
	if e != 0 {
		return e, false
	}
	abs, e := t.absPath(a[0], path)
	if e != 0 {
		return e, false
	}
	flags := uint32(a[2])
	if wantsDir(path) {
		if flags&linux.OCreat != 0 {
			return -linux.EISDIR, false
		}
		flags |= linux.ODirectory
	}
	if flags&linux.OPath != 0 {
		flags = flags&^linux.OAccmode | linux.ORdonly
	}
	m, abs, errno, d := t.pathCall(abs, func(rel string) *fsproto.Encoder {
		return fsproto.NewRequest(fsproto.OpOpen).Str(rel).U32(flags & openFlags).U32(uint32(a[3]) & 0o7777)
	})
	if errno != 0 {
		return -int64(errno), false
	}
	node := d.U64()
	st := d.Stat()
	if d.Err != nil {
		m.put()
		return -linux.EIO, false
	}
	if st.Mode&linux.SIfmt == sIfsock {
		// A bound socket's node does not open (connect reaches it).
		m.call(fsproto.NewRequest(fsproto.OpClose).U64(node), nil)
		m.put()
		return -enxio, false
	}
	if st.Mode&linux.SIfmt == linux.SIfifo {
		// A named pipe: the kernel's pipe for this node, not the server.
		m.call(fsproto.NewRequest(fsproto.OpClose).U64(node), nil)
		key := fifoKey{m.dev, st.Ino}
		m.put()
		f, e := openFifo(key, flags, t.interruptCh())
		if e != 0 {
			return e, false
		}
		return int64(t.P.fds.install(f, flags&linux.OCloexec != 0)), false
	}
	nf := &nodeFile{m: m, node: node, path: abs, mode: st.Mode}
	f := newFile(nf, flags&(linux.OAccmode|linux.ONonblock|linux.OAppend))
	return int64(t.P.fds.install(f, flags&linux.OCloexec != 0)), false
}

// statSize is sizeof(struct stat) on x86-64.
const statSize = 144

func (t *Thread) putStat(addr uint64, dev uint64, st fsproto.Stat) int64 {
	var b [statSize]byte
	le := binary.LittleEndian
	le.PutUint64(b[0:], dev)
	le.PutUint64(b[8:], st.Ino)
	le.PutUint64(b[16:], uint64(st.Nlink))
	le.PutUint32(b[24:], st.Mode)
	le.PutUint64(b[48:], st.Size)
	le.PutUint64(b[56:], 4096)
	le.PutUint64(b[64:], (st.Size+511)/512)
	for i, ts := range []int64{st.Atime, st.Mtime, st.Ctime} {
		le.PutUint64(b[72+16*i:], uint64(ts/1e9))
		le.PutUint64(b[80+16*i:], uint64(ts%1e9))
	}
	if t.P.AS.CopyOut(addr, b[:]) != nil {
		return -linux.EFAULT
	}
	return 0
}

// fstatFile fills a stat for any descriptor: pipes are FIFOs, the console
// a character device, eventfds and epolls anonymous inodes.
func (t *Thread) fstatFile(f *file, addr uint64) int64 {
	switch o := f.ops.(type) {
	case *nodeFile:
		st, errno := o.stat(t.abortCh())
		if errno != 0 {
			return -int64(errno)
		}
		return t.putStat(addr, o.m.dev, st)
	case *pipeEnd:
		return t.putStat(addr, 0, fsproto.Stat{Mode: linux.SIfifo | 0o600, Nlink: 1})
	case *consoleFile:
		return t.putStat(addr, 0, fsproto.Stat{Mode: linux.SIfchr | 0o620, Nlink: 1})
	case *fifoFile:
		return t.putStat(addr, o.key.dev, fsproto.Stat{Ino: o.key.ino, Mode: linux.SIfifo | 0o644, Nlink: 1})
	case *sockFile:
		return t.putStat(addr, 0, fsproto.Stat{Mode: 0o140000 | 0o777, Nlink: 1}) // S_IFSOCK
	}
	return t.putStat(addr, 0, fsproto.Stat{Mode: 0o600, Nlink: 1})
}

func sysFstat(t *Thread, a *[6]uint64) (int64, bool) {
	f := t.fdArg(a[0])
	if f == nil {
		return -linux.EBADF, false
	}
	defer f.put()
	return t.fstatFile(f, a[1]), false
}

func sysNewfstatat(t *Thread, a *[6]uint64) (int64, bool) {
	if a[3]&^(linux.AtSymlinkNofollow|linux.AtEmptyPath|0x800 /* AT_NO_AUTOMOUNT */) != 0 {
		return -linux.EINVAL, false
	}
	if a[3]&linux.AtEmptyPath != 0 {
		if p, e := t.userPath(a[1]); e == 0 && p == "" {
			if int32(a[0]) == linux.AtFdcwd {
				return statPath(t, a[0], ".", a[2], false)
			}
			f := t.fdArg(a[0])
			if f == nil {
				return -linux.EBADF, false
			}
			defer f.put()
			return t.fstatFile(f, a[2]), false
		}
	}
	path, e := t.userPath(a[1])
	if e != 0 {
		return e, false
	}
	return statPath(t, a[0], path, a[2], a[3]&linux.AtSymlinkNofollow != 0)
}

func statPath(t *Thread, dirfd uint64, path string, buf uint64, nofollow bool) (int64, bool) {
	abs, e := t.absPath(dirfd, path)
	if e != 0 {
		return e, false
	}
	var nf uint8
	if nofollow && !wantsDir(path) { // "link/" names the link's target
		nf = 1
	}
	m, _, errno, d := t.pathCall(abs, func(rel string) *fsproto.Encoder {
		return fsproto.NewRequest(fsproto.OpStat).Str(rel).U8(nf)
	})
	if errno != 0 {
		return -int64(errno), false
	}
	defer m.put()
	st := d.Stat()
	if d.Err != nil {
		return -linux.EIO, false
	}
	if wantsDir(path) && st.Mode&linux.SIfmt != linux.SIfdir {
		return -linux.ENOTDIR, false
	}
	return t.putStat(buf, m.dev, st), false
}

// nodeArg returns fd's nodeFile (the file reference to put), or -EBADF,
// or -espipe when fd is open but not a served file.
func (t *Thread) nodeArg(fd uint64, notNode int64) (*file, *nodeFile, int64) {
	f := t.fdArg(fd)
	if f == nil {
		return nil, nil, -linux.EBADF
	}
	n, ok := f.ops.(*nodeFile)
	if !ok {
		f.put()
		return nil, nil, notNode
	}
	return f, n, 0
}

// dirArg returns fd's served directory (the file reference to put), or
// -EBADF, or -ENOTDIR for another descriptor or file.
func (t *Thread) dirArg(fd uint64) (*file, *nodeFile, int64) {
	f, n, e := t.nodeArg(fd, -linux.ENOTDIR)
	if e != 0 {
		return nil, nil, e
	}
	if !n.isDir() {
		f.put()
		return nil, nil, -linux.ENOTDIR
	}
	return f, n, 0
}

func sysLseek(t *Thread, a *[6]uint64) (int64, bool) {
	f, n, e := t.nodeArg(a[0], -linux.ESPIPE)
	if e != 0 {
		return e, false
	}
	defer f.put()
	off := int64(a[1])
	n.mu.Lock()
	defer n.mu.Unlock()
	var base int64
	switch a[2] {
	case linux.SeekSet:
	case linux.SeekCur:
		base = n.off
	case linux.SeekEnd:
		st, errno := n.stat(t.abortCh())
		if errno != 0 {
			return -int64(errno), false
		}
		base = int64(st.Size)
	default:
		return -linux.EINVAL, false
	}
	if base+off < 0 {
		return -linux.EINVAL, false
	}
	n.off = base + off
	if n.isDir() && n.off == 0 {
		n.cookie, n.pending, n.eof = 0, nil, false
	}
	return n.off, false
}

// positionalArg serves pread64 and pwrite64: the served file at fd (the
// file reference to put; ESPIPE for another kind of descriptor), open
// for writing (write) or reading (EBADF), and an offset that is not
// negative (EINVAL).
func (t *Thread) positionalArg(fd, off uint64, write bool) (*file, *nodeFile, int64) {
	f, n, e := t.nodeArg(fd, -linux.ESPIPE)
	if e != 0 {
		return nil, nil, e
	}
	if !f.canAccess(write) {
		f.put()
		return nil, nil, -linux.EBADF
	}
	if int64(off) < 0 {
		f.put()
		return nil, nil, -linux.EINVAL
	}
	return f, n, 0
}

func sysPread64(t *Thread, a *[6]uint64) (int64, bool) {
	f, n, e := t.positionalArg(a[0], a[3], false)
	if e != 0 {
		return e, false
	}
	defer f.put()
	buf := make([]byte, min(a[2], maxIO))
	r := n.pread(buf, int64(a[3]), t.abortCh())
	if r > 0 {
		if e := t.copyOut(oneBuf(a[1], a[2]), buf[:r]); e != 0 {
			return e, false
		}
	}
	return r, false
}

func sysPwrite64(t *Thread, a *[6]uint64) (int64, bool) {
	f, n, e := t.positionalArg(a[0], a[3], true)
	if e != 0 {
		return e, false
	}
	defer f.put()
	buf, e := t.copyIn(oneBuf(a[1], a[2]))
	if e != 0 {
		return e, false
	}
	r, _ := n.pwrite(buf, int64(a[3]), false, t.abortCh())
	return r, false
}

func sysGetdents64(t *Thread, a *[6]uint64) (int64, bool) {
	f, n, e := t.dirArg(a[0])
	if e != 0 {
		return e, false
	}
	defer f.put()
	n.mu.Lock()
	defer n.mu.Unlock()
	size := min(a[2], maxIO)
	if !t.writable(a[1], size) {
		return -linux.EFAULT, false
	}
	var out []byte
	for {
		if len(n.pending) == 0 && !n.eof {
			errno, d := n.m.call(fsproto.NewRequest(fsproto.OpReaddir).U64(n.node).U64(n.cookie), t.abortCh())
			if errno != 0 {
				return -int64(errno), false
			}
			next := d.U64()
			cnt := int(d.U16())
			for range cnt {
				n.pending = append(n.pending, d.Dirent())
			}
			if d.Err != nil {
				return -linux.EIO, false
			}
			n.cookie = next
			if cnt == 0 {
				n.eof = true
			}
		}
		if len(n.pending) == 0 {
			break
		}
		de := n.pending[0]
		reclen := (19 + len(de.Name) + 1 + 7) &^ 7
		if uint64(len(out)+reclen) > size {
			if len(out) == 0 {
				return -linux.EINVAL, false
			}
			break
		}
		rec := make([]byte, reclen)
		binary.LittleEndian.PutUint64(rec[0:], de.Ino)
		binary.LittleEndian.PutUint64(rec[8:], uint64(len(out)+reclen))
		binary.LittleEndian.PutUint16(rec[16:], uint16(reclen))
		rec[18] = de.Type
		copy(rec[19:], de.Name)
		out = append(out, rec...)
		n.pending = n.pending[1:]
	}
	if len(out) > 0 && t.P.AS.CopyOut(a[1], out) != nil {
		return -linux.EFAULT, false
	}
	return int64(len(out)), false
}

func sysGetcwd(t *Thread, a *[6]uint64) (int64, bool) {
	wd := t.P.ns.getwd()
	if uint64(len(wd)+1) > a[1] {
		return -linux.ERANGE, false
	}
	if t.P.AS.CopyOut(a[0], append([]byte(wd), 0)) != nil {
		return -linux.EFAULT, false
	}
	return int64(len(wd) + 1), false
}

// chdirTo makes abs the working directory if it is a directory.
func (t *Thread) chdirTo(abs string) int64 {
	m, abs, errno, d := t.pathCall(abs, func(rel string) *fsproto.Encoder {
		return fsproto.NewRequest(fsproto.OpStat).Str(rel).U8(0)
	})
	if errno != 0 {
		return -int64(errno)
	}
	defer m.put()
	if st := d.Stat(); d.Err != nil || st.Mode&linux.SIfmt != linux.SIfdir {
		return -linux.ENOTDIR
	}
	t.P.ns.setwd(abs)
	return 0
}

func sysChdir(t *Thread, a *[6]uint64) (int64, bool) {
	path, e := t.userPath(a[0])
	if e != 0 {
		return e, false
	}
	abs, e := t.absPath(uint64(linux.AtFdcwd&0xffffffff), path)
	if e != 0 {
		return e, false
	}
	return t.chdirTo(abs), false
}

func sysFchdir(t *Thread, a *[6]uint64) (int64, bool) {
	f, n, e := t.dirArg(a[0])
	if e != 0 {
		return e, false
	}
	defer f.put()
	t.P.ns.setwd(n.path)
	return 0, false
}

// simple sends a request built by req for the path at (dirfd, pathAddr)
// and returns its errno.
func (t *Thread) simple(dirfd, pathAddr uint64, req func(rel string) *fsproto.Encoder) int64 {
	abs, e := t.pathArg(dirfd, pathAddr)
	if e != 0 {
		return e
	}
	return t.simpleAbs(abs, req)
}

// simpleAbs is simple for an absolute path.
func (t *Thread) simpleAbs(abs string, req func(rel string) *fsproto.Encoder) int64 {
	m, _, errno, _ := t.pathCall(abs, req)
	if errno != 0 {
		return -int64(errno)
	}
	m.put()
	return 0
}

func sysMkdirat(t *Thread, a *[6]uint64) (int64, bool) {
	return t.simple(a[0], a[1], func(rel string) *fsproto.Encoder {
		return fsproto.NewRequest(fsproto.OpMkdir).Str(rel).U32(uint32(a[2]) & 0o7777)
	}), false
}

func sysUnlinkat(t *Thread, a *[6]uint64) (int64, bool) {
	if a[2]&^linux.AtRemovedir != 0 {
		return -linux.EINVAL, false
	}
	var rmdir uint8
	if a[2]&linux.AtRemovedir != 0 {
		rmdir = 1
	}
	return t.simple(a[0], a[1], func(rel string) *fsproto.Encoder {
		return fsproto.NewRequest(fsproto.OpUnlink).Str(rel).U8(rmdir)
	}), false
}

// lookupPair resolves two paths (dirfd and path each) that must be on
// one mount (EXDEV): the mount (a reference to put) and each path
// relative to it.
func (t *Thread) lookupPair(dirfd1, path1, dirfd2, path2 uint64) (*mount, string, string, int64) {
	m1, rel1, _, e := t.lookup(dirfd1, path1)
	if e != 0 {
		return nil, "", "", e
	}
	m2, rel2, _, e := t.lookup(dirfd2, path2)
	if e != 0 {
		m1.put()
		return nil, "", "", e
	}
	m2.put()
	if m1 != m2 {
		m1.put()
		return nil, "", "", -linux.EXDEV
	}
	return m1, rel1, rel2, 0
}

// sysRenameat2 serves renameat and renameat2 without flags; a rename
// between two mounts is EXDEV.
func sysRenameat2(t *Thread, a *[6]uint64) (int64, bool) {
	if a[4] != 0 {
		return -linux.EINVAL, false
	}
	m1, rel1, rel2, e := t.lookupPair(a[0], a[1], a[2], a[3])
	if e != 0 {
		return e, false
	}
	defer m1.put()
	errno, _ := m1.call(fsproto.NewRequest(fsproto.OpRename).Str(rel1).Str(rel2), t.abortCh())
	if errno == fsproto.ERedirect {
		// A directory on the way is an absolute symbolic link: the
		// two paths are not resolved together.
		return -linux.EXDEV, false
	}
	return -int64(errno), false
}

func sysRenameat(t *Thread, a *[6]uint64) (int64, bool) {
	b := [6]uint64{a[0], a[1], a[2], a[3], 0}
	return sysRenameat2(t, &b)
}

func sysReadlinkat(t *Thread, a *[6]uint64) (int64, bool) {
	if int64(a[3]) <= 0 {
		return -linux.EINVAL, false
	}
	abs, e := t.pathArg(a[0], a[1])
	if e != 0 {
		return e, false
	}
	m, _, errno, d := t.pathCall(abs, func(rel string) *fsproto.Encoder {
		return fsproto.NewRequest(fsproto.OpReadlink).Str(rel)
	})
	if errno != 0 {
		return -int64(errno), false
	}
	defer m.put()
	target := d.Str()
	if d.Err != nil {
		return -linux.EIO, false
	}
	b := []byte(target)[:min(uint64(len(target)), a[3])]
	if t.P.AS.CopyOut(a[2], b) != nil {
		return -linux.EFAULT, false
	}
	return int64(len(b)), false
}

func sysSymlinkat(t *Thread, a *[6]uint64) (int64, bool) {
	target, e := t.userPath(a[0])
	if e != 0 {
		return e, false
	}
	return t.simple(a[1], a[2], func(rel string) *fsproto.Encoder {
		return fsproto.NewRequest(fsproto.OpSymlink).Str(target).Str(rel)
	}), false
}

// sysFaccessat serves faccessat and faccessat2: the caller is root, so
// existence is all that is checked.
func sysFaccessat(t *Thread, a *[6]uint64) (int64, bool) {
	if a[2]&^7 != 0 {
		return -linux.EINVAL, false
	}
	path, e := t.userPath(a[1])
	if e != 0 {
		return e, false
	}
	abs, e := t.absPath(a[0], path)
	if e != 0 {
		return e, false
	}
	return t.simpleAbs(abs, func(rel string) *fsproto.Encoder {
		return fsproto.NewRequest(fsproto.OpStat).Str(rel).U8(0)
	}), false
}

func sysFchmodat(t *Thread, a *[6]uint64) (int64, bool) {
	return t.simple(a[0], a[1], func(rel string) *fsproto.Encoder {
		return fsproto.NewRequest(fsproto.OpSetattr).Str(rel).U32(fsproto.SetMode).U32(uint32(a[2]) & 0o7777).I64(0).I64(0)
	}), false
}

// sysFchmodat2 is fchmodat with flags: AT_SYMLINK_NOFOLLOW (a link's own
// mode cannot change: EOPNOTSUPP) and AT_EMPTY_PATH.
func sysFchmodat2(t *Thread, a *[6]uint64) (int64, bool) {
	if a[3]&^(linux.AtSymlinkNofollow|linux.AtEmptyPath) != 0 {
		return -linux.EINVAL, false
	}
	if a[3]&linux.AtEmptyPath != 0 {
		if p, e := t.userPath(a[1]); e == 0 && p == "" {
			b := [6]uint64{a[0], a[2]}
			return sysFchmod(t, &b)
		}
	}
	mask := uint32(fsproto.SetMode)
	if a[3]&linux.AtSymlinkNofollow != 0 {
		mask |= fsproto.SetNofollow
	}
	return t.simple(a[0], a[1], func(rel string) *fsproto.Encoder {
		return fsproto.NewRequest(fsproto.OpSetattr).Str(rel).U32(mask).U32(uint32(a[2]) & 0o7777).I64(0).I64(0)
	}), false
}

// sysLinkat makes a hard link (AT_SYMLINK_FOLLOW follows a link as the
// source); both paths must be on one mount (EXDEV).
func sysLinkat(t *Thread, a *[6]uint64) (int64, bool) {
	if a[4]&^(linux.AtSymlinkFollow|linux.AtEmptyPath) != 0 {
		return -linux.EINVAL, false
	}
	m1, rel1, rel2, e := t.lookupPair(a[0], a[1], a[2], a[3])
	if e != 0 {
		return e, false
	}
	defer m1.put()
	var follow uint8
	if a[4]&linux.AtSymlinkFollow != 0 {
		follow = 1
	}
	errno, _ := m1.call(fsproto.NewRequest(fsproto.OpLink).Str(rel1).Str(rel2).U8(follow), t.abortCh())
	if errno == fsproto.ERedirect {
		return -linux.EXDEV, false
	}
	return -int64(errno), false
}

func sysLink(t *Thread, a *[6]uint64) (int64, bool) {
	cwd := uint64(uint32(linux.AtFdcwd & 0xffffffff))
	b := [6]uint64{cwd, a[0], cwd, a[1], 0}
	return sysLinkat(t, &b)
}

func sysFchmod(t *Thread, a *[6]uint64) (int64, bool) {
	f, n, e := t.nodeArg(a[0], 0)
	if e != 0 || f == nil {
		return e, false
	}
	defer f.put()
	return t.simpleAbs(n.path, func(rel string) *fsproto.Encoder {
		return fsproto.NewRequest(fsproto.OpSetattr).Str(rel).U32(fsproto.SetMode).U32(uint32(a[1]) & 0o7777).I64(0).I64(0)
	}), false
}

// utimeNow and utimeOmit are the special tv_nsec values of utimensat.
const (
	utimeNow  = (1 << 30) - 1
	utimeOmit = (1 << 30) - 2
)

func sysUtimensat(t *Thread, a *[6]uint64) (int64, bool) {
	now := time.Now().UnixNano()
	mask := uint32(fsproto.SetAtime | fsproto.SetMtime)
	if a[3]&linux.AtSymlinkNofollow != 0 {
		mask |= fsproto.SetNofollow
	}
	at, mt := now, now
	if a[2] != 0 {
		var b [32]byte
		if t.P.AS.CopyIn(b[:], a[2]) != nil {
			return -linux.EFAULT, false
		}
		ts := func(o int, bit uint32) int64 {
			s, ns := int64(binary.LittleEndian.Uint64(b[o:])), int64(binary.LittleEndian.Uint64(b[o+8:]))
			switch ns {
			case utimeNow:
				return now
			case utimeOmit:
				mask &^= bit
				return 0
			}
			return s*1e9 + ns
		}
		at, mt = ts(0, fsproto.SetAtime), ts(16, fsproto.SetMtime)
	}
	if a[1] == 0 {
		// futimens(fd): the path of the descriptor.
		f, n, e := t.nodeArg(a[0], -linux.EBADF)
		if e != 0 {
			return e, false
		}
		defer f.put()
		return t.simpleAbs(n.path, func(rel string) *fsproto.Encoder {
			return fsproto.NewRequest(fsproto.OpSetattr).Str(rel).U32(mask).U32(0).I64(at).I64(mt)
		}), false
	}
	return t.simple(a[0], a[1], func(rel string) *fsproto.Encoder {
		return fsproto.NewRequest(fsproto.OpSetattr).Str(rel).U32(mask).U32(0).I64(at).I64(mt)
	}), false
}

func sysFtruncate(t *Thread, a *[6]uint64) (int64, bool) {
	f, n, e := t.nodeArg(a[0], -linux.EINVAL)
	if e != 0 {
		return e, false
	}
	defer f.put()
	if int64(a[1]) < 0 {
		return -linux.EINVAL, false
	}
	if !f.canAccess(true) {
		return -linux.EINVAL, false
	}
	errno, _ := n.m.call(fsproto.NewRequest(fsproto.OpTruncate).U64(n.node).U64(a[1]), t.abortCh())
	return -int64(errno), false
}

// sysFsync: servers keep everything in memory.
func sysFsync(t *Thread, a *[6]uint64) (int64, bool) {
	f := t.fdArg(a[0])
	if f == nil {
		return -linux.EBADF, false
	}
	f.put()
	return 0, false
}

// sysFchown: the caller is root and servers keep no owners.
func sysFchown(t *Thread, a *[6]uint64) (int64, bool) { return sysFsync(t, a) }

func sysFchownat(t *Thread, a *[6]uint64) (int64, bool) {
	_, e := t.userPath(a[1])
	return e, false
}

// sysMknodat makes a named pipe (S_IFIFO) or an empty regular file
// (S_IFREG or type 0); devices and sockets: EPERM.
func sysMknodat(t *Thread, a *[6]uint64) (int64, bool) {
	mode := uint32(a[2])
	switch mode & linux.SIfmt {
	case linux.SIfifo:
		return t.simple(a[0], a[1], func(rel string) *fsproto.Encoder {
			return fsproto.NewRequest(fsproto.OpMknod).Str(rel).U32(mode)
		}), false
	case 0, linux.SIfreg:
		m, _, errno, d := func() (*mount, string, int32, *fsproto.Decoder) {
			abs, e := t.pathArg(a[0], a[1])
			if e != 0 {
				return nil, "", int32(-e), nil
			}
			return t.pathCall(abs, func(rel string) *fsproto.Encoder {
				return fsproto.NewRequest(fsproto.OpOpen).Str(rel).U32(linux.OCreat | linux.OExcl).U32(mode & 0o7777)
			})
		}()
		if errno != 0 {
			return -int64(errno), false
		}
		m.call(fsproto.NewRequest(fsproto.OpClose).U64(d.U64()), nil)
		m.put()
		return 0, false
	}
	return -linux.EPERM, false
}

func sysMknod(t *Thread, a *[6]uint64) (int64, bool) {
	b := [6]uint64{uint64(uint32(linux.AtFdcwd & 0xffffffff)), a[0], a[1], a[2]}
	return sysMknodat(t, &b)
}
