package zx

// ChannelCallEtcArgs is zx_channel_call_etc_args_t.
type ChannelCallEtcArgs struct {
	WriteBytes      *byte
	WriteHandles    *HandleDisposition
	ReadBytes       *byte
	ReadHandles     *HandleInfo
	WriteNumBytes   uint32
	WriteNumHandles uint32
	ReadNumBytes    uint32
	ReadNumHandles  uint32
}
