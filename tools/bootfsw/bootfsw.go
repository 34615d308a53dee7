// Package bootfsw writes Beryl's boot filesystem: a newc cpio archive
// (u-root's pkg/cpio) in which the data of every ELF file starts and ends
// on a page boundary, so that a launcher can map the segments of a
// program straight from the bootfs VMO (zx_vmo_create_child: slices and
// copy-on-write children) and every process started from one image
// shares its pages (userspace/launch/segment.go).
//
// Alignment comes from padding records: directories named .pad<N> whose
// data is zeros (newc readers skip a record by its size whatever its
// type, and the bootfs readers index only regular files). Host side only.
package bootfsw

import (
	"bytes"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/u-root/u-root/pkg/cpio"
)

// PageSize is the alignment of ELF file data.
const PageSize = 4096

// newcHeader is the size of a newc header (magic and 13 8-digit fields).
const newcHeader = 110

type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func round4(n int64) int64 { return (n + 3) &^ 3 }

// dataOffset is where the data of a record named name starts when its
// header is written at off.
func dataOffset(off int64, name string) int64 { return round4(off + newcHeader + int64(len(name)) + 1) }

// isELF reports whether a regular file record holds an ELF image.
func isELF(r cpio.Record) bool {
	if r.Mode&cpio.S_IFMT != cpio.S_IFREG || r.ReaderAt == nil || r.FileSize < 4 {
		return false
	}
	var m [4]byte
	_, err := r.ReadAt(m[:], 0)
	return err == nil && string(m[:]) == "\x7fELF"
}

// Write writes recs (with their parent directories, as
// cpio.WriteRecordsAndDirs does) and the trailer to w.
func Write(w io.Writer, recs []cpio.Record) error {
	c := &counter{w: w}
	dw := cpio.Newc.Writer(c)
	pads := 0
	// pad writes a padding record so that the next record, named next
	// (empty: any), has its data (or, for "", its header) page-aligned.
	pad := func(next string) error {
		target := c.n
		if next != "" {
			target = dataOffset(c.n, next)
		}
		if target%PageSize == 0 {
			return nil
		}
		name := fmt.Sprintf(".pad%d", pads)
		pads++
		hdr := dataOffset(c.n, name) - c.n
		size := (PageSize - (target+hdr)%PageSize) % PageSize
		// The record needs header+size bytes; the data size is a
		// multiple of 4, so the record ends exactly there.
		rec := cpio.StaticRecord(make([]byte, size), cpio.Info{Name: name, Mode: cpio.S_IFDIR | 0o755})
		return dw.WriteRecord(rec)
	}
	for _, r := range recs {
		r.Name = cpio.Normalize(r.Name)
		els := strings.Split(path.Dir(r.Name), "/")
		for i := range els {
			if err := dw.WriteRecord(cpio.Directory(path.Join(els[:i+1]...), 0o777)); err != nil {
				return err
			}
		}
		elf := isELF(r)
		if elf {
			if err := pad(r.Name); err != nil {
				return err
			}
		}
		if err := dw.WriteRecord(r); err != nil {
			return fmt.Errorf("writing %q: %w", r.Name, err)
		}
		if elf {
			if err := pad(""); err != nil {
				return err
			}
		}
	}
	return cpio.WriteTrailer(dw)
}

// Bytes is Write into memory.
func Bytes(recs []cpio.Record) ([]byte, error) {
	var b bytes.Buffer
	err := Write(&b, recs)
	return b.Bytes(), err
}
