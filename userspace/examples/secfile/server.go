package main

import (
	"errors"
	"fmt"

	"beryl/userspace/zx"
)

// runServer serves the listener init wired the clients to, asking the
// security module before every request.
func runServer() int {
	cls, _ := zx.ProcessSelf().Class()
	l, ok := zx.KosListener()
	if !ok {
		fmt.Println("files: FAIL: no listener in BERYL_KOS (start me from the system description)")
		return 1
	}
	sec, err := zx.SecurityConnect()
	if err != nil {
		fmt.Println("files: FAIL: kos_security_connect:", err)
		return 1
	}
	fmt.Printf("files: class %q, serving listener %#x\n", cls, l.Handle)
	files := map[string]string{
		"/home/alice/notes": "alice's notes",
		"/home/bob/diary":   "bob's diary",
		"/pub/motd":         "welcome to Beryl",
	}
	served, denied := 0, 0
	rb := zx.KosRecvBuf{Fixed: make([]byte, zx.KosMaxFixedBytes)}
	for {
		info, err := l.Recv(zx.TimeInfinite, &rb)
		if errors.Is(err, zx.ErrPeerClosed) {
			break // every client is gone
		}
		if err != nil {
			fmt.Println("files: FAIL: kos_recv:", err)
			return 1
		}
		st, data := zx.ErrInvalidArgs, ""
		user, path, body, ok := parseRequest(rb.Fixed[:info.Sizes.Fixed])
		method := methodNames[info.Method]
		if ok && method != "" {
			// The security question, in the provider's own terms.
			allowed, err := sec.Allowed("file", method, zx.SecString(user), zx.SecString(path))
			switch {
			case err != nil:
				st = zx.ErrBadState
				fmt.Printf("files: security query failed: %v\n", err)
			case !allowed:
				st = zx.ErrAccessDenied
				denied++
				fmt.Printf("files: %s %s %s: denied by the security module\n", user, method, path)
			case method == "read":
				content, found := files[path]
				st, data = zx.OK, content
				if !found {
					st = zx.ErrNotFound
				}
				fmt.Printf("files: %s read %s: %v\n", user, path, st)
			default:
				files[path] = body
				st = zx.OK
				fmt.Printf("files: %s wrote %s: %q\n", user, path, body)
			}
		}
		served++
		if err := l.Reply(info.CallID, &zx.KosMsg{Fixed: reply(st, data)}); err != nil {
			fmt.Println("files: reply:", err)
		}
	}
	fmt.Printf("files: all clients gone; served %d requests, %d denied by the security module; /home/bob/diary = %q\n",
		served, denied, files["/home/bob/diary"])
	if served != 9 || denied != 4 {
		fmt.Println("files: FAIL: want 9 requests, 4 denied")
		return 1
	}
	return 0
}
