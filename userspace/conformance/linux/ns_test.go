package linux

import (
	"strings"
	"testing"

	"beryl/userspace/zx"
)

func nsBind(proc zx.Handle, options uint32, path string, dir zx.Handle) zx.Status {
	if path == "" {
		return zx.Sys_beryl_ns_bind(proc, options, nil, 0, dir)
	}
	b := []byte(path)
	return zx.Sys_beryl_ns_bind(proc, options, &b[0], uint(len(b)), dir)
}

// TestNsBind checks beryl_ns_bind's errors in their order and its success
// on an unstarted process (end to end, init binds every conformance
// family's namespace with it: the file cases use that).
func TestNsBind(t *testing.T) {
	proc, vmar, err := zx.NewProcess(zx.JobDefault(), "nsbind", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer proc.Close()
	defer vmar.Close()
	c1, c2, err := zx.NewChannel(0)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	defer c2.Close()
	ev, err := zx.NewEvent(0)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	p := proc.Handle
	noManage, _ := p.Duplicate(zx.RightRead | zx.RightWrite)
	defer noManage.Close()
	c3, c4, err := zx.NewChannel(0)
	if err != nil {
		t.Fatal(err)
	}
	defer c4.Close()
	readOnly, err := c3.Handle.Replace(zx.RightRead | zx.RightTransfer) // channels have no DUPLICATE
	if err != nil {
		t.Fatal(err)
	}
	defer readOnly.Close()
	cases := []struct {
		name    string
		proc    zx.Handle
		options uint32
		path    string
		dir     zx.Handle
		want    zx.Status
	}{
		{"bad process handle", zx.HandleInvalid, 0, "/x", c1.Handle, zx.ErrBadHandle},
		{"process is a channel", c2.Handle, 0, "/x", c1.Handle, zx.ErrWrongType},
		{"no MANAGE_PROCESS", noManage, 0, "/x", c1.Handle, zx.ErrAccessDenied},
		{"no dir without CWD", p, 0, "/x", zx.HandleInvalid, zx.ErrBadHandle},
		{"dir is an event", p, 0, "/x", ev.Handle, zx.ErrWrongType},
		{"dir without WRITE", p, 0, "/x", readOnly, zx.ErrAccessDenied},
		{"unknown option", p, 2, "/x", c1.Handle, zx.ErrInvalidArgs},
		{"empty path", p, 0, "", c1.Handle, zx.ErrInvalidArgs},
		{"relative path", p, 0, "x/y", c1.Handle, zx.ErrInvalidArgs},
		{"path too long", p, 0, "/" + strings.Repeat("a", 4096), c1.Handle, zx.ErrInvalidArgs},
		{"bind", p, 0, "/x", c1.Handle, zx.OK},
		{"bind again", p, 0, "/x", c1.Handle, zx.OK},
		{"cwd only", p, 1, "/x/y", zx.HandleInvalid, zx.OK},
		{"started process", zx.ProcessSelf().Handle, 0, "/x", c1.Handle, zx.ErrBadState},
	}
	for _, c := range cases {
		if st := nsBind(c.proc, c.options, c.path, c.dir); st != c.want {
			t.Errorf("%s: %v, want %v", c.name, st, c.want)
		}
	}
	if st := zx.Sys_beryl_ns_bind(p, 0, (*uint8)(nil), 3, c1.Handle); st != zx.ErrInvalidArgs {
		t.Errorf("NULL path: %v, want ZX_ERR_INVALID_ARGS", st)
	}
}
