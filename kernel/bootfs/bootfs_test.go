package bootfs

import (
	"bytes"
	"errors"
	"testing"

	"github.com/u-root/u-root/pkg/cpio"
)

func archive(t testing.TB, files map[string]string) []byte {
	var buf bytes.Buffer
	w := cpio.Newc.Writer(&buf)
	var recs []cpio.Record
	for _, n := range []string{"bin/init", "bin/hello", "etc/policy", "empty"} {
		if c, ok := files[n]; ok {
			recs = append(recs, cpio.StaticFile(n, c, 0o755))
		}
	}
	if err := cpio.WriteRecordsAndDirs(w, recs); err != nil {
		t.Fatal(err)
	}
	if err := cpio.WriteTrailer(w); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParse(t *testing.T) {
	a := archive(t, map[string]string{"bin/init": "INIT", "bin/hello": "hello world!!", "etc/policy": "allow", "empty": ""})
	fs, err := Parse(a)
	if err != nil {
		t.Fatal(err)
	}
	if got := fs.Names(); len(got) != 4 || got[0] != "bin/hello" {
		t.Fatalf("names %v", got)
	}
	for name, want := range map[string]string{"bin/init": "INIT", "/bin/hello": "hello world!!", "etc/policy": "allow", "empty": ""} {
		f, ok := fs.Open(name)
		if !ok || string(f.Data) != want {
			t.Errorf("%s: found=%v file=%+v", name, ok, f)
			continue
		}
		if at := a[f.Off : f.Off+uint64(len(want))]; string(at) != want {
			t.Errorf("%s: offset %d holds %q, want %q", name, f.Off, at, want)
		}
	}
	if _, ok := fs.Open("bin"); ok {
		t.Errorf("directories are not files")
	}
	if _, ok := fs.Open("nope"); ok {
		t.Errorf("found a missing file")
	}
}

func TestMalformed(t *testing.T) {
	a := archive(t, map[string]string{"bin/init": "INIT"})
	for name, bad := range map[string][]byte{
		"empty":      nil,
		"truncated":  a[:len(a)/2],
		"no trailer": a[:len(a)-124],
		"bad magic":  append([]byte("070702"), a[6:]...),
		"bad hex":    append(append([]byte(nil), a[:10]...), append([]byte("zz"), a[12:]...)...),
	} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%s: accepted", name)
		} else if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrTrunc) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(archive(f, map[string]string{"bin/init": "INIT", "etc/policy": "x"}))
	f.Fuzz(func(t *testing.T, b []byte) {
		fs, err := Parse(b)
		if err == nil {
			for _, n := range fs.Names() {
				fs.Open(n)
			}
		}
	})
}
