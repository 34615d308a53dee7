package launch

import (
	"fmt"
	"io"
	"strconv"
)

// FindFile looks name up in a newc cpio archive (the boot filesystem) and
// returns its contents. It is a minimal scanner for programs that cannot
// import launch/bootfs (u-root's cpio package links os/user, which needs
// cgo when cgo is enabled, as in a host-built `go test -exec` binary).
func FindFile(archive io.ReaderAt, name string) (*io.SectionReader, error) {
	var hdr [110]byte
	for off := int64(0); ; {
		if _, err := archive.ReadAt(hdr[:], off); err != nil {
			return nil, fmt.Errorf("cpio header at %d: %w", off, err)
		}
		if string(hdr[:6]) != "070701" {
			return nil, fmt.Errorf("cpio header at %d: bad magic %q", off, hdr[:6])
		}
		field := func(i int) (int64, error) {
			return strconv.ParseInt(string(hdr[6+8*i:14+8*i]), 16, 64)
		}
		size, err1 := field(6)
		nameLen, err2 := field(11)
		if err1 != nil || err2 != nil || nameLen < 1 || nameLen > 4096 || size < 0 {
			return nil, fmt.Errorf("cpio header at %d: bad fields", off)
		}
		nb := make([]byte, nameLen)
		if _, err := archive.ReadAt(nb, off+110); err != nil {
			return nil, fmt.Errorf("cpio name at %d: %w", off, err)
		}
		n := string(nb[:nameLen-1])
		data := (off + 110 + nameLen + 3) &^ 3
		switch n {
		case "TRAILER!!!":
			return nil, fmt.Errorf("%s: not in the archive", name)
		case name:
			return io.NewSectionReader(archive, data, size), nil
		}
		off = (data + size + 3) &^ 3
	}
}
