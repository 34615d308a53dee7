// Package launch starts programs from userspace with zx system calls only,
// the way a Zircon launcher (or Fuchsia's processargs/ELF loader) does:
//
//	process_create → root VMAR
//	each PT_LOAD: vmar_map ZX_VM_SPECIFIC with the segment's permissions
//	  of a child of the VMO holding the image (a bootfs file: see
//	  segment.go), so every process started from one image shares its
//	  pages: a slice for a read-only segment, a copy-on-write child for a
//	  writable one, an anonymous VMO for .bss; images not in a VMO at a
//	  suitable offset are copied (vmo_create, vmo_write)
//	stack VMO mapped read-write, holding a Linux-style initial stack
//	  (argc, argv, envp, auxv with AT_PAGESZ and AT_RANDOM), since a static
//	  GOOS=linux Go program's entry code reads argc/argv from its stack
//	thread_create
//	a bootstrap channel carrying the startup handles (process, root VMAR,
//	  first thread, job, extras) in the BRYLPA01 message format
//	process_start with the channel's reading end as arg1
//
// The child's handle value of that channel is chosen by its handle table
// when process_start moves the handle in, so the launcher cannot write it
// into the environment beforehand; it writes ZX_BOOTSTRAP=arg1 instead, and
// the child's zx package takes the value with beryl_startup_handle (see
// kernel/proc/procargs.go).
//
// Wait waits for ZX_PROCESS_TERMINATED and returns the return code from
// ZX_INFO_PROCESS.
package launch

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"beryl/userspace/zx"
)

// Process-args handle types (Fuchsia's PA_* values).
const (
	PAProcSelf   = zx.PAProcSelf
	PAThreadSelf = zx.PAThreadSelf
	PAJobDefault = zx.PAJobDefault
	PAVmarRoot   = zx.PAVmarRoot
	PAVmoBootfs  = zx.PAVmoBootfs
)

// DefaultStackSize is the initial thread's stack (committed on demand).
const DefaultStackSize = 1 << 20

// Magic starts the bootstrap message (kernel/proc/procargs.go).
const Magic = "BRYLPA01"

// maxArgs bounds argv+envp strings, as the kernel's loader does.
const maxArgs = 256 << 10

// Handle is an extra startup handle: its PA_* type and the handle, which
// Start transfers to the child (it is consumed whatever happens).
type Handle struct {
	Type   uint32
	Handle zx.Handle
}

// Config describes the program to start.
type Config struct {
	// Name is the process name (default: argv[0]'s last element).
	Name string
	// Argv and Env are the program's arguments and environment. Any
	// ZX_BOOTSTRAP entry in Env is replaced.
	Argv []string
	Env  []string
	// Job is the job to create the process in and the child's default
	// job (default zx.JobDefault()). The child receives a duplicate.
	Job zx.Job
	// Handles are extra startup handles, transferred to the child.
	Handles []Handle
	// StackSize of the first thread (default DefaultStackSize).
	StackSize uint64
	// Class, if set, is the child's security class for the kos IPC policy
	// (beryl_process_set_class with Resource, which must then be the root
	// resource; the launcher keeps its handle). Otherwise the child has
	// the launcher's class.
	Class    string
	Resource zx.Handle
	// Stdout and Stderr, if valid, are sockets that receive the child's
	// write(1) and write(2) (the launcher reads the peers; they see
	// PEER_CLOSED once the child is gone). By default the child shares the
	// launcher's output. The launcher keeps its handles.
	Stdout, Stderr zx.Socket
}

// Beryl process properties naming a child's stdout and stderr sockets
// (kernel/proc PropStdoutSocket, PropStderrSocket).
const (
	propStdoutSocket = 0x1000
	propStderrSocket = 0x1001
)

// Process is a started child.
type Process struct {
	zx.Process
	// Vmar is the child's root VMAR and Thread its first thread (handles
	// of the launcher; Close closes them with the process handle).
	Vmar   zx.Vmar
	Thread zx.Thread
}

// Close closes the launcher's handles; the child keeps running (closing a
// started process's handles does not kill it).
func (p *Process) Close() error {
	err := p.Process.Handle.Close()
	p.Vmar.Handle.Close()
	p.Thread.Handle.Close()
	return err
}

// Wait waits until the process has terminated and returns its return
// code (its exit status; ZX_TASK_RETCODE_SYSCALL_KILL after task_kill).
func (p *Process) Wait() (int64, error) { return Wait(p.Process) }

// Wait waits for ZX_PROCESS_TERMINATED on proc and returns the return
// code reported by ZX_INFO_PROCESS.
func Wait(proc zx.Process) (int64, error) {
	if _, err := proc.WaitOne(zx.ProcessTerminated, zx.TimeInfinite); err != nil {
		return 0, fmt.Errorf("waiting for process: %w", err)
	}
	info, err := proc.Info()
	if err != nil {
		return 0, fmt.Errorf("ZX_INFO_PROCESS: %w", err)
	}
	if !info.Exited {
		return 0, errors.New("ZX_PROCESS_TERMINATED without ZX_INFO_PROCESS exited")
	}
	return info.ReturnCode, nil
}

// StartBytes is Start on an image in memory.
func StartBytes(image []byte, cfg Config) (*Process, error) {
	return Start(bytes.NewReader(image), cfg)
}

// Start loads the static x86-64 ELF executable in image into a new
// process and starts it. On failure every handle Start received or made
// is closed, which ends the (unstarted) child.
func Start(image io.ReaderAt, cfg Config) (*Process, error) {
	p, err := Prepare(image, cfg)
	if err != nil {
		return nil, err
	}
	return p.Start()
}

// Prepared is a child created and loaded but not started: its class is
// set and its segments are mapped, so a launcher can install handles in
// its table (kos_handle_connect_ex) and learn their values before the
// child runs. Start or Abort it.
type Prepared struct {
	l     *loader
	cfg   Config
	job   zx.Job
	entry uint64
	proc  zx.Process
	vmar  zx.Vmar
}

// Prepare does Start's work up to the first thread: process_create,
// output sockets, class, segments. On failure every handle it received
// or made is closed.
func Prepare(image io.ReaderAt, cfg Config) (*Prepared, error) {
	extras := cfg.Handles
	closeExtras := func() {
		for _, h := range extras {
			h.Handle.Close()
		}
	}
	if len(cfg.Argv) == 0 {
		closeExtras()
		return nil, errors.New("launch: empty argv")
	}
	f, err := elf.NewFile(image)
	if err != nil {
		closeExtras()
		return nil, fmt.Errorf("launch %s: %w", cfg.Argv[0], err)
	}
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 || f.Type != elf.ET_EXEC {
		closeExtras()
		return nil, fmt.Errorf("launch %s: not a static x86-64 executable", cfg.Argv[0])
	}
	if hasInterp(f) {
		closeExtras()
		return nil, fmt.Errorf("launch %s: dynamically linked (PT_INTERP): Beryl has no dynamic loader; build it static (CGO_ENABLED=0)", cfg.Argv[0])
	}
	name := cfg.Name
	if name == "" {
		name = cfg.Argv[0][strings.LastIndexByte(cfg.Argv[0], '/')+1:]
	}
	job := cfg.Job
	if job.Handle == zx.HandleInvalid {
		job = zx.JobDefault()
	}
	l := &loader{name: name}
	l.src, l.srcOff, l.srcOK = imageSource(image)
	proc, vmar, err := l.prepare(f, cfg)
	if err != nil {
		l.cleanup()
		return nil, fmt.Errorf("launch %s: %w", name, err)
	}
	return &Prepared{l: l, cfg: cfg, job: job, entry: f.Entry, proc: proc, vmar: vmar}, nil
}

// Process is the child's process handle (the launcher's; valid until
// Start's Process is closed or Abort).
func (p *Prepared) Process() zx.Process { return p.proc }

// Start starts the prepared child with extraEnv appended to its
// environment. On failure the child is ended and every handle closed.
func (p *Prepared) Start(extraEnv ...string) (*Process, error) {
	if len(extraEnv) > 0 {
		p.cfg.Env = append(append([]string(nil), p.cfg.Env...), extraEnv...)
	}
	proc, err := p.l.start(p.proc, p.vmar, p.entry, p.job, p.cfg)
	if err != nil {
		p.l.cleanup()
		return nil, fmt.Errorf("launch %s: %w", p.l.name, err)
	}
	return proc, nil
}

// Abort ends the prepared child (killed: handles other processes
// installed in it go with it) and closes every handle.
func (p *Prepared) Abort() {
	p.proc.Kill()
	p.l.cleanup()
}

// loader holds the handles of one launch, closed on failure.
type loader struct {
	name   string
	owned  []zx.Handle
	extras []Handle
	// src is the VMO holding the image at srcOff, if srcOK (segment.go).
	src    zx.Vmo
	srcOff uint64
	srcOK  bool
}

func (l *loader) own(h zx.Handle) zx.Handle {
	l.owned = append(l.owned, h)
	return h
}

func (l *loader) cleanup() {
	for _, h := range l.owned {
		h.Close()
	}
	for _, h := range l.extras {
		h.Handle.Close()
	}
	l.owned, l.extras = nil, nil
}

// prepare creates the process, sets its outputs and class and loads the
// segments.
func (l *loader) prepare(f *elf.File, cfg Config) (zx.Process, zx.Vmar, error) {
	l.extras = cfg.Handles
	job := cfg.Job
	if job.Handle == zx.HandleInvalid {
		job = zx.JobDefault()
	}
	proc, vmar, err := zx.NewProcess(job, l.name, 0)
	if err != nil {
		return proc, vmar, fmt.Errorf("process_create: %w", err)
	}
	l.own(proc.Handle)
	l.own(vmar.Handle)
	for _, io := range []struct {
		sock zx.Socket
		prop uint32
	}{{cfg.Stdout, propStdoutSocket}, {cfg.Stderr, propStderrSocket}} {
		if io.sock.Handle == zx.HandleInvalid {
			continue
		}
		if err := setOutput(proc, io.prop, io.sock); err != nil {
			return proc, vmar, fmt.Errorf("setting the child's output socket: %w", err)
		}
	}
	if cfg.Class != "" {
		if err := proc.SetClass(cfg.Resource, cfg.Class); err != nil {
			return proc, vmar, fmt.Errorf("setting the child's class %q: %w", cfg.Class, err)
		}
	}
	base, _, err := vmarInfo(vmar)
	if err != nil {
		return proc, vmar, err
	}
	for _, ph := range f.Progs {
		if ph.Type != elf.PT_LOAD || ph.Memsz == 0 {
			continue
		}
		if err := l.loadSegment(vmar, base, ph); err != nil {
			return proc, vmar, err
		}
	}
	return proc, vmar, nil
}

// start maps the stack, creates the first thread and starts it.
func (l *loader) start(proc zx.Process, vmar zx.Vmar, entry uint64, job zx.Job, cfg Config) (*Process, error) {
	size := cfg.StackSize
	if size == 0 {
		size = DefaultStackSize
	}
	size = (size + zx.PageSize - 1) &^ (zx.PageSize - 1)
	stack, err := zx.NewVmo(size, 0)
	if err != nil {
		return nil, fmt.Errorf("stack vmo_create: %w", err)
	}
	l.own(stack.Handle)
	stackBase, err := vmar.Map(zx.VMPermRead|zx.VMPermWrite, 0, stack, 0, uint(size))
	if err != nil {
		return nil, fmt.Errorf("stack vmar_map: %w", err)
	}
	env := make([]string, 0, len(cfg.Env)+1)
	for _, e := range cfg.Env {
		if !strings.HasPrefix(e, "ZX_BOOTSTRAP=") {
			env = append(env, e)
		}
	}
	env = append(env, "ZX_BOOTSTRAP="+zx.BootstrapArg1)
	img, sp, err := BuildStack(uint64(stackBase), size, cfg.Argv, env)
	if err != nil {
		return nil, err
	}
	if err := stack.Write(img, size-uint64(len(img))); err != nil {
		return nil, fmt.Errorf("stack vmo_write: %w", err)
	}
	thread, err := zx.NewThread(proc, l.name, 0)
	if err != nil {
		return nil, fmt.Errorf("thread_create: %w", err)
	}
	l.own(thread.Handle)
	ch, err := l.bootstrap(proc, vmar, thread, job)
	if err != nil {
		return nil, err
	}
	// ch is consumed by process_start whatever happens.
	if err := proc.Start(thread, zx.Vaddr(entry), zx.Vaddr(sp), ch, 0); err != nil {
		return nil, fmt.Errorf("process_start: %w", err)
	}
	stack.Handle.Close()
	return &Process{Process: proc, Vmar: vmar, Thread: thread}, nil
}

// vmarInfo returns ZX_INFO_VMAR: base and length.
func vmarInfo(v zx.Vmar) (base, size uint64, err error) {
	var b [16]byte
	if _, _, err := v.GetInfo(zx.ObjectInfoVMAR, b[:]); err != nil {
		return 0, 0, fmt.Errorf("ZX_INFO_VMAR: %w", err)
	}
	return binary.LittleEndian.Uint64(b[0:]), binary.LittleEndian.Uint64(b[8:]), nil
}

// loadSegment copies a PT_LOAD segment into a fresh VMO and maps it at
// its address with its permissions. The VMO covers the segment's pages;
// bytes beyond p_filesz (.bss) stay zero.
func (l *loader) loadSegment(vmar zx.Vmar, base uint64, ph *elf.Prog) error {
	start := ph.Vaddr &^ (zx.PageSize - 1)
	end := (ph.Vaddr + ph.Memsz + zx.PageSize - 1) &^ (zx.PageSize - 1)
	if end <= start || start < base || ph.Filesz > ph.Memsz {
		return fmt.Errorf("bad PT_LOAD at %#x (memsz %#x)", ph.Vaddr, ph.Memsz)
	}
	if l.shareable(ph) {
		return l.mapSegment(vmar, base, ph)
	}
	vmo, err := zx.NewVmo(end-start, 0)
	if err != nil {
		return fmt.Errorf("segment vmo_create: %w", err)
	}
	defer func() { vmo.Handle.Close() }() // the mapping keeps the VMO alive
	const chunk = 256 << 10
	buf := make([]byte, min(ph.Filesz, chunk))
	for off := uint64(0); off < ph.Filesz; {
		n := min(ph.Filesz-off, chunk)
		if _, err := ph.ReadAt(buf[:n], int64(off)); err != nil {
			return fmt.Errorf("reading segment at %#x: %w", ph.Vaddr, err)
		}
		if err := vmo.Write(buf[:n], ph.Vaddr-start+off); err != nil {
			return fmt.Errorf("segment vmo_write: %w", err)
		}
		off += n
	}
	if ph.Flags&elf.PF_X != 0 {
		x, err := vmo.ReplaceAsExecutable(zx.HandleInvalid)
		if err != nil {
			return fmt.Errorf("vmo_replace_as_executable: %w", err)
		}
		vmo = x
	}
	if _, err := vmar.Map(segmentPerms(ph), uint(start-base), vmo, 0, uint(end-start)); err != nil {
		return fmt.Errorf("vmar_map of segment %#x-%#x: %w", start, end, err)
	}
	return nil
}

// bootstrap writes the startup message and returns the channel end for
// the child. The extras are consumed.
func (l *loader) bootstrap(proc zx.Process, vmar zx.Vmar, thread zx.Thread, job zx.Job) (zx.Handle, error) {
	types := []uint32{PAProcSelf, PAVmarRoot, PAThreadSelf, PAJobDefault}
	var hs []zx.Handle
	closeAll := func() {
		for _, h := range hs {
			h.Close()
		}
	}
	for _, h := range []zx.Handle{proc.Handle, vmar.Handle, thread.Handle, job.Handle} {
		d, err := h.Duplicate(zx.RightSameRights)
		if err != nil {
			closeAll()
			return zx.HandleInvalid, fmt.Errorf("duplicating a startup handle: %w", err)
		}
		hs = append(hs, d)
	}
	for _, e := range l.extras {
		types = append(types, e.Type)
		hs = append(hs, e.Handle)
	}
	l.extras = nil
	msg := make([]byte, 12+4*len(types))
	copy(msg, Magic)
	binary.LittleEndian.PutUint32(msg[8:], uint32(len(types)))
	for i, t := range types {
		binary.LittleEndian.PutUint32(msg[12+4*i:], t)
	}
	mine, theirs, err := zx.NewChannel(0)
	if err != nil {
		closeAll()
		return zx.HandleInvalid, fmt.Errorf("channel_create: %w", err)
	}
	defer mine.Handle.Close()
	if err := mine.Write(msg, hs, 0); err != nil {
		// channel_write consumes the handles only when it gets that far.
		closeAll()
		theirs.Handle.Close()
		return zx.HandleInvalid, fmt.Errorf("bootstrap channel_write: %w", err)
	}
	return theirs.Handle, nil
}

// BuildStack lays out a Linux-style initial stack for a stack of size
// bytes mapped at base: the strings, 16 AT_RANDOM bytes, then argc, argv,
// NULL, envp, NULL and the auxiliary vector (AT_PAGESZ, AT_RANDOM,
// AT_NULL), 16-byte aligned. It returns the bytes to write at the top of
// the stack VMO (offset size-len(img)) and the initial stack pointer.
func BuildStack(base, size uint64, argv, env []string) (img []byte, sp uint64, err error) {
	n := 16
	for _, s := range argv {
		n += len(s) + 1
	}
	for _, s := range env {
		n += len(s) + 1
	}
	if n > maxArgs {
		return nil, 0, fmt.Errorf("arguments and environment too long (%d bytes)", n)
	}
	top := base + size
	strBase := (top - uint64(n)) &^ 15
	var strs []byte
	var argp, envp []uint64
	for _, s := range argv {
		argp = append(argp, strBase+uint64(len(strs)))
		strs = append(append(strs, s...), 0)
	}
	for _, s := range env {
		envp = append(envp, strBase+uint64(len(strs)))
		strs = append(append(strs, s...), 0)
	}
	rnd := strBase + uint64(len(strs))
	var r [16]byte
	binary.LittleEndian.PutUint64(r[0:], rand.Uint64())
	binary.LittleEndian.PutUint64(r[8:], rand.Uint64())
	strs = append(strs, r[:]...)
	const atNull, atPagesz, atRandom = 0, 6, 25
	w := []uint64{uint64(len(argv))}
	w = append(append(w, argp...), 0)
	w = append(append(w, envp...), 0)
	w = append(w, atPagesz, zx.PageSize, atRandom, rnd, atNull, 0)
	sp = (strBase - uint64(8*len(w))) &^ 15
	if sp < base+zx.PageSize {
		return nil, 0, fmt.Errorf("stack of %d bytes too small for the arguments", size)
	}
	img = make([]byte, top-sp)
	for i, v := range w {
		binary.LittleEndian.PutUint64(img[8*i:], v)
	}
	copy(img[strBase-sp:], strs)
	return img, sp, nil
}

// hasInterp reports whether f names a dynamic loader (PT_INTERP): such an
// image starts in the loader, which Beryl does not have.
func hasInterp(f *elf.File) bool {
	for _, ph := range f.Progs {
		if ph.Type == elf.PT_INTERP {
			return true
		}
	}
	return false
}
