package main

import (
	"fmt"
	"io"
	"strings"

	"beryl/userspace/fs"
	"beryl/userspace/launch"
	"beryl/userspace/launch/bootfs"
	"beryl/userspace/zx"
)

// The zxrun program's world: bin/zxrun packs the files the test needs
// under zxrunRoot in the boot filesystem (the current directory, the Go
// toolchain's zoneinfo) at their host paths, and the working directory
// in zxrunCwd. init serves them as a read-only tree at "/", the whole
// boot filesystem read-only at /boot, a tmpfs at /tmp and /dev, each a
// directory server (userspace/fs) on its own channel, and binds them
// into the program's namespace before it starts.
const (
	zxrunRoot = "zxrun/root/"
	zxrunCwd  = "etc/zxrun/cwd"
)

// tmpfsMax bounds the file data of the zxrun program's /tmp.
const tmpfsMax = 256 << 20

// world builds the servers once; mounts binds them into a process.
type world struct {
	mounts map[string]zx.Channel
	cwd    string
}

func newWorld(bfs *bootfs.FS) (*world, error) {
	root, boot := fs.New(true), fs.New(true)
	for _, name := range bfs.Names() {
		r, ok := bfs.OpenFile(name)
		if !ok {
			continue
		}
		mode := uint32(0o644)
		if strings.HasPrefix(name, "bin/") {
			mode = 0o755
		}
		boot.AddFile(name, mode, r.Size(), r)
		if rel, ok := strings.CutPrefix(name, zxrunRoot); ok {
			root.AddFile(rel, mode, r.Size(), r)
		}
	}
	cwd := "/"
	if b, err := bfs.ReadFile(zxrunCwd); err == nil && strings.HasPrefix(string(b), "/") {
		cwd = strings.TrimSpace(string(b))
		root.AddDir(cwd, 0o755)
	}
	for _, d := range []string{"tmp", "dev", "boot", "proc", "etc"} {
		root.AddDir(d, 0o755)
	}
	tmp := fs.New(false)
	tmp.MaxBytes = tmpfsMax
	// A mapped /tmp file moves into a VMO, shared with its mappings.
	tmp.NewBacking = fs.VMOBacking
	w := &world{mounts: map[string]zx.Channel{}, cwd: cwd}
	for path, h := range map[string]fs.Handler{"/": root, "/boot": boot, "/tmp": tmp, "/dev": fs.NewDev()} {
		ch, err := fs.Start(h)
		if err != nil {
			return nil, fmt.Errorf("starting the %s server: %w", path, err)
		}
		w.mounts[path] = ch
	}
	return w, nil
}

// bind gives process the world's namespace and working directory, and
// a /proc of its own (exe: the bootfs file it runs, at /boot).
func (w *world) bind(process zx.Handle, exe string, argv []string) error {
	for path, ch := range w.mounts {
		if err := fs.Bind(process, 0, path, ch.Handle); err != nil {
			return fmt.Errorf("binding %s: %w", path, err)
		}
	}
	// The /proc server inspects the process (maps, fd) through a handle
	// of its own, closed when the server ends.
	inspect, err := process.Duplicate(zx.RightInspect)
	if err != nil {
		return fmt.Errorf("a handle for the /proc server: %w", err)
	}
	proc, err := fs.Start(fs.NewProc("/boot/"+exe, argv, fs.ProcessSource{Process: inspect}))
	if err != nil {
		inspect.Close()
		return fmt.Errorf("starting the /proc server: %w", err)
	}
	// The namespace holds its own handle; ours goes, so the server ends
	// with the process.
	defer proc.Close()
	if err := fs.Bind(process, 0, "/proc", proc.Handle); err != nil {
		return fmt.Errorf("binding /proc: %w", err)
	}
	return fs.Bind(process, fs.NsCwd, w.cwd, zx.HandleInvalid)
}

// startIn starts image (the bootfs file exe) with cfg in w's namespace
// (none if w is nil).
func startIn(img io.ReaderAt, exe string, cfg launch.Config, w *world) (*launch.Process, error) {
	pp, err := launch.Prepare(img, cfg)
	if err != nil {
		return nil, err
	}
	if w != nil {
		if err := w.bind(pp.Process().Handle, exe, cfg.Argv); err != nil {
			pp.Abort()
			return nil, err
		}
	}
	return pp.Start()
}
