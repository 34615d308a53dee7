package bootfsw

import (
	"bytes"
	"testing"

	"github.com/u-root/u-root/pkg/cpio"

	"beryl/kernel/bootfs"
)

func TestAligned(t *testing.T) {
	elf := func(n int, fill byte) []byte {
		b := bytes.Repeat([]byte{fill}, n)
		copy(b, "\x7fELF")
		return b
	}
	files := map[string][]byte{
		"bin/init":            elf(10000, 1),
		"etc/policy":          []byte("default allow\n"),
		"bin/conformance/x.t": elf(4096, 2),
		"bin/tiny":            elf(5, 3),
		"zzz":                 []byte("text"),
	}
	var recs []cpio.Record
	for _, n := range []string{"etc/policy", "bin/init", "bin/conformance/x.t", "zzz", "bin/tiny"} {
		recs = append(recs, cpio.StaticRecord(files[n], cpio.Info{Name: n, Mode: cpio.S_IFREG | 0o755}))
	}
	data, err := Bytes(recs)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := bootfs.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		f, ok := fs.Open(name)
		if !ok || !bytes.Equal(f.Data, want) {
			t.Fatalf("%s: missing or wrong", name)
		}
		off := int64(bytes.Index(data, want)) // offset of the data in the archive
		if want[0] == 0x7f && (off%PageSize != 0 || (off+int64(len(want))+PageSize-1)/PageSize*PageSize > int64(len(data))) {
			t.Errorf("%s: data at %#x not page-aligned", name, off)
		}
		if want[0] == 0x7f {
			// The rest of the last page is padding (zeros and a padding
			// header), not another file's bytes.
			end := off + int64(len(want))
			tail := data[end:min(int64(len(data)), (end+PageSize-1)/PageSize*PageSize)]
			if bytes.Contains(tail, []byte("default allow")) || bytes.Contains(tail, []byte("text")) {
				t.Errorf("%s: another file in its last page", name)
			}
		}
	}
	// u-root reads it back too, with the regular files intact.
	rs, err := cpio.ReadAllRecords(cpio.Newc.Reader(bytes.NewReader(data)))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rs {
		if r.Mode&cpio.S_IFMT == cpio.S_IFREG {
			n++
		}
	}
	if n != len(files) {
		t.Errorf("%d regular files read back, want %d", n, len(files))
	}
}
