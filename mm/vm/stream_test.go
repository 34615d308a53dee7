package vm

import (
	"bytes"
	"testing"

	"beryl/kernel/object"
)

// sinkTo collects what a stream read hands out.
func sinkTo(b *[]byte) func([]byte) object.Status {
	return func(p []byte) object.Status { *b = append(*b, p...); return object.OK }
}

// sourceFrom feeds a stream write from data, then fails (NOT_FOUND, a
// bad user buffer) if asked for more.
func sourceFrom(data []byte) func([]byte) object.Status {
	return func(p []byte) object.Status {
		if len(p) > len(data) {
			return object.ErrNotFound
		}
		n := copy(p, data)
		data = data[n:]
		return object.OK
	}
}

func TestStreamReadWriteSeek(t *testing.T) {
	h := newHostAS(t)
	v := h.vmo(t, PageSize, 0)
	defer v.Release()
	v.Write(0, []byte("abcdefghijklmnopqrstuvwxyz"))
	v.SetContentSize(26)
	s := NewStream(v, object.StreamModeRead|object.StreamModeWrite, 0)
	defer s.Release()
	var got []byte
	if n, st := s.Read(nil, 7, sinkTo(&got)); st != object.OK || n != 7 || string(got) != "abcdefg" {
		t.Fatalf("read %d %v %q", n, st, got)
	}
	if pos, _ := s.Seek(object.StreamSeekOriginCurrent, 0); pos != 7 {
		t.Errorf("seek %d after a read of 7", pos)
	}
	got = nil
	at := uint64(24)
	if n, _ := s.Read(&at, 16, sinkTo(&got)); n != 2 || string(got) != "yz" {
		t.Errorf("read at 24: %d %q", n, got)
	}
	for _, c := range []struct {
		whence uint32
		off    int64
		want   uint64
		st     object.Status
	}{
		{object.StreamSeekOriginStart, -1, 0, object.ErrInvalidArgs},
		{object.StreamSeekOriginEnd, -11, 15, object.OK},
		{object.StreamSeekOriginEnd, -27, 0, object.ErrInvalidArgs},
		{object.StreamSeekOriginCurrent, 1 << 62, 15 + 1<<62, object.OK},
		{9, 0, 0, object.ErrInvalidArgs},
	} {
		if pos, st := s.Seek(c.whence, c.off); st != c.st || st == object.OK && pos != c.want {
			t.Errorf("seek(%d, %d) = %d %v, want %d %v", c.whence, c.off, pos, st, c.want, c.st)
		}
	}
	// A write past the content zero-fills the gap and extends it; past
	// the end of a fixed-size VMO only what fits is written.
	v.Write(26, []byte("xxxx"))
	at = 28
	if n, st := s.Write(&at, false, 2, sourceFrom([]byte("12"))); st != object.OK || n != 2 || v.ContentSize() != 30 {
		t.Fatalf("write at 28: %d %v content %d", n, st, v.ContentSize())
	}
	b := make([]byte, 4)
	v.Read(26, b)
	if !bytes.Equal(b, []byte{0, 0, '1', '2'}) {
		t.Errorf("gap %q", b)
	}
	at = PageSize - 3
	if n, st := s.Write(&at, false, 10, sourceFrom(make([]byte, 10))); st != object.OK || n != 3 || v.ContentSize() != PageSize {
		t.Errorf("write at the end: %d %v content %d", n, st, v.ContentSize())
	}
	if _, st := s.Write(nil, true, 1, sourceFrom([]byte("x"))); st != object.ErrNoSpace {
		t.Errorf("append to a full VMO: %v", st)
	}
	if _, st := s.Write(nil, true, ^uint64(0), sourceFrom(nil)); st != object.ErrOutOfRange {
		t.Errorf("append overflowing: %v", st)
	}
	at = 5
	if _, st := s.Write(&at, false, ^uint64(0), sourceFrom(nil)); st != object.ErrFileBig {
		t.Errorf("write overflowing: %v", st)
	}
}

func TestStreamGrowsResizableVMO(t *testing.T) {
	h := newHostAS(t)
	v := h.vmo(t, PageSize, VMOResizable)
	defer v.Release()
	v.SetContentSize(0)
	s := NewStream(v, object.StreamModeWrite, 0)
	defer s.Release()
	at := uint64(PageSize - 6)
	if n, st := s.Write(&at, false, 10, sourceFrom(make([]byte, 10))); st != object.OK || n != 10 {
		t.Fatalf("write: %d %v", n, st)
	}
	if v.Size() != 2*PageSize || v.ContentSize() != PageSize+4 {
		t.Errorf("size %d content %d", v.Size(), v.ContentSize())
	}
	// A failed copy leaves the content size.
	at = 5000
	if _, st := s.Write(&at, false, 42, sourceFrom(nil)); st != object.ErrNotFound || v.ContentSize() != PageSize+4 {
		t.Errorf("bad source: %v content %d", st, v.ContentSize())
	}
}
