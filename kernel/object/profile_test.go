package object

import (
	"encoding/binary"
	"testing"
)

func profileInfo(flags uint32, prio int32, deadline [3]int64, mask uint64) []byte {
	b := make([]byte, ProfileInfoSize)
	le := binary.LittleEndian
	le.PutUint32(b[0:], flags)
	if flags&ProfileInfoFlagDeadline != 0 {
		for i, d := range deadline {
			le.PutUint64(b[8+8*i:], uint64(d))
		}
	} else {
		le.PutUint32(b[8:], uint32(prio))
	}
	le.PutUint64(b[32:], mask)
	return b
}

// TestParseProfileInfo: Zircon's validate_profile cases.
func TestParseProfileInfo(t *testing.T) {
	for _, c := range []struct {
		what string
		b    []byte
		want Status
	}{
		{"no flags", profileInfo(0, 0, [3]int64{}, 0), ErrInvalidArgs},
		{"lowest", profileInfo(ProfileInfoFlagPriority, PriorityLowest, [3]int64{}, 0), OK},
		{"highest", profileInfo(ProfileInfoFlagPriority, PriorityHighest, [3]int64{}, 0), OK},
		{"above highest", profileInfo(ProfileInfoFlagPriority, PriorityHighest+1, [3]int64{}, 0), ErrInvalidArgs},
		{"below lowest", profileInfo(ProfileInfoFlagPriority, PriorityLowest-1, [3]int64{}, 0), ErrInvalidArgs},
		{"priority and deadline", profileInfo(ProfileInfoFlagPriority|ProfileInfoFlagDeadline, 0, [3]int64{1, 2, 3}, 0), ErrInvalidArgs},
		{"deadline", profileInfo(ProfileInfoFlagDeadline, 0, [3]int64{1000, 2000, 3000}, 0), OK},
		{"deadline equal", profileInfo(ProfileInfoFlagDeadline, 0, [3]int64{1000, 1000, 1000}, 0), OK},
		{"zero capacity", profileInfo(ProfileInfoFlagDeadline, 0, [3]int64{0, 2000, 3000}, 0), ErrInvalidArgs},
		{"deadline below capacity", profileInfo(ProfileInfoFlagDeadline, 0, [3]int64{2000, 1000, 3000}, 0), ErrInvalidArgs},
		{"period below deadline", profileInfo(ProfileInfoFlagDeadline, 0, [3]int64{1000, 3000, 2000}, 0), ErrInvalidArgs},
		{"empty mask", profileInfo(ProfileInfoFlagCPUMask, 0, [3]int64{}, 0), OK},
		{"mask and priority", profileInfo(ProfileInfoFlagCPUMask|ProfileInfoFlagPriority, 3, [3]int64{}, 5), OK},
		{"unknown flag", profileInfo(1<<3, 0, [3]int64{}, 0), ErrInvalidArgs},
		{"short", make([]byte, 8), ErrInvalidArgs},
	} {
		sp, st := ParseProfileInfo(c.b)
		if st != c.want {
			t.Errorf("%s: %v, want %v", c.what, st, c.want)
		}
		if st == OK && c.what == "mask and priority" && (sp.Priority != 3 || sp.CPUMask != 5) {
			t.Errorf("%s: %+v", c.what, sp)
		}
	}
	p := NewProfile(SchedParams{Flags: ProfileInfoFlagPriority, Priority: 16})
	if p.Type() != ObjTypeProfile {
		t.Errorf("type %d", p.Type())
	}
	p.Release()
}
