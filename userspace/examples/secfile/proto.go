package main

import (
	"encoding/binary"
	"strings"

	"beryl/userspace/zx"
)

// The file protocol over kos IPC. Request: method (mRead, mWrite), fixed
// part "USER\nPATH" (write: "USER\nPATH\nDATA"). Reply: fixed part = int32
// status (little endian; zx.OK, zx.ErrAccessDenied when the security
// module says no, zx.ErrNotFound) followed by the data read.
const (
	mRead  = 1
	mWrite = 2

	endpoint = "files" // the connection name in the system description
)

var methodNames = map[uint32]string{mRead: "read", mWrite: "write"}

func request(user, path, data string) []byte {
	s := user + "\n" + path
	if data != "" {
		s += "\n" + data
	}
	return []byte(s)
}

func parseRequest(b []byte) (user, path, data string, ok bool) {
	f := strings.SplitN(string(b), "\n", 3)
	if len(f) < 2 {
		return "", "", "", false
	}
	if len(f) == 3 {
		data = f[2]
	}
	return f[0], f[1], data, true
}

func reply(st zx.Status, data string) []byte {
	return append(binary.LittleEndian.AppendUint32(nil, uint32(int32(st))), data...)
}

func parseReply(b []byte) (zx.Status, string) {
	if len(b) < 4 {
		return zx.ErrBadState, ""
	}
	return zx.Status(int32(binary.LittleEndian.Uint32(b))), string(b[4:])
}
