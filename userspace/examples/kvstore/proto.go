package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"beryl/userspace/zx"
)

// The key-value protocol, spoken with kos Call/Recv/Reply through a
// listener the server owns. Every reply's fixed part starts with an
// application status (int32, a zx.Status): the server's answer, as opposed
// to the status of kos_call itself (a policy denial, a revoked handle, a
// dead server).
const (
	// epStore is the store: open, read, write and delete resources.
	epStore uint32 = 1
	// epAdmin is the administration endpoint; the policy lets only the
	// launcher's class call it.
	epAdmin uint32 = 2

	// Store methods.
	mOpen   uint32 = 1 // fixed: mode (uint32); arena: key; reply: the resource handle
	mRead   uint32 = 2 // handles: the resource; reply arena: its value
	mWrite  uint32 = 3 // handles: the resource; arena: the new value
	mDelete uint32 = 4 // arena: key; every handle to the resource is revoked
	// mHelloA / mHelloB: the first call of a client, naming it. The IPC
	// policy lets only class kv.client.a call mHelloA and only
	// kv.client.b mHelloB, so the server can trust the name (init wired
	// the connections; the server does not know its clients otherwise).
	mHelloA uint32 = 5
	mHelloB uint32 = 6
	// mBarrier: the end of a client's phase 1; the reply comes when the
	// admin releases the clients (after revoking client a's badge).
	mBarrier uint32 = 7

	// Admin methods.
	mRevoke     uint32 = 1 // fixed: client id (uint64): revoke its badge's handles
	mShutdown   uint32 = 2 // reply (once both clients' badges closed) arena: the server's summary; the server exits
	mWaitPhase1 uint32 = 3 // reply once both clients wait at the barrier
	mRelease    uint32 = 4 // reply the clients' barrier calls
)

// Connection names in the system description (userspace/examples/kvstore/system.yaml).
const (
	connStore = "kv"
	connAdmin = "kv.admin"
)

// Resource rights: the provider-defined bits of a kos rights mask.
var (
	rightRead  = zx.KosRightSpecific(0)
	rightWrite = zx.KosRightSpecific(1)
)

// Open modes.
const (
	modeRead  uint32 = 1
	modeWrite uint32 = 2
)

// Clients: each is connected to the listener with its own client handle,
// and each gets its resource handles under its own badge, whose context is
// the client id.
type clientID uint64

const (
	clientA clientID = 1
	clientB clientID = 2
)

var clientNames = map[clientID]string{clientA: "a", clientB: "b"}

// callTimeout bounds every blocking call: a broken example fails instead
// of hanging the boot.
const callTimeout = 20 * time.Second

func deadline() zx.Time { return zx.Now() + zx.Time(callTimeout) }

// call makes one call and splits the result: err is kos_call's status,
// app the server's application status, rd the reply.
func call(c zx.Client, ep, method uint32, fixed, arena []byte, handles []zx.KosHandleDesc) (app zx.Status, rd *zx.KosRecvBuf, err error) {
	rd = &zx.KosRecvBuf{Fixed: make([]byte, 64), Arena: make([]byte, 4096), Handles: make([]zx.KosRecvHandle, 4)}
	sz, err := c.Call(deadline(), &zx.KosMsg{Endpoint: ep, Method: method, Fixed: fixed, Arena: arena, Handles: handles}, rd)
	if err != nil {
		return 0, nil, err
	}
	rd.Fixed, rd.Arena, rd.Handles = rd.Fixed[:sz.Fixed], rd.Arena[:sz.Arena], rd.Handles[:sz.Handles]
	if len(rd.Fixed) < 4 {
		return 0, nil, errors.New("reply without a status")
	}
	return zx.Status(int32(binary.LittleEndian.Uint32(rd.Fixed))), rd, nil
}

func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// statusText names a status for the log ("OK" for nil).
func statusText(err error) string {
	if err == nil {
		return "OK"
	}
	var st zx.Status
	if errors.As(err, &st) {
		return st.String()
	}
	return err.Error()
}

// expect records whether got is the wanted status; it prints one line.
type checker struct {
	who    string
	failed int
}

func (c *checker) expect(what string, got error, want zx.Status) {
	g := statusText(got)
	w := statusText(want.Err())
	if g == w {
		fmt.Printf("%s: %s: %s (as expected)\n", c.who, what, g)
		return
	}
	c.failed++
	fmt.Printf("%s: FAIL: %s: %s, want %s\n", c.who, what, g, w)
}

func (c *checker) failf(format string, args ...any) {
	c.failed++
	fmt.Printf("%s: FAIL: %s\n", c.who, fmt.Sprintf(format, args...))
}
