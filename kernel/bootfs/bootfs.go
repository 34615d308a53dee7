// Package bootfs reads the boot filesystem, a newc cpio archive (the
// "new ASCII" format of cpio(5): a 110-byte header of hexadecimal fields,
// the NUL-terminated name, then the data, each padded to 4 bytes) built on
// the host by tools/mkbootfs. Parse indexes an archive in memory and
// hands out file contents as sub-slices of it; nothing is copied. Each
// file's offset in the archive lets a caller that keeps the archive
// elsewhere (the kernel keeps it in the bootfs VMO only) read it from
// there.
package bootfs

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
)

// File is one regular file of the archive.
type File struct {
	Name string
	Mode uint32
	Data []byte
	// Off is the offset of Data in the archive.
	Off uint64
}

// FS is a parsed archive.
type FS struct {
	files map[string]*File
}

const (
	headerLen = 110
	magic     = "070701"
	trailer   = "TRAILER!!!"
	modeType  = 0o170000
	modeReg   = 0o100000
)

// Errors.
var (
	ErrFormat = errors.New("bootfs: not a newc cpio archive")
	ErrTrunc  = errors.New("bootfs: truncated archive")
)

func hexField(h []byte, i int) (uint64, error) {
	return strconv.ParseUint(string(h[6+8*i:6+8*i+8]), 16, 32)
}

func align4(n int) int { return (n + 3) &^ 3 }

// Parse indexes archive. It fails cleanly on malformed input.
func Parse(archive []byte) (*FS, error) {
	fs := &FS{files: map[string]*File{}}
	off := 0
	for {
		if off+headerLen > len(archive) {
			return nil, ErrTrunc
		}
		h := archive[off : off+headerLen]
		if string(h[:6]) != magic {
			return nil, fmt.Errorf("%w (bad magic at offset %d)", ErrFormat, off)
		}
		var f [13]uint64
		for i := range f {
			v, err := hexField(h, i)
			if err != nil {
				return nil, fmt.Errorf("%w (bad header field at offset %d)", ErrFormat, off)
			}
			f[i] = v
		}
		mode, size, nameLen := f[1], int(f[6]), int(f[11])
		if nameLen == 0 || nameLen > 4096 {
			return nil, fmt.Errorf("%w (bad name length at offset %d)", ErrFormat, off)
		}
		nameEnd := off + headerLen + nameLen
		if nameEnd > len(archive) {
			return nil, ErrTrunc
		}
		name := string(archive[off+headerLen : nameEnd-1])
		dataOff := align4(nameEnd)
		if dataOff > len(archive) || size > len(archive)-dataOff {
			return nil, ErrTrunc
		}
		if name == trailer {
			return fs, nil
		}
		if mode&modeType == modeReg {
			fs.files[name] = &File{Name: name, Mode: uint32(mode), Data: archive[dataOff : dataOff+size : dataOff+size], Off: uint64(dataOff)}
		}
		off = align4(dataOff + size)
	}
}

// Open returns the file called name (without a leading slash).
func (fs *FS) Open(name string) (*File, bool) {
	if len(name) > 0 && name[0] == '/' {
		name = name[1:]
	}
	f, ok := fs.files[name]
	return f, ok
}

// Names returns every file name, sorted.
func (fs *FS) Names() []string {
	var n []string
	for k := range fs.files {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}
