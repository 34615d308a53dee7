package kos

import (
	"encoding/binary"
	"strconv"
	"strings"

	"beryl/kernel/object"
)

// The security interface (KnHandleSecurityConnect): a process gets a
// client handle to the security module (SecurityConnect) and asks it,
// with Call, whether an action of its own naming is allowed — "may user
// alice read file /home/bob/x": interface "file", method "read", arguments
// s:alice and s:/home/bob/x. The policy's security rules decide (see
// Policy); a denial is logged like an IPC denial. The decision is made in
// the caller's Call, without a server, queue or reply message: Call
// returns OK (allowed) or ErrPolicyDenied.

// MaxSecurityArgs is the number of typed arguments a security query has at
// most (and a security rule constrains).
const MaxSecurityArgs = 4

// Types of security query arguments.
const (
	SecArgUint   uint8 = 1 // uint64, little endian, 8 bytes
	SecArgString uint8 = 2 // bytes, 0..255
)

// maxSecName bounds interface and method names (as classes).
const maxSecName = object.MaxClassLen

// SecurityQuery is a decoded security query; the names and string
// arguments are views into the request bytes (decoding allocates
// nothing).
//
// Wire format (the fixed part of the Call request, little endian):
//
//	u8 nargs (0..4), u8 interface_len (1..64), u8 method_len (1..64), u8 0
//	interface bytes, method bytes
//	nargs × { u8 type (1 uint, 2 string), u8 len (uint: 8; string:
//	0..255), len bytes }
//
// and nothing after the last argument.
type SecurityQuery struct {
	Interface, Method []byte
	NArgs             int
	Args              [MaxSecurityArgs]SecurityArg
}

// SecurityArg is one typed argument of a security query.
type SecurityArg struct {
	Type uint8
	U    uint64
	S    []byte
}

// DecodeSecurityQuery decodes b into q, reporting whether b is a
// well-formed query (names of class characters, known argument types,
// exact length).
func DecodeSecurityQuery(b []byte, q *SecurityQuery) bool {
	if len(b) < 4 || b[3] != 0 {
		return false
	}
	n, il, ml := int(b[0]), int(b[1]), int(b[2])
	if n > MaxSecurityArgs || il == 0 || ml == 0 || il > maxSecName || ml > maxSecName || len(b) < 4+il+ml {
		return false
	}
	q.Interface, q.Method = b[4:4+il], b[4+il:4+il+ml]
	if !secName(q.Interface) || !secName(q.Method) {
		return false
	}
	rest := b[4+il+ml:]
	q.NArgs = n
	for i := 0; i < n; i++ {
		if len(rest) < 2 {
			return false
		}
		t, l := rest[0], int(rest[1])
		rest = rest[2:]
		if len(rest) < l {
			return false
		}
		a := &q.Args[i]
		a.Type = t
		switch t {
		case SecArgUint:
			if l != 8 {
				return false
			}
			a.U, a.S = binary.LittleEndian.Uint64(rest), nil
		case SecArgString:
			a.U, a.S = 0, rest[:l]
		default:
			return false
		}
		rest = rest[l:]
	}
	return len(rest) == 0
}

// secName reports whether b is made of class characters.
func secName(b []byte) bool {
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '_' || c == '.' || c == ':' || c == '/' || c == '-') {
			return false
		}
	}
	return true
}

// argPat is one argument pattern of a security rule.
type argPat struct {
	kind uint8 // patAny, patUint, patString, patPrefix
	u    uint64
	s    string
}

const (
	patAny uint8 = iota
	patUint
	patString
	patPrefix
)

// secRule is one compiled security rule; zero ids mean any.
type secRule struct {
	allow         bool
	subj          uint32
	iface, method uint32
	nargs         int
	args          [MaxSecurityArgs]argPat
}

// parseSecRule compiles "allow|deny security subject interface method
// args...", or returns why it cannot.
func (pol *Policy) parseSecRule(f []string) (secRule, string) {
	if len(f) < 5 || len(f) > 5+MaxSecurityArgs {
		return secRule{}, "want \"" + f[0] + " security <subject> <interface> <method> [<arg>...]\" with at most " +
			strconv.Itoa(MaxSecurityArgs) + " args, got " + strconv.Itoa(len(f)) + " fields"
	}
	r := secRule{allow: f[0] == "allow"}
	var msg string
	if r.subj, msg = pol.classID(f[2]); msg != "" {
		return r, "subject: " + msg
	}
	if r.iface, msg = pol.secID(f[3]); msg != "" {
		return r, "interface: " + msg
	}
	if r.method, msg = pol.secID(f[4]); msg != "" {
		return r, "method: " + msg
	}
	for i, a := range f[5:] {
		p, msg := parseArgPat(a)
		if msg != "" {
			return r, "arg " + strconv.Itoa(i+1) + ": " + msg
		}
		r.args[i] = p
	}
	r.nargs = len(f) - 5
	return r, ""
}

// secID interns an interface or method name (0 for *).
func (pol *Policy) secID(s string) (uint32, string) {
	if s == "*" {
		return 0, ""
	}
	if msg := object.CheckClass(s); msg != "" {
		return 0, strings.Replace(msg, "class name", "name", 1)
	}
	if id, ok := pol.secIDs[s]; ok {
		return id, ""
	}
	pol.secNames = append(pol.secNames, s)
	id := uint32(len(pol.secNames))
	pol.secIDs[s] = id
	return id, ""
}

func parseArgPat(a string) (argPat, string) {
	switch {
	case a == "*":
		return argPat{}, ""
	case strings.HasPrefix(a, "u:"):
		v, err := strconv.ParseUint(a[2:], 10, 64)
		if err != nil || a[2] == '+' {
			return argPat{}, "want u:<decimal uint64>, got " + strconv.Quote(a)
		}
		return argPat{kind: patUint, u: v}, ""
	case strings.HasPrefix(a, "s:"):
		if t, ok := strings.CutSuffix(a[2:], "*"); ok {
			return argPat{kind: patPrefix, s: t}, ""
		}
		return argPat{kind: patString, s: a[2:]}, ""
	}
	return argPat{}, "want *, u:<number>, s:<text> or s:<prefix>*, got " + strconv.Quote(a)
}

func (p *argPat) String() string {
	switch p.kind {
	case patUint:
		return "u:" + strconv.FormatUint(p.u, 10)
	case patString:
		return "s:" + p.s
	case patPrefix:
		return "s:" + p.s + "*"
	}
	return "*"
}

func (p *argPat) matches(a *SecurityArg) bool {
	switch p.kind {
	case patUint:
		return a.Type == SecArgUint && a.U == p.u
	case patString:
		return a.Type == SecArgString && string(a.S) == p.s
	case patPrefix:
		return a.Type == SecArgString && len(a.S) >= len(p.s) && string(a.S[:len(p.s)]) == p.s
	}
	return true
}

func (pol *Policy) writeSecRule(b *strings.Builder, r *secRule, class func(uint32) string) {
	name := func(id uint32) string {
		if id == 0 {
			return "*"
		}
		return pol.secNames[id-1]
	}
	b.WriteString(verb(r.allow) + " security " + class(r.subj) + " " + name(r.iface) + " " + name(r.method))
	for i := 0; i < r.nargs; i++ {
		b.WriteString(" " + r.args[i].String())
	}
	b.WriteByte('\n')
}

// SecurityAllowed decides a security query of a process of class subject.
// It allocates nothing: names are looked up in the policy's interned
// names (a map lookup keyed by string(bytes) does not copy) and the
// security rules scanned in order; the default decides if none matches.
func (pol *Policy) SecurityAllowed(subject string, q *SecurityQuery) bool {
	subj, ok := pol.classes[subject]
	if !ok {
		subj = unknownClass
	}
	iface, ok := pol.secIDs[string(q.Interface)]
	if !ok {
		iface = unknownClass
	}
	method, ok := pol.secIDs[string(q.Method)]
	if !ok {
		method = unknownClass
	}
rules:
	for i := range pol.secRules {
		r := &pol.secRules[i]
		if (r.subj != 0 && r.subj != subj) || (r.iface != 0 && r.iface != iface) ||
			(r.method != 0 && r.method != method) || r.nargs > q.NArgs {
			continue
		}
		for j := 0; j < r.nargs; j++ {
			if !r.args[j].matches(&q.Args[j]) {
				continue rules
			}
		}
		return r.allow
	}
	return pol.def
}

// SecurityCheck decides a security query (the request bytes, wire format
// of SecurityQuery) of a process of class subject against the policy in
// force, and logs a denial. No policy allows everything. Errors:
// INVALID_ARGS (malformed query), ErrPolicyDenied. It allocates nothing
// unless it denies.
func SecurityCheck(subject string, query []byte) object.Status {
	var q SecurityQuery
	if !DecodeSecurityQuery(query, &q) {
		return object.ErrInvalidArgs
	}
	pol := current.Load()
	if pol == nil || pol.SecurityAllowed(subject, &q) {
		return object.OK
	}
	logDenial(Denial{Kind: KindSecurity, Subject: subject, Object: string(q.Interface), Query: q.String()})
	return ErrPolicyDenied
}

// String writes the method and arguments as a security rule would match
// them exactly (strings quoted when they hold spaces or '#').
func (q *SecurityQuery) String() string {
	var b strings.Builder
	b.Write(q.Method)
	for i := 0; i < q.NArgs; i++ {
		a := &q.Args[i]
		if a.Type == SecArgUint {
			b.WriteString(" u:" + strconv.FormatUint(a.U, 10))
			continue
		}
		s := string(a.S)
		if strings.ContainsAny(s, " \t\n#\"") || !strconv.CanBackquote(s) {
			s = strconv.Quote(s)
		}
		b.WriteString(" s:" + s)
	}
	return b.String()
}

// SecurityConnect returns a new client handle to the security module
// (KnHandleSecurityConnect): a Client (type 43, DefaultClientRights) with
// no server. Call through it (needs ZX_RIGHT_WRITE; endpoint and method
// are ignored) sends a security query in the fixed part and returns OK
// when the policy allows it, ErrPolicyDenied when it denies it (logged)
// and INVALID_ARGS for a malformed query or a request with an arena or
// handles; the reply is empty. The subject is the class of the calling
// process, whoever created the handle. options must be 0. Errors:
// INVALID_ARGS, NO_RESOURCES, BAD_STATE.
func SecurityConnect(p *object.Process, options uint32) (object.Handle, object.Status) {
	if options != 0 {
		return object.HandleInvalid, object.ErrInvalidArgs
	}
	c := &Client{}
	c.Base.Init(c, ObjTypeClient, nil, false, 0)
	return p.Install(c, DefaultClientRights)
}

// securityCall is Call through a security module client.
func securityCall(p *object.Process, args *CallArgs) (Sizes, object.Status) {
	if len(args.Arena) != 0 || len(args.Handles) != 0 {
		return Sizes{}, object.ErrInvalidArgs
	}
	return Sizes{}, SecurityCheck(p.Class(), args.Fixed)
}
