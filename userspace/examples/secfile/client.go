package main

import (
	"fmt"

	"beryl/userspace/zx"
)

// step is one request of a client's script and the answer it expects.
type step struct {
	method uint32
	path   string
	data   string
	want   zx.Status
	read   string // expected content of a read that succeeds
}

var scripts = map[string][]step{
	"alice": {
		{mRead, "/home/alice/notes", "", zx.OK, "alice's notes"},
		{mRead, "/pub/motd", "", zx.OK, "welcome to Beryl"},
		{mRead, "/home/bob/diary", "", zx.ErrAccessDenied, ""},
		{mWrite, "/home/alice/notes", "more notes", zx.ErrAccessDenied, ""},
	},
	"bob": {
		{mRead, "/home/bob/diary", "", zx.OK, "bob's diary"},
		{mWrite, "/home/bob/diary", "dear diary", zx.OK, ""},
		{mRead, "/home/bob/diary", "", zx.OK, "dear diary"},
		{mRead, "/home/alice/notes", "", zx.ErrAccessDenied, ""},
		{mRead, "/etc/shadow", "", zx.ErrAccessDenied, ""},
	},
}

// runClient runs user's script through the client handle init wired to
// the provider.
func runClient(user string) int {
	cls, _ := zx.ProcessSelf().Class()
	h, ok := zx.KosConnection("client", endpoint)
	if !ok {
		fmt.Printf("%s: FAIL: no client handle %q in BERYL_KOS\n", user, endpoint)
		return 1
	}
	fmt.Printf("%s: class %q, client handle %#x\n", user, cls, h)
	c := zx.Client{Handle: h}
	failed := 0
	rd := zx.KosRecvBuf{Fixed: make([]byte, 256)}
	for _, s := range scripts[user] {
		sz, err := c.Call(zx.TimeInfinite, &zx.KosMsg{Endpoint: 1, Method: s.method, Fixed: request(user, s.path, s.data)}, &rd)
		st, data := zx.ErrBadState, ""
		if err == nil {
			st, data = parseReply(rd.Fixed[:sz.Fixed])
		} else {
			fmt.Printf("%s: %s %s: kos_call: %v\n", user, methodNames[s.method], s.path, err)
		}
		verdict := "as expected"
		if st != s.want || (st == zx.OK && s.read != "" && data != s.read) {
			verdict = fmt.Sprintf("FAIL: want %v %q", s.want, s.read)
			failed++
		}
		fmt.Printf("%s: %s %s: %v %q (%s)\n", user, methodNames[s.method], s.path, st, data, verdict)
	}
	if failed > 0 {
		fmt.Printf("%s: FAIL (%d)\n", user, failed)
		return 1
	}
	fmt.Printf("%s: all checks passed\n", user)
	return 0
}
