// Package bootfs reads Beryl's boot filesystem, a newc cpio archive in a
// VMO (the PA_VMO_BOOTFS startup handle), with u-root's pkg/cpio over
// vmo_read.
//
// u-root's cpio package imports os/user, which links with cgo when cgo is
// enabled (as in a host `go test -exec`): a test binary importing this
// package is then dynamically linked and cannot run in Beryl. Programs
// built with CGO_ENABLED=0 (init) are fine.
package bootfs

import (
	"fmt"
	"io"
	"sort"

	"github.com/u-root/u-root/pkg/cpio"

	"beryl/userspace/launch"
	"beryl/userspace/zx"
)

// FS is the boot filesystem (a newc cpio archive in a VMO, the
// PA_VMO_BOOTFS startup handle), read with u-root's pkg/cpio.
type FS struct {
	Vmo   zx.Vmo
	files map[string]cpio.Record
	names []string
}

// Open indexes the archive in vmo.
func Open(vmo zx.Vmo) (*FS, error) {
	r, err := launch.NewVmoReader(vmo)
	if err != nil {
		return nil, err
	}
	recs, err := cpio.ReadAllRecords(cpio.Newc.Reader(r))
	if err != nil {
		return nil, fmt.Errorf("bootfs: %w", err)
	}
	fs := &FS{Vmo: vmo, files: map[string]cpio.Record{}}
	for _, rec := range recs {
		if rec.Mode&cpio.S_IFMT != cpio.S_IFREG {
			continue
		}
		fs.files[rec.Name] = rec
		fs.names = append(fs.names, rec.Name)
	}
	sort.Strings(fs.names)
	return fs, nil
}

// Names returns the regular files' names, sorted.
func (fs *FS) Names() []string { return append([]string(nil), fs.names...) }

// OpenFile returns a file's contents as a reader and its size.
func (fs *FS) OpenFile(name string) (*io.SectionReader, bool) {
	rec, ok := fs.files[name]
	if !ok {
		return nil, false
	}
	return io.NewSectionReader(rec.ReaderAt, 0, int64(rec.FileSize)), true
}

// ReadFile returns a file's contents.
func (fs *FS) ReadFile(name string) ([]byte, error) {
	f, ok := fs.OpenFile(name)
	if !ok {
		return nil, fmt.Errorf("bootfs: %s: not found", name)
	}
	b := make([]byte, f.Size())
	if _, err := f.ReadAt(b, 0); err != nil && !(err == io.EOF && len(b) == 0) {
		return nil, fmt.Errorf("bootfs: %s: %w", name, err)
	}
	return b, nil
}

// Lookup resolves a program name as a shell with PATH=/bin would: a path
// in the archive (leading slashes dropped), else bin/NAME.
func (fs *FS) Lookup(name string) (string, bool) {
	for len(name) > 0 && name[0] == '/' {
		name = name[1:]
	}
	if _, ok := fs.files[name]; ok {
		return name, true
	}
	if _, ok := fs.files["bin/"+name]; ok {
		return "bin/" + name, true
	}
	return "", false
}
