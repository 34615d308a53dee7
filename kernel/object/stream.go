package object

// The ABI of streams (zircon/types.h, zircon/syscalls/object.h). The
// stream object itself works on a VMO and lives with it in mm/vm.

// stream_create options.
const (
	StreamModeRead  uint32 = 1 << 0
	StreamModeWrite uint32 = 1 << 1
)

// StreamAppend is the stream_writev option that writes at the end of the
// content.
const StreamAppend uint32 = 1 << 0

// stream_seek origins.
const (
	StreamSeekOriginStart   uint32 = 0
	StreamSeekOriginCurrent uint32 = 1
	StreamSeekOriginEnd     uint32 = 2
)

// ZX_INFO_STREAM: zx_info_stream_t { uint32 options; uint32 reserved;
// uint64 seek; uint64 content_size }.
const (
	InfoStream     uint32 = 26
	InfoStreamSize        = 24
)

// DefaultStreamRights are a stream's rights before its mode adds READ and
// WRITE (Zircon's ZX_DEFAULT_STREAM_RIGHTS).
const DefaultStreamRights = RightsBasic | RightGetProperty | RightSetProperty | RightSignal
