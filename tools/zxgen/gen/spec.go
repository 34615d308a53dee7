// Package gen parses syscall/spec.txt and generates the kernel dispatch
// table, the user stubs, the user constants and the reference docs from it.
// The file format is documented at the top of syscall/spec.txt.
package gen

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Base is the number of the first zx syscall; Linux numbers stay below it.
const Base = 0x1000

// Spec is a parsed spec file.
type Spec struct {
	Syscalls []*Syscall
}

// Syscall is one system call.
type Syscall struct {
	Name     string
	Index    int
	Blocking bool
	NoReturn bool
	// Alloc: the call grows kernel memory on the caller's behalf and
	// fails with ZX_ERR_NO_MEMORY once the kernel is down to its reserve.
	Alloc bool
	Doc   string
	Args  []*Arg
	Ret   string // zx_status_t, zx_time_t, zx_ticks_t, uint32_t, uint64_t or void
	Line  int
}

// Num returns the syscall number.
func (s *Syscall) Num() int { return Base + s.Index }

// Arg is one argument.
type Arg struct {
	Name      string
	CType     string // e.g. "zx_handle_t", "const void*", "zx_handle_t*"
	Rights    []string
	RightsSet bool // rights= given (possibly "none")
	ObjType   string
	RightsDoc string
	Size      string
	Count     string
	Optional  bool
	Consumed  bool
}

// IsPointer reports whether the argument is a pointer.
func (a *Arg) IsPointer() bool { return strings.HasSuffix(a.CType, "*") }

// IsHandle reports whether the argument is a handle value.
func (a *Arg) IsHandle() bool { return a.CType == "zx_handle_t" }

// Elem returns the pointed-to type without const, or "" for scalars.
func (a *Arg) Elem() string {
	if !a.IsPointer() {
		return ""
	}
	t := strings.TrimSuffix(a.CType, "*")
	return strings.TrimPrefix(t, "const ")
}

// IsConst reports whether the pointer is const (input only).
func (a *Arg) IsConst() bool { return strings.HasPrefix(a.CType, "const ") }

var scalarTypes = map[string]bool{
	"zx_handle_t": true, "zx_rights_t": true, "zx_signals_t": true, "zx_time_t": true,
	"zx_duration_t": true, "zx_koid_t": true, "zx_vaddr_t": true, "zx_vm_option_t": true,
	"zx_clock_t": true, "zx_futex_t": true, "uint32_t": true, "uint64_t": true,
	"int64_t": true, "size_t": true, "uintptr_t": true,
}

var structTypes = map[string]bool{
	"zx_wait_item_t": true, "zx_port_packet_t": true, "zx_handle_info_t": true,
	"zx_handle_disposition_t": true, "zx_channel_call_args_t": true, "zx_channel_call_etc_args_t": true,
	"kos_call_args_t": true, "kos_msg_buf_t": true, "kos_sizes_t": true,
	"kos_recv_info_t": true, "zx_system_powerctl_arg_t": true,
}

// ValidRights are the right names the spec may use.
var ValidRights = map[string]bool{
	"DUPLICATE": true, "TRANSFER": true, "READ": true, "WRITE": true, "EXECUTE": true,
	"MAP": true, "GET_PROPERTY": true, "SET_PROPERTY": true, "ENUMERATE": true,
	"DESTROY": true, "SET_POLICY": true, "GET_POLICY": true, "SIGNAL": true,
	"SIGNAL_PEER": true, "WAIT": true, "INSPECT": true, "MANAGE_JOB": true,
	"MANAGE_PROCESS": true, "MANAGE_THREAD": true, "APPLY_PROFILE": true,
	"MANAGE_SOCKET": true, "OP_CHILDREN": true, "RESIZE": true, "ATTACH_VMO": true,
	"MANAGE_VMO": true,
}

// ObjTypes maps spec object type names to kernel/object constant names.
var ObjTypes = map[string]string{
	"PROCESS": "ObjTypeProcess", "THREAD": "ObjTypeThread", "VMO": "ObjTypeVMO",
	"CHANNEL": "ObjTypeChannel", "EVENT": "ObjTypeEvent", "PORT": "ObjTypePort",
	"LOG": "ObjTypeDebugLog", "SOCKET": "ObjTypeSocket", "RESOURCE": "ObjTypeResource",
	"EVENTPAIR": "ObjTypeEventPair", "JOB": "ObjTypeJob", "VMAR": "ObjTypeVMAR",
	"FIFO": "ObjTypeFIFO", "TIMER": "ObjTypeTimer", "CLOCK": "ObjTypeClock", "INTERRUPT": "ObjTypeInterrupt",
	"IOMMU": "ObjTypeIOMMU", "BTI": "ObjTypeBTI", "PMT": "ObjTypePMT", "MSI": "ObjTypeMSI",
	"PROFILE": "ObjTypeProfile", "PAGER": "ObjTypePager", "STREAM": "ObjTypeStream",
	"KOS_SERVER": "ObjTypeKosServer", "KOS_CLIENT": "ObjTypeKosClient",
}

// kernelObjTypes names the kernel's constants of the types that are not
// in kernel/object (the kos objects, package kernel/object/kos).
var kernelObjTypes = map[string]string{
	"KOS_SERVER": "kos.ObjTypeServer", "KOS_CLIENT": "kos.ObjTypeClient",
}

// KernelObjType is the kernel's constant for spec type t.
func KernelObjType(t string) string {
	if k := kernelObjTypes[t]; k != "" {
		return k
	}
	return "object." + ObjTypes[t]
}

func validType(t string) bool {
	if scalarTypes[t] {
		return true
	}
	if !strings.HasSuffix(t, "*") {
		return false
	}
	e := strings.TrimPrefix(strings.TrimSuffix(t, "*"), "const ")
	switch e {
	case "void":
		return true
	case "char":
		return strings.HasPrefix(t, "const ")
	}
	return scalarTypes[e] || structTypes[e]
}

// Parse reads a spec file and checks it.
func Parse(r io.Reader) (*Spec, error) {
	sp := &Spec{}
	var cur *Syscall
	sc := bufio.NewScanner(r)
	ln := 0
	errf := func(format string, args ...any) error {
		return fmt.Errorf("spec.txt:%d: %s", ln, fmt.Sprintf(format, args...))
	}
	for sc.Scan() {
		ln++
		raw := sc.Text()
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		indented := raw[0] == ' ' || raw[0] == '\t'
		f, err := fields(line)
		if err != nil {
			return nil, errf("%v", err)
		}
		if !indented {
			if f[0] != "syscall" || len(f) < 3 {
				return nil, errf("want `syscall <name> <index> [blocking] [noreturn] [alloc]`")
			}
			idx, err := strconv.Atoi(f[2])
			if err != nil {
				return nil, errf("bad index %q", f[2])
			}
			cur = &Syscall{Name: f[1], Index: idx, Line: ln}
			for _, fl := range f[3:] {
				switch fl {
				case "blocking":
					cur.Blocking = true
				case "noreturn":
					cur.NoReturn = true
				case "alloc":
					cur.Alloc = true
				default:
					return nil, errf("unknown flag %q", fl)
				}
			}
			sp.Syscalls = append(sp.Syscalls, cur)
			continue
		}
		if cur == nil {
			return nil, errf("indented line outside a syscall")
		}
		switch f[0] {
		case "doc":
			cur.Doc = strings.TrimSpace(strings.TrimPrefix(line, "doc"))
		case "ret":
			if len(f) != 2 {
				return nil, errf("want `ret <type>`")
			}
			cur.Ret = f[1]
		case "arg":
			a, err := parseArg(f[1:])
			if err != nil {
				return nil, errf("%v", err)
			}
			cur.Args = append(cur.Args, a)
		default:
			return nil, errf("unknown keyword %q", f[0])
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return sp, sp.check()
}

// fields splits a line on blanks, keeping "quoted strings" (in attribute
// values) together.
func fields(line string) ([]string, error) {
	var out []string
	var b strings.Builder
	inq := false
	for _, r := range line {
		switch {
		case r == '"':
			inq = !inq
		case (r == ' ' || r == '\t') && !inq:
			if b.Len() > 0 {
				out = append(out, b.String())
				b.Reset()
			}
		default:
			b.WriteRune(r)
		}
	}
	if inq {
		return nil, fmt.Errorf("unterminated quote")
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out, nil
}

// parseArg parses `name ctype [attr...]`; a pointer type is written with
// its star attached ("zx_handle_t*") and may start with "const".
func parseArg(f []string) (*Arg, error) {
	if len(f) < 2 {
		return nil, fmt.Errorf("want `arg <name> <type> [attr...]`")
	}
	a := &Arg{Name: f[0]}
	rest := f[1:]
	if rest[0] == "const" {
		if len(rest) < 2 {
			return nil, fmt.Errorf("dangling const")
		}
		a.CType = "const " + rest[1]
		rest = rest[2:]
	} else {
		a.CType = rest[0]
		rest = rest[1:]
	}
	if !validType(a.CType) {
		return nil, fmt.Errorf("arg %s: unknown type %q", a.Name, a.CType)
	}
	for _, at := range rest {
		k, v, _ := strings.Cut(at, "=")
		switch k {
		case "rights":
			a.RightsSet = true
			if v != "none" {
				for _, r := range strings.Split(v, "|") {
					if !ValidRights[r] {
						return nil, fmt.Errorf("arg %s: unknown right %q", a.Name, r)
					}
					a.Rights = append(a.Rights, r)
				}
			}
		case "type":
			if ObjTypes[v] == "" {
				return nil, fmt.Errorf("arg %s: unknown object type %q", a.Name, v)
			}
			a.ObjType = v
		case "rightsdoc":
			a.RightsDoc = v
		case "size":
			a.Size = v
		case "count":
			a.Count = v
		case "optional":
			a.Optional = true
		case "consumed":
			a.Consumed = true
		default:
			return nil, fmt.Errorf("arg %s: unknown attribute %q", a.Name, at)
		}
	}
	if (a.RightsSet || a.ObjType != "") && !a.IsHandle() {
		return nil, fmt.Errorf("arg %s: rights/type on a non-handle", a.Name)
	}
	if (a.Size != "" || a.Count != "" || a.Optional) && !a.IsPointer() {
		return nil, fmt.Errorf("arg %s: size/count/optional on a non-pointer", a.Name)
	}
	return a, nil
}

func (sp *Spec) check() error {
	seen := map[string]bool{}
	for i, s := range sp.Syscalls {
		where := fmt.Sprintf("spec.txt:%d: %s", s.Line, s.Name)
		if s.Index != i {
			return fmt.Errorf("%s: index %d, want %d (indices are dense and ordered)", where, s.Index, i)
		}
		if seen[s.Name] {
			return fmt.Errorf("%s: duplicate name", where)
		}
		seen[s.Name] = true
		if s.Doc == "" {
			return fmt.Errorf("%s: missing doc", where)
		}
		switch s.Ret {
		case "zx_status_t", "zx_time_t", "zx_ticks_t", "uint32_t", "uint64_t":
		case "void":
			if !s.NoReturn {
				return fmt.Errorf("%s: void return needs noreturn", where)
			}
		default:
			return fmt.Errorf("%s: bad return type %q", where, s.Ret)
		}
		if len(s.Args) > 8 {
			return fmt.Errorf("%s: more than 8 arguments", where)
		}
		names := map[string]bool{}
		for _, a := range s.Args {
			if names[a.Name] {
				return fmt.Errorf("%s: duplicate argument %s", where, a.Name)
			}
			names[a.Name] = true
		}
		for _, a := range s.Args {
			for _, ref := range []string{a.Size, a.Count} {
				if ref != "" && !names[ref] {
					return fmt.Errorf("%s: %s refers to unknown argument %q", where, a.Name, ref)
				}
			}
			if a.IsHandle() && !a.RightsSet && a.RightsDoc == "" && a.ObjType == "" {
				return fmt.Errorf("%s: handle %s needs rights=, type= or rightsdoc=", where, a.Name)
			}
		}
	}
	return nil
}
