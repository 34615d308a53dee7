package kmain

import (
	"bytes"
	"io"
	"os"
	"path"
	"strings"
	"sync"

	"beryl/arch/x86"
	"beryl/boot/bootinfo"
	"beryl/kernel/bootfs"
	"beryl/kernel/klog"
	"beryl/kernel/options"
	"beryl/kernel/proc"
)

// Files in the boot filesystem that zxrun writes: NUL-separated argv and
// environment for the program it runs.
const (
	zxrunArgs = "etc/zxrun/args"
	zxrunEnv  = "etc/zxrun/env"
)

// moduleBytes returns a boot module's contents (a copy).
func moduleBytes(m bootinfo.Module) ([]byte, error) {
	img := make([]byte, m.End-m.Start)
	return img, PhysMem.ReadPhys(m.Start, img)
}

// findBootfs returns the first module that is a newc cpio archive.
func findBootfs(info *bootinfo.Info) *bootfs.FS {
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
		klog.Infof("bootfs", "%d files: %s", len(fs.Names()), strings.Join(fs.Names(), " "))
		return fs
	}
	return nil
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

func splitNUL(b []byte) []string {
	var out []string
	for _, f := range bytes.Split(b, []byte{0}) {
		if len(f) > 0 {
			out = append(out, string(f))
		}
	}
	return out
}

// startInit finds the first user program (in the bootfs, else a plain
// module), runs it, and returns its exit status; ok is false when there is
// no init to run.
func startInit(info *bootinfo.Info, opts options.Options) (code int, ok bool) {
	var img []byte
	var argv []string
	env := []string{"HOME=/", "PATH=/bin"}
	if fs := findBootfs(info); fs != nil {
		f, found := fs.Open(opts.Init)
		if !found {
			klog.Warnf("init", "%s not in the boot filesystem", opts.Init)
			return 0, false
		}
		img = f.Data
		argv = append([]string{opts.Init}, opts.Run...)
		if a, ok := fs.Open(zxrunArgs); ok {
			argv = splitNUL(a.Data)
		}
		if e, ok := fs.Open(zxrunEnv); ok {
			env = splitNUL(e.Data)
		}
	} else if m, found := initModule(info, opts.Init); found {
		var err error
		if img, err = moduleBytes(m); err != nil {
			klog.Errorf("init", "reading module: %v", err)
			return 1, true
		}
		argv = strings.Fields(m.CmdLine)
		argv[0] = path.Base(argv[0])
	} else {
		return 0, false
	}
	var stdout, stderr io.Writer = os.Stdout, os.Stdout
	if opts.UserIO == "ports" {
		stdout, stderr = newPort(x86.COM2), newPort(x86.COM3)
	}
	name := path.Base(argv[0])
	p, err := proc.Spawn(name, img, argv, env, stdout, stderr)
	if err != nil {
		klog.Errorf("init", "%v", err)
		return 1, true
	}
	klog.Infof("init", "started %s[%d] (%d KiB image)", name, p.PID, len(img)>>10)
	code = p.Wait()
	klog.Infof("init", "%s[%d] exited with status %d", name, p.PID, code)
	return code, true
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
