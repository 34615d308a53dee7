package object_info

import (
	"testing"

	"beryl/userspace/zx"
)

// A thread is related to its process (ZX_INFO_HANDLE_BASIC related_koid).
func TestThreadRelatedKoid(t *testing.T) {
	th, p := basic(t, zx.ThreadSelf().Handle), basic(t, zx.ProcessSelf().Handle)
	if th.Type != zx.ObjTypeThread || th.RelatedKoid != p.Koid {
		t.Errorf("thread %+v, process koid %d", th, p.Koid)
	}
	n, err := zx.NewThread(zx.ProcessSelf(), "related", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if b := basic(t, n.Handle); b.RelatedKoid != p.Koid {
		t.Errorf("new thread related koid %d, want %d", b.RelatedKoid, p.Koid)
	}
}
