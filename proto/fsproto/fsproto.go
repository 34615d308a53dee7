// Package fsproto is Beryl's file-system protocol, version 1: the
// messages the Linux personality (kernel/proc) sends on a namespace
// channel to a directory server written in Go (userspace/fs), and their
// replies. It is the one definition of the protocol; both sides encode
// and decode through it.
//
// A namespace binds an absolute path prefix to a channel; the server at
// the other end serves the tree below it. Every request is a
// channel_call: the reply has the request's txid.
//
// Request:  txid u32 | version u16 | op u16 | fields of op
// Reply:    txid u32 | version u16 | op u16 | errno i32 | fields of op
//
// All integers are little-endian; a string is u16 length + bytes. Paths
// in requests are relative to the server's root, cleaned, without a
// leading slash ("" is the root itself); the client resolves "." and
// "..", the working directory and the longest bound prefix. errno is a
// Linux errno value (0: success); a server that does not know op replies
// ENOSYS, one that gets another version EPROTO (71) without decoding
// further. An open returns a node id the server chooses; later requests
// name the node by it until OpClose. A message is at most MaxMessage
// bytes: reads and writes move at most MaxData bytes each.
//
// Operations (request fields → reply fields):
//
//	OpOpen     path, flags u32 (O_*), mode u32  → node u64, Stat
//	OpClose    node                             → -
//	OpRead     node, offset u64, count u32      → data (u32 length + bytes)
//	OpWrite    node, offset u64, append u8, data → written u32, size u64
//	OpStat     path, nofollow u8                → Stat
//	OpFstat    node                             → Stat
//	OpReaddir  node, cookie u64                 → next cookie u64, count u16, count × Dirent
//	OpTruncate node, size u64                   → -
//	OpMkdir    path, mode u32                   → -
//	OpUnlink   path, rmdir u8                   → -
//	OpRename   old path, new path               → -
//	OpReadlink path                             → target string
//	OpSymlink  target string, path              → -
//	OpSetattr  path, mask u32, mode u32, atime i64, mtime i64 → -
//	OpLink     old path, new path, follow u8    → -  (a hard link)
//	OpMknod    path, mode u32 (S_IFIFO or S_IFSOCK | perm) → -  (a named
//	           pipe or a socket's name: the client makes the pipe when
//	           it is opened and keeps the socket bound to the node)
//	OpGetVMO   node, flags u32 (GetVMOWrite)   → size u64, and one handle:
//	           a VMO holding the file's bytes from then on (reads and
//	           writes of the file go through it), readable and mappable,
//	           writable with GetVMOWrite (a read-only tree: EACCES); a
//	           node that is not a regular file, or a server that keeps
//	           no VMOs: ENODEV. The only reply with a handle.
//
// A path request may be answered ERedirect with a string: the path to
// resolve instead (an absolute symbolic link on the way).
//
// A Dirent is ino u64, type u8 (DT_*), name string; OpReaddir returns an
// empty list at the end. Stat is ino u64, mode u32 (type and permission
// bits), nlink u32, size u64, atime, mtime, ctime i64 (ns since the
// epoch).
package fsproto

import (
	"encoding/binary"
	"errors"
)

// Version is the protocol version this package speaks.
const Version = 1

// Message size limits.
const (
	MaxMessage = 64 << 10
	MaxData    = 32 << 10
	MaxPath    = 4096
)

// Operations.
const (
	OpOpen     = 1
	OpClose    = 2
	OpRead     = 3
	OpWrite    = 4
	OpStat     = 5
	OpFstat    = 6
	OpReaddir  = 7
	OpTruncate = 8
	OpMkdir    = 9
	OpUnlink   = 10
	OpRename   = 11
	OpReadlink = 12
	OpSymlink  = 13
	OpSetattr  = 14
	OpLink     = 15
	OpMknod    = 16
	OpGetVMO   = 17
)

// GetVMOWrite asks OpGetVMO for a writable VMO (a shared writable
// mapping).
const GetVMOWrite = 1

// Setattr mask bits: what to set, and SetNofollow (the last component
// is not followed if it is a symbolic link).
const (
	SetMode     = 1
	SetAtime    = 2
	SetMtime    = 4
	SetNofollow = 8
)

// Errno values a server replies with beyond the Linux ones callers know.
const (
	EPROTO = 71
	ENOSYS = 38
	// ERedirect (not a Linux errno) answers a path request whose path
	// crossed a symbolic link with an absolute target: the reply's one
	// field is the absolute path to resolve instead, from the client's
	// namespace root (the server cannot: the target may be another
	// server's). The client retries with it, at most 40 times.
	ERedirect = 4096
)

// Stat is a node's attributes.
type Stat struct {
	Ino                 uint64
	Mode                uint32
	Nlink               uint32
	Size                uint64
	Atime, Mtime, Ctime int64
}

// Dirent is one directory entry.
type Dirent struct {
	Ino  uint64
	Type uint8
	Name string
}

// ErrShort is a message that ends before its fields do.
var ErrShort = errors.New("fsproto: message too short")

// Encoder builds a message.
type Encoder struct{ B []byte }

// NewRequest starts a request for op (the txid is left zero: channel_call
// fills it).
func NewRequest(op uint16) *Encoder {
	e := &Encoder{B: make([]byte, 8, 128)}
	binary.LittleEndian.PutUint16(e.B[4:], Version)
	binary.LittleEndian.PutUint16(e.B[6:], op)
	return e
}

// NewReply starts the reply to a request header h with errno.
func NewReply(h Header, errno int32) *Encoder {
	e := &Encoder{B: make([]byte, 12, 128)}
	binary.LittleEndian.PutUint32(e.B, h.Txid)
	binary.LittleEndian.PutUint16(e.B[4:], Version)
	binary.LittleEndian.PutUint16(e.B[6:], h.Op)
	binary.LittleEndian.PutUint32(e.B[8:], uint32(errno))
	return e
}

// U8 appends a byte.
func (e *Encoder) U8(v uint8) *Encoder { e.B = append(e.B, v); return e }

// U16 appends a uint16.
func (e *Encoder) U16(v uint16) *Encoder { e.B = binary.LittleEndian.AppendUint16(e.B, v); return e }

// U32 appends a uint32.
func (e *Encoder) U32(v uint32) *Encoder { e.B = binary.LittleEndian.AppendUint32(e.B, v); return e }

// U64 appends a uint64.
func (e *Encoder) U64(v uint64) *Encoder { e.B = binary.LittleEndian.AppendUint64(e.B, v); return e }

// I64 appends an int64.
func (e *Encoder) I64(v int64) *Encoder { return e.U64(uint64(v)) }

// Str appends a string (truncated to 65535 bytes).
func (e *Encoder) Str(s string) *Encoder {
	if len(s) > 0xffff {
		s = s[:0xffff]
	}
	e.U16(uint16(len(s)))
	e.B = append(e.B, s...)
	return e
}

// Bytes appends a u32-length byte string.
func (e *Encoder) Bytes(b []byte) *Encoder {
	e.U32(uint32(len(b)))
	e.B = append(e.B, b...)
	return e
}

// Stat appends st.
func (e *Encoder) Stat(st Stat) *Encoder {
	return e.U64(st.Ino).U32(st.Mode).U32(st.Nlink).U64(st.Size).I64(st.Atime).I64(st.Mtime).I64(st.Ctime)
}

// Dirent appends d.
func (e *Encoder) Dirent(d Dirent) *Encoder { return e.U64(d.Ino).U8(d.Type).Str(d.Name) }

// Header is a message's fixed part.
type Header struct {
	Txid    uint32
	Version uint16
	Op      uint16
}

// Decoder reads fields; the first short read sets Err and every later
// read returns zero values.
type Decoder struct {
	B   []byte
	Err error
}

// ParseRequest splits a request into its header and a decoder of its
// fields.
func ParseRequest(b []byte) (Header, *Decoder, error) {
	if len(b) < 8 {
		return Header{}, nil, ErrShort
	}
	h := Header{binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint16(b[4:]), binary.LittleEndian.Uint16(b[6:])}
	return h, &Decoder{B: b[8:]}, nil
}

// ParseReply splits a reply into its header, errno and a decoder.
func ParseReply(b []byte) (Header, int32, *Decoder, error) {
	if len(b) < 12 {
		return Header{}, 0, nil, ErrShort
	}
	h := Header{binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint16(b[4:]), binary.LittleEndian.Uint16(b[6:])}
	return h, int32(binary.LittleEndian.Uint32(b[8:])), &Decoder{B: b[12:]}, nil
}

func (d *Decoder) take(n int) []byte {
	if d.Err != nil || len(d.B) < n {
		d.Err = ErrShort
		return nil
	}
	b := d.B[:n]
	d.B = d.B[n:]
	return b
}

// U8 reads a byte.
func (d *Decoder) U8() uint8 {
	if b := d.take(1); b != nil {
		return b[0]
	}
	return 0
}

// U16 reads a uint16.
func (d *Decoder) U16() uint16 {
	if b := d.take(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

// U32 reads a uint32.
func (d *Decoder) U32() uint32 {
	if b := d.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

// U64 reads a uint64.
func (d *Decoder) U64() uint64 {
	if b := d.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

// I64 reads an int64.
func (d *Decoder) I64() int64 { return int64(d.U64()) }

// Str reads a u16-length string.
func (d *Decoder) Str() string { return string(d.take(int(d.U16()))) }

// Bytes reads a u32-length byte string (aliasing the message).
func (d *Decoder) Bytes() []byte { return d.take(int(d.U32())) }

// Stat reads a Stat.
func (d *Decoder) Stat() Stat {
	return Stat{Ino: d.U64(), Mode: d.U32(), Nlink: d.U32(), Size: d.U64(), Atime: d.I64(), Mtime: d.I64(), Ctime: d.I64()}
}

// Dirent reads a Dirent.
func (d *Decoder) Dirent() Dirent { return Dirent{Ino: d.U64(), Type: d.U8(), Name: d.Str()} }
