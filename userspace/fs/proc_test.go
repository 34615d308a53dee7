package fs

import (
	"strings"
	"testing"

	"beryl/proto/fsproto"
)

type fakeSource struct {
	maps []Mapping
	fds  []FdLink
}

func (s *fakeSource) Maps() ([]Mapping, error) { return s.maps, nil }
func (s *fakeSource) Fds() ([]FdLink, error)   { return s.fds, nil }

func readAll(t *testing.T, h Handler, path string) string {
	t.Helper()
	_, errno, d, _ := fsproto.ParseReply(h.Handle(fsproto.NewRequest(fsproto.OpOpen).Str(path).U32(0).U32(0).B))
	if errno != 0 {
		t.Fatalf("open %s: errno %d", path, errno)
	}
	node := d.U64()
	_, errno, d, _ = fsproto.ParseReply(h.Handle(fsproto.NewRequest(fsproto.OpRead).U64(node).U64(0).U32(fsproto.MaxData).B))
	if errno != 0 {
		t.Fatalf("read %s: errno %d", path, errno)
	}
	return string(d.Bytes())
}

func TestProcMaps(t *testing.T) {
	src := &fakeSource{maps: []Mapping{
		{Base: 0x400000, Size: 0x2000, Perms: 5, Name: "/boot/bin/x"},
		{Base: 0x10000, Size: 0x1000, Perms: 3},
		{Base: 0xc000000000, Size: 0x400000, Perms: 3, Offset: 0x1000, Name: "heap"},
	}}
	p := NewProc("/boot/bin/x", []string{"x"}, src)
	got := readAll(t, p, "self/maps")
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	want := []string{
		"00010000-00011000 rw-p 00000000 00:00 0",
		"00400000-00402000 r-xp 00000000 00:00 0" + strings.Repeat(" ", 73-39) + "/boot/bin/x",
		"c000000000-c000400000 rw-p 00001000 00:00 0" + strings.Repeat(" ", 73-43) + "[anon:heap]",
	}
	if len(lines) != len(want) {
		t.Fatalf("maps:\n%s", got)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d: %q, want %q", i, lines[i], want[i])
		}
	}
	// A new open sees the new state.
	src.maps = src.maps[:1]
	if got := readAll(t, p, "self/maps"); strings.Count(got, "\n") != 1 {
		t.Errorf("maps after a change:\n%s", got)
	}
}

func TestProcFd(t *testing.T) {
	src := &fakeSource{fds: []FdLink{{0, "/dev/console"}, {3, "pipe:[7]"}, {10, "/tmp/f"}}}
	p := NewProc("/boot/bin/x", []string{"x"}, src)
	readlink := func(path string) (string, int32) {
		_, errno, d, _ := fsproto.ParseReply(p.Handle(fsproto.NewRequest(fsproto.OpReadlink).Str(path).B))
		return d.Str(), errno
	}
	if s, e := readlink("self/fd/3"); e != 0 || s != "pipe:[7]" {
		t.Errorf("readlink fd/3: %q %d", s, e)
	}
	if _, e := readlink("self/fd/4"); e != enoent {
		t.Errorf("readlink fd/4: errno %d, want ENOENT", e)
	}
	// readdir from the start lists the descriptors of that moment.
	src.fds = append(src.fds, FdLink{4, "socket:[9]"})
	_, errno, d, _ := fsproto.ParseReply(p.Handle(fsproto.NewRequest(fsproto.OpOpen).Str("self/fd").U32(oDirectory).U32(0).B))
	if errno != 0 {
		t.Fatalf("open fd: %d", errno)
	}
	node := d.U64()
	_, errno, d, _ = fsproto.ParseReply(p.Handle(fsproto.NewRequest(fsproto.OpReaddir).U64(node).U64(0).B))
	if errno != 0 {
		t.Fatalf("readdir: %d", errno)
	}
	d.U64()
	var names []string
	for n := d.U16(); n > 0; n-- {
		e := d.Dirent()
		if e.Type != 10 {
			t.Errorf("%s: type %d, want DT_LNK", e.Name, e.Type)
		}
		names = append(names, e.Name)
	}
	if strings.Join(names, ",") != "0,10,3,4" {
		t.Errorf("fd entries %v", names)
	}
	if s, e := readlink("self/exe"); e != 0 || s != "/boot/bin/x" {
		t.Errorf("exe: %q %d", s, e)
	}
}
