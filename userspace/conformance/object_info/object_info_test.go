// Package object_info is the conformance family for object_get_info:
// ZX_INFO_HANDLE_VALID, ZX_INFO_HANDLE_BASIC (koids, related koids,
// rights, props), ZX_INFO_HANDLE_COUNT, ZX_INFO_PROCESS_HANDLE_STATS,
// ZX_INFO_PROCESS, ZX_INFO_JOB, ZX_INFO_JOB_CHILDREN/PROCESSES, buffer
// sizing (actual/avail) and bad pointers, run inside Beryl (go test -exec
// bin/zxrun).
package object_info

import (
	"encoding/binary"
	"testing"
	"unsafe"

	"beryl/userspace/zx"
)

func getInfo(h zx.Handle, topic uint32, buf []byte) (actual, avail uint, st zx.Status) {
	actual, avail = 0xdead, 0xdead
	st = zx.Sys_object_get_info(h, topic, unsafe.Pointer(unsafe.SliceData(buf)), uint(len(buf)), &actual, &avail)
	return
}

func koids(b []byte, n uint) []zx.Koid {
	out := make([]zx.Koid, n)
	for i := range out {
		out[i] = zx.Koid(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return out
}

func contains(ks []zx.Koid, k zx.Koid) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

func TestHandleValid(t *testing.T) {
	t.Run("valid", func(t *testing.T) {
		want(t, "HANDLE_VALID", zx.Sys_object_get_info(newEvent(t), zx.ObjectInfoHandleValid, nil, 0, nil, nil), zx.OK)
	})
	t.Run("no-rights-needed", func(t *testing.T) {
		h := reduced(t, newEvent(t), zx.RightNone)
		want(t, "HANDLE_VALID", zx.Sys_object_get_info(h, zx.ObjectInfoHandleValid, nil, 0, nil, nil), zx.OK)
	})
	t.Run("closed", func(t *testing.T) {
		var h zx.Handle
		must(t, "event_create", zx.Sys_event_create(0, &h))
		must(t, "close", zx.Sys_handle_close(h))
		want(t, "HANDLE_VALID", zx.Sys_object_get_info(h, zx.ObjectInfoHandleValid, nil, 0, nil, nil), zx.ErrBadHandle)
	})
	t.Run("invalid", func(t *testing.T) {
		want(t, "HANDLE_VALID", zx.Sys_object_get_info(zx.HandleInvalid, zx.ObjectInfoHandleValid, nil, 0, nil, nil), zx.ErrBadHandle)
	})
	t.Run("made-up", func(t *testing.T) {
		want(t, "HANDLE_VALID", zx.Sys_object_get_info(0x7fff_fff3, zx.ObjectInfoHandleValid, nil, 0, nil, nil), zx.ErrBadHandle)
	})
}

func TestHandleBasic(t *testing.T) {
	t.Run("event", func(t *testing.T) {
		b := basic(t, newEvent(t))
		if b.Koid < zx.KoidFirst || b.Type != zx.ObjTypeEvent || b.Rights != zx.DefaultEventRights || b.RelatedKoid != 0 || b.Props != zx.ObjPropWaitable {
			t.Errorf("event basic %+v", b)
		}
	})
	t.Run("duplicate-same-koid-fewer-rights", func(t *testing.T) {
		ev := newEvent(t)
		d := reduced(t, ev, zx.RightWait|zx.RightInspect)
		a, b := basic(t, ev), basic(t, d)
		if a.Koid != b.Koid || b.Rights != zx.RightWait|zx.RightInspect {
			t.Errorf("original %+v duplicate %+v", a, b)
		}
	})
	t.Run("distinct-koids", func(t *testing.T) {
		if basic(t, newEvent(t)).Koid == basic(t, newEvent(t)).Koid {
			t.Error("two events share a koid")
		}
	})
	t.Run("eventpair-related", func(t *testing.T) {
		var a, b zx.Handle
		must(t, "eventpair_create", zx.Sys_eventpair_create(0, &a, &b))
		defer zx.Sys_handle_close(a)
		defer zx.Sys_handle_close(b)
		ia, ib := basic(t, a), basic(t, b)
		if ia.RelatedKoid != ib.Koid || ib.RelatedKoid != ia.Koid || ia.Type != zx.ObjTypeEventPair {
			t.Errorf("eventpair %+v %+v", ia, ib)
		}
	})
	t.Run("channel-related", func(t *testing.T) {
		var a, b zx.Handle
		must(t, "channel_create", zx.Sys_channel_create(0, &a, &b))
		defer zx.Sys_handle_close(a)
		defer zx.Sys_handle_close(b)
		ia, ib := basic(t, a), basic(t, b)
		if ia.RelatedKoid != ib.Koid || ib.RelatedKoid != ia.Koid || ia.Rights != zx.DefaultChannelRights {
			t.Errorf("channel %+v %+v", ia, ib)
		}
	})
	t.Run("process-related-is-job", func(t *testing.T) {
		p, j := basic(t, zx.ProcessSelf().Handle), basic(t, zx.JobDefault().Handle)
		if p.Type != zx.ObjTypeProcess || p.RelatedKoid != j.Koid {
			t.Errorf("process %+v, job koid %d", p, j.Koid)
		}
	})
	t.Run("thread-type", func(t *testing.T) {
		// Its related koid (the process) is a known failure, see
		// known_failures_test.go.txt.
		if th := basic(t, zx.ThreadSelf().Handle); th.Type != zx.ObjTypeThread || th.Rights != zx.DefaultThreadRights {
			t.Errorf("thread %+v", th)
		}
	})
	t.Run("vmar-not-waitable", func(t *testing.T) {
		if b := basic(t, zx.VmarRootSelf().Handle); b.Type != zx.ObjTypeVMAR || b.Props != zx.ObjPropNone {
			t.Errorf("root VMAR %+v", b)
		}
	})
	t.Run("no-rights-needed", func(t *testing.T) {
		h := reduced(t, newEvent(t), zx.RightNone)
		if b := basic(t, h); b.Rights != zx.RightNone || b.Type != zx.ObjTypeEvent {
			t.Errorf("basic %+v", b)
		}
	})
	t.Run("actual-avail", func(t *testing.T) {
		buf := make([]byte, 32)
		actual, avail, st := getInfo(newEvent(t), zx.ObjectInfoHandleBasic, buf)
		if st != zx.OK || actual != 1 || avail != 1 {
			t.Errorf("= %v actual %d avail %d, want ZX_OK 1 1", st, actual, avail)
		}
	})
	t.Run("buffer-too-small", func(t *testing.T) {
		buf := make([]byte, 31)
		for i := range buf {
			buf[i] = 0xaa
		}
		actual, avail, st := getInfo(newEvent(t), zx.ObjectInfoHandleBasic, buf)
		if st != zx.ErrBufferTooSmall || actual != 0 || avail != 1 {
			t.Errorf("= %v actual %d avail %d, want BUFFER_TOO_SMALL 0 1", st, actual, avail)
		}
		if buf[0] != 0xaa || buf[30] != 0xaa {
			t.Error("short buffer written")
		}
	})
	t.Run("null-buffer", func(t *testing.T) {
		actual, avail, st := getInfo(newEvent(t), zx.ObjectInfoHandleBasic, nil)
		if st != zx.ErrBufferTooSmall || actual != 0 || avail != 1 {
			t.Errorf("= %v actual %d avail %d", st, actual, avail)
		}
	})
	t.Run("bad-handle", func(t *testing.T) {
		var b zx.InfoHandleBasic
		want(t, "HANDLE_BASIC", zx.Sys_object_get_info(0x7fff_fff3, zx.ObjectInfoHandleBasic, unsafe.Pointer(&b), 32, nil, nil), zx.ErrBadHandle)
	})
	t.Run("bad-buffer", func(t *testing.T) {
		ev := newEvent(t)
		for _, b := range badAddrs(t, 32, true) {
			if b.Name == "null" {
				continue // NULL with size 32: see below
			}
			want(t, "HANDLE_BASIC(buffer="+b.Name+")", zx.Sys_object_get_info(ev, zx.ObjectInfoHandleBasic, ptr(b.Addr), 32, nil, nil), zx.ErrInvalidArgs)
		}
		want(t, "HANDLE_BASIC(buffer=NULL, size=32)", zx.Sys_object_get_info(ev, zx.ObjectInfoHandleBasic, nil, 32, nil, nil), zx.ErrInvalidArgs)
	})
	t.Run("bad-actual-avail", func(t *testing.T) {
		ev := newEvent(t)
		var info zx.InfoHandleBasic
		var n uint
		for _, b := range badAddrs(t, 8, true) {
			if b.Name == "null" {
				continue // optional
			}
			want(t, "actual="+b.Name, zx.Sys_object_get_info(ev, zx.ObjectInfoHandleBasic, unsafe.Pointer(&info), 32, (*uint)(ptr(b.Addr)), &n), zx.ErrInvalidArgs)
			want(t, "avail="+b.Name, zx.Sys_object_get_info(ev, zx.ObjectInfoHandleBasic, unsafe.Pointer(&info), 32, &n, (*uint)(ptr(b.Addr))), zx.ErrInvalidArgs)
		}
	})
}

func TestHandleCount(t *testing.T) {
	count := func(t *testing.T, h zx.Handle) uint32 {
		t.Helper()
		var c zx.InfoHandleCount
		must(t, "HANDLE_COUNT", zx.Sys_object_get_info(h, zx.ObjectInfoHandleCount, unsafe.Pointer(&c), 4, nil, nil))
		return c.HandleCount
	}
	t.Run("tracks-duplicates", func(t *testing.T) {
		ev := newEvent(t)
		if n := count(t, ev); n != 1 {
			t.Errorf("count %d, want 1", n)
		}
		var d zx.Handle
		must(t, "duplicate", zx.Sys_handle_duplicate(ev, zx.RightSameRights, &d))
		if n := count(t, ev); n != 2 {
			t.Errorf("count %d after duplicate, want 2", n)
		}
		must(t, "close", zx.Sys_handle_close(d))
		if n := count(t, ev); n != 1 {
			t.Errorf("count %d after close, want 1", n)
		}
	})
	t.Run("replace-keeps-count", func(t *testing.T) {
		ev := newEvent(t)
		var d, r zx.Handle
		must(t, "duplicate", zx.Sys_handle_duplicate(ev, zx.RightSameRights, &d))
		must(t, "replace", zx.Sys_handle_replace(d, zx.RightSameRights, &r))
		defer zx.Sys_handle_close(r)
		if n := count(t, ev); n != 2 {
			t.Errorf("count %d after replace, want 2", n)
		}
	})
	t.Run("needs-inspect", func(t *testing.T) {
		h := reduced(t, newEvent(t), zx.RightWait)
		var c zx.InfoHandleCount
		want(t, "HANDLE_COUNT", zx.Sys_object_get_info(h, zx.ObjectInfoHandleCount, unsafe.Pointer(&c), 4, nil, nil), zx.ErrAccessDenied)
	})
	t.Run("buffer-too-small", func(t *testing.T) {
		actual, avail, st := getInfo(newEvent(t), zx.ObjectInfoHandleCount, make([]byte, 3))
		if st != zx.ErrBufferTooSmall || actual != 0 || avail != 1 {
			t.Errorf("= %v actual %d avail %d", st, actual, avail)
		}
	})
}

func TestProcessHandleStats(t *testing.T) {
	stats := func(t *testing.T) zx.InfoProcessHandleStats {
		t.Helper()
		var s zx.InfoProcessHandleStats
		must(t, "PROCESS_HANDLE_STATS", zx.Sys_object_get_info(zx.ProcessSelf().Handle, zx.ObjectInfoProcessHandleStats, unsafe.Pointer(&s), uint(unsafe.Sizeof(s)), nil, nil))
		return s
	}
	t.Run("counts-by-type", func(t *testing.T) {
		before := stats(t)
		newEvent(t)
		newEvent(t)
		var a, b zx.Handle
		must(t, "channel_create", zx.Sys_channel_create(0, &a, &b))
		defer zx.Sys_handle_close(a)
		defer zx.Sys_handle_close(b)
		after := stats(t)
		if d := after.HandleCount[zx.ObjTypeEvent] - before.HandleCount[zx.ObjTypeEvent]; d != 2 {
			t.Errorf("events +%d, want +2", d)
		}
		if d := after.HandleCount[zx.ObjTypeChannel] - before.HandleCount[zx.ObjTypeChannel]; d != 2 {
			t.Errorf("channels +%d, want +2", d)
		}
		if after.HandleCount[zx.ObjTypeProcess] < 1 || after.HandleCount[zx.ObjTypeVMAR] < 1 {
			t.Error("own process and root VMAR handles not counted")
		}
	})
	t.Run("wrong-type", func(t *testing.T) {
		_, _, st := getInfo(newEvent(t), zx.ObjectInfoProcessHandleStats, make([]byte, 256))
		want(t, "PROCESS_HANDLE_STATS(event)", st, zx.ErrWrongType)
	})
	t.Run("needs-inspect", func(t *testing.T) {
		h := reduced(t, zx.ProcessSelf().Handle, zx.RightWait)
		_, _, st := getInfo(h, zx.ObjectInfoProcessHandleStats, make([]byte, 256))
		want(t, "PROCESS_HANDLE_STATS", st, zx.ErrAccessDenied)
	})
	t.Run("buffer-too-small", func(t *testing.T) {
		actual, avail, st := getInfo(zx.ProcessSelf().Handle, zx.ObjectInfoProcessHandleStats, make([]byte, 255))
		if st != zx.ErrBufferTooSmall || actual != 0 || avail != 1 {
			t.Errorf("= %v actual %d avail %d", st, actual, avail)
		}
	})
}

func TestTasks(t *testing.T) {
	job := zx.JobDefault().Handle
	t.Run("process-self", func(t *testing.T) {
		var pi zx.InfoProcess
		must(t, "PROCESS", zx.Sys_object_get_info(zx.ProcessSelf().Handle, zx.ObjectInfoProcess, unsafe.Pointer(&pi), uint(unsafe.Sizeof(pi)), nil, nil))
		if !pi.Started || pi.Exited || pi.ReturnCode != 0 {
			t.Errorf("self %+v", pi)
		}
	})
	t.Run("process-unstarted", func(t *testing.T) {
		p, v, err := zx.NewProcess(zx.JobDefault(), "unstarted", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		defer v.Close()
		var pi zx.InfoProcess
		must(t, "PROCESS", zx.Sys_object_get_info(p.Handle, zx.ObjectInfoProcess, unsafe.Pointer(&pi), uint(unsafe.Sizeof(pi)), nil, nil))
		if pi.Started || pi.Exited {
			t.Errorf("new process %+v", pi)
		}
		if b := basic(t, p.Handle); b.RelatedKoid != basic(t, job).Koid {
			t.Errorf("new process related koid %d, want its job", b.RelatedKoid)
		}
	})
	t.Run("process-killed", func(t *testing.T) {
		p, v, err := zx.NewProcess(zx.JobDefault(), "killed", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		defer v.Close()
		must(t, "kill", zx.Sys_task_kill(p.Handle))
		must(t, "wait terminated", zx.Sys_object_wait_one(p.Handle, zx.ProcessTerminated, zx.Now()+10_000_000_000, nil))
		var pi zx.InfoProcess
		must(t, "PROCESS", zx.Sys_object_get_info(p.Handle, zx.ObjectInfoProcess, unsafe.Pointer(&pi), uint(unsafe.Sizeof(pi)), nil, nil))
		if !pi.Exited || pi.ReturnCode != zx.TaskRetcodeSyscallKill {
			t.Errorf("killed process %+v, want exited with ZX_TASK_RETCODE_SYSCALL_KILL", pi)
		}
	})
	t.Run("process-wrong-type", func(t *testing.T) {
		_, _, st := getInfo(newEvent(t), zx.ObjectInfoProcess, make([]byte, 16))
		want(t, "PROCESS(event)", st, zx.ErrWrongType)
	})
	t.Run("job", func(t *testing.T) {
		var ji zx.InfoJob
		must(t, "JOB", zx.Sys_object_get_info(job, zx.ObjectInfoJob, unsafe.Pointer(&ji), uint(unsafe.Sizeof(ji)), nil, nil))
		if ji.Exited {
			t.Errorf("default job %+v", ji)
		}
	})
	t.Run("job-wrong-type", func(t *testing.T) {
		_, _, st := getInfo(zx.ProcessSelf().Handle, zx.ObjectInfoJob, make([]byte, 16))
		want(t, "JOB(process)", st, zx.ErrWrongType)
	})
	t.Run("job-children", func(t *testing.T) {
		c, err := zx.NewJob(zx.JobDefault(), 0)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ck := basic(t, c.Handle)
		if ck.RelatedKoid != basic(t, job).Koid {
			t.Errorf("child job related koid %d, want parent", ck.RelatedKoid)
		}
		buf := make([]byte, 8*64)
		actual, avail, st := getInfo(job, zx.ObjectInfoJobChildren, buf)
		must(t, "JOB_CHILDREN", st)
		if actual != avail || actual < 1 || !contains(koids(buf, actual), ck.Koid) {
			t.Errorf("actual %d avail %d koids %v, want to contain %d", actual, avail, koids(buf, actual), ck.Koid)
		}
	})
	t.Run("job-processes", func(t *testing.T) {
		p, v, err := zx.NewProcess(zx.JobDefault(), "listed", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		defer v.Close()
		buf := make([]byte, 8*64)
		actual, _, st := getInfo(job, zx.ObjectInfoJobProcesses, buf)
		must(t, "JOB_PROCESSES", st)
		ks := koids(buf, actual)
		if !contains(ks, basic(t, p.Handle).Koid) || !contains(ks, basic(t, zx.ProcessSelf().Handle).Koid) {
			t.Errorf("koids %v lack the new process or this one", ks)
		}
	})
	t.Run("list-partial-buffer", func(t *testing.T) {
		for i := 0; i < 2; i++ {
			c, err := zx.NewJob(zx.JobDefault(), 0)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
		}
		buf := make([]byte, 8)
		actual, avail, st := getInfo(job, zx.ObjectInfoJobChildren, buf)
		if st != zx.OK || actual != 1 || avail < 2 {
			t.Errorf("= %v actual %d avail %d, want ZX_OK 1 ≥2", st, actual, avail)
		}
		actual, avail, st = getInfo(job, zx.ObjectInfoJobChildren, nil)
		if st != zx.OK || actual != 0 || avail < 2 {
			t.Errorf("empty buffer: %v actual %d avail %d, want ZX_OK 0 ≥2", st, actual, avail)
		}
	})
	t.Run("job-children-needs-enumerate", func(t *testing.T) {
		h := reduced(t, job, zx.RightInspect)
		_, _, st := getInfo(h, zx.ObjectInfoJobChildren, make([]byte, 64))
		want(t, "JOB_CHILDREN", st, zx.ErrAccessDenied)
	})
	t.Run("job-children-wrong-type", func(t *testing.T) {
		_, _, st := getInfo(zx.ProcessSelf().Handle, zx.ObjectInfoJobChildren, make([]byte, 64))
		want(t, "JOB_CHILDREN(process)", st, zx.ErrWrongType)
	})
}

func TestTopics(t *testing.T) {
	for _, c := range []struct {
		name  string
		topic uint32
	}{{"none", zx.ObjectInfoNone}, {"unknown-1000", 1000}, {"unknown-max", ^uint32(0)}} {
		t.Run(c.name, func(t *testing.T) {
			_, _, st := getInfo(newEvent(t), c.topic, make([]byte, 64))
			want(t, "get_info", st, zx.ErrNotSupported)
		})
	}
}
