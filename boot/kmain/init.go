package kmain

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"sync"

	"beryl/arch/x86"
	"beryl/boot/bootinfo"
	"beryl/kernel/bootfs"
	"beryl/kernel/klog"
	"beryl/kernel/object"
	"beryl/kernel/options"
	"beryl/kernel/proc"
	"beryl/mm/vm"
)

// consoleIn is the kernel's end of init's console input socket, nil when
// init did not get one.
var consoleIn *object.Socket

// moduleBytes returns a boot module's contents (a copy).
func moduleBytes(m bootinfo.Module) ([]byte, error) {
	img := make([]byte, m.End-m.Start)
	return img, PhysMem.ReadPhys(m.Start, img)
}

// findBootfs returns the first module that is a newc cpio archive, parsed
// and raw.
func findBootfs(info *bootinfo.Info) (*bootfs.FS, []byte) {
	for _, m := range info.Modules {
		img, err := moduleBytes(m)
		if err != nil || !bytes.HasPrefix(img, []byte("070701")) {
			continue
		}
		fs, err := bootfs.Parse(img)
		if err != nil {
			klog.Errorf("bootfs", "module %q: %v", m.CmdLine, err)
			continue
		}
		klog.Infof("bootfs", "%d files: %s", len(fs.Names()), klog.Escape(strings.Join(fs.Names(), " ")))
		return fs, img
	}
	return nil, nil
}

// bootfsVMO copies the boot filesystem into a VMO for init
// (PA_VMO_BOOTFS), read-only. The VMO is the kernel's only copy of the
// archive once init has started: execve reads programs from it
// (bootfsLookup), so the copy startInit read into the kernel heap is
// garbage then (each MiB of the bootfs would cost 3 MiB of RAM with the
// heap copy kept: module, heap and VMO).
func bootfsVMO(archive []byte) (*vm.VMO, proc.Startup, error) {
	v, st := vm.NewVMO(vm.KernelFrames(), uint64(len(archive)), 0)
	if st != object.OK {
		return nil, proc.Startup{}, fmt.Errorf("bootfs VMO: %v", st)
	}
	if st := v.Write(0, archive); st != object.OK {
		v.Release()
		return nil, proc.Startup{}, fmt.Errorf("bootfs VMO: %v", st)
	}
	v.SetContentSize(uint64(len(archive)))
	return v, proc.Startup{Type: proc.PAVmoBootfs, Obj: v, Rights: v.Rights() &^ (object.RightWrite | object.RightSetProperty)}, nil
}

// bootfsLookup is execve's lookup of programs in the boot filesystem
// (proc.SetExecLookup): it reads a file of fs from v, the bootfs VMO,
// whose reference it takes, so that it holds no part of fs's archive.
func bootfsLookup(fs *bootfs.FS, v *vm.VMO) proc.ExecLookup {
	type extent struct{ off, size uint64 }
	files := map[string]extent{}
	for _, name := range fs.Names() {
		f, _ := fs.Open(name)
		files[name] = extent{f.Off, uint64(len(f.Data))}
	}
	return func(name string) ([]byte, bool) {
		e, ok := files[strings.TrimPrefix(name, "/")]
		if !ok {
			return nil, false
		}
		b := make([]byte, e.size)
		if v.Read(e.off, b) != object.OK {
			return nil, false
		}
		return b, true
	}
}

// initModule finds a plain ELF boot module named like the init option's
// last element (QEMU -initrd "prog args").
func initModule(info *bootinfo.Info, init string) (bootinfo.Module, bool) {
	want := path.Base(init)
	for _, m := range info.Modules {
		f := strings.Fields(m.CmdLine)
		if len(f) > 0 && path.Base(f[0]) == want {
			return m, true
		}
	}
	return bootinfo.Module{}, false
}

// startInit finds the first user program (opts.Init in the bootfs, with
// the bootfs as its PA_VMO_BOOTFS startup handle; else a plain module
// named like it), starts it and returns a function that waits for its
// exit status; ok is false when there is no init to run. Init itself
// decides what to run (the command line reaches it as BERYL_CMDLINE).
func startInit(info *bootinfo.Info, opts options.Options) (wait func() int, ok bool) {
	failed := func() int { return 1 }
	var img []byte
	var argv []string
	env := []string{"HOME=/", "PATH=/bin"}
	var extra []proc.Startup
	fs, archive := findBootfs(info)
	loadPolicy(fs)
	if fs != nil {
		f, found := fs.Open(opts.Init)
		if !found {
			klog.Warnf("init", "%s not in the boot filesystem", klog.Escape(opts.Init))
			return nil, false
		}
		img = f.Data
		argv = []string{opts.Init}
		v, s, err := bootfsVMO(archive)
		if err != nil {
			klog.Errorf("init", "%v", err)
			return failed, true
		}
		// execve finds programs in the boot filesystem.
		v.AddRef()
		proc.SetExecLookup(bootfsLookup(fs, v))
		extra = append(extra, s)
		// The root resource: init gets the only handle (PA_RESOURCE).
		root := object.NewRootResource()
		extra = append(extra, proc.Startup{Type: proc.PAResource, Obj: root, Rights: object.DefaultResourceRights})
		if opts.UserIO == "console" {
			var in proc.Startup
			in, consoleIn = consoleSocket()
			extra = append(extra, in)
		}
	} else if m, found := initModule(info, opts.Init); found {
		var err error
		if img, err = moduleBytes(m); err != nil {
			klog.Errorf("init", "reading module: %v", err)
			return failed, true
		}
		argv = strings.Fields(m.CmdLine)
		argv[0] = path.Base(argv[0])
	} else {
		return nil, false
	}
	var stdout, stderr io.Writer = os.Stdout, os.Stdout
	if opts.UserIO == "ports" {
		stdout, stderr = newPort(x86.COM2), newPort(x86.COM3)
	}
	name := path.Base(argv[0])
	env = append(env, "BERYL_CMDLINE="+info.CmdLine, ecamEnv())
	if e := testRAMEnv(); e != "" {
		env = append(env, e)
	}
	p, err := proc.Spawn(name, img, argv, env, stdout, stderr, extra...)
	if err != nil {
		klog.Errorf("init", "%v", err)
		return failed, true
	}
	klog.Infof("init", "started %s[%d] (%d KiB image)", klog.Escape(name), p.PID, len(img)>>10)
	return func() int {
		code := p.Wait()
		klog.Infof("init", "%s[%d] exited with status %d", klog.Escape(name), p.PID, code)
		return code
	}, true
}

// port is an io.Writer onto a UART used as a raw byte stream.
type port struct {
	mu   sync.Mutex
	base uint16
}

func newPort(base uint16) *port {
	x86.SerialInitPort(base)
	return &port{base: base}
}

func (p *port) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	x86.SerialWriteRaw(p.base, b)
	return len(b), nil
}
