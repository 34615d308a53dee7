package zx

import "encoding/binary"

// VmoInfo is ZX_INFO_VMO (zx_info_vmo_t, 184 bytes: the layout with the
// private and scaled attribution fields).
type VmoInfo struct {
	Koid, ParentKoid        uint64
	SizeBytes               uint64
	NumChildren             uint64
	NumMappings, ShareCount uint64
	Flags                   uint32
	CommittedBytes          uint64
	HandleRights            Rights
	ContentSize             uint64
	PopulatedBytes          uint64
	CommittedPrivateBytes   uint64
	PopulatedPrivateBytes   uint64
	CommittedScaledBytes    uint64
	PopulatedScaledBytes    uint64
}

// VmoInfoSize is the size of zx_info_vmo_t.
const VmoInfoSize = 184

// Info returns ZX_INFO_VMO.
func (v Vmo) Info() (VmoInfo, error) {
	var b [VmoInfoSize]byte
	if _, _, err := v.GetInfo(ObjectInfoVMO, b[:]); err != nil {
		return VmoInfo{}, err
	}
	return ParseVmoInfo(b[:]), nil
}

// ParseVmoInfo decodes one zx_info_vmo_t record (ZX_INFO_VMO, and each
// record of ZX_INFO_PROCESS_VMOS).
func ParseVmoInfo(b []byte) VmoInfo {
	le := binary.LittleEndian
	return VmoInfo{
		Koid: le.Uint64(b[0:]), SizeBytes: le.Uint64(b[40:]), ParentKoid: le.Uint64(b[48:]),
		NumChildren: le.Uint64(b[56:]), NumMappings: le.Uint64(b[64:]), ShareCount: le.Uint64(b[72:]),
		Flags: le.Uint32(b[80:]), CommittedBytes: le.Uint64(b[88:]), HandleRights: Rights(le.Uint32(b[96:])),
		ContentSize: le.Uint64(b[120:]), PopulatedBytes: le.Uint64(b[128:]),
		CommittedPrivateBytes: le.Uint64(b[136:]), PopulatedPrivateBytes: le.Uint64(b[144:]),
		CommittedScaledBytes: le.Uint64(b[152:]), PopulatedScaledBytes: le.Uint64(b[160:]),
	}
}
