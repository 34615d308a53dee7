package vm

import (
	"sync"

	"beryl/kernel/object"
)

// Streams (ZX_OBJ_TYPE_STREAM, Zircon's StreamDispatcher): a seek offset
// over a VMO, read and written through vectors of user buffers up to the
// VMO's content size (ZX_PROP_VMO_CONTENT_SIZE), which writes extend.

// streamChunk bounds the kernel buffer a stream operation copies through.
const streamChunk = 64 << 10

// contentMu serializes the stream writes that read and extend content
// sizes, so appends through different streams of one VMO do not
// interleave (Zircon's ContentSizeManager lock, one for all VMOs).
var contentMu sync.Mutex

// Stream is a stream object.
type Stream struct {
	object.Base
	vmo     *VMO
	options uint32

	mu   sync.Mutex // orders operations on this stream; guards seek
	seek uint64
}

// NewStream creates a stream over v (it takes a reference of its own)
// at seek with options (object.StreamMode*); the caller owns one reference.
func NewStream(v *VMO, options uint32, seek uint64) *Stream {
	v.AddRef()
	s := &Stream{vmo: v, options: options, seek: seek}
	s.Base.Init(s, object.ObjTypeStream, nil, false, 0)
	return s
}

// OnDestroy lets the VMO go.
func (s *Stream) OnDestroy() { s.vmo.Release() }

// content is the readable end of the VMO: its content size, at most its
// size.
func (s *Stream) content() uint64 { return min(s.vmo.ContentSize(), s.vmo.Size()) }

// Info is ZX_INFO_STREAM: the options, the seek and the content size.
func (s *Stream) Info() (options uint32, seek, content uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.options, s.seek, s.vmo.ContentSize()
}

// Seek is zx_stream_seek after the rights check: the new seek is offset
// from the start, the current seek or the content size; negative or past
// 2^64-1: INVALID_ARGS, as an unknown whence.
func (s *Stream) Seek(whence uint32, offset int64) (uint64, object.Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var base uint64
	switch whence {
	case object.StreamSeekOriginStart:
	case object.StreamSeekOriginCurrent:
		base = s.seek
	case object.StreamSeekOriginEnd:
		base = s.vmo.ContentSize()
	default:
		return 0, object.ErrInvalidArgs
	}
	var n uint64
	if offset >= 0 {
		n = base + uint64(offset)
		if n < base {
			return 0, object.ErrInvalidArgs
		}
	} else {
		d := uint64(-(offset + 1)) + 1
		if d > base {
			return 0, object.ErrInvalidArgs
		}
		n = base - d
	}
	s.seek = n
	return n, object.OK
}

// Read reads up to total bytes at the seek (advancing it) or, with at,
// at *at, up to the content size, handing them to sink in order; a sink
// error ends it (with that error if nothing was read).
func (s *Stream) Read(at *uint64, total uint64, sink func([]byte) object.Status) (uint64, object.Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	off := s.seek
	if at != nil {
		off = *at
	}
	end := s.content()
	if off >= end || total == 0 {
		return 0, object.OK
	}
	n := min(total, end-off)
	done, st := s.copyOut(off, n, sink)
	if at == nil {
		s.seek = off + done
	}
	if st != object.OK && done == 0 {
		return 0, st
	}
	return done, object.OK
}

func (s *Stream) copyOut(off, n uint64, sink func([]byte) object.Status) (uint64, object.Status) {
	buf := make([]byte, min(n, streamChunk))
	var done uint64
	for done < n {
		b := buf[:min(n-done, uint64(len(buf)))]
		if st := s.vmo.Read(off+done, b); st != object.OK {
			return done, st
		}
		if st := sink(b); st != object.OK {
			return done, st
		}
		done += uint64(len(b))
	}
	return done, object.OK
}

// Write writes total bytes taken from source at the seek (advancing it),
// at *at, or with appendMode at the content size, as Zircon's
// StreamDispatcher: a write past the content size extends it, zeroing
// any gap; past the VMO's size it grows a resizable VMO, else writes what
// fits (NO_SPACE when nothing does). An end past 2^64-1 is FILE_BIG
// (OUT_OF_RANGE when appending). A source error ends the write with that
// error if nothing was written; the content size then stays.
func (s *Stream) Write(at *uint64, appendMode bool, total uint64, source func([]byte) object.Status) (uint64, object.Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	contentMu.Lock()
	defer contentMu.Unlock()
	v := s.vmo
	content := v.ContentSize()
	off := s.seek
	switch {
	case appendMode:
		off = content
	case at != nil:
		off = *at
	}
	end := off + total
	if end < off {
		if appendMode {
			return 0, object.ErrOutOfRange
		}
		return 0, object.ErrFileBig
	}
	if total == 0 {
		return 0, object.OK
	}
	if end > v.Size() && v.Resizable() {
		if rounded, ok := pageRoundUp(end); ok && rounded <= MaxVMOSize {
			if v.SetSize(rounded) == object.OK {
				v.SetContentSize(content) // SetSize moved it to the new size
			}
		}
	}
	size := v.Size()
	n := total
	if end > size {
		if off >= size {
			return 0, object.ErrNoSpace
		}
		n = size - off
	}
	if off > content {
		if st := v.OpRange(VMOOpZero, content, off-content); st != object.OK {
			return 0, st
		}
	}
	buf := make([]byte, min(n, streamChunk))
	var done uint64
	var st object.Status
	for done < n {
		b := buf[:min(n-done, uint64(len(buf)))]
		if st = source(b); st != object.OK {
			break
		}
		if st = v.Write(off+done, b); st != object.OK {
			break
		}
		done += uint64(len(b))
	}
	if done > 0 && off+done > content {
		v.SetContentSize(off + done)
	}
	if at == nil {
		s.seek = off + done
	}
	if st != object.OK && done == 0 {
		return 0, st
	}
	return done, object.OK
}
