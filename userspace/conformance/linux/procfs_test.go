package linux

import (
	"bufio"
	"bytes"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// /proc/self/maps and /proc/self/fd, served by the program's /proc server
// from ZX_INFO_PROCESS_MAPS and ZX_INFO_BERYL_LINUX_FDS.

// mapsLine finds the /proc/self/maps line covering addr.
func mapsLine(t *testing.T, maps []byte, addr uint64) (perms string, ok bool) {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(maps))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 5 {
			t.Fatalf("short maps line %q", sc.Text())
		}
		lo, hi, found := strings.Cut(f[0], "-")
		a, err1 := strconv.ParseUint(lo, 16, 64)
		b, err2 := strconv.ParseUint(hi, 16, 64)
		if !found || err1 != nil || err2 != nil || a >= b || f[3] != "00:00" {
			t.Fatalf("bad maps line %q", sc.Text())
		}
		if addr >= a && addr < b {
			return f[1], true
		}
	}
	return "", false
}

func TestProcMaps(t *testing.T) {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	code := uint64(reflectPC())
	if p, ok := mapsLine(t, maps, code); !ok || p[0] != 'r' || p[2] != 'x' {
		t.Errorf("text %#x: %q %v\n%s", code, p, ok, maps)
	}
	heap := new([64]byte)
	if p, ok := mapsLine(t, maps, uint64(uintptr(unsafe.Pointer(heap)))); !ok || p[:2] != "rw" {
		t.Errorf("heap: %q %v", p, ok)
	}
	// A new mapping shows up with its protection; unmapped, it goes.
	m, err := syscall.Mmap(-1, 0, 3*4096, syscall.PROT_READ, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	addr := uint64(uintptr(unsafe.Pointer(&m[0])))
	maps, _ = os.ReadFile("/proc/self/maps")
	if p, ok := mapsLine(t, maps, addr); !ok || p != "r--p" {
		t.Errorf("new mapping: %q %v", p, ok)
	}
	syscall.Munmap(m)
	maps, _ = os.ReadFile("/proc/self/maps")
	if _, ok := mapsLine(t, maps, addr); ok {
		t.Errorf("unmapped range still listed")
	}
}

func reflectPC() uintptr { return reflect.ValueOf(TestProcMaps).Pointer() }

func TestProcFd(t *testing.T) {
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create("/tmp/procfd-test")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(f.Name())
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	var fds []int
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil || e.Type()&os.ModeSymlink == 0 {
			t.Errorf("entry %q type %v", e.Name(), e.Type())
		}
		fds = append(fds, n)
	}
	sort.Ints(fds)
	has := func(fd int) bool { i := sort.SearchInts(fds, fd); return i < len(fds) && fds[i] == fd }
	for _, fd := range []int{0, 1, 2, p[0], p[1], int(f.Fd())} {
		if !has(fd) {
			t.Errorf("fd %d missing from %v", fd, fds)
		}
	}
	r, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(p[0]))
	w, _ := os.Readlink("/proc/self/fd/" + strconv.Itoa(p[1]))
	if err != nil || !strings.HasPrefix(r, "pipe:[") || w == r {
		t.Errorf("pipe links %q %q, %v (want pipe:[N], the ends different descriptions)", r, w, err)
	}
	if l, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(f.Fd()))); err != nil || l != "/tmp/procfd-test" {
		t.Errorf("file link %q, %v", l, err)
	}
	// The link of a file opens the file.
	g, err := os.Open("/proc/self/fd/" + strconv.Itoa(int(f.Fd())))
	if err != nil {
		t.Errorf("opening a file's fd link: %v", err)
	} else {
		g.Close()
	}
	// Closed descriptors go; an unused number is ENOENT.
	syscall.Close(p[0])
	syscall.Close(p[1])
	f.Close()
	if _, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(p[0])); !os.IsNotExist(err) {
		t.Errorf("readlink of a closed fd: %v, want ENOENT", err)
	}
	if _, err := os.Lstat("/proc/self/fd/100000"); !os.IsNotExist(err) {
		t.Errorf("lstat of fd 100000: %v, want ENOENT", err)
	}
	// A bad buffer pointer is EFAULT, from the kernel before the server.
	path := []byte("/proc/self/fd/0\x00")
	if _, _, e := syscall.Syscall6(syscall.SYS_READLINKAT, uintptr(0xffffff9c), uintptr(unsafe.Pointer(&path[0])), 1, 64, 0, 0); e != syscall.EFAULT {
		t.Errorf("readlinkat into a bad buffer: %v, want EFAULT", e)
	}
}

// TestAnonName: prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME) names anonymous
// memory, as /proc/self/maps shows; the runtime names its own.
func TestAnonName(t *testing.T) {
	const prSetVMA = 0x53564d41
	m, err := syscall.Mmap(-1, 0, 4*4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(m)
	addr := uintptr(unsafe.Pointer(&m[0]))
	set := func(start, n uintptr, name string) syscall.Errno {
		var p uintptr
		if name != "\x00nil" {
			b := append([]byte(name), 0)
			p = uintptr(unsafe.Pointer(&b[0]))
		}
		_, _, e := syscall.Syscall6(syscall.SYS_PRCTL, prSetVMA, 0, start, n, p, 0)
		return e
	}
	if e := set(addr+4096, 2*4096, "conformance"); e != 0 {
		t.Fatalf("PR_SET_VMA_ANON_NAME: %v", e)
	}
	maps, _ := os.ReadFile("/proc/self/maps")
	named := false
	for _, l := range strings.Split(string(maps), "\n") {
		if strings.HasSuffix(l, "[anon:conformance]") {
			named = strings.HasPrefix(l, strconv.FormatUint(uint64(addr+4096), 16)+"-"+strconv.FormatUint(uint64(addr+3*4096), 16)+" ")
		}
	}
	if !named {
		t.Errorf("no [anon:conformance] line for %#x-%#x:\n%s", addr+4096, addr+3*4096, maps)
	}
	if !strings.Contains(string(maps), "[anon: Go: heap]") {
		t.Errorf("the runtime's heap is not named")
	}
	for _, c := range []struct {
		start uintptr
		name  string
		want  syscall.Errno
	}{
		{addr + 1, "x", syscall.EINVAL},
		{addr, "bad[name]", syscall.EINVAL},
		{addr, strings.Repeat("x", 80), syscall.EINVAL},
		{addr, "\x00nil", 0},
	} {
		if e := set(c.start, 4096, c.name); e != c.want {
			t.Errorf("name %q at %#x: %v, want %v", c.name, c.start, e, c.want)
		}
	}
	if _, _, e := syscall.Syscall(syscall.SYS_MUNMAP, addr+3*4096, 4096, 0); e != 0 {
		t.Fatalf("munmap: %v", e)
	}
	if e := set(addr, 4*4096, "x"); e != syscall.ENOMEM {
		t.Errorf("a range with a hole: %v, want ENOMEM", e)
	}
	if _, _, e := syscall.Syscall6(syscall.SYS_PRCTL, prSetVMA, 0, addr, 4096, 8, 0); e != syscall.EFAULT {
		t.Errorf("a bad name pointer: %v, want EFAULT", e)
	}
}
