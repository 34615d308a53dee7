package process

import (
	"debug/elf"
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"
	"testing"
	"time"

	"beryl/userspace/launch"
	"beryl/userspace/launch/relaunch"
	"beryl/userspace/zx"
)

// shareReport is what the "share" worker measures while its children run.
type shareReport struct {
	N                     int
	ImagePages, DataPages int64 // the image's PT_LOAD pages, of which writable
	Used                  int64 // pages in use with the children running, less before
	Children0, Children   uint64
	Shared                int64 // bootfs pages shared copy-on-write
	Start                 time.Duration
	Err                   string
}

// share is the worker that starts n sleeping copies of this binary from
// the bootfs, measures while they run, sends a shareReport on its
// control channel, then kills and reaps them.
func share(n int) int {
	bh, ok := zx.TakeStartupHandle(zx.PAVmoBootfs)
	ch, ok2 := zx.TakeStartupHandle(paUser0)
	if !ok || !ok2 {
		return 40
	}
	bootfs := zx.Vmo{Handle: bh}
	r, err := launch.NewVmoReader(bootfs)
	if err != nil {
		return 41
	}
	rep := shareReport{N: n}
	send := func() int {
		b, _ := json.Marshal(rep)
		if (zx.Channel{Handle: ch}).Write(b, nil, 0) != nil {
			return 42
		}
		return 0
	}
	img, err := relaunch.Image(r)
	if err != nil {
		rep.Err = err.Error()
		return send()
	}
	f, err := elf.NewFile(img)
	if err != nil {
		rep.Err = err.Error()
		return send()
	}
	for _, ph := range f.Progs {
		if ph.Type == elf.PT_LOAD {
			pages := int64((ph.Vaddr+ph.Filesz+zx.PageSize-1)/zx.PageSize - ph.Vaddr/zx.PageSize)
			rep.ImagePages += pages
			if ph.Flags&elf.PF_W != 0 {
				rep.DataPages += pages
			}
		}
	}
	measure := func() (int64, zx.VmoInfo) {
		debug.FreeOSMemory()
		s, err := zx.GetKernelStats(zx.HandleInvalid)
		if err != nil {
			rep.Err = err.Error()
		}
		info, err := bootfs.Info()
		if err != nil {
			rep.Err = err.Error()
		}
		return usedPages(s), info
	}
	used0, info0 := measure()
	var ps []*launch.Process
	t0 := time.Now()
	for i := 0; i < n; i++ {
		p, err := launch.Start(img, launch.Config{Argv: []string{os.Args[0], "worker", "sleep"}, Env: relaunch.Environ("sleep")})
		if err != nil {
			rep.Err = fmt.Sprintf("launch %d: %v", i, err)
			break
		}
		ps = append(ps, p)
	}
	rep.Start = time.Since(t0)
	time.Sleep(time.Second) // the children start their runtimes and sleep
	used, info := measure()
	rep.Used, rep.Children0, rep.Children = used-used0, info0.NumChildren, info.NumChildren
	rep.Shared = int64(info.CommittedBytes-info.CommittedPrivateBytes) / zx.PageSize
	for _, p := range ps {
		p.Kill()
	}
	for _, p := range ps {
		for {
			if _, err := p.WaitOne(zx.ProcessTerminated, 0); err != zx.ErrTimedOut {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		p.Close()
	}
	return send()
}

// othersUserPages is the user memory (VMO pages and user page tables,
// shared pages once) held by everything but the calling process.
func othersUserPages(s zx.KernelStats) int64 { return int64(s.PagesUser) - int64(s.CallerPages) }

// expectUserBaseline waits until processes, objects and handles are back
// at before exactly and the user memory of everything but this process
// (which is where a copy-on-write leak would show) is back within slack
// pages of it. Unlike expectBaseline it leaves the kernel's own memory
// out: the page tables behind the kernel heap's reservations grow by a
// page or two when a hundred live processes take the heap to a new high,
// which is not user memory and not a leak. The slack covers the other
// live processes (init relaying our output grows its heap by a page or
// two) and is far below what a page leaked per child would add.
func expectUserBaseline(t *testing.T, before zx.KernelStats, slack int64) {
	t.Helper()
	var after zx.KernelStats
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		settle(t)
		after = stats(t)
		if after.Objects == before.Objects && after.LiveHandles == before.LiveHandles &&
			after.Processes == before.Processes && othersUserPages(after) <= othersUserPages(before)+slack {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("not back at baseline (user pages of others %d -> %d):\nbefore: %s\nafter:  %s",
				othersUserPages(before), othersUserPages(after), describe(before), describe(after))
			return
		}
	}
	t.Logf("user pages of others %d -> %d; kernel pages outside its heap and user memory %d -> %d",
		othersUserPages(before), othersUserPages(after), usedPages(before)-othersUserPages(before), usedPages(after)-othersUserPages(after))
}

// TestShare100: 100 processes started from one bootfs image and kept
// running share the image's pages (the loader maps slices and
// copy-on-write children of the bootfs VMO: userspace/launch/segment.go).
// A worker starts them, measures while they run and reports (printed):
// the pages they hold between them must stay well below a private copy
// of the image each. Killed and reaped, they leave the kernel's objects,
// handles and user pages at baseline (expectUserBaseline), and the bootfs
// VMO as it was.
func TestShare100(t *testing.T) {
	const n = 100
	bootfs := zx.Vmo{Handle: relaunch.Bootfs.Vmo.Handle}
	run := func(n int) shareReport {
		mine, theirs, err := zx.NewChannel(0)
		if err != nil {
			t.Fatal(err)
		}
		defer mine.Close()
		bfs, err := bootfs.Handle.Duplicate(zx.RightSameRights)
		if err != nil {
			t.Fatal(err)
		}
		p := start(t, fmt.Sprintf("share:%d", n), launch.Handle{Type: zx.PAVmoBootfs, Handle: bfs},
			launch.Handle{Type: paUser0, Handle: theirs.Handle})
		for { // poll: see TestReap100
			if _, err := p.WaitOne(zx.ProcessTerminated, 0); err != zx.ErrTimedOut {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if code := wait(t, p); code != 0 {
			t.Fatalf("share worker exited %d", code)
		}
		p.Close()
		var b [1024]byte
		m, _, err := mine.Read(b[:], nil, 0)
		if err != nil {
			t.Fatalf("reading the report: %v", err)
		}
		var r shareReport
		if err := json.Unmarshal(b[:m], &r); err != nil || r.Err != "" {
			t.Fatalf("report %q: %v", b[:m], err)
		}
		return r
	}
	// Warm up at full scale: the first time this many processes live at
	// once, the kernel's own structures (its heap's high-water mark and
	// the page tables behind it) grow once, which is not a leak.
	run(n)
	before := quiesce(t)
	info0, err := bootfs.Info()
	if err != nil {
		t.Fatal(err)
	}
	r := run(n)
	t.Logf("%d processes running from one %d-page image (%d pages of data), started in %v: %d pages in use, %d per process (a private copy of the image alone would be %d)",
		r.N, r.ImagePages, r.DataPages, r.Start, r.Used, r.Used/int64(r.N), r.ImagePages)
	t.Logf("bootfs VMO: %d children (%d before), %d of its pages shared copy-on-write with the processes' data; text and rodata map slices of it",
		r.Children, r.Children0, r.Shared)
	if r.Used/int64(r.N) >= r.ImagePages/2 {
		t.Errorf("%d pages per process for a %d-page image: the image is not shared", r.Used/int64(r.N), r.ImagePages)
	}
	if r.Children < r.Children0+uint64(r.N) || r.Shared == 0 {
		t.Errorf("bootfs VMO children %d -> %d, %d shared pages: segments not mapped from it", r.Children0, r.Children, r.Shared)
	}
	expectUserBaseline(t, before, n/8) // a page leaked per child would be n
	if after, err := bootfs.Info(); err != nil || after.NumChildren != info0.NumChildren || after.CommittedPrivateBytes != info0.CommittedPrivateBytes {
		t.Errorf("bootfs VMO after: %+v (%v), before %+v", after, err, info0)
	}
}
