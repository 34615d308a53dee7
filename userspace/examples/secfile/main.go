// Command secfile is the worked example of the security interface and of
// the declarative system: a file-like provider asks the security
// module, before serving each
// request, whether the policy allows it — "may user alice read file
// /home/bob/diary" — and two clients exercise it. Nothing launches
// anything: init starts the three programs from the system description
// (userspace/examples/secfile/system.yaml, etc/system.yaml in the bootfs)
// with their classes and wires both clients to the provider with
// kos_handle_connect_ex before any of them runs.
//
//	secfile server        the provider (class file.server): serves
//	                      read and write on its listener until both
//	                      clients are gone
//	secfile client NAME   a client (class file.user.NAME) acting for user
//	                      NAME, running its script of requests
//
// The policy's security rules (userspace/etc/policy) let every user read
// /pub/*, alice and bob read their own homes, and only bob write his;
// everything else of interface "file" is denied, and the kernel logs each
// denial. A client prints "NAME: all checks passed" and exits 0 when every
// answer was as expected.
package main

import (
	"fmt"
	"os"
)

func main() {
	switch {
	case len(os.Args) == 2 && os.Args[1] == "server":
		os.Exit(runServer())
	case len(os.Args) == 3 && os.Args[1] == "client":
		os.Exit(runClient(os.Args[2]))
	}
	fmt.Fprintln(os.Stderr, "usage: secfile server | secfile client NAME")
	os.Exit(2)
}
