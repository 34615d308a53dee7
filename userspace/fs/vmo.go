package fs

import "beryl/userspace/zx"

// Backing is a file's bytes in a VMO: what OpGetVMO hands a client to map.
// Reads and writes of the file go through it, so a shared mapping and
// read/write see the same bytes.
type Backing interface {
	ReadAt(b []byte, off int64) (int, error)
	WriteAt(b []byte, off int64) (int, error)
	// SetSize resizes the VMO to hold size bytes.
	SetSize(size int64) error
	// Handle returns a new handle to the VMO to send: readable and
	// mappable, writable too if writable.
	Handle(writable bool) (zx.Handle, error)
	Close()
}

// VMOBacking makes a resizable VMO of size bytes (FS.NewBacking).
func VMOBacking(size int64) (Backing, error) {
	v, err := zx.NewVmo(uint64(size), zx.VMOResizable)
	if err != nil {
		return nil, err
	}
	return vmoBacking{v}, nil
}

type vmoBacking struct{ v zx.Vmo }

func (b vmoBacking) ReadAt(p []byte, off int64) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return len(p), b.v.Read(p, uint64(off))
}

func (b vmoBacking) WriteAt(p []byte, off int64) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return len(p), b.v.Write(p, uint64(off))
}

func (b vmoBacking) SetSize(size int64) error { return b.v.SetSize(uint64(size)) }

func (b vmoBacking) Handle(writable bool) (zx.Handle, error) {
	r := zx.RightDuplicate | zx.RightTransfer | zx.RightRead | zx.RightMap | zx.RightGetProperty | zx.RightWait
	if writable {
		r |= zx.RightWrite
	}
	return b.v.Handle.Duplicate(r)
}

func (b vmoBacking) Close() { b.v.Handle.Close() }
