// Command kvstore is the worked example of Beryl's KasperskyOS-style
// handles (issue 6): an in-memory key-value provider hands out user-object
// handles under per-client badges; clients open, use (through
// dereferencing) and close resources; revoking one client's badge cuts off
// only that client; the IPC policy (etc/policy in the bootfs) forbids one
// method to one client and the admin endpoint to every client.
//
// One binary plays every part, chosen by its first argument:
//
//	kvstore            the launcher (run by init: run=kvstore); it needs the
//	                   root resource to name its children's classes
//	kvstore hold       the launcher, stopping after phase one and keeping
//	                   every process alive (to look at kos handles and
//	                   badges from the shell: handles KOID)
//	kvstore server     the provider, class kv.server
//	kvstore client a   a read-write client, class kv.client.a
//	kvstore client b   a read-only client, class kv.client.b
//
// The launcher starts the server, receives the clients' kos client handles
// from it, starts the clients with them, waits until both finished phase
// one, revokes client a's badge through the admin endpoint, lets them run
// phase two, shuts the server down and checks its summary. It prints
// "kvstore: PASS" and exits 0 when every process's checks passed.
package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"beryl/userspace/launch"
	"beryl/userspace/launch/bootfs"
	"beryl/userspace/zx"
)

func main() {
	switch {
	case len(os.Args) == 2 && os.Args[1] == "server":
		os.Exit(runServer())
	case len(os.Args) == 3 && os.Args[1] == "client":
		os.Exit(runClient(os.Args[2]))
	case len(os.Args) == 1:
		os.Exit(runLauncher(false))
	case len(os.Args) == 2 && os.Args[1] == "hold":
		os.Exit(runLauncher(true))
	}
	fmt.Fprintln(os.Stderr, "usage: kvstore [hold | server | client a|b]")
	os.Exit(2)
}

// launcher is the demo's Einit: it names its children's classes (with the
// root resource) and wires their connections.
type launcher struct {
	checker
	image []byte
	root  zx.Handle
	hold  bool
}

func runLauncher(hold bool) int {
	l := &launcher{checker: checker{who: "kvstore"}, hold: hold}
	if err := l.setup(); err != nil {
		fmt.Println("kvstore: FAIL:", err)
		return 1
	}
	if err := l.run(); err != nil {
		l.failf("%v", err)
	}
	if l.failed > 0 {
		fmt.Printf("kvstore: FAIL (%d)\n", l.failed)
		return 1
	}
	fmt.Println("kvstore: PASS")
	return 0
}

// setup takes the bootfs (for the program's own image) and the root
// resource.
func (l *launcher) setup() error {
	bfs, ok := zx.TakeStartupHandle(zx.PAVmoBootfs)
	if !ok {
		return fmt.Errorf("no boot filesystem (PA_VMO_BOOTFS)")
	}
	fs, err := bootfs.Open(zx.Vmo{Handle: bfs})
	if err != nil {
		return err
	}
	if l.image, err = fs.ReadFile("bin/kvstore"); err != nil {
		return err
	}
	if l.root, ok = zx.TakeStartupHandle(zx.PAResource); !ok {
		return fmt.Errorf("no root resource (PA_RESOURCE): kvstore names its children's classes")
	}
	cls, err := zx.ProcessSelf().Class()
	if err != nil {
		return fmt.Errorf("own class: %w", err)
	}
	fmt.Printf("kvstore: launcher of class %q\n", cls)
	return nil
}

// start launches the image with args, class and startup handles.
func (l *launcher) start(class string, args []string, handles ...launch.Handle) (*launch.Process, error) {
	p, err := launch.StartBytes(l.image, launch.Config{Name: class, Argv: append([]string{"kvstore"}, args...),
		Env: os.Environ(), Class: class, Resource: l.root, Handles: handles})
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", class, err)
	}
	got, err := p.Process.Class()
	if err != nil || got != class {
		return nil, fmt.Errorf("%s: class %q (%v)", class, got, err)
	}
	return p, nil
}

func (l *launcher) run() error {
	ctl, ctlServer, err := zx.NewChannel(0)
	if err != nil {
		return err
	}
	srv, err := l.start("kv.server", []string{"server"}, launch.Handle{Type: paCtl, Handle: ctlServer.Handle})
	if err != nil {
		return err
	}
	defer srv.Close()
	// The server connects three clients to its listener and sends their
	// kos client handles: a, b and the launcher's admin connection.
	if _, err := ctl.WaitOne(zx.ChannelReadable, deadline()); err != nil {
		return fmt.Errorf("waiting for the client handles: %w", err)
	}
	var msg [64]byte
	hs := make([]zx.Handle, 3)
	n, nh, err := ctl.Read(msg[:], hs, 0)
	if err != nil || nh != 3 {
		return fmt.Errorf("reading the client handles: %v (%d handles)", err, nh)
	}
	fmt.Printf("kvstore: server sent %q\n", msg[:n])
	admin := zx.Client{Handle: hs[2]}

	var clients []*launch.Process
	var syncs []zx.Channel
	for i, name := range []string{"a", "b"} {
		mine, theirs, err := zx.NewChannel(0)
		if err != nil {
			return err
		}
		p, err := l.start("kv.client."+name, []string{"client", name},
			launch.Handle{Type: paClient, Handle: hs[i]}, launch.Handle{Type: paCtl, Handle: theirs.Handle})
		if err != nil {
			return err
		}
		defer p.Close()
		clients, syncs = append(clients, p), append(syncs, mine)
	}
	for i, s := range syncs {
		if _, err := s.WaitOne(zx.ChannelReadable|zx.ChannelPeerClosed, deadline()); err != nil {
			return fmt.Errorf("client %d phase 1: %w", i, err)
		}
	}
	if l.hold {
		si, _ := srv.Process.Handle.BasicInfo()
		ci, _ := clients[0].Process.Handle.BasicInfo()
		fmt.Printf("kvstore: holding; server koid %d, client a koid %d\n", si.Koid, ci.Koid)
		for { // until killed
			time.Sleep(time.Hour)
		}
	}
	fmt.Println("kvstore: both clients finished phase 1; revoking client a's badge")
	app, _, err := call(admin, epAdmin, mRevoke, u64(uint64(clientA)), nil, nil)
	l.expect("admin revoke of client a", orApp(err, app), zx.OK)
	for _, s := range syncs {
		s.Write([]byte("go"), nil, 0)
	}
	for i, p := range clients {
		code, err := p.Wait()
		if err != nil || code != 0 {
			l.failf("client %s exited with %d (%v)", []string{"a", "b"}[i], code, err)
		}
	}
	app, rd, err := call(admin, epAdmin, mShutdown, nil, nil, nil)
	l.expect("admin shutdown", orApp(err, app), zx.OK)
	if err != nil {
		srv.Kill() // it would wait for requests forever
	} else {
		sum := string(rd.Arena)
		const want = "badges closed: a b; store: color=blue"
		if !strings.HasPrefix(sum, want) {
			l.failf("server summary %q, want %q", sum, want)
		}
	}
	if code, err := srv.Wait(); err != nil || code != 0 {
		l.failf("server exited with %d (%v)", code, err)
	}
	return nil
}
