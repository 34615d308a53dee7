package object

// Rights is zx_rights_t: what a handle allows its holder to do.
type Rights uint32

// Rights values, as in zircon/rights.h.
const (
	RightNone          Rights = 0
	RightDuplicate     Rights = 1 << 0
	RightTransfer      Rights = 1 << 1
	RightRead          Rights = 1 << 2
	RightWrite         Rights = 1 << 3
	RightExecute       Rights = 1 << 4
	RightMap           Rights = 1 << 5
	RightGetProperty   Rights = 1 << 6
	RightSetProperty   Rights = 1 << 7
	RightEnumerate     Rights = 1 << 8
	RightDestroy       Rights = 1 << 9
	RightSetPolicy     Rights = 1 << 10
	RightGetPolicy     Rights = 1 << 11
	RightSignal        Rights = 1 << 12
	RightSignalPeer    Rights = 1 << 13
	RightWait          Rights = 1 << 14
	RightInspect       Rights = 1 << 15
	RightManageJob     Rights = 1 << 16
	RightManageProcess Rights = 1 << 17
	RightManageThread  Rights = 1 << 18
	RightApplyProfile  Rights = 1 << 19
	RightManageSocket  Rights = 1 << 20
	RightOpChildren    Rights = 1 << 22
	RightResize        Rights = 1 << 23
	RightAttachVMO     Rights = 1 << 24
	RightManageVMO     Rights = 1 << 25
	RightSameRights    Rights = 1 << 31
)

// Commonly grouped rights (ZX_RIGHTS_*).
const (
	RightsBasic    = RightTransfer | RightDuplicate | RightWait | RightInspect
	RightsIO       = RightRead | RightWrite
	RightsProperty = RightGetProperty | RightSetProperty
	RightsPolicy   = RightGetPolicy | RightSetPolicy
)

// Default rights of a newly created object's handles (ZX_DEFAULT_*_RIGHTS).
const (
	DefaultChannelRights   = (RightsBasic &^ RightDuplicate) | RightsIO | RightSignal | RightSignalPeer
	DefaultEventRights     = RightsBasic | RightSignal
	DefaultEventPairRights = RightsBasic | RightSignal | RightSignalPeer
	DefaultFIFORights      = RightsBasic | RightsIO | RightSignal | RightSignalPeer
	DefaultJobRights       = RightsBasic | RightsIO | RightsProperty | RightsPolicy | RightEnumerate |
		RightDestroy | RightSignal | RightManageJob | RightManageProcess | RightManageThread
	DefaultPortRights    = (RightsBasic &^ RightWait) | RightsIO
	DefaultProcessRights = RightsBasic | RightsIO | RightsProperty | RightEnumerate | RightDestroy |
		RightSignal | RightManageProcess | RightManageThread
	DefaultSocketRights = RightsBasic | RightsIO | RightGetProperty | RightSetProperty |
		RightSignal | RightSignalPeer | RightManageSocket
	DefaultThreadRights = RightsBasic | RightsIO | RightsProperty | RightDestroy | RightSignal |
		RightManageThread
	DefaultTimerRights = RightsBasic | RightWrite | RightSignal
	DefaultClockRights = RightsBasic | RightsIO
	DefaultVMARRights  = RightsBasic &^ RightWait
	DefaultVMORights   = RightsBasic | RightsIO | RightsProperty | RightMap | RightSignal
)

// Has reports whether r includes every right in want.
func (r Rights) Has(want Rights) bool { return r&want == want }

// narrowRights is the one place where a handle's rights are reduced: it
// returns the rights a derived handle gets when requested is asked of a
// handle holding have. RightSameRights keeps have; anything else must be a
// subset of have, or the result is ZX_ERR_INVALID_ARGS.
func narrowRights(have, requested Rights) (Rights, Status) {
	if requested == RightSameRights {
		return have, OK
	}
	if have&requested != requested {
		return 0, ErrInvalidArgs
	}
	return requested, OK
}
