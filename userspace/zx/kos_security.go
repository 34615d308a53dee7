package zx

import (
	"encoding/binary"
	"errors"
	"os"
	"strconv"
	"strings"
)

// The security interface (kos_security_connect): a process asks the
// security module whether an action of its own naming is allowed; the
// policy's security rules decide on the process's class, the interface,
// the method and up to KosSecurityMaxArgs typed arguments.

// KosSecurityMaxArgs is the most arguments a security query carries.
const KosSecurityMaxArgs = 4

// SecArg is one typed argument of a security query: a number or a string
// (at most 255 bytes).
type SecArg struct {
	isString bool
	u        uint64
	s        string
}

// SecUint is a number argument (policy pattern u:N).
func SecUint(v uint64) SecArg { return SecArg{u: v} }

// SecString is a string argument (policy patterns s:TEXT, s:PREFIX*).
func SecString(s string) SecArg { return SecArg{isString: true, s: s} }

// EncodeSecurityQuery encodes a query in the kos_security_query wire
// format (syscall/spec.txt): interface and method are 1..64 bytes of
// [A-Za-z0-9_.:/-].
func EncodeSecurityQuery(iface, method string, args ...SecArg) ([]byte, error) {
	if len(args) > KosSecurityMaxArgs {
		return nil, errors.New("security query: more than 4 arguments")
	}
	for _, n := range []string{iface, method} {
		if len(n) == 0 || len(n) > MaxClassLen || strings.IndexFunc(n, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.:/-", r))
		}) >= 0 {
			return nil, errors.New("security query: bad name " + strconv.Quote(n))
		}
	}
	b := append([]byte{byte(len(args)), byte(len(iface)), byte(len(method)), 0}, iface...)
	b = append(b, method...)
	for _, a := range args {
		if !a.isString {
			b = binary.LittleEndian.AppendUint64(append(b, 1, 8), a.u)
			continue
		}
		if len(a.s) > 255 {
			return nil, errors.New("security query: string argument longer than 255 bytes")
		}
		b = append(append(b, 2, byte(len(a.s))), a.s...)
	}
	return b, nil
}

// Security is a client handle to the security module.
type Security struct{ Client }

// SecurityConnect returns a client handle to the security module
// (KnHandleSecurityConnect).
func SecurityConnect() (Security, error) {
	var h Handle
	err := errOf(Sys_kos_security_connect(0, &h))
	return Security{Client{h}}, err
}

// Allowed asks the security module whether the policy allows the query
// for this process: true (ZX_OK), false (ErrPolicyDenied; the kernel logs
// the denial) or an error (a malformed query, a bad handle).
func (s Security) Allowed(iface, method string, args ...SecArg) (bool, error) {
	q, err := EncodeSecurityQuery(iface, method, args...)
	if err != nil {
		return false, err
	}
	_, err = s.Call(TimeInfinite, &KosMsg{Fixed: q}, nil)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrPolicyDenied):
		return false, nil
	}
	return false, err
}

// KosEnv is the environment variable in which init passes a program of
// the system description its kos connection handles: space-separated
// "client:ENDPOINT=VALUE", "server:ENDPOINT=VALUE" and "listener=VALUE"
// entries (values in hex, 0x-prefixed).
const KosEnv = "BERYL_KOS"

// KosEnvEntry is one handle of KosEnv: Role is "client", "server" or
// "listener" (Endpoint empty).
type KosEnvEntry struct {
	Role, Endpoint string
	Handle         Handle
}

// FormatKosEnv formats entries as KosEnv's value.
func FormatKosEnv(entries []KosEnvEntry) string {
	f := make([]string, 0, len(entries))
	for _, e := range entries {
		name := e.Role
		if e.Endpoint != "" {
			name += ":" + e.Endpoint
		}
		f = append(f, name+"=0x"+strconv.FormatUint(uint64(e.Handle), 16))
	}
	return strings.Join(f, " ")
}

// ParseKosEnv parses KosEnv's value; malformed entries are skipped.
func ParseKosEnv(v string) []KosEnvEntry {
	var out []KosEnvEntry
	for _, f := range strings.Fields(v) {
		name, val, ok := strings.Cut(f, "=")
		h, err := strconv.ParseUint(strings.TrimPrefix(val, "0x"), 16, 32)
		if !ok || err != nil {
			continue
		}
		role, ep, _ := strings.Cut(name, ":")
		out = append(out, KosEnvEntry{Role: role, Endpoint: ep, Handle: Handle(h)})
	}
	return out
}

// KosConnection returns the handle init installed for this program's
// connection endpoint in role ("client" or "server"), from KosEnv.
func KosConnection(role, endpoint string) (Handle, bool) {
	for _, e := range ParseKosEnv(os.Getenv(KosEnv)) {
		if e.Role == role && e.Endpoint == endpoint {
			return e.Handle, true
		}
	}
	return HandleInvalid, false
}

// KosListener returns the listener init installed for this program (a
// server of the system description), from KosEnv.
func KosListener() (Listener, bool) {
	for _, e := range ParseKosEnv(os.Getenv(KosEnv)) {
		if e.Role == "listener" {
			return Listener{Server{e.Handle}}, true
		}
	}
	return Listener{}, false
}
