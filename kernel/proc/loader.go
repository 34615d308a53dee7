package proc

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"

	"beryl/arch/x86"
	"beryl/kernel/object"
	"beryl/mm/vm"
)

func newCtx() *x86.UserContext { return x86.NewUserContext() }

// Stack of the first thread.
const (
	stackSize = 1 << 20
	stackTop  = 0x7fff_ff00_0000
)

// Spawn loads a static ELF executable into a new process and starts its
// first thread with a Linux-style initial stack (argv, envp, auxv).
// The process receives its startup handles (and extra ones) on a bootstrap
// channel named in its environment (procargs.go).
func Spawn(name string, image []byte, argv, envv []string, stdout, stderr io.Writer, extra ...Startup) (*Process, error) {
	return SpawnIn(RootJob(), name, image, argv, envv, stdout, stderr, extra...)
}

// SpawnIn is Spawn with the process created in job.
func SpawnIn(job *object.Job, name string, image []byte, argv, envv []string, stdout, stderr io.Writer, extra ...Startup) (*Process, error) {
	f, err := elf.NewFile(bytes.NewReader(image))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !staticExec(f) {
		return nil, fmt.Errorf("%s: not a static x86-64 executable", name)
	}
	p, st := newProcess(name, job, vm.KernelEnv())
	if st != object.OK {
		return nil, fmt.Errorf("%s: creating process: %v", name, st)
	}
	// p keeps its own references until it finishes.
	defer p.Obj.Release()
	defer p.AS.RootVMAR().Release()
	// A process the kernel spawns from the bootfs is of the class its
	// name gives (init: "init"), as KasperskyOS names entities.
	if object.CheckClass(name) == "" {
		p.Obj.SetClass(name)
	}
	p.Stdout, p.Stderr = stdout, stderr
	fail := func(err error) (*Process, error) {
		// The kill hook tears the process down (stop → finish).
		p.Obj.Kill(0)
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := loadImage(p.AS, f); err != nil {
		return fail(err)
	}
	ctx := newCtx()
	ctx.CR3 = p.AS.Root()
	t := p.newThread(ctx)
	env, err := bootstrap(p, t, job, extra)
	if err != nil {
		return fail(err)
	}
	sp, err := buildStack(p.AS, argv, append(append([]string(nil), envv...), env))
	if err != nil {
		return fail(err)
	}
	ctx.Regs.RIP = f.Entry
	ctx.Regs.RSP = sp
	p.started.Store(true)
	p.Obj.Start()
	t.start()
	return p, nil
}

// staticExec reports whether f is a static x86-64 executable, the only
// kind Beryl loads: an image that names a dynamic loader (PT_INTERP)
// would start in a loader Beryl does not have.
func staticExec(f *elf.File) bool {
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 || f.Type != elf.ET_EXEC {
		return false
	}
	for _, ph := range f.Progs {
		if ph.Type == elf.PT_INTERP {
			return false
		}
	}
	return true
}

// loadImage maps f's PT_LOAD segments and the first thread's stack into
// as.
func loadImage(as *vm.AddressSpace, f *elf.File) error {
	for _, ph := range f.Progs {
		if ph.Type != elf.PT_LOAD || ph.Memsz == 0 {
			continue
		}
		start := ph.Vaddr &^ 0xfff
		end := (ph.Vaddr + ph.Memsz + 0xfff) &^ 0xfff
		prot := 0
		if ph.Flags&elf.PF_R != 0 {
			prot |= vm.ProtRead
		}
		if ph.Flags&elf.PF_W != 0 {
			prot |= vm.ProtWrite
		}
		if ph.Flags&elf.PF_X != 0 {
			prot |= vm.ProtExec
		}
		if _, err := as.Mmap(start, end-start, prot, true); err != nil {
			return err
		}
		data := make([]byte, ph.Filesz)
		if _, err := ph.ReadAt(data, 0); err != nil {
			return err
		}
		if err := as.Poke(ph.Vaddr, data); err != nil {
			return err
		}
	}
	if _, err := as.Mmap(stackTop-stackSize, stackSize, vm.ProtRead|vm.ProtWrite, true); err != nil {
		return err
	}
	return nil
}

// buildStack writes argc, argv, envp and auxv (AT_PAGESZ, AT_RANDOM) below
// stackTop, as Linux does for a new process. AT_RANDOM's 16 bytes come
// from fillRandom: the Go runtime seeds its own generator (math/rand/v2,
// map and maphash seeds) from them rather than from getrandom, and init
// passes that randomness on to every process it launches.
func buildStack(as *vm.AddressSpace, argv, envv []string) (uint64, error) {
	var strs []byte
	var argp, envp []uint64
	size := 0
	for _, s := range append(append([]string(nil), argv...), envv...) {
		size += len(s) + 1
	}
	size = (size + 16 + 4095) &^ 4095
	if size > 256<<10 {
		return 0, fmt.Errorf("arguments and environment too long (%d bytes)", size)
	}
	base := uint64(stackTop - size)
	for _, s := range argv {
		argp = append(argp, base+uint64(len(strs)))
		strs = append(append(strs, s...), 0)
	}
	for _, s := range envv {
		envp = append(envp, base+uint64(len(strs)))
		strs = append(append(strs, s...), 0)
	}
	rnd := base + uint64(len(strs))
	var seed [16]byte
	fillRandom(seed[:])
	strs = append(strs, seed[:]...)
	if err := as.Poke(base, strs); err != nil {
		return 0, err
	}
	var w []uint64
	w = append(w, uint64(len(argv)))
	w = append(append(w, argp...), 0)
	w = append(append(w, envp...), 0)
	w = append(w, 6, 4096, 25, rnd, 0, 0) // AT_PAGESZ, AT_RANDOM, AT_NULL
	sp := (base - uint64(8*len(w))) &^ 15
	b := make([]byte, 8*len(w))
	for i, v := range w {
		binary.LittleEndian.PutUint64(b[8*i:], v)
	}
	if err := as.Poke(sp, b); err != nil {
		return 0, err
	}
	return sp, nil
}
