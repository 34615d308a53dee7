package fs

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"beryl/proto/fsproto"
	"beryl/userspace/zx"
)

// Mapping is one mapping of a process's address space
// (ZX_INFO_PROCESS_MAPS, type MAPPING).
type Mapping struct {
	Base, Size uint64
	Perms      uint32 // ZX_VM_PERM_* bits
	Offset     uint64 // in the VMO
	VMOKoid    uint64
	Name       string // the VMO's name
}

// FdLink is one open descriptor and its link target.
type FdLink struct {
	Fd     int
	Target string
}

// ProcSource tells a /proc server about its process, at the moment of
// each request.
type ProcSource interface {
	Maps() ([]Mapping, error)
	Fds() ([]FdLink, error)
}

// Proc is a /proc for one process: self/exe (a symbolic link to its
// executable's absolute path, resolved by the client in its namespace),
// self/cmdline, self/maps (Linux's format, from the process's mappings)
// and self/fd (one symbolic link per open descriptor). maps and fd are
// rebuilt from the ProcSource whenever a request names them (open,
// stat, readlink) and when fd is read from its start, so an open file
// is a snapshot, as a read of Linux's at offset 0 is.
type Proc struct {
	fs  *FS
	src ProcSource
}

// NewProc returns the /proc of the process running exe with argv; src
// (nil: maps and fd stay empty) describes its mappings and descriptors.
func NewProc(exe string, argv []string, src ProcSource) *Proc {
	f := New(true)
	f.mu.Lock()
	defer f.mu.Unlock()
	self := f.mkdirAll([]string{"self"}, 0o555)
	l := f.newNode(sIflnk | 0o777)
	l.target = exe
	self.children["exe"] = l
	cmd := strings.Join(argv, "\x00") + "\x00"
	c := f.newNode(sIfreg | 0o444)
	c.ra, c.size = strings.NewReader(cmd), int64(len(cmd))
	self.children["cmdline"] = c
	m := f.newNode(sIfreg | 0o444)
	m.data = []byte{}
	self.children["maps"] = m
	self.children["fd"] = f.newNode(sIfdir | 0o500)
	return &Proc{fs: f, src: src}
}

// Handle answers one request, refreshing what it names first.
func (p *Proc) Handle(req []byte) []byte {
	if h, d, err := fsproto.ParseRequest(req); err == nil && h.Version == fsproto.Version {
		switch h.Op {
		case fsproto.OpOpen, fsproto.OpStat, fsproto.OpReadlink:
			if parts := split(d.Str()); d.Err == nil && len(parts) >= 2 && parts[0] == "self" {
				switch parts[1] {
				case "maps":
					p.refreshMaps()
				case "fd":
					p.refreshFds()
				}
			}
		case fsproto.OpReaddir:
			node, cookie := d.U64(), d.U64()
			if d.Err == nil && cookie == 0 && p.isFdDir(node) {
				p.refreshFds()
			}
		}
	}
	return p.fs.Handle(req)
}

// Close releases the source's handle when it has one.
func (p *Proc) Close() {
	if s, ok := p.src.(ProcessSource); ok {
		s.Process.Close()
	}
}

func (p *Proc) self() *node { return p.fs.root.children["self"] }

func (p *Proc) isFdDir(id uint64) bool {
	p.fs.mu.Lock()
	defer p.fs.mu.Unlock()
	n := p.fs.open[id]
	return n != nil && n == p.self().children["fd"]
}

// refreshMaps replaces self/maps with a new node (same inode) holding
// the current text: a file already open keeps the text it had.
func (p *Proc) refreshMaps() {
	var text []byte
	if p.src != nil {
		if maps, err := p.src.Maps(); err == nil {
			text = FormatMaps(maps)
		}
	}
	f := p.fs
	f.mu.Lock()
	defer f.mu.Unlock()
	self := p.self()
	old := self.children["maps"]
	n := f.newNode(sIfreg | 0o444)
	n.ino, n.data, n.size = old.ino, text, int64(len(text))
	self.children["maps"] = n
}

// refreshFds rebuilds the links of self/fd.
func (p *Proc) refreshFds() {
	var fds []FdLink
	if p.src != nil {
		fds, _ = p.src.Fds()
	}
	f := p.fs
	f.mu.Lock()
	defer f.mu.Unlock()
	dir := p.self().children["fd"]
	kids := make(map[string]*node, len(fds))
	for _, l := range fds {
		name := strconv.Itoa(l.Fd)
		n := dir.children[name]
		if n == nil || n.target != l.Target {
			n = f.newNode(sIflnk | 0o700)
			n.target = l.Target
		}
		kids[name] = n
	}
	dir.children = kids
}

// FormatMaps renders mappings as Linux's /proc/PID/maps: one line per
// mapping, "start-end perms offset dev inode" and, padded to column 73,
// the path: the VMO's name when it is an absolute path, "[anon:NAME]"
// for another name (what Linux shows for a named anonymous mapping),
// nothing for an unnamed one. Every mapping is private ("p").
func FormatMaps(maps []Mapping) []byte {
	sort.Slice(maps, func(i, j int) bool { return maps[i].Base < maps[j].Base })
	var b strings.Builder
	for _, m := range maps {
		perm := []byte("---p")
		if m.Perms&zx.VMPermRead != 0 {
			perm[0] = 'r'
		}
		if m.Perms&zx.VMPermWrite != 0 {
			perm[1] = 'w'
		}
		if m.Perms&zx.VMPermExecute != 0 {
			perm[2] = 'x'
		}
		line := fmt.Sprintf("%08x-%08x %s %08x 00:00 0", m.Base, m.Base+m.Size, perm, m.Offset)
		name := m.Name
		if name != "" && !strings.HasPrefix(name, "/") {
			name = "[anon:" + name + "]"
		}
		if name != "" {
			line += strings.Repeat(" ", max(1, 73-len(line))) + name
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// ProcessSource is the ProcSource of a process handle (with
// ZX_RIGHT_INSPECT): ZX_INFO_PROCESS_MAPS and ZX_INFO_BERYL_LINUX_FDS.
type ProcessSource struct{ Process zx.Handle }

// info reads every record of topic.
func (s ProcessSource) info(topic uint32, rec int) ([]byte, error) {
	n := 64
	for {
		buf := make([]byte, n*rec)
		actual, avail, err := s.Process.GetInfo(topic, buf)
		if err != nil {
			return nil, err
		}
		if avail <= actual {
			return buf[:int(actual)*rec], nil
		}
		n = int(avail) + 16
	}
}

// Maps returns the process's mappings.
func (s ProcessSource) Maps() ([]Mapping, error) {
	b, err := s.info(zx.ObjectInfoProcessMaps, zx.ObjectInfoMapsSize)
	if err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	var out []Mapping
	for r := b; len(r) >= zx.ObjectInfoMapsSize; r = r[zx.ObjectInfoMapsSize:] {
		if le.Uint32(r[56:]) != 3 { // ZX_INFO_MAPS_TYPE_MAPPING
			continue
		}
		out = append(out, Mapping{
			Name: cstr(r[:32]), Base: le.Uint64(r[32:]), Size: le.Uint64(r[40:]),
			Perms: le.Uint32(r[64:]), VMOKoid: le.Uint64(r[72:]), Offset: le.Uint64(r[80:]),
		})
	}
	return out, nil
}

// Fds returns the process's descriptors.
func (s ProcessSource) Fds() ([]FdLink, error) {
	b, err := s.info(zx.ObjectInfoBerylLinuxFds, zx.ObjectInfoLinuxFdSize)
	if err != nil {
		return nil, err
	}
	var out []FdLink
	for r := b; len(r) >= zx.ObjectInfoLinuxFdSize; r = r[zx.ObjectInfoLinuxFdSize:] {
		out = append(out, FdLink{Fd: int(int32(binary.LittleEndian.Uint32(r))), Target: cstr(r[8:zx.ObjectInfoLinuxFdSize])})
	}
	return out, nil
}

func cstr(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
