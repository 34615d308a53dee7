package fs

import (
	"io"
	"strings"
)

// The world a zxrun program or a conformance family sees: bin/zxrun packs
// the files the test needs under ZxrunRoot in the boot filesystem (the
// current directory, the Go toolchain's zoneinfo) at their host paths,
// and the working directory in ZxrunCwd. "/" serves them read-only, /boot
// the whole boot filesystem read-only, /tmp a tmpfs, /dev the devices.
const (
	ZxrunRoot = "zxrun/root/"
	ZxrunCwd  = "etc/zxrun/cwd"
	// TmpfsMax bounds the file data of the world's /tmp.
	TmpfsMax = 256 << 20
)

// BootFiles is the boot filesystem as the world's servers read it
// (userspace/launch/bootfs.FS).
type BootFiles interface {
	Names() []string
	OpenFile(name string) (*io.SectionReader, bool)
	ReadFile(name string) ([]byte, error)
}

// WorldCwd is the world's working directory ("/" unless zxrun named one).
func WorldCwd(bfs BootFiles) string {
	if b, err := bfs.ReadFile(ZxrunCwd); err == nil && strings.HasPrefix(string(b), "/") {
		return strings.TrimSpace(string(b))
	}
	return "/"
}

// World builds the world's servers, by mount path: "/", "/boot", "/tmp",
// "/dev".
func World(bfs BootFiles) map[string]Handler {
	root, boot := New(true), New(true)
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
		if rel, ok := strings.CutPrefix(name, ZxrunRoot); ok {
			root.AddFile(rel, mode, r.Size(), r)
		}
	}
	if cwd := WorldCwd(bfs); cwd != "/" {
		root.AddDir(cwd, 0o755)
	}
	for _, d := range []string{"tmp", "dev", "boot", "proc", "etc"} {
		root.AddDir(d, 0o755)
	}
	tmp := New(false)
	tmp.MaxBytes = TmpfsMax
	// A mapped /tmp file moves into a VMO, shared with its mappings.
	tmp.NewBacking = VMOBacking
	return map[string]Handler{"/": root, "/boot": boot, "/tmp": tmp, "/dev": NewDev()}
}
