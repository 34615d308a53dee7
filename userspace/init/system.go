package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"beryl/userspace/launch"
	"beryl/userspace/launch/bootfs"
	"beryl/userspace/sysdesc"
	"beryl/userspace/zx"
)

// systemPath is the default system description (cmdline system=PATH
// names another; system=none starts none).
const systemPath = "etc/system.yaml"

// sysProgram is a program of the description while it is being started.
type sysProgram struct {
	desc *sysdesc.Program
	prep *launch.Prepared
	kos  []zx.KosEnvEntry // the handles wired into it, for its BERYL_KOS
	// listener is the value of its listener in its own table, once a
	// connection made it its server.
	listener zx.Handle
}

// startSystem starts the system description at path, if the bootfs holds
// it (KasperskyOS's Einit): it parses it, creates every program's process
// with its class set (not started), wires every connection with
// kos_handle_connect_ex (the client handle in the client's table, the
// server in the server's, one listener per server) and then starts them
// all, each with its handles' values in BERYL_KOS. Any failure — a
// description that does not parse, a missing program, a connection the
// policy denies — aborts every process created so far: nothing starts
// half-wired. It reports what it started, and each exit, to report; done
// is closed when every program has exited.
func startSystem(fs *bootfs.FS, path string, env []string, report io.Writer) (done <-chan struct{}, err error) {
	src, err := fs.ReadFile(path)
	if err != nil {
		return nil, nil // no description: nothing to start
	}
	if rootResource == zx.HandleInvalid {
		return nil, errors.New("no root resource: cannot set the programs' classes")
	}
	sys, err := sysdesc.Parse(src)
	if err != nil {
		return nil, err
	}
	if errs := sys.Check(func(p string) bool { _, ok := fs.OpenFile(p); return ok }, nil); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	progs := make(map[string]*sysProgram, len(sys.Programs))
	order := make([]*sysProgram, 0, len(sys.Programs))
	abort := func() {
		for _, p := range order {
			p.prep.Abort()
		}
	}
	for i := range sys.Programs {
		d := &sys.Programs[i]
		img, _ := fs.OpenFile(d.Path)
		bfs, err := fs.Vmo.Handle.Duplicate(zx.RightSameRights)
		if err != nil {
			abort()
			return nil, fmt.Errorf("duplicating the bootfs handle: %w", err)
		}
		res, err := programResources(d.Name, d.Resources)
		if err != nil {
			bfs.Close()
			abort()
			return nil, err
		}
		prep, err := launch.Prepare(img, launch.Config{Name: d.Name, Argv: append([]string{d.Path}, d.Args...), Env: env,
			Class: d.Class, Resource: rootResource, Handles: append([]launch.Handle{{Type: zx.PAVmoBootfs, Handle: bfs}}, res...)})
		if err != nil {
			abort()
			return nil, fmt.Errorf("program %q (line %d): %w", d.Name, d.Line, err)
		}
		p := &sysProgram{desc: d, prep: prep, listener: zx.HandleInvalid}
		progs[d.Name] = p
		order = append(order, p)
	}
	for _, c := range sys.Connections {
		cli, srv := progs[c.Client], progs[c.Server]
		ch, sh, lh, err := zx.ConnectEx(cli.prep.Process(), srv.prep.Process(), srv.listener)
		if err != nil {
			abort()
			return nil, fmt.Errorf("connection %s -> %s (%s, line %d): kos_handle_connect_ex: %w", c.Client, c.Server, c.Endpoint, c.Line, err)
		}
		cli.kos = append(cli.kos, zx.KosEnvEntry{Role: "client", Endpoint: c.Endpoint, Handle: ch})
		if srv.listener == zx.HandleInvalid {
			srv.listener = lh
			srv.kos = append(srv.kos, zx.KosEnvEntry{Role: "listener", Handle: lh})
		}
		srv.kos = append(srv.kos, zx.KosEnvEntry{Role: "server", Endpoint: c.Endpoint, Handle: sh})
	}
	var started []*launch.Process
	for i, p := range order {
		proc, err := p.prep.Start(zx.KosEnv + "=" + zx.FormatKosEnv(p.kos))
		if err != nil {
			// The ones started so far run fully wired; the rest are
			// ended, which their peers see as closed channels.
			for _, q := range order[i+1:] {
				q.prep.Abort()
			}
			for _, s := range started {
				s.Kill()
				s.Close()
			}
			return nil, fmt.Errorf("starting %q: %w", p.desc.Name, err)
		}
		started = append(started, proc)
		koid := zx.Koid(0)
		if info, err := proc.Process.BasicInfo(); err == nil {
			koid = info.Koid
		}
		fmt.Fprintf(report, "init: system: started %s (%s, class %s, koid %d, kos handles %q)\n",
			p.desc.Name, p.desc.Path, p.desc.Class, koid, zx.FormatKosEnv(p.kos))
		if len(p.desc.Resources) > 0 {
			fmt.Fprintf(report, "init: system: %s resources: %s\n", p.desc.Name, strings.Join(p.desc.Resources, "; "))
		}
	}
	fmt.Fprintf(report, "init: system: %d programs started, %d connections wired\n", len(started), len(sys.Connections))
	all := make(chan struct{})
	var wg sync.WaitGroup
	for i, proc := range started {
		wg.Add(1)
		go func(name string, proc *launch.Process) {
			defer wg.Done()
			defer proc.Close()
			code, err := proc.Wait()
			if err != nil {
				fmt.Fprintf(report, "init: system: %s: %v\n", name, err)
				return
			}
			fmt.Fprintf(report, "init: system: %s exited with status %d\n", name, code)
		}(order[i].desc.Name, proc)
	}
	go func() {
		wg.Wait()
		fmt.Fprintf(report, "init: system: all %d programs exited\n", len(started))
		close(all)
	}()
	return all, nil
}
