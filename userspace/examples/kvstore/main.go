// Command kvstore is the worked example of Beryl's KasperskyOS-style
// handles: an in-memory key-value provider hands out user-object
// handles under per-client badges; clients open, use (through
// dereferencing) and close resources; revoking one client's badge cuts off
// only that client; the IPC policy (etc/policy in the bootfs) forbids one
// method to one client, the admin endpoint to every client and each
// client's hello to the other.
//
// Nothing launches anything: init starts the four programs from the
// system description (userspace/examples/kvstore/system.yaml; the boot
// command line system=etc/kvstore.yaml) with their classes and wires
// their connections with kos_handle_connect_ex before any of them runs.
// One binary plays every part, chosen by its arguments:
//
//	kvstore server     the provider, class kv.server
//	kvstore client a   a read-write client, class kv.client.a
//	kvstore client b   a read-only client, class kv.client.b
//	kvstore admin      the administrator, class kvstore
//
// The admin waits until both clients finished phase one (they wait at
// the server's barrier), revokes client a's badge through the admin
// endpoint, releases the clients for phase two, shuts the server down
// once both clients' badges closed and checks its summary. It prints
// "kvstore: PASS" and exits 0 when its checks passed; every process
// reports its own.
package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"beryl/userspace/zx"
)

func main() {
	switch {
	case len(os.Args) == 2 && os.Args[1] == "server":
		os.Exit(runServer())
	case len(os.Args) == 3 && os.Args[1] == "client":
		os.Exit(runClient(os.Args[2]))
	case len(os.Args) == 2 && os.Args[1] == "admin":
		os.Exit(runAdmin(false))
	case len(os.Args) == 3 && os.Args[1] == "admin" && os.Args[2] == "hold":
		os.Exit(runAdmin(true))
	}
	fmt.Fprintln(os.Stderr, "usage: kvstore server | client a|b | admin [hold]")
	os.Exit(2)
}

// runAdmin is the administrator: the only class the policy lets call the
// admin endpoint. With hold it stops after phase one, leaving every
// process alive with its kos handles and badges (for the shell's
// `handles`; system-hold.yaml).
func runAdmin(hold bool) int {
	c := &checker{who: "kvstore"}
	cls, err := zx.ProcessSelf().Class()
	if err != nil {
		fmt.Println("kvstore: FAIL: own class:", err)
		return 1
	}
	fmt.Printf("kvstore: admin of class %q\n", cls)
	h, ok := zx.KosConnection("client", connAdmin)
	if !ok {
		fmt.Println("kvstore: FAIL: no client handle " + connAdmin + " in BERYL_KOS (start it from the system description)")
		return 1
	}
	admin := zx.Client{Handle: h}
	app, _, err := call(admin, epAdmin, mWaitPhase1, nil, nil, nil)
	c.expect("wait for both clients' phase 1", orApp(err, app), zx.OK)
	if hold {
		fmt.Println("kvstore: holding after phase 1")
		for {
			time.Sleep(time.Hour)
		}
	}
	fmt.Println("kvstore: both clients finished phase 1; revoking client a's badge")
	app, _, err = call(admin, epAdmin, mRevoke, u64(uint64(clientA)), nil, nil)
	c.expect("admin revoke of client a", orApp(err, app), zx.OK)
	app, _, err = call(admin, epAdmin, mRelease, nil, nil, nil)
	c.expect("release the clients", orApp(err, app), zx.OK)
	app, rd, err := call(admin, epAdmin, mShutdown, nil, nil, nil)
	c.expect("admin shutdown", orApp(err, app), zx.OK)
	if err == nil {
		sum := string(rd.Arena)
		const want = "badges closed: a b; store: color=blue"
		if !strings.HasPrefix(sum, want) {
			c.failf("server summary %q, want %q", sum, want)
		}
	}
	if c.failed > 0 {
		fmt.Printf("kvstore: FAIL (%d)\n", c.failed)
		return 1
	}
	fmt.Println("kvstore: PASS")
	return 0
}
