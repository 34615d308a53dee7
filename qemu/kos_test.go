package qemu

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// kvstoreBootfs is make run's bootfs for the kvstore example: init, the
// example, policy as the IPC policy (etc/policy) and the example's system
// description as etc/system.yaml.
func kvstoreBootfs(t *testing.T, policy []byte) string {
	t.Helper()
	files := []bootFile{}
	for _, n := range []string{"init", "kvstore"} {
		img, err := os.ReadFile(image(t, n+".elf"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, bootFile{"bin/" + n, img})
	}
	return bootfsOf(t, append(files, bootFile{"etc/policy", policy},
		bootFile{"etc/system.yaml", readRepo(t, "userspace/examples/kvstore/system.yaml")})...)
}

func bootKVStore(t *testing.T, policy []byte, stopOn string) (*Result, string) {
	t.Helper()
	res, err := Boot(Config{
		Kernel:  image(t, "beryl.elf"),
		Extra:   []string{"-initrd", kvstoreBootfs(t, policy)},
		Timeout: 3 * time.Minute,
		StopOn:  stopOn,
	})
	if err != nil {
		t.Fatalf("boot: %v\n%s", err, tail(res))
	}
	return res, strings.Join(res.Lines, "\n")
}

// TestKVStore boots the worked example of the KasperskyOS-style handles with the repository's
// boot policy (userspace/etc/policy): a key-value provider hands out
// user-object handles under per-client badges; the clients open, use
// (through dereferencing: the server sees its own handle, the rights sent
// and the client's badge) and close them; revoking client a's badge cuts
// off only client a; the policy denies delete (method 4) to client b and
// the admin endpoint to both clients, and the kernel logs each denial.
func TestKVStore(t *testing.T) {
	policy, err := os.ReadFile(filepath.Join(Root(), "userspace", "etc", "policy"))
	if err != nil {
		t.Fatal(err)
	}
	res, log := bootKVStore(t, policy, "init: system: all 4 programs exited")
	for _, want := range []string{
		"policy: etc/policy: 15 rules installed",
		// init starts the system description, wired before anything runs.
		"init: system: started kv.server (bin/kvstore, class kv.server",
		"init: system: started kvstore (bin/kvstore, class kvstore",
		"init: system: 4 programs started, 3 connections wired",
		`kvstore: admin of class "kvstore"`,
		`kv.server: class "kv.server", listening`,
		// Each client names itself; the policy lets only its class.
		"kv.server: client a said hello",
		"kv.server: client b said hello",
		"kv.client.b: hello as client a (the policy lets only kv.client.a): ZX_ERR_POLICY_DENIED (as expected)",
		`denied call: subject "kv.client.b" object "kv.server" endpoint 1 method 5`,
		// Open: a descendant of the provider's handle, under the client's badge.
		`kv.server: open "color" for client a (rights 0x30002, badge a)`,
		`kv.server: open "color" for client b (rights 0x10002, badge b)`,
		// Use through dereferencing: rights and badge checked by the server.
		`kv.server: "color" = "blue" (client a)`,
		`kv.client.a: write "blue" to color: OK (as expected)`,
		`kv.client.a: read color: OK (as expected)`,
		"kv.server: write by client b refused: ZX_ERR_ACCESS_DENIED",
		"kv.client.b: write through a read-only handle: ZX_ERR_ACCESS_DENIED (as expected)",
		// Deleting a key revokes every handle to it.
		`kv.server: "tmp" deleted by client a`,
		"kv.client.a: read through the deleted key's handle: ZX_ERR_HANDLE_REVOKED (as expected)",
		// The policy: one method denied to one client, the admin endpoint to all clients.
		"kv.client.b: delete color (the policy denies method 4 to kv.client.b): ZX_ERR_POLICY_DENIED (as expected)",
		`denied call: subject "kv.client.b" object "kv.server" endpoint 1 method 4`,
		"kv.client.b: admin revoke of client a (endpoint 2 is the admin's): ZX_ERR_POLICY_DENIED (as expected)",
		`denied call: subject "kv.client.b" object "kv.server" endpoint 2 method 1`,
		// Revoking client a's badge cuts off client a only.
		"kvstore: admin revoke of client a: OK (as expected)",
		"kv.server: revoked client a's badge on 1 resources",
		"kv.server: badge of client a: its last handle is gone",
		"kv.client.a: read color after the revocation of my badge: ZX_ERR_HANDLE_REVOKED (as expected)",
		"kv.client.a: copy the revoked handle: ZX_ERR_HANDLE_REVOKED (as expected)",
		"kv.client.a: close the revoked handle: OK (as expected)",
		"kv.client.b: read color after client a's revocation: OK (as expected)",
		`kv.client.b: color = "blue"`,
		// Closing: the provider learns that client b's last handle went.
		"kv.server: badge of client b: its last handle is gone",
		"kv.client.a: all checks passed",
		"kv.client.b: all checks passed",
		"kv.server: shutting down; badges closed: a b; store: color=blue",
		"kvstore: PASS",
		"init: system: kvstore exited with status 0",
		"init: system: kv.server exited with status 0",
		"init: system: kv.client.a exited with status 0",
		"init: system: kv.client.b exited with status 0",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if strings.Contains(log, "FAIL") {
		t.Errorf("a check failed")
	}
	if t.Failed() || testing.Verbose() {
		t.Log(res.Tail(120))
	}
}

// TestKVStoreBadPolicy boots the example with a policy that does not parse:
// the kernel logs the error with its line and fails closed (every IPC
// message and connection denied), so init refuses to start the system
// instead of running it unchecked.
func TestKVStoreBadPolicy(t *testing.T) {
	res, log := bootKVStore(t, []byte("default allow\nallow call a b one 2\n"), "init: nothing left to run")
	for _, want := range []string{
		`etc/policy: policy:2: endpoint: want a decimal uint32 or *, got "one"; denying every IPC message`,
		"init: system etc/system.yaml: connection kv.client.a -> kv.server (kv, line 25): kos_handle_connect_ex: ZX_ERR_POLICY_DENIED",
		`denied connect: subject "kv.client.a" object "kv.server"`,
		"init: system etc/system.yaml: refusing to start it; nothing of it runs",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if strings.Contains(log, "kv.server: class") {
		t.Error("a program of the refused system ran")
	}
	if t.Failed() {
		t.Log(res.Tail(80))
	}
}
