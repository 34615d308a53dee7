package proc

import (
	"strings"
	"sync"
	"sync/atomic"

	"beryl/kernel/linux"
	"beryl/kernel/object"
	"beryl/proto/fsproto"
)

// A process's namespace, as Fuchsia's fdio namespaces: absolute path
// prefixes bound to channels to directory servers (userspace/fs), which
// the Linux personality's path calls (linux_path.go) speak
// proto/fsproto on; and the working directory. A new process starts with
// an empty namespace and "/" as its directory; a launcher binds entries
// with beryl_ns_bind before the process starts, and Inherit copies a
// parent's (fork, spawn).

// mount is one bound channel, shared by the namespaces and open files
// using it; the kernel's own handle keeps the channel's peer from seeing
// PEER_CLOSED while any of them lives.
type mount struct {
	h    *object.HandleEntry
	ch   *object.Channel
	dev  uint64 // st_dev of its files
	refs atomic.Int32
}

var nextDev atomic.Uint64

func newMount(ch *object.Channel) *mount {
	m := &mount{h: object.NewKernelHandle(ch, object.RightRead|object.RightWrite|object.RightTransfer), ch: ch, dev: nextDev.Add(1)}
	m.refs.Store(1)
	return m
}

func (m *mount) acquire() { m.refs.Add(1) }

func (m *mount) put() {
	if m.refs.Add(-1) == 0 {
		object.ReleaseHandle(m.h)
	}
}

// call sends one request and returns the reply's errno and fields; a dead
// server is EIO, a call abandoned because abort closed EINTR. Callers pass
// their thread's abortCh, not interruptCh: once sent, a request may have
// been carried out, so a signal must not end the wait for its reply.
func (m *mount) call(req *fsproto.Encoder, abort <-chan struct{}) (int32, *fsproto.Decoder) {
	errno, d, hs := m.callHandles(req, abort)
	for _, h := range hs {
		object.ReleaseHandle(h)
	}
	return errno, d
}

// callHandles is call that also returns the reply's handles (the
// caller's to release; none with an errno other than 0).
func (m *mount) callHandles(req *fsproto.Encoder, intr <-chan struct{}) (int32, *fsproto.Decoder, []*object.HandleEntry) {
	errno, d, hs := m.rawCall(req, intr)
	if errno != 0 {
		for _, h := range hs {
			object.ReleaseHandle(h)
		}
		hs = nil
	}
	return errno, d, hs
}

func (m *mount) rawCall(req *fsproto.Encoder, intr <-chan struct{}) (int32, *fsproto.Decoder, []*object.HandleEntry) {
	b, hs, st := m.ch.KernelCall(req.B, intr)
	switch st {
	case object.OK:
	case object.ErrCanceled:
		return linux.EINTR, nil, hs
	default:
		return linux.EIO, nil, hs
	}
	h, errno, d, err := fsproto.ParseReply(b)
	if err != nil || h.Version != fsproto.Version {
		return linux.EIO, nil, hs
	}
	return errno, d, hs
}

type nsEntry struct {
	prefix string // cleaned, absolute, no trailing slash except "/"
	m      *mount
}

// namespace is a process's bound prefixes and working directory.
type namespace struct {
	mu   sync.Mutex
	ents []nsEntry
	cwd  string
}

// bind makes prefix (absolute) resolve to ch, replacing an earlier
// binding of the same prefix.
func (n *namespace) bind(prefix string, ch *object.Channel) {
	prefix = cleanPath(prefix)
	m := newMount(ch)
	n.mu.Lock()
	defer n.mu.Unlock()
	for i, e := range n.ents {
		if e.prefix == prefix {
			old := e.m
			n.ents[i].m = m
			old.put()
			return
		}
	}
	n.ents = append(n.ents, nsEntry{prefix, m})
}

// Inherit replaces n's bindings and working directory with copies of
// src's (a forked or spawned child's namespace).
func (n *namespace) Inherit(src *namespace) {
	src.mu.Lock()
	ents := append([]nsEntry(nil), src.ents...)
	cwd := src.cwd
	for _, e := range ents {
		e.m.acquire()
	}
	src.mu.Unlock()
	n.mu.Lock()
	old := n.ents
	n.ents, n.cwd = ents, cwd
	n.mu.Unlock()
	for _, e := range old {
		e.m.put()
	}
}

// release drops every binding (the process is gone).
func (n *namespace) release() {
	n.mu.Lock()
	old := n.ents
	n.ents = nil
	n.mu.Unlock()
	for _, e := range old {
		e.m.put()
	}
}

func (n *namespace) getwd() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cwd == "" {
		return "/"
	}
	return n.cwd
}

func (n *namespace) setwd(dir string) {
	n.mu.Lock()
	n.cwd = dir
	n.mu.Unlock()
}

// resolve finds the mount serving abs (cleaned) by the longest bound
// prefix, and the path below it; the mount comes with a reference.
func (n *namespace) resolve(abs string) (*mount, string, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	best := -1
	for i, e := range n.ents {
		if under(abs, e.prefix) && (best < 0 || len(e.prefix) > len(n.ents[best].prefix)) {
			best = i
		}
	}
	if best < 0 {
		return nil, "", false
	}
	e := n.ents[best]
	e.m.acquire()
	rel := strings.TrimPrefix(strings.TrimPrefix(abs, e.prefix), "/")
	return e.m, rel, true
}

// under reports whether abs is prefix or below it.
func under(abs, prefix string) bool {
	if prefix == "/" {
		return true
	}
	return abs == prefix || strings.HasPrefix(abs, prefix) && abs[len(prefix)] == '/'
}

// cleanPath is path.Clean for absolute paths: "." and ".." resolved
// lexically, never above "/".
func cleanPath(p string) string {
	var out []string
	for _, c := range strings.Split(p, "/") {
		switch c {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, c)
		}
	}
	return "/" + strings.Join(out, "/")
}

// NsBind binds path to the channel ch (the caller's reference stays its
// own; nil binds nothing) in the Linux namespace of po, which must not
// have started; with cwd set, path becomes its working directory.
// Errors: BAD_STATE (started, or not a Linux process), INVALID_ARGS
// (path not absolute).
func NsBind(po *object.Process, path string, ch *object.Channel, cwd bool) object.Status {
	p := processOf(po)
	if p == nil || p.started.Load() {
		return object.ErrBadState
	}
	if !strings.HasPrefix(path, "/") {
		return object.ErrInvalidArgs
	}
	if ch != nil {
		p.ns.bind(path, ch)
	}
	if cwd {
		p.ns.setwd(cleanPath(path))
	}
	return object.OK
}

// InheritFiles gives p, a process that has not started, parent's
// descriptors (with exec set, those without FD_CLOEXEC: fdTable.Inherit)
// and a copy of its namespace and working directory: what a forked or
// spawned Linux child starts with.
func (p *Process) InheritFiles(parent *Process, exec bool) {
	p.fds.Inherit(&parent.fds, exec)
	p.ns.Inherit(&parent.ns)
}
