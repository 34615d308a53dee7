package process

import (
	"debug/elf"
	"testing"
	"time"

	"beryl/userspace/launch"
	"beryl/userspace/launch/relaunch"
	"beryl/userspace/zx"
)

// TestShare100: 100 processes started from one bootfs image and kept
// running share the image's pages (the loader maps slices and
// copy-on-write children of the bootfs VMO: userspace/launch/segment.go).
// The pages they hold between them are printed next to the image's size
// and must stay well below a private copy of the image each; killed and
// reaped, they leave the kernel's objects, handles and used pages at
// baseline.
func TestShare100(t *testing.T) {
	const n = 100
	img := relaunch.SelfImage(t)
	f, err := elf.NewFile(img)
	if err != nil {
		t.Fatal(err)
	}
	var imagePages, dataPages int64
	for _, ph := range f.Progs {
		if ph.Type != elf.PT_LOAD {
			continue
		}
		pages := int64((ph.Vaddr+ph.Filesz+zx.PageSize-1)/zx.PageSize - ph.Vaddr/zx.PageSize)
		imagePages += pages
		if ph.Flags&elf.PF_W != 0 {
			dataPages += pages
		}
	}
	bootfs := zx.Vmo{Handle: relaunch.Bootfs.Vmo.Handle}
	// Warm up: one launch and reap.
	p := start(t, "exit:0")
	wait(t, p)
	p.Close()
	before := quiesce(t)
	info0, err := bootfs.Info()
	if err != nil {
		t.Fatal(err)
	}
	ps := make([]*launch.Process, 0, n)
	defer func() {
		for _, p := range ps {
			p.Kill()
			p.Close()
		}
	}()
	t0 := time.Now()
	for i := 0; i < n; i++ {
		ps = append(ps, start(t, "sleep"))
	}
	started := time.Since(t0)
	during := quiesce(t)
	info, err := bootfs.Info()
	if err != nil {
		t.Fatal(err)
	}
	used := usedPages(during) - usedPages(before)
	shared := int64(info.CommittedBytes-info.CommittedPrivateBytes) / zx.PageSize
	t.Logf("%d processes running from one %d-page image (%d pages of data) in %v: %d pages in use, %d per process (a private copy of the image alone would be %d)",
		n, imagePages, dataPages, started, used, used/n, imagePages)
	t.Logf("bootfs VMO: %d children (%d before), %d of its pages shared copy-on-write with the processes' data segments; text and rodata are slices of it",
		info.NumChildren, info0.NumChildren, shared)
	if used/n >= imagePages/2 {
		t.Errorf("%d pages per process for a %d-page image: the image is not shared", used/n, imagePages)
	}
	if info.NumChildren < info0.NumChildren+n || shared == 0 {
		t.Errorf("bootfs VMO children %d -> %d, %d shared pages: segments not mapped from it", info0.NumChildren, info.NumChildren, shared)
	}
	for _, p := range ps {
		if err := p.Kill(); err != nil {
			t.Error(err)
		}
	}
	for _, p := range ps {
		wait(t, p)
		p.Close()
	}
	ps = nil
	expectBaseline(t, before)
	if after, err := bootfs.Info(); err != nil || after.NumChildren != info0.NumChildren || after.CommittedPrivateBytes != info0.CommittedPrivateBytes {
		t.Errorf("bootfs VMO after: %+v (%v), before %+v", after, err, info0)
	}
}
