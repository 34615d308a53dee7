// Package fs holds Beryl's directory servers, written in Go as ordinary
// Beryl programs' code: they answer proto/fsproto requests (the Linux
// personality's path calls) on a namespace channel. FS is an in-memory
// tree that serves both as a read-only tree (files backed by an
// io.ReaderAt, e.g. records of the boot filesystem) and as a writable
// tmpfs; NewDev is /dev (null, zero, full, random, urandom). Handle is
// pure Go and tested on the host; Serve (serve.go) runs it on a channel.
package fs

import (
	"crypto/rand"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"beryl/proto/fsproto"
	"beryl/userspace/zx"
)

// Linux values the protocol carries.
const (
	eperm      = 1
	enoent     = 2
	eio        = 5
	ebadf      = 9
	enomem     = 12
	eacces     = 13
	enodev     = 19
	eexist     = 17
	exdev      = 18
	enotdir    = 20
	eisdir     = 21
	einval     = 22
	efbig      = 27
	enospc     = 28
	erofs      = 30
	eloop      = 40
	eopnotsupp = 95
	enotempty  = 39

	sIfmt   = 0o170000
	sIfdir  = 0o040000
	sIfreg  = 0o100000
	sIflnk  = 0o120000
	sIfchr  = 0o020000
	sIfifo  = 0o010000
	sIfsock = 0o140000

	oAccmode   = 3
	oCreat     = 0x40
	oExcl      = 0x80
	oTrunc     = 0x200
	oDirectory = 0x10000
	oNofollow  = 0x20000
)

type devKind uint8

const (
	devNone devKind = iota
	devNull
	devZero
	devFull
	devRandom
)

type node struct {
	ino                 uint64
	mode                uint32
	atime, mtime, ctime int64
	children            map[string]*node // directories
	data                []byte           // regular files
	ra                  io.ReaderAt      // read-only backing, until written
	size                int64
	target              string // symlinks
	dev                 devKind
	nlink               uint32
	// vmo holds a regular file's bytes once a client asked for its VMO
	// (OpGetVMO, to map it); data and ra are unused from then on.
	vmo Backing
}

func (n *node) isDir() bool { return n.mode&sIfmt == sIfdir }

// FS is an in-memory file tree served over fsproto.
type FS struct {
	mu       sync.Mutex
	root     *node
	readOnly bool
	// MaxBytes bounds the file data of a writable tree (ENOSPC beyond).
	MaxBytes int64
	used     int64
	nextIno  uint64
	open     map[uint64]*node
	nextID   uint64
	// redirect is the path an ERedirect reply carries.
	redirect string
	// NewBacking makes the VMO a file moves into when a client maps it;
	// nil: OpGetVMO is ENODEV (the client copies the file instead).
	NewBacking func(size int64) (Backing, error)
	// reply is the handle the reply being built carries (OpGetVMO).
	reply zx.Handle
}

// New returns an empty tree; readOnly trees refuse every change (EROFS)
// once built with AddFile and AddDir.
func New(readOnly bool) *FS {
	f := &FS{readOnly: readOnly, open: map[uint64]*node{}, MaxBytes: 256 << 20}
	f.root = f.newNode(sIfdir | 0o755)
	return f
}

func now() int64 { return time.Now().UnixNano() }

func (f *FS) newNode(mode uint32) *node {
	f.nextIno++
	t := now()
	n := &node{ino: f.nextIno, mode: mode, atime: t, mtime: t, ctime: t, nlink: 1}
	if mode&sIfmt == sIfdir {
		n.children = map[string]*node{}
		n.nlink = 2
	}
	return n
}

func split(p string) []string {
	var out []string
	for _, c := range strings.Split(p, "/") {
		if c != "" && c != "." {
			out = append(out, c)
		}
	}
	return out
}

// AddDir creates directory p (and its parents) while building a tree.
func (f *FS) AddDir(p string, mode uint32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mkdirAll(split(p), mode)
}

func (f *FS) mkdirAll(parts []string, mode uint32) *node {
	d := f.root
	for _, c := range parts {
		next := d.children[c]
		if next == nil || !next.isDir() {
			next = f.newNode(sIfdir | mode&0o7777)
			d.children[c] = next
		}
		d = next
	}
	return d
}

// AddFile adds a regular file at p whose size bytes ra holds (parents
// are created), while building a tree.
func (f *FS) AddFile(p string, mode uint32, size int64, ra io.ReaderAt) {
	f.mu.Lock()
	defer f.mu.Unlock()
	parts := split(p)
	if len(parts) == 0 {
		return
	}
	d := f.mkdirAll(parts[:len(parts)-1], 0o755)
	n := f.newNode(sIfreg | mode&0o7777)
	n.ra, n.size = ra, size
	d.children[parts[len(parts)-1]] = n
}

// addDev adds a character device.
func (f *FS) addDev(name string, k devKind) {
	n := f.newNode(sIfchr | 0o666)
	n.dev = k
	f.root.children[name] = n
}

// NewDev returns /dev: null, zero, full, random and urandom.
func NewDev() *FS {
	f := New(true)
	f.addDev("null", devNull)
	f.addDev("zero", devZero)
	f.addDev("full", devFull)
	f.addDev("random", devRandom)
	f.addDev("urandom", devRandom)
	return f
}

// walk resolves parts from the root, following symlinks (relative ones,
// inside this tree) in every component and, with follow, in the last.
func (f *FS) walk(parts []string, follow bool, depth int) (*node, int32) {
	if depth > 40 {
		return nil, eloop
	}
	n := f.root
	var seen []string
	for i, c := range parts {
		if !n.isDir() {
			return nil, enotdir
		}
		if c == ".." {
			if len(seen) > 0 {
				seen = seen[:len(seen)-1]
			}
			var e int32
			if n, e = f.walk(seen, true, depth+1); e != 0 {
				return nil, e
			}
			continue
		}
		next := n.children[c]
		if next == nil {
			return nil, enoent
		}
		if next.mode&sIfmt == sIflnk && (follow || i < len(parts)-1) {
			t := next.target
			if strings.HasPrefix(t, "/") {
				// Resolved by the client: the target may be in
				// another server's tree.
				f.redirect = strings.Join(append([]string{t}, parts[i+1:]...), "/")
				return nil, fsproto.ERedirect
			}
			var base []string
			if !strings.HasPrefix(t, "/") {
				base = append(base, seen...)
			}
			var e int32
			if next, e = f.walk(append(base, split(t)...), true, depth+1); e != 0 {
				return nil, e
			}
		}
		seen = append(seen, c)
		n = next
	}
	return n, 0
}

// parent resolves all but the last component: the directory and the name.
func (f *FS) parent(p string) (*node, string, int32) {
	parts := split(p)
	if len(parts) == 0 {
		return nil, "", eexist // the root itself
	}
	name := parts[len(parts)-1]
	d, e := f.walk(parts[:len(parts)-1], true, 0)
	if e == fsproto.ERedirect {
		f.redirect += "/" + name
	}
	if e != 0 {
		return nil, "", e
	}
	if !d.isDir() {
		return nil, "", enotdir
	}
	if name == ".." {
		return nil, "", einval
	}
	return d, name, 0
}

func (n *node) stat() fsproto.Stat {
	size := n.size
	switch {
	case n.isDir():
		size = 4096
	case n.mode&sIfmt == sIflnk:
		size = int64(len(n.target))
	}
	return fsproto.Stat{Ino: n.ino, Mode: n.mode, Nlink: n.nlink, Size: uint64(size), Atime: n.atime, Mtime: n.mtime, Ctime: n.ctime}
}

// materialize copies a read-only-backed file's bytes into memory.
func (n *node) materialize() int32 {
	if n.ra == nil {
		return 0
	}
	b := make([]byte, n.size)
	if _, err := n.ra.ReadAt(b, 0); err != nil && err != io.EOF {
		return eio
	}
	n.data, n.ra = b, nil
	return 0
}

func (f *FS) grow(n *node, size int64) int32 {
	if size > 1<<40 {
		return efbig
	}
	if d := size - n.size; d > 0 && f.used+d > f.MaxBytes {
		return enospc
	}
	if n.vmo != nil {
		if n.vmo.SetSize(size) != nil {
			return enospc
		}
		f.used += size - n.size
		n.size = size
		return 0
	}
	if e := n.materialize(); e != 0 {
		return e
	}
	f.used += size - n.size
	if size <= int64(cap(n.data)) {
		old := len(n.data)
		n.data = n.data[:size]
		if size > int64(old) {
			clear(n.data[old:])
		}
	} else {
		nd := make([]byte, size, size+size/4)
		copy(nd, n.data)
		n.data = nd
	}
	n.size = size
	return 0
}

// Handle serves one request and returns the reply.
func (f *FS) Handle(req []byte) []byte {
	h, d, err := fsproto.ParseRequest(req)
	if err != nil {
		return fsproto.NewReply(h, eio).B
	}
	if h.Version != fsproto.Version {
		return fsproto.NewReply(h, fsproto.EPROTO).B
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.handleLocked(h, d)
	if f.reply != zx.HandleInvalid {
		// A caller without handles (the host tests) does not take it.
		f.reply.Close()
		f.reply = zx.HandleInvalid
	}
	return r.B
}

// HandleMsg answers one request; the reply may carry a handle (OpGetVMO),
// which the caller sends and so gives away.
func (f *FS) HandleMsg(req []byte) ([]byte, []zx.Handle) {
	h, d, err := fsproto.ParseRequest(req)
	if err != nil {
		return fsproto.NewReply(h, eio).B, nil
	}
	if h.Version != fsproto.Version {
		return fsproto.NewReply(h, fsproto.EPROTO).B, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.handleLocked(h, d)
	var hs []zx.Handle
	if f.reply != zx.HandleInvalid {
		hs = []zx.Handle{f.reply}
		f.reply = zx.HandleInvalid
	}
	return r.B, hs
}

func (f *FS) handleLocked(h fsproto.Header, d *fsproto.Decoder) *fsproto.Encoder {
	fail := func(e int32) *fsproto.Encoder {
		r := fsproto.NewReply(h, e)
		if e == fsproto.ERedirect {
			r.Str(f.redirect)
		}
		return r
	}
	ok := func() *fsproto.Encoder { return fsproto.NewReply(h, 0) }
	nodeOf := func(id uint64) *node { return f.open[id] }
	switch h.Op {
	case fsproto.OpOpen:
		p, flags, mode := d.Str(), d.U32(), d.U32()
		if d.Err != nil {
			return fail(einval)
		}
		if flags&(oCreat|oExcl) == oCreat|oExcl {
			// O_EXCL never follows the last component: a dangling
			// symbolic link exists.
			if _, e := f.walk(split(p), false, 0); e == 0 {
				return fail(eexist)
			}
		}
		n, e := f.walk(split(p), flags&oNofollow == 0, 0)
		for range 40 {
			if e != enoent || flags&oCreat == 0 || flags&oNofollow != 0 {
				break
			}
			// Creating through a dangling symbolic link creates its
			// target.
			l, le := f.walk(split(p), false, 0)
			if le != 0 || l.mode&sIfmt != sIflnk {
				break
			}
			if strings.HasPrefix(l.target, "/") {
				f.redirect = l.target
				return fail(fsproto.ERedirect)
			}
			parts := split(p)
			p = strings.Join(append(parts[:len(parts)-1], split(l.target)...), "/")
			n, e = f.walk(split(p), true, 0)
		}
		switch {
		case e == enoent && flags&oCreat != 0:
			if f.readOnly {
				return fail(erofs)
			}
			dir, name, e := f.parent(p)
			if e != 0 {
				return fail(e)
			}
			n = f.newNode(sIfreg | mode&0o7777)
			dir.children[name] = n
			dir.mtime = now()
		case e != 0:
			return fail(e)
		}
		if n.mode&sIfmt == sIflnk {
			return fail(eloop) // O_NOFOLLOW on a symlink
		}
		if flags&oDirectory != 0 && !n.isDir() {
			return fail(enotdir)
		}
		writing := flags&oAccmode != 0
		if n.isDir() && (writing || flags&oTrunc != 0) {
			return fail(eisdir)
		}
		if (writing || flags&oTrunc != 0) && f.readOnly && n.dev == devNone {
			return fail(erofs)
		}
		if flags&oTrunc != 0 && writing && n.mode&sIfmt == sIfreg {
			if n.vmo != nil && n.vmo.SetSize(0) != nil {
				return fail(eio)
			}
			f.used -= n.size
			n.data, n.ra, n.size = nil, nil, 0
			n.mtime = now()
		}
		f.nextID++
		f.open[f.nextID] = n
		return ok().U64(f.nextID).Stat(n.stat())
	case fsproto.OpClose:
		n := f.open[d.U64()]
		delete(f.open, d.U64())
		f.dropVMOLocked(n)
		return ok()
	case fsproto.OpRead:
		n := nodeOf(d.U64())
		off, cnt := int64(d.U64()), int64(d.U32())
		if n == nil || d.Err != nil {
			return fail(ebadf)
		}
		cnt = min(cnt, fsproto.MaxData)
		switch n.dev {
		case devNull:
			return ok().Bytes(nil)
		case devZero, devFull:
			return ok().Bytes(make([]byte, cnt))
		case devRandom:
			b := make([]byte, cnt)
			rand.Read(b)
			return ok().Bytes(b)
		}
		if n.isDir() {
			return fail(eisdir)
		}
		if off >= n.size {
			return ok().Bytes(nil)
		}
		cnt = min(cnt, n.size-off)
		if n.vmo != nil {
			b := make([]byte, cnt)
			if _, err := n.vmo.ReadAt(b, off); err != nil {
				return fail(eio)
			}
			return ok().Bytes(b)
		}
		if n.ra != nil {
			b := make([]byte, cnt)
			if _, err := n.ra.ReadAt(b, off); err != nil && err != io.EOF {
				return fail(eio)
			}
			return ok().Bytes(b)
		}
		return ok().Bytes(n.data[off : off+cnt])
	case fsproto.OpWrite:
		n := nodeOf(d.U64())
		off, appending, data := int64(d.U64()), d.U8() != 0, d.Bytes()
		if n == nil || d.Err != nil {
			return fail(ebadf)
		}
		switch n.dev {
		case devNull, devZero, devRandom:
			return ok().U32(uint32(len(data))).U64(0)
		case devFull:
			return fail(enospc)
		}
		if f.readOnly {
			return fail(erofs)
		}
		if appending {
			off = n.size
		}
		if end := off + int64(len(data)); end > n.size {
			if e := f.grow(n, end); e != 0 {
				return fail(e)
			}
		} else if e := n.materialize(); e != 0 {
			return fail(e)
		}
		if n.vmo != nil {
			if _, err := n.vmo.WriteAt(data, off); err != nil {
				return fail(eio)
			}
		} else {
			copy(n.data[off:], data)
		}
		n.mtime = now()
		return ok().U32(uint32(len(data))).U64(uint64(n.size))
	case fsproto.OpStat:
		p, nofollow := d.Str(), d.U8() != 0
		n, e := f.walk(split(p), !nofollow, 0)
		if e != 0 {
			return fail(e)
		}
		return ok().Stat(n.stat())
	case fsproto.OpFstat:
		n := nodeOf(d.U64())
		if n == nil {
			return fail(ebadf)
		}
		return ok().Stat(n.stat())
	case fsproto.OpReaddir:
		n := nodeOf(d.U64())
		cookie := d.U64()
		if n == nil || d.Err != nil {
			return fail(ebadf)
		}
		if !n.isDir() {
			return fail(enotdir)
		}
		names := make([]string, 0, len(n.children))
		for name := range n.children {
			names = append(names, name)
		}
		sort.Strings(names)
		var ents []fsproto.Dirent
		size := 0
		i := int(min(cookie, uint64(len(names))))
		for ; i < len(names) && size < fsproto.MaxData/2; i++ {
			c := n.children[names[i]]
			ents = append(ents, fsproto.Dirent{Ino: c.ino, Type: dtype(c.mode), Name: names[i]})
			size += 11 + len(names[i])
		}
		r := ok().U64(uint64(i)).U16(uint16(len(ents)))
		for _, e := range ents {
			r.Dirent(e)
		}
		return r
	case fsproto.OpTruncate:
		n := nodeOf(d.U64())
		size := int64(d.U64())
		if n == nil || d.Err != nil {
			return fail(ebadf)
		}
		if f.readOnly {
			return fail(erofs)
		}
		if n.isDir() {
			return fail(eisdir)
		}
		if e := f.grow(n, size); e != 0 {
			return fail(e)
		}
		n.mtime = now()
		return ok()
	case fsproto.OpMkdir:
		p, mode := d.Str(), d.U32()
		if f.readOnly {
			if _, e := f.walk(split(p), false, 0); e == 0 {
				return fail(eexist)
			}
			return fail(erofs)
		}
		dir, name, e := f.parent(p)
		if e != 0 {
			return fail(e)
		}
		if dir.children[name] != nil {
			return fail(eexist)
		}
		dir.children[name] = f.newNode(sIfdir | mode&0o7777)
		dir.nlink++
		dir.mtime = now()
		return ok()
	case fsproto.OpUnlink:
		p, rmdir := d.Str(), d.U8() != 0
		if f.readOnly {
			return fail(erofs)
		}
		dir, name, e := f.parent(p)
		if e != 0 {
			if e == eexist {
				e = ebusyOrPerm(rmdir)
			}
			return fail(e)
		}
		n := dir.children[name]
		switch {
		case n == nil:
			return fail(enoent)
		case rmdir && !n.isDir():
			return fail(enotdir)
		case !rmdir && n.isDir():
			return fail(eisdir)
		case rmdir && len(n.children) > 0:
			return fail(enotempty)
		}
		delete(dir.children, name)
		if n.isDir() {
			dir.nlink--
		} else if n.nlink--; n.nlink == 0 {
			f.used -= n.size
			f.dropVMOLocked(n)
		}
		dir.mtime = now()
		return ok()
	case fsproto.OpRename:
		from, to := d.Str(), d.Str()
		if f.readOnly {
			return fail(erofs)
		}
		sd, sname, e := f.parent(from)
		if e != 0 {
			return fail(e)
		}
		dd, dname, e := f.parent(to)
		if e != 0 {
			return fail(e)
		}
		n := sd.children[sname]
		if n == nil {
			return fail(enoent)
		}
		if n.isDir() && (to == from || strings.HasPrefix(strings.Trim(to, "/")+"/", strings.Trim(from, "/")+"/")) {
			if to == from {
				return ok()
			}
			return fail(einval)
		}
		if old := dd.children[dname]; old != nil && old != n {
			switch {
			case old.isDir() && !n.isDir():
				return fail(eisdir)
			case !old.isDir() && n.isDir():
				return fail(enotdir)
			case old.isDir() && len(old.children) > 0:
				return fail(enotempty)
			}
		}
		delete(sd.children, sname)
		dd.children[dname] = n
		sd.mtime, dd.mtime = now(), now()
		return ok()
	case fsproto.OpReadlink:
		n, e := f.walk(split(d.Str()), false, 0)
		if e != 0 {
			return fail(e)
		}
		if n.mode&sIfmt != sIflnk {
			return fail(einval)
		}
		return ok().Str(n.target)
	case fsproto.OpSymlink:
		target, p := d.Str(), d.Str()
		if f.readOnly {
			return fail(erofs)
		}
		dir, name, e := f.parent(p)
		if e != 0 {
			return fail(e)
		}
		if dir.children[name] != nil {
			return fail(eexist)
		}
		n := f.newNode(sIflnk | 0o777)
		n.target = target
		dir.children[name] = n
		return ok()
	case fsproto.OpMknod:
		p, mode := d.Str(), d.U32()
		if mode&sIfmt != sIfifo && mode&sIfmt != sIfsock {
			return fail(eperm)
		}
		if f.readOnly {
			return fail(erofs)
		}
		dir, name, e := f.parent(p)
		if e != 0 {
			return fail(e)
		}
		if dir.children[name] != nil {
			return fail(eexist)
		}
		dir.children[name] = f.newNode(mode&sIfmt | mode&0o7777)
		dir.mtime = now()
		return ok()
	case fsproto.OpLink:
		from, to, follow := d.Str(), d.Str(), d.U8() != 0
		if f.readOnly {
			return fail(erofs)
		}
		n, e := f.walk(split(from), follow, 0)
		if e != 0 {
			return fail(e)
		}
		if n.isDir() {
			return fail(eperm)
		}
		dir, name, e := f.parent(to)
		if e != 0 {
			return fail(e)
		}
		if dir.children[name] != nil {
			return fail(eexist)
		}
		dir.children[name] = n
		n.nlink++
		n.ctime, dir.mtime = now(), now()
		return ok()
	case fsproto.OpSetattr:
		p, mask, mode, at, mt := d.Str(), d.U32(), d.U32(), d.I64(), d.I64()
		n, e := f.walk(split(p), mask&fsproto.SetNofollow == 0, 0)
		if e != 0 {
			return fail(e)
		}
		if f.readOnly && n.dev == devNone {
			return fail(erofs)
		}
		if n.mode&sIfmt == sIflnk && mask&fsproto.SetMode != 0 {
			return fail(eopnotsupp) // a link's mode is fixed, as on Linux
		}
		if mask&fsproto.SetMode != 0 {
			n.mode = n.mode&sIfmt | mode&0o7777
		}
		if mask&fsproto.SetAtime != 0 {
			n.atime = at
		}
		if mask&fsproto.SetMtime != 0 {
			n.mtime = mt
		}
		n.ctime = now()
		return ok()
	}
	if h.Op == fsproto.OpGetVMO {
		n := nodeOf(d.U64())
		flags := d.U32()
		if n == nil || d.Err != nil {
			return fail(ebadf)
		}
		if n.mode&sIfmt != sIfreg || n.dev != devNone || f.NewBacking == nil {
			return fail(enodev)
		}
		writable := flags&fsproto.GetVMOWrite != 0
		if writable && f.readOnly {
			return fail(eacces)
		}
		if n.vmo == nil {
			if e := n.materialize(); e != 0 {
				return fail(e)
			}
			b, err := f.NewBacking(n.size)
			if err != nil {
				return fail(enomem)
			}
			if _, err := b.WriteAt(n.data, 0); err != nil {
				b.Close()
				return fail(eio)
			}
			n.vmo, n.data = b, nil
		}
		hv, err := n.vmo.Handle(writable)
		if err != nil {
			return fail(enomem)
		}
		f.reply = hv
		return ok().U64(uint64(n.size))
	}
	return fail(fsproto.ENOSYS)
}

// dropVMOLocked closes n's VMO once n is neither linked nor open (a
// mapping keeps its own reference to the pages).
func (f *FS) dropVMOLocked(n *node) {
	if n == nil || n.vmo == nil || n.nlink > 0 {
		return
	}
	for _, o := range f.open {
		if o == n {
			return
		}
	}
	n.vmo.Close()
	n.vmo = nil
}

func ebusyOrPerm(rmdir bool) int32 {
	if rmdir {
		return 16 // EBUSY: the root
	}
	return eisdir
}

func dtype(mode uint32) uint8 {
	switch mode & sIfmt {
	case sIfdir:
		return 4
	case sIfreg:
		return 8
	case sIflnk:
		return 10
	case sIfchr:
		return 2
	case sIfifo:
		return 1
	case sIfsock:
		return 12
	}
	return 0
}
