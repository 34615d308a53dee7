package shell

import (
	"encoding/binary"
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"beryl/userspace/launch"
	"beryl/userspace/zx"
)

var le = binary.LittleEndian

// koidList returns the koids a job or process lists for topic.
func koidList(h zx.Handle, topic uint32) ([]zx.Koid, error) {
	buf := make([]byte, 8*64)
	for {
		n, avail, err := h.GetInfo(topic, buf)
		if err != nil {
			return nil, err
		}
		if avail > n && len(buf) < 8*int(avail) {
			buf = make([]byte, 8*int(avail))
			continue
		}
		out := make([]zx.Koid, n)
		for i := range out {
			out[i] = zx.Koid(le.Uint64(buf[8*i:]))
		}
		return out, nil
	}
}

// child returns a new handle to the child koid of job, or an invalid one.
func child(job zx.Handle, koid zx.Koid) (zx.Handle, error) {
	var h zx.Handle
	err := zx.Sys_object_get_child(job, koid, zx.RightSameRights, &h).Err()
	return h, err
}

// task is a node of the job tree.
type task struct {
	h     zx.Handle
	koid  zx.Koid
	job   bool
	depth int
}

// walk visits the job tree under init's default job, depth first; fn
// may keep a node's handle by returning true (else it is closed).
func walk(fn func(t task) (keep bool)) error {
	root, err := zx.JobDefault().Duplicate(zx.RightSameRights)
	if err != nil {
		return err
	}
	info, err := root.BasicInfo()
	if err != nil {
		root.Close()
		return err
	}
	var visit func(t task) error
	visit = func(t task) error {
		if !t.job {
			if !fn(t) {
				t.h.Close()
			}
			return nil
		}
		keep := fn(t)
		defer func() {
			if !keep {
				t.h.Close()
			}
		}()
		procs, err := koidList(t.h, zx.ObjectInfoJobProcesses)
		if err != nil {
			return err
		}
		for _, k := range procs {
			if h, err := child(t.h, k); err == nil {
				visit(task{h: h, koid: k, depth: t.depth + 1})
			}
		}
		jobs, err := koidList(t.h, zx.ObjectInfoJobChildren)
		if err != nil {
			return err
		}
		for _, k := range jobs {
			if h, err := child(t.h, k); err == nil {
				visit(task{h: h, koid: k, job: true, depth: t.depth + 1})
			}
		}
		return nil
	}
	return visit(task{h: root, koid: info.Koid, job: true})
}

// find returns a handle to the job or process koid under init's job.
func find(koid zx.Koid) (task, error) {
	var found task
	err := walk(func(t task) bool {
		if t.koid == koid && found.h == zx.HandleInvalid {
			found = t
			return true
		}
		return false
	})
	if err == nil && found.h == zx.HandleInvalid {
		err = fmt.Errorf("no process or job with koid %d", koid)
	}
	return found, err
}

func parseKoid(args []string) (zx.Koid, error) {
	if len(args) != 1 {
		return 0, errors.New("want one koid (see ps)")
	}
	k, err := strconv.ParseUint(args[0], 0, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a koid", args[0])
	}
	return zx.Koid(k), nil
}

func size(b uint64) string {
	switch {
	case b >= 10<<20:
		return fmt.Sprintf("%dM", b>>20)
	case b >= 10<<10:
		return fmt.Sprintf("%dK", b>>10)
	}
	return fmt.Sprintf("%dB", b)
}

func (s *Shell) ps(args []string) error {
	if len(args) != 0 {
		return errors.New("takes no arguments")
	}
	s.printf("%-8s %-8s %-12s %7s  %s\n", "KOID", "TYPE", "STATE", "MEM", "NAME")
	return walk(func(t task) bool {
		name, _ := t.h.Name()
		ind := strings.Repeat("  ", t.depth)
		if t.job {
			s.printf("%-8d %-8s %-12s %7s  %s%s\n", t.koid, "job", "-", "-", ind, name)
			return false
		}
		state, mem := "?", "-"
		if info, err := (zx.Process{Handle: t.h}).Info(); err == nil {
			switch {
			case info.Exited:
				state = fmt.Sprintf("exited(%d)", info.ReturnCode)
			case info.Started:
				state = "running"
			default:
				state = "new"
			}
		}
		var ts [32]byte
		if n, _, err := t.h.GetInfo(zx.ObjectInfoTaskStats, ts[:]); err == nil && n == 1 {
			mem = size(le.Uint64(ts[8:]))
		}
		s.printf("%-8d %-8s %-12s %7s  %s%s\n", t.koid, "process", state, mem, ind, name)
		threads, _ := (zx.Process{Handle: t.h}).Threads()
		for _, k := range threads {
			tstate, tname := "?", ""
			var th zx.Handle
			if zx.Sys_object_get_child(t.h, k, zx.RightSameRights, &th) == zx.OK {
				if ti, err := (zx.Thread{Handle: th}).Info(); err == nil {
					tstate = threadState(ti.State)
				}
				tname, _ = th.Name()
				th.Close()
			}
			if tname == "" {
				tname = "thread"
			}
			s.printf("%-8d %-8s %-12s %7s  %s  %s\n", k, "thread", tstate, "", ind, tname)
		}
		return false
	})
}

func threadState(st uint32) string {
	switch st {
	case 0:
		return "new"
	case 1:
		return "running"
	case 2:
		return "suspended"
	case 3:
		return "blocked"
	case 4:
		return "dying"
	case 5:
		return "dead"
	}
	return fmt.Sprintf("state %#x", st)
}

var typeNames = map[zx.ObjType]string{
	zx.ObjTypeProcess: "process", zx.ObjTypeThread: "thread", zx.ObjTypeVMO: "vmo",
	zx.ObjTypeChannel: "channel", zx.ObjTypeEvent: "event", zx.ObjTypePort: "port",
	zx.ObjTypeInterrupt: "interrupt", zx.ObjTypeDebugLog: "debuglog", zx.ObjTypeSocket: "socket",
	zx.ObjTypeResource: "resource", zx.ObjTypeEventPair: "eventpair", zx.ObjTypeJob: "job",
	zx.ObjTypeVMAR: "vmar", zx.ObjTypeFIFO: "fifo", zx.ObjTypeTimer: "timer", zx.ObjTypeClock: "clock",
	zx.ObjTypeKosUserObject: "kos-object", zx.ObjTypeKosBadge: "kos-badge",
	zx.ObjTypeKosServer: "kos-server", zx.ObjTypeKosClient: "kos-client",
}

func typeName(t zx.ObjType) string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("type%d", t)
}

var rightNames = []struct {
	r    zx.Rights
	name string
}{
	{zx.RightDuplicate, "dup"}, {zx.RightTransfer, "xfer"}, {zx.RightRead, "r"}, {zx.RightWrite, "w"},
	{zx.RightExecute, "x"}, {zx.RightMap, "map"}, {zx.RightGetProperty, "gprop"}, {zx.RightSetProperty, "sprop"},
	{zx.RightEnumerate, "enum"}, {zx.RightDestroy, "destroy"}, {zx.RightSetPolicy, "spol"}, {zx.RightGetPolicy, "gpol"},
	{zx.RightSignal, "sig"}, {zx.RightSignalPeer, "sigpeer"}, {zx.RightWait, "wait"}, {zx.RightInspect, "inspect"},
	{zx.RightManageJob, "mjob"}, {zx.RightManageProcess, "mproc"}, {zx.RightManageThread, "mthread"},
	{zx.RightApplyProfile, "profile"}, {zx.RightManageSocket, "msock"}, {zx.RightOpChildren, "opchild"},
	{zx.RightResize, "resize"}, {zx.RightAttachVMO, "attach"}, {zx.RightManageVMO, "mvmo"},
}

func rightsString(r zx.Rights, typ zx.ObjType) string {
	var parts []string
	rest := r
	for _, n := range rightNames {
		if typ >= zx.ObjTypeKosUserObject && n.r >= 1<<16 {
			break // kos objects: bits 16..30 are the provider's own rights
		}
		if r&n.r != 0 {
			parts = append(parts, n.name)
			rest &^= n.r
		}
	}
	if rest != 0 { // kos provider-defined rights (bits 16..30 of kos objects)
		parts = append(parts, fmt.Sprintf("%#x", uint32(rest)))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}

// handleRec is zx_info_handle_extended_t.
type handleRec struct {
	typ                   zx.ObjType
	value                 zx.Handle
	rights                zx.Rights
	koid, related, badges zx.Koid
}

func (s *Shell) handles(args []string) error {
	koid, err := parseKoid(args)
	if err != nil {
		return err
	}
	t, err := find(koid)
	if err != nil {
		return err
	}
	defer t.h.Close()
	if t.job {
		return fmt.Errorf("koid %d is a job, not a process", koid)
	}
	buf := make([]byte, 40*256)
	var n, avail uint
	for {
		n, avail, err = t.h.GetInfo(zx.ObjectInfoHandleTable, buf)
		if err != nil {
			return fmt.Errorf("ZX_INFO_HANDLE_TABLE: %v", err)
		}
		if avail <= n {
			break
		}
		buf = make([]byte, 40*int(avail))
	}
	badges := kosBadges(t.h)
	name, _ := t.h.Name()
	s.printf("process %d (%s): %d handles\n", koid, name, n)
	s.printf("%-10s %-10s %-8s %-8s %-12s %s\n", "HANDLE", "TYPE", "KOID", "RELATED", "KOS BADGE", "RIGHTS")
	for i := uint(0); i < n; i++ {
		b := buf[40*i:]
		r := handleRec{typ: zx.ObjType(le.Uint32(b[0:])), value: zx.Handle(le.Uint32(b[4:])),
			rights: zx.Rights(le.Uint32(b[8:])), koid: zx.Koid(le.Uint64(b[16:])), related: zx.Koid(le.Uint64(b[24:]))}
		badge := "-"
		if k, ok := badges[r.value]; ok {
			badge = fmt.Sprintf("%d", k)
		}
		s.printf("%#-10x %-10s %-8d %-8d %-12s %s\n", uint32(r.value), typeName(r.typ), r.koid, r.related, badge, rightsString(r.rights, r.typ))
	}
	return nil
}

// kosBadges returns the badge koid of each badged handle of process h
// (ZX_INFO_BERYL_HANDLE_BADGES; empty if the kernel has none).
func kosBadges(h zx.Handle) map[zx.Handle]zx.Koid {
	out := map[zx.Handle]zx.Koid{}
	buf := make([]byte, 16*256)
	n, _, err := h.GetInfo(zx.ObjectInfoBerylHandleBadges, buf)
	if err != nil {
		return out
	}
	for i := uint(0); i < n; i++ {
		out[zx.Handle(le.Uint32(buf[16*i:]))] = zx.Koid(le.Uint64(buf[16*i+8:]))
	}
	return out
}

func (s *Shell) kill(args []string) error {
	koid, err := parseKoid(args)
	if err != nil {
		return err
	}
	t, err := find(koid)
	if err != nil {
		return err
	}
	defer t.h.Close()
	if err := zx.Sys_task_kill(t.h).Err(); err != nil {
		return err
	}
	kind := "process"
	if t.job {
		kind = "job"
	}
	s.printf("killed %s %d\n", kind, koid)
	return nil
}

func (s *Shell) stats() (zx.KernelStats, error) {
	return zx.GetKernelStats(s.cfg.Root)
}

func (s *Shell) mem(args []string) error {
	st, err := s.stats()
	if err != nil {
		return err
	}
	mib := func(p uint64) string { return fmt.Sprintf("%d.%d MiB", p>>8, (p&255)*10/256) }
	s.printf("physical: %s total, %s free; kernel heap %s; user %s; reserve %s\n",
		mib(st.PagesTotal), mib(st.PagesFree), mib(st.PagesHeap), mib(st.PagesUser), mib(st.PagesReserve))
	s.printf("processes %d, handles %d, objects %d:", st.Processes, st.LiveHandles, st.LiveObjects)
	var parts []string
	for t, n := range st.Objects {
		if n != 0 {
			parts = append(parts, fmt.Sprintf(" %s %d", typeName(zx.ObjType(t)), n))
		}
	}
	sort.Strings(parts)
	s.printf("%s\n", strings.Join(parts, ","))
	return nil
}

func (s *Shell) cpus(args []string) error {
	st, err := s.stats()
	if err != nil {
		return err
	}
	s.printf("%d CPUs online\n", st.CPUs)
	return nil
}

func (s *Shell) dmesg(args []string) error {
	d, err := zx.NewDebuglog(s.cfg.Root, zx.LogFlagReadable)
	if err != nil {
		return fmt.Errorf("debuglog_create: %v", err)
	}
	defer d.Close()
	buf := make([]byte, zx.LogRecordMax)
	for {
		n, err := d.Read(buf)
		if err != nil {
			if errors.Is(err, zx.ErrShouldWait) {
				return nil
			}
			return err
		}
		hdr := int(unsafe.Sizeof(zx.LogRecord{}))
		if n < hdr {
			continue
		}
		ts := int64(le.Uint64(buf[8:]))
		data := strings.TrimRight(string(buf[hdr:n]), "\n")
		who := "kernel"
		if pid := le.Uint64(buf[16:]); pid != 0 {
			who = fmt.Sprintf("%d.%d", pid, le.Uint64(buf[24:]))
		}
		s.printf("[%5d.%06d] %s: %s\n", ts/1e9, ts/1e3%1e6, who, data)
	}
}

func (s *Shell) policy(args []string) error {
	b, err := s.cfg.Bootfs.ReadFile("etc/policy")
	if err != nil {
		return fmt.Errorf("etc/policy: %v", err)
	}
	s.printf("%s", b)
	if len(b) > 0 && b[len(b)-1] != '\n' {
		s.printf("\n")
	}
	return nil
}

// startMode says which resource a program the shell starts gets.
type startMode int

const (
	plain   startMode = iota // none
	trusted                  // the class resource: it names its children's classes
	harness                  // the root resource: a conformance family
)

// start launches argv[0] from the bootfs with a bootfs handle and, by
// mode, a class or the root resource (PA_RESOURCE). Its class for the
// kos policy is its file's base name; the shell names it with its own
// root resource.
func (s *Shell) start(argv []string, mode startMode) (*launch.Process, error) {
	file, ok := s.cfg.Bootfs.Lookup(argv[0])
	if !ok {
		return nil, fmt.Errorf("%s: not in the boot filesystem", argv[0])
	}
	img, _ := s.cfg.Bootfs.OpenFile(file)
	bfs, err := s.cfg.Bootfs.Vmo.Handle.Duplicate(zx.RightSameRights)
	if err != nil {
		return nil, err
	}
	cfg := launch.Config{Argv: argv, Env: s.cfg.Env, Handles: []launch.Handle{{Type: zx.PAVmoBootfs, Handle: bfs}}}
	if s.cfg.Root != zx.HandleInvalid {
		cfg.Class, cfg.Resource = path.Base(file), s.cfg.Root
		var r zx.Handle
		switch mode {
		case trusted:
			// Trusted programs name their children's classes: the class
			// resource, not the root one.
			if zx.Sys_resource_create(s.cfg.Root, zx.ResourceKindSystem, zx.BerylSystemClassBase, 1, nil, 0, &r) != zx.OK {
				r = zx.HandleInvalid
			}
		case harness:
			r, _ = s.cfg.Root.Duplicate(zx.RightSameRights)
		}
		if r != zx.HandleInvalid {
			cfg.Handles = append(cfg.Handles, launch.Handle{Type: zx.PAResource, Handle: r})
		}
	}
	return launch.Start(img, cfg)
}

// trusted reports whether etc/trusted in the boot filesystem lists the
// program prog names (it then gets the class resource).
func (s *Shell) trusted(prog string) bool {
	file, ok := s.cfg.Bootfs.Lookup(prog)
	if !ok {
		return false
	}
	b, err := s.cfg.Bootfs.ReadFile("etc/trusted")
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") && l == file {
			return true
		}
	}
	return false
}

// wait waits for a foreground program; Ctrl-C on the console kills it.
func (s *Shell) wait(p *launch.Process) (int64, error) {
	for {
		items := []zx.WaitItem{
			{Handle: p.Process.Handle, WaitFor: zx.ProcessTerminated},
			{Handle: s.cfg.Console.Handle, WaitFor: zx.SocketReadable},
		}
		if err := zx.WaitMany(items, zx.TimeInfinite); err != nil {
			return 0, err
		}
		if items[0].Pending&zx.ProcessTerminated != 0 {
			return p.Wait()
		}
		if s.in.poll() {
			s.printf("^C\n")
			p.Kill()
		}
		if items[1].Pending&zx.SocketReadable != 0 && len(s.in.pending) > 0 {
			// Typed ahead: keep it for the prompt, and stop polling the
			// socket until the program ends.
			return p.Wait()
		}
	}
}

func (s *Shell) run(args []string) error {
	bg := false
	if n := len(args); n > 0 && args[n-1] == "&" {
		bg, args = true, args[:n-1]
	} else if n > 0 && strings.HasSuffix(args[n-1], "&") {
		bg = true
		args[n-1] = strings.TrimSuffix(args[n-1], "&")
		if args[n-1] == "" {
			args = args[:n-1]
		}
	}
	if len(args) == 0 {
		return errors.New("usage: run PROG [ARGS...] [&]")
	}
	mode := plain
	if s.trusted(args[0]) {
		mode = trusted
	}
	p, err := s.start(args, mode)
	if err != nil {
		return err
	}
	info, _ := p.Process.Handle.BasicInfo()
	name := path.Base(args[0])
	if bg {
		s.printf("[%d] %s started\n", info.Koid, name)
		go func() {
			code, err := p.Wait()
			p.Close()
			if err != nil {
				s.printf("[%d] %s: %v\n", info.Koid, name, err)
				return
			}
			s.printf("[%d] %s exited with status %d\n", info.Koid, name, code)
		}()
		return nil
	}
	defer p.Close()
	code, err := s.wait(p)
	if err != nil {
		return err
	}
	s.printf("%s (koid %d) exited with status %d\n", name, info.Koid, code)
	return nil
}

func (s *Shell) conformance(args []string) error {
	const dir = "bin/conformance/"
	var families []string
	for _, n := range s.cfg.Bootfs.Names() {
		if strings.HasPrefix(n, dir) && strings.HasSuffix(n, ".test") {
			families = append(families, strings.TrimSuffix(strings.TrimPrefix(n, dir), ".test"))
		}
	}
	if len(families) == 0 {
		return errors.New("no conformance families in the boot filesystem (boot build/conformance.cpio)")
	}
	if len(args) > 1 {
		return errors.New("usage: conformance [FAMILY]")
	}
	if len(args) == 1 {
		found := false
		for _, f := range families {
			found = found || f == args[0]
		}
		if !found {
			return fmt.Errorf("no family %q; have %s", args[0], strings.Join(families, " "))
		}
		families = args
	}
	failed := 0
	for _, f := range families {
		p, err := s.start([]string{dir + f + ".test"}, harness)
		if err != nil {
			return err
		}
		code, err := s.wait(p)
		p.Close()
		switch {
		case err != nil:
			s.printf("conformance %s: %v\n", f, err)
			failed++
		case code != 0:
			s.printf("conformance %s: FAIL (status %d)\n", f, code)
			failed++
		default:
			s.printf("conformance %s: ok\n", f)
		}
	}
	s.printf("conformance: %d families, %d failed\n", len(families), failed)
	return nil
}

func (s *Shell) bench(args []string) error {
	measure := func(name string, n int, f func() error) error {
		t0 := time.Now()
		for i := 0; i < n; i++ {
			if err := f(); err != nil {
				return fmt.Errorf("%s: %v", name, err)
			}
		}
		s.printf("%-28s %8d ns/op (%d ops)\n", name, time.Since(t0).Nanoseconds()/int64(n), n)
		return nil
	}
	if err := measure("syscall (clock_get_monotonic)", 20000, func() error { zx.Now(); return nil }); err != nil {
		return err
	}
	if err := measure("event create+close", 2000, func() error {
		e, err := zx.NewEvent(0)
		if err != nil {
			return err
		}
		return e.Close()
	}); err != nil {
		return err
	}
	a, b, err := zx.NewChannel(0)
	if err != nil {
		return err
	}
	defer a.Close()
	defer b.Close()
	msg, rd := make([]byte, 64), make([]byte, 64)
	return measure("channel write+read 64 B", 2000, func() error {
		if err := a.Write(msg, nil, 0); err != nil {
			return err
		}
		_, _, err := b.Read(rd, nil, 0)
		return err
	})
}

func (s *Shell) powerctl(cmd uint32) error {
	if s.cfg.Root == zx.HandleInvalid {
		return errors.New("no root resource")
	}
	return zx.Sys_system_powerctl(s.cfg.Root, cmd, nil).Err()
}

func (s *Shell) reboot(args []string) error { return s.powerctl(zx.SystemPowerctlReboot) }

func (s *Shell) poweroff(args []string) error { return s.powerctl(zx.SystemPowerctlShutdown) }
