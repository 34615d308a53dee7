package proc

import (
	"bytes"
	"debug/elf"
	"path"
	"strings"
	"time"

	"beryl/kernel/linux"
	"beryl/mm/vm"
	"beryl/proto/fsproto"
)

// execve: the calling process gets a new address space holding a static
// ELF executable, as Linux's execve does. The program is a file of the
// process's namespace (read through its server); a process with an
// empty namespace (one its launcher bound nothing in) finds programs in
// the kernel's boot filesystem instead (ExecLookup). The process keeps
// its PID, parent, limits, namespace, signal mask, ignored signals and
// descriptors without FD_CLOEXEC; it loses its handlers, alternate stack
// and other threads, and a vfork parent waiting for it goes on.

// Bounds of execve's arguments (Linux's PATH_MAX, MAX_ARG_STRLEN and a
// count far beyond what the 256 KiB argument area can hold).
const (
	pathMax    = 4096
	argStrMax  = 128 << 10
	argsMax    = 256 << 10
	argvMaxLen = 1 << 16
)

// ExecLookup returns the executable image at a path, or false if there
// is none. boot/kmain installs it with SetExecLookup.
type ExecLookup func(path string) ([]byte, bool)

var execLookup ExecLookup

// SetExecLookup installs where execve finds programs.
func SetExecLookup(f ExecLookup) { execLookup = f }

// BootfsPath turns an execve path into a boot filesystem name: relative
// to "/" (there is no working directory yet), with Fuchsia's "/boot"
// prefix optional: "/bin/hello", "bin/hello" and "/boot/bin/hello" are
// all "bin/hello".
func BootfsPath(p string) string {
	c := path.Clean("/" + p)
	if c == "/boot" || strings.HasPrefix(c, "/boot/") {
		c = strings.TrimPrefix(c, "/boot")
	}
	return strings.TrimPrefix(c, "/")
}

// cString reads a NUL-terminated string of at most max bytes (longer:
// errno tooLong) from user memory, a page at a time.
func (t *Thread) cString(addr uint64, max int, tooLong int64) (string, int64) {
	var out []byte
	for len(out) <= max {
		n := 4096 - addr&4095
		buf := make([]byte, n)
		if t.P.AS.CopyIn(buf, addr) != nil {
			return "", -linux.EFAULT
		}
		if i := bytes.IndexByte(buf, 0); i >= 0 {
			out = append(out, buf[:i]...)
			if len(out) > max {
				break
			}
			return string(out), 0
		}
		out = append(out, buf...)
		addr += n
	}
	return "", tooLong
}

// cStrings reads a NULL-terminated array of string pointers (a NULL
// array is empty); total counts the bytes read so far, for E2BIG.
func (t *Thread) cStrings(addr uint64, total *int) ([]string, int64) {
	var out []string
	if addr == 0 {
		return nil, 0
	}
	for i := 0; ; i++ {
		if i >= argvMaxLen {
			return nil, -linux.E2BIG
		}
		p, ok := t.u64(addr + uint64(8*i))
		if !ok {
			return nil, -linux.EFAULT
		}
		if p == 0 {
			return out, 0
		}
		s, errno := t.cString(p, argStrMax, -linux.E2BIG)
		if errno != 0 {
			return nil, errno
		}
		if *total += len(s) + 1 + 8; *total > argsMax {
			return nil, -linux.E2BIG
		}
		out = append(out, s)
	}
}

// sysExecve serves execve(path, argv, envp).
func sysExecve(t *Thread, a *[6]uint64) (int64, bool) {
	name, errno := t.cString(a[0], pathMax-1, -linux.ENAMETOOLONG)
	if errno != 0 {
		return errno, false
	}
	total := 0
	argv, errno := t.cStrings(a[1], &total)
	if errno != 0 {
		return errno, false
	}
	envv, errno := t.cStrings(a[2], &total)
	if errno != 0 {
		return errno, false
	}
	cwd := int64(linux.AtFdcwd)
	abs, errno := t.absPath(uint64(cwd), name)
	if errno != 0 {
		return errno, false
	}
	img, errno := t.readExecutable(abs)
	if errno != 0 {
		return errno, false
	}
	f, err := elf.NewFile(bytes.NewReader(img))
	if err != nil || f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 || f.Type != elf.ET_EXEC {
		return -linux.ENOEXEC, false
	}
	if !staticExec(f) {
		// Linux's answer when the PT_INTERP loader does not exist, and
		// Beryl has none.
		return -linux.ENOENT, false
	}
	return t.exec(path.Base(name), f, argv, envv), false
}

// maxExecSize bounds an executable execve reads (a Go test binary is
// tens of MiB).
const maxExecSize = 256 << 20

// readExecutable returns the bytes of the executable at abs: from the
// namespace, or from the boot filesystem when the namespace is empty.
// EACCES for a file that is not a regular file with an execute bit.
func (t *Thread) readExecutable(abs string) ([]byte, int64) {
	if t.P.ns.empty() {
		if execLookup == nil {
			return nil, -linux.ENOENT
		}
		img, ok := execLookup(BootfsPath(abs))
		if !ok {
			return nil, -linux.ENOENT
		}
		return img, 0
	}
	// Signals do not interrupt loading a program (as Linux's execve is
	// not interrupted in its file system); the process's end does.
	intr := t.P.dying
	var m *mount
	var d *fsproto.Decoder
	for hops := 0; ; hops++ {
		mm, rel, ok := t.P.ns.resolve(abs)
		if !ok {
			return nil, -linux.ENOENT
		}
		errno, dd := mm.call(fsproto.NewRequest(fsproto.OpOpen).Str(rel).U32(linux.ORdonly).U32(0), intr)
		if errno == fsproto.ERedirect && hops < maxRedirects {
			next := dd.Str()
			mm.put()
			if dd.Err != nil || !strings.HasPrefix(next, "/") {
				return nil, -linux.EIO
			}
			abs = cleanPath(next)
			continue
		}
		if errno == fsproto.ERedirect {
			mm.put()
			return nil, -linux.ELOOP
		}
		if errno != 0 {
			mm.put()
			return nil, -int64(errno)
		}
		m, d = mm, dd
		break
	}
	node := d.U64()
	st := d.Stat()
	if d.Err != nil {
		m.put()
		return nil, -linux.EIO
	}
	nf := &nodeFile{m: m, node: node, path: abs, mode: st.Mode}
	defer nf.release()
	if st.Mode&linux.SIfmt != linux.SIfreg || st.Mode&0o111 == 0 {
		return nil, -linux.EACCES
	}
	if st.Size > maxExecSize {
		return nil, -linux.ENOMEM
	}
	img := make([]byte, st.Size)
	r := nf.pread(img, 0, intr)
	if r < 0 {
		return nil, r
	}
	return img[:r], 0
}

// empty reports whether nothing is bound in the namespace.
func (n *namespace) empty() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.ents) == 0
}

// exec replaces the calling process's image with f.
func (t *Thread) exec(name string, f *elf.File, argv, envv []string) int64 {
	p := t.P
	nas, err := vm.NewIn(p.AS.Env())
	if err != nil {
		return -linux.ENOMEM
	}
	if err := loadImage(nas, f); err != nil {
		nas.Destroy()
		return -linux.ENOMEM
	}
	sp, err := buildStack(nas, argv, envv)
	if err != nil {
		nas.Destroy()
		return -linux.E2BIG
	}
	if !t.stopOthers() {
		nas.Destroy()
		return -linux.EINTR // killed meanwhile: the thread exits on return
	}
	// No way back from here.
	p.mu.Lock()
	old, shared, own := p.AS, p.lx.shared, p.lx.ownAS
	p.AS, p.lx.shared, p.lx.ownAS = nas, false, nil
	for i := range p.sigs {
		if p.sigs[i].Handler != linux.SigIgn {
			p.sigs[i] = linux.Sigaction{}
		}
	}
	p.Name = name
	if t.TID != p.PID {
		delete(p.threads, t.TID)
		t.TID = p.PID
		p.threads[t.TID] = t
	}
	p.mu.Unlock()
	p.Obj.SetName(name)
	if shared {
		own.Destroy() // made with the process, never used
	} else {
		old.Destroy()
	}
	p.fds.CloseOnExec()

	c := t.Ctx
	fresh := newCtx()
	c.Regs, c.FX, c.FSBase, c.GSBase, c.CR3 = fresh.Regs, fresh.FX, 0, 0, nas.Root()
	// Breakpoints name addresses of the old image: gone, as Linux's
	// execve flushes them.
	c.Debug, t.debug.dr6, t.debug.dr7 = fresh.Debug, 0, 0
	c.DropFPU() // the new program starts from the fresh image, x87 too
	c.Regs.RIP, c.Regs.RSP = f.Entry, sp
	t.sig.mu.Lock()
	t.sig.altSP, t.sig.altSize = 0, 0
	t.sig.mu.Unlock()
	p.releaseVfork()
	return 0
}

// stopOthers ends every other thread of the process (execve's de_thread)
// and waits until they are gone; false if the process is killed
// meanwhile.
func (t *Thread) stopOthers() bool {
	p := t.P
	for !p.killed.Load() {
		p.mu.Lock()
		var others []*Thread
		for _, o := range p.threads {
			if o != t {
				others = append(others, o)
			}
		}
		p.mu.Unlock()
		if len(others) == 0 {
			return true
		}
		for _, o := range others {
			o.exitReq.Store(true)
			o.interrupt()
			o.abortWaits()
		}
		time.Sleep(time.Millisecond)
	}
	return false
}
