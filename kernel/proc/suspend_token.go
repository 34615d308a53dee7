package proc

import (
	"sync"

	"beryl/kernel/object"
)

// DefaultSuspendTokenRights is ZX_DEFAULT_SUSPEND_TOKEN_RIGHTS.
const DefaultSuspendTokenRights = object.RightTransfer | object.RightInspect

// SuspendToken is the object task_suspend returns
// (ZX_OBJ_TYPE_SUSPEND_TOKEN): while a handle to it lives, its thread or
// process stays suspended; closing the last one resumes it, as Zircon's
// SuspendTokenDispatcher::on_zero_handles.
type SuspendToken struct {
	object.Base
	once   sync.Once
	resume func()
}

func newSuspendToken(resume func()) *SuspendToken {
	s := &SuspendToken{resume: resume}
	s.Base.Init(s, object.ObjTypeSuspendToken, nil, false, 0)
	return s
}

// OnZeroHandles resumes the task (once).
func (s *SuspendToken) OnZeroHandles() []*object.HandleEntry {
	s.once.Do(s.resume)
	return nil
}

// OnDestroy resumes the task if no handle ever held the token (a failed
// install).
func (s *SuspendToken) OnDestroy() { s.once.Do(s.resume) }
