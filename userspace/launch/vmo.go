package launch

import (
	"errors"
	"fmt"
	"io"

	"beryl/userspace/zx"
)

// VmoReader is an io.ReaderAt over a VMO's first Size bytes (vmo_read).
type VmoReader struct {
	Vmo  zx.Vmo
	Size int64
}

// NewVmoReader returns a reader over the whole VMO.
func NewVmoReader(v zx.Vmo) (*VmoReader, error) {
	n, err := v.Size()
	if err != nil {
		return nil, fmt.Errorf("vmo_get_size: %w", err)
	}
	return &VmoReader{Vmo: v, Size: int64(n)}, nil
}

// ReadAt reads from the VMO; reads past Size return io.EOF.
func (r *VmoReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	if off >= r.Size {
		return 0, io.EOF
	}
	n := len(p)
	var err error
	if int64(n) > r.Size-off {
		n, err = int(r.Size-off), io.EOF
	}
	if n > 0 {
		if e := r.Vmo.Read(p[:n], uint64(off)); e != nil {
			return 0, fmt.Errorf("vmo_read: %w", e)
		}
	}
	return n, err
}
