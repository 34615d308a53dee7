package kos

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"beryl/kernel/object"
)

// Policy is the IPC security policy (the role of KasperskyOS's Security
// Module): every Call, Recv delivery and Reply is checked on the event
// kind, the subject and object process classes, the endpoint and the
// method, before the message is delivered. It is a small declarative text
// file in the bootfs, parsed at boot by ParsePolicy:
//
//	# comment (to the end of the line)
//	default allow|deny
//	allow|deny <event> <subject> <object> <endpoint> <method>
//	allow|deny security <subject> <interface> <method> [<arg>...]
//
// event is call, recv, reply, connect or * (any of them). For call the
// subject is the calling process and the object the process serving the
// server; for recv the subject is the receiving server process and the
// object the caller; for reply the subject is the replying server process
// and the object the caller; for connect (HandleConnectEx wiring a
// client to a server) the subject is the client process and the object
// the server process, and endpoint and method must be *. Classes are
// names of [A-Za-z0-9_.:/-] (at most 64 bytes: object.CheckClass) or *;
// endpoint and method are decimal uint32 or *.
//
// security rules answer security queries (SecurityCheck: a process asks
// the security module whether an action of its own naming is allowed):
// subject is the asking process's class or *, interface and method are
// names of the same characters as classes or *, and up to
// MaxSecurityArgs argument patterns constrain the query's first
// arguments in order: * (any), u:<decimal uint64> (that number),
// s:<text> (exactly that string) or s:<text>* (a string starting with
// text); text is any run of non-space characters but '#'. A query with
// fewer arguments than a rule has patterns does not match it.
//
// IPC rules and security rules are two lists, each tried in order: the
// first that matches decides; if none matches, the default does. Exactly
// one default line is required. At most MaxPolicyRules rules of both
// kinds together and MaxPolicyBytes bytes.
type Policy struct {
	def      bool
	rules    []rule
	secRules []secRule
	classes  map[string]uint32 // class name → id (≥ 1)
	names    []string          // id-1 → class name
	secIDs   map[string]uint32 // interface and method name → id (≥ 1)
	secNames []string          // id-1 → interface or method name
}

// Event kinds the policy distinguishes.
type Kind uint8

// Event kinds.
const (
	KindAny     Kind = 0
	KindCall    Kind = 1
	KindRecv    Kind = 2
	KindReply   Kind = 3
	KindConnect Kind = 4
	// KindSecurity is a security query's kind (security rules; never
	// matched by an IPC rule's *).
	KindSecurity Kind = 5
)

var kindNames = [...]string{"*", "call", "recv", "reply", "connect", "security"}

// String returns the policy-file name of k.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Limits of a policy file.
const (
	MaxPolicyRules = 4096
	MaxPolicyBytes = 1 << 20
)

// rule is one compiled allow/deny line. Zero subj/obj mean any class.
type rule struct {
	allow            bool
	kind             Kind
	subj, obj        uint32
	endpoint, method uint32
	anyEndpoint      bool
	anyMethod        bool
}

// unknownClass is the id of a class the policy never names: it matches
// only wildcards.
const unknownClass = ^uint32(0)

// ParseError is a policy syntax error, with its 1-based line.
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return "policy:" + strconv.Itoa(e.Line) + ": " + e.Msg }

// ParsePolicy parses a policy file.
func ParsePolicy(src []byte) (*Policy, error) {
	if len(src) > MaxPolicyBytes {
		return nil, &ParseError{Line: 0, Msg: "policy larger than " + strconv.Itoa(MaxPolicyBytes) + " bytes"}
	}
	pol := &Policy{classes: map[string]uint32{}, secIDs: map[string]uint32{}}
	haveDefault := false
	line := 0
	for rest := string(src); len(rest) > 0 || line == 0; {
		var text string
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			text, rest = rest[:i], rest[i+1:]
		} else {
			text, rest = rest, ""
		}
		line++
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		f := strings.Fields(text)
		if len(f) == 0 {
			continue
		}
		fail := func(msg string) (*Policy, error) { return nil, &ParseError{Line: line, Msg: msg} }
		switch f[0] {
		case "default":
			if len(f) != 2 {
				return fail("want \"default allow|deny\"")
			}
			if haveDefault {
				return fail("second default")
			}
			switch f[1] {
			case "allow":
				pol.def = true
			case "deny":
				pol.def = false
			default:
				return fail("default must be allow or deny, not " + strconv.Quote(f[1]))
			}
			haveDefault = true
		case "allow", "deny":
			if len(f) >= 2 && f[1] == "security" {
				if len(pol.rules)+len(pol.secRules) >= MaxPolicyRules {
					return fail("more than " + strconv.Itoa(MaxPolicyRules) + " rules")
				}
				r, msg := pol.parseSecRule(f)
				if msg != "" {
					return fail(msg)
				}
				pol.secRules = append(pol.secRules, r)
				continue
			}
			if len(f) != 6 {
				return fail("want \"" + f[0] + " <event> <subject> <object> <endpoint> <method>\", got " + strconv.Itoa(len(f)) + " fields")
			}
			if len(pol.rules)+len(pol.secRules) >= MaxPolicyRules {
				return fail("more than " + strconv.Itoa(MaxPolicyRules) + " rules")
			}
			r := rule{allow: f[0] == "allow"}
			k, ok := parseKind(f[1])
			if !ok || k == KindSecurity {
				return fail("unknown event " + strconv.Quote(f[1]) + " (want call, recv, reply, connect, security or *)")
			}
			if k == KindConnect && (f[4] != "*" || f[5] != "*") {
				return fail("connect rules take * for endpoint and method")
			}
			r.kind = k
			var msg string
			if r.subj, msg = pol.classID(f[2]); msg != "" {
				return fail("subject: " + msg)
			}
			if r.obj, msg = pol.classID(f[3]); msg != "" {
				return fail("object: " + msg)
			}
			if r.endpoint, r.anyEndpoint, msg = parseID(f[4]); msg != "" {
				return fail("endpoint: " + msg)
			}
			if r.method, r.anyMethod, msg = parseID(f[5]); msg != "" {
				return fail("method: " + msg)
			}
			pol.rules = append(pol.rules, r)
		default:
			return fail("unknown directive " + strconv.Quote(f[0]) + " (want default, allow or deny)")
		}
	}
	if !haveDefault {
		return nil, &ParseError{Line: line, Msg: "no default line (want \"default allow|deny\")"}
	}
	return pol, nil
}

func parseKind(s string) (Kind, bool) {
	for i, n := range kindNames {
		if s == n {
			return Kind(i), true
		}
	}
	return 0, false
}

// classID interns a class name (0 for *), or returns why it is not one.
func (pol *Policy) classID(s string) (uint32, string) {
	if s == "*" {
		return 0, ""
	}
	if msg := object.CheckClass(s); msg != "" {
		return 0, msg
	}
	if id, ok := pol.classes[s]; ok {
		return id, ""
	}
	pol.names = append(pol.names, s)
	id := uint32(len(pol.names))
	pol.classes[s] = id
	return id, ""
}

func parseID(s string) (uint32, bool, string) {
	if s == "*" {
		return 0, true, ""
	}
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil || s[0] == '+' {
		return 0, false, "want a decimal uint32 or *, got " + strconv.Quote(s)
	}
	return uint32(v), false, ""
}

// Allowed decides an IPC event. It allocates nothing: the classes are
// looked up in the policy's interned names and the rules scanned in order.
func (pol *Policy) Allowed(kind Kind, subject, object string, endpoint, method uint32) bool {
	subj, ok := pol.classes[subject]
	if !ok {
		subj = unknownClass
	}
	obj, ok := pol.classes[object]
	if !ok {
		obj = unknownClass
	}
	for i := range pol.rules {
		r := &pol.rules[i]
		if (r.kind == KindAny || r.kind == kind) &&
			(r.subj == 0 || r.subj == subj) &&
			(r.obj == 0 || r.obj == obj) &&
			(r.anyEndpoint || r.endpoint == endpoint) &&
			(r.anyMethod || r.method == method) {
			return r.allow
		}
	}
	return pol.def
}

// Rules returns the number of rules (IPC and security).
func (pol *Policy) Rules() int { return len(pol.rules) + len(pol.secRules) }

// String returns the policy in canonical form; ParsePolicy of it gives an
// equivalent policy.
func (pol *Policy) String() string {
	var b strings.Builder
	b.WriteString("default ")
	b.WriteString(verb(pol.def))
	b.WriteByte('\n')
	name := func(id uint32) string {
		if id == 0 {
			return "*"
		}
		return pol.names[id-1]
	}
	num := func(v uint32, any bool) string {
		if any {
			return "*"
		}
		return strconv.FormatUint(uint64(v), 10)
	}
	for _, r := range pol.rules {
		b.WriteString(verb(r.allow) + " " + r.kind.String() + " " + name(r.subj) + " " + name(r.obj) + " " +
			num(r.endpoint, r.anyEndpoint) + " " + num(r.method, r.anyMethod) + "\n")
	}
	for i := range pol.secRules {
		pol.writeSecRule(&b, &pol.secRules[i], name)
	}
	return b.String()
}

func verb(allow bool) string {
	if allow {
		return "allow"
	}
	return "deny"
}

// The policy in force; nil allows everything (no policy loaded).
var current atomic.Pointer[Policy]

// SetPolicy installs pol as the policy checked on every IPC message (nil:
// allow everything). The kernel calls it at boot with the bootfs policy.
func SetPolicy(pol *Policy) { current.Store(pol) }

// CurrentPolicy returns the policy in force, or nil.
func CurrentPolicy() *Policy { return current.Load() }

// Denial is one denied IPC event or security query, as logged. For a
// security query Object is the interface and Query the method and
// arguments as the policy file writes them.
type Denial struct {
	Kind             Kind
	Subject, Object  string
	Endpoint, Method uint32
	Query            string
}

// String describes d as the kernel log does: `call: subject "a" object
// "b" endpoint 1 method 2`, `connect: subject "a" object "b"` or
// `security: subject "a" interface "file" query read s:alice`.
func (d Denial) String() string {
	switch d.Kind {
	case KindSecurity:
		return "security: subject " + strconv.Quote(d.Subject) + " interface " + strconv.Quote(d.Object) + " query " + d.Query
	case KindConnect:
		return "connect: subject " + strconv.Quote(d.Subject) + " object " + strconv.Quote(d.Object)
	}
	return d.Kind.String() + ": subject " + strconv.Quote(d.Subject) + " object " + strconv.Quote(d.Object) +
		" endpoint " + strconv.FormatUint(uint64(d.Endpoint), 10) + " method " + strconv.FormatUint(uint64(d.Method), 10)
}

// denialLog keeps the last denials (a fixed ring: logging allocates
// nothing) and calls the kernel's hook.
var denialLog struct {
	mu    sync.Mutex
	ring  [64]Denial
	next  int
	total uint64
	hook  func(Denial)
}

// SetDenialHook sets the function every denial is reported to (the kernel
// log); it runs on the denied caller's goroutine with no lock held.
func SetDenialHook(f func(Denial)) {
	denialLog.mu.Lock()
	denialLog.hook = f
	denialLog.mu.Unlock()
}

// Denials returns the number of denials since boot and the most recent
// ones (oldest first, at most 64).
func Denials() (uint64, []Denial) {
	denialLog.mu.Lock()
	defer denialLog.mu.Unlock()
	n := denialLog.total
	k := len(denialLog.ring)
	if n < uint64(k) {
		k = int(n)
	}
	out := make([]Denial, 0, k)
	for i := 0; i < k; i++ {
		out = append(out, denialLog.ring[(denialLog.next-k+i+len(denialLog.ring))%len(denialLog.ring)])
	}
	return n, out
}

func logDenial(d Denial) {
	denialLog.mu.Lock()
	denialLog.ring[denialLog.next] = d
	denialLog.next = (denialLog.next + 1) % len(denialLog.ring)
	denialLog.total++
	hook := denialLog.hook
	denialLog.mu.Unlock()
	if hook != nil {
		hook(d)
	}
}

// checkPolicy checks an event against the policy in force and logs a
// denial.
func checkPolicy(kind Kind, subject, object string, endpoint, method uint32) bool {
	pol := current.Load()
	if pol == nil || pol.Allowed(kind, subject, object, endpoint, method) {
		return true
	}
	logDenial(Denial{Kind: kind, Subject: subject, Object: object, Endpoint: endpoint, Method: method})
	return false
}
