package main

import (
	"fmt"
	"io"
	"os"

	"beryl/userspace/fs"
	"beryl/userspace/launch"
	"beryl/userspace/launch/bootfs"
	"beryl/userspace/zx"
)

// The world of zxrun programs and conformance families (fs.World): the
// files bin/zxrun packs, read-only at "/", the boot filesystem at /boot,
// a tmpfs at /tmp, /dev, and a /proc per program. Its directory servers
// run in a file-server process, bin/fsd, which init starts with the boot
// filesystem and asks for each server through a control channel; each
// server's client end is bound into the programs' namespaces before they
// start. A boot filesystem without bin/fsd gets the same servers as
// goroutines of init.

// fsdPath is the file-server program in the boot filesystem.
const fsdPath = "bin/fsd"

// world holds the servers' client ends; mounts binds them into a process.
type world struct {
	mounts map[string]zx.Channel
	cwd    string
	// ctl is fsd's control channel (invalid: the servers run in init).
	ctl zx.Channel
	fsd *launch.Process
}

func newWorld(bfs *bootfs.FS) (*world, error) {
	w := &world{mounts: map[string]zx.Channel{}, cwd: fs.WorldCwd(bfs)}
	if img, ok := bfs.OpenFile(fsdPath); ok {
		err := w.startFsd(bfs, img)
		if err == nil {
			return w, nil
		}
		fmt.Fprintf(os.Stderr, "init: %s: %v; serving the world from init\n", fsdPath, err)
		w.mounts = map[string]zx.Channel{}
	}
	for path, h := range fs.World(bfs) {
		ch, err := fs.Start(h)
		if err != nil {
			return nil, fmt.Errorf("starting the %s server: %w", path, err)
		}
		w.mounts[path] = ch
	}
	return w, nil
}

// startFsd starts bin/fsd and asks it for the world's servers.
func (w *world) startFsd(bfs *bootfs.FS, img io.ReaderAt) error {
	ctl, ctlServer, err := zx.NewChannel(0)
	if err != nil {
		return err
	}
	vmo, err := bfs.Vmo.Handle.Duplicate(zx.RightSameRights)
	if err != nil {
		ctl.Close()
		ctlServer.Close()
		return err
	}
	p, err := launch.Start(img, launch.Config{Argv: []string{"/boot/" + fsdPath},
		Handles: []launch.Handle{{Type: zx.PAVmoBootfs, Handle: vmo}, {Type: zx.PAUser0, Handle: ctlServer.Handle}}})
	if err != nil {
		ctl.Close()
		return err
	}
	w.ctl, w.fsd = ctl, p
	for _, path := range []string{"/", "/boot", "/tmp", "/dev"} {
		client, server, err := zx.NewChannel(0)
		if err != nil {
			return err
		}
		if err := fs.SendServe(ctl, path, nil, server.Handle); err != nil {
			client.Close()
			return fmt.Errorf("asking for %s: %w", path, err)
		}
		w.mounts[path] = client
	}
	return nil
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
	inspect, err := process.Duplicate(zx.RightInspect | zx.RightTransfer)
	if err != nil {
		return fmt.Errorf("a handle for the /proc server: %w", err)
	}
	var proc zx.Channel
	if w.ctl.Handle != zx.HandleInvalid {
		var server zx.Channel
		if proc, server, err = zx.NewChannel(0); err == nil {
			if err = fs.SendServe(w.ctl, "proc", append([]string{"/boot/" + exe}, argv...), server.Handle, inspect); err != nil {
				proc.Close()
			}
		} else {
			inspect.Close()
		}
	} else {
		proc, err = fs.Start(fs.NewProc("/boot/"+exe, argv, fs.ProcessSource{Process: inspect}))
		if err != nil {
			inspect.Close()
		}
	}
	if err != nil {
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
