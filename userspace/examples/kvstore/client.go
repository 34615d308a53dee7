package main

import (
	"fmt"

	"beryl/userspace/zx"
)

// kvClient is one client process (class kv.client.a or kv.client.b).
type kvClient struct {
	checker
	id   clientID
	conn zx.Client
}

// runClient runs client a or b: hello (naming itself, as only its class
// may), phase 1 (open, write, read, the refused operations), the barrier
// (the admin revokes client a's badge meanwhile), phase 2 (the resource
// handle again).
func runClient(name string) int {
	c := &kvClient{checker: checker{who: "kv.client." + name}}
	switch name {
	case "a":
		c.id = clientA
	case "b":
		c.id = clientB
	default:
		fmt.Println("kvstore: unknown client", name)
		return 2
	}
	h, ok := zx.KosConnection("client", connStore)
	if !ok {
		fmt.Println(c.who + ": no client handle " + connStore + " in BERYL_KOS (start it from the system description)")
		return 1
	}
	c.conn = zx.Client{Handle: h}
	hello := map[clientID]uint32{clientA: mHelloA, clientB: mHelloB}[c.id]
	app, _, err := call(c.conn, epStore, hello, nil, nil, nil)
	c.expect("hello", orApp(err, app), zx.OK)
	if c.id == clientA {
		c.runA()
	} else {
		c.runB()
	}
	if c.failed > 0 {
		fmt.Printf("%s: %d checks failed\n", c.who, c.failed)
		return 1
	}
	fmt.Println(c.who + ": all checks passed")
	return 0
}

// open opens key; it returns the resource handle.
func (c *kvClient) open(key string, mode uint32) zx.Handle {
	app, rd, err := call(c.conn, epStore, mOpen, u32(mode), []byte(key), nil)
	if err != nil || app != zx.OK || len(rd.Handles) != 1 {
		c.failf("open %q: %v / %v", key, statusText(err), app)
		return zx.HandleInvalid
	}
	rh := rd.Handles[0]
	if rh.IsDereferenced() || rh.Type != zx.ObjTypeKosUserObject {
		c.failf("open %q: got %+v", key, rh)
	}
	fmt.Printf("%s: opened %q: handle rights %#x\n", c.who, key, uint32(rh.Rights))
	return rh.Handle
}

// use reads (value == nil) or writes through res: the handle travels back
// to the server, which gets its own handle, the rights sent and the badge.
// It returns the value read and kos_call's error or the server's status.
func (c *kvClient) use(res zx.Handle, value []byte) (string, error) {
	method := mRead
	if value != nil {
		method = mWrite
	}
	app, rd, err := call(c.conn, epStore, method, nil, value,
		[]zx.KosHandleDesc{{Handle: res, Rights: zx.RightSameRights, Badge: zx.HandleInvalid}})
	if err = orApp(err, app); err != nil {
		return "", err
	}
	return string(rd.Arena), nil
}

// rendezvous waits at the server's barrier until the admin releases the
// clients.
func (c *kvClient) rendezvous() {
	app, _, err := call(c.conn, epStore, mBarrier, nil, nil, nil)
	if err = orApp(err, app); err != nil {
		c.failf("barrier: %v", err)
	}
}

// runA: a read-write client whose badge the launcher revokes.
func (c *kvClient) runA() {
	res := c.open("color", modeRead|modeWrite)
	_, err := c.use(res, []byte("blue"))
	c.expect(`write "blue" to color`, err, zx.OK)
	v, err := c.use(res, nil)
	c.expect("read color", err, zx.OK)
	if v != "blue" {
		c.failf("read color: %q, want \"blue\"", v)
	}
	// Deleting a key revokes every handle to it.
	tmp := c.open("tmp", modeRead|modeWrite)
	app, _, err := call(c.conn, epStore, mDelete, nil, []byte("tmp"), nil)
	c.expect("delete tmp", orApp(err, app), zx.OK)
	_, err = c.use(tmp, nil)
	c.expect("read through the deleted key's handle", err, zx.ErrHandleRevoked)
	c.expect("close that handle", tmp.Close(), zx.OK)

	c.rendezvous() // the admin revokes client a's badge meanwhile

	_, err = c.use(res, nil)
	c.expect("read color after the revocation of my badge", err, zx.ErrHandleRevoked)
	_, err = res.KosCopy(zx.RightSameRights, zx.NoBadge)
	c.expect("copy the revoked handle", err, zx.ErrHandleRevoked)
	c.expect("close the revoked handle", res.Close(), zx.OK)
}

// runB: a read-only client; the policy forbids it delete and the admin
// endpoint.
func (c *kvClient) runB() {
	res := c.open("color", modeRead)
	_, err := c.use(res, []byte("red"))
	c.expect("write through a read-only handle", err, zx.ErrAccessDenied)
	app, _, err := call(c.conn, epStore, mDelete, nil, []byte("color"), nil)
	c.expect("delete color (the policy denies method 4 to kv.client.b)", orApp(err, app), zx.ErrPolicyDenied)
	app, _, err = call(c.conn, epAdmin, mRevoke, u64(uint64(clientA)), nil, nil)
	c.expect("admin revoke of client a (endpoint 2 is the admin's)", orApp(err, app), zx.ErrPolicyDenied)
	app, _, err = call(c.conn, epStore, mHelloA, nil, nil, nil)
	c.expect("hello as client a (the policy lets only kv.client.a)", orApp(err, app), zx.ErrPolicyDenied)

	c.rendezvous() // client a's badge is revoked meanwhile; b's is not

	v, err := c.use(res, nil)
	c.expect("read color after client a's revocation", err, zx.OK)
	if err == nil && v != "blue" {
		c.failf("read color: %q, want \"blue\" (client a's write)", v)
	} else if err == nil {
		fmt.Printf("%s: color = %q\n", c.who, v)
	}
	c.expect("close my handle", res.Close(), zx.OK)
}

// orApp folds kos_call's error and the server's status into one.
func orApp(err error, app zx.Status) error {
	if err != nil {
		return err
	}
	return app.Err()
}
