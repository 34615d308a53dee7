package shell

import (
	"testing"

	"beryl/userspace/zx"
)

// Rights print by name; on kos objects bits 16..30 are the provider's
// own rights and print as a number, not as Zircon's job/process rights.
func TestRightsString(t *testing.T) {
	for _, c := range []struct {
		r    zx.Rights
		typ  zx.ObjType
		want string
	}{
		{zx.RightDuplicate | zx.RightTransfer | zx.RightRead, zx.ObjTypeVMO, "dup,xfer,r"},
		{zx.RightManageJob | zx.RightInspect, zx.ObjTypeJob, "inspect,mjob"},
		{zx.RightTransfer | 0x30000, zx.ObjTypeKosUserObject, "xfer,0x30000"},
		{0, zx.ObjTypeEvent, "none"},
	} {
		if got := rightsString(c.r, c.typ); got != c.want {
			t.Errorf("rightsString(%#x, %d) = %q, want %q", c.r, c.typ, got, c.want)
		}
	}
	if typeName(zx.ObjTypeKosBadge) != "kos-badge" || typeName(63) != "type63" {
		t.Errorf("type names: %q %q", typeName(zx.ObjTypeKosBadge), typeName(63))
	}
	if size(5<<20) != "5120K" || size(12<<20) != "12M" || size(100) != "100B" {
		t.Errorf("sizes: %s %s %s", size(5<<20), size(12<<20), size(100))
	}
	if _, err := parseKoid([]string{"0x10"}); err != nil {
		t.Errorf("hex koid: %v", err)
	}
	if _, err := parseKoid([]string{"a", "b"}); err == nil {
		t.Errorf("two koids accepted")
	}
}
