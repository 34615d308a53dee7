// Package system is the conformance family for zx_system_powerctl, run
// inside Beryl. Only its error paths run here (a successful call reboots
// or powers off the machine): qemu/power_test.go covers those through the
// init shell.
package system

import (
	"testing"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/launch/relaunch"
	"beryl/userspace/zx"
)

var want = ctest.Want

func root(t *testing.T) zx.Handle {
	t.Helper()
	if relaunch.RootResource == zx.HandleInvalid {
		t.Fatal("no root resource (PA_RESOURCE): init passes it to the programs it runs")
	}
	return relaunch.RootResource
}

// TestPowerctlResource: the resource is checked before the command, in
// Zircon's order: BAD_HANDLE (invalid or unknown value), WRONG_TYPE. (A
// resource other than the root one would be ACCESS_DENIED; none exists
// until the driver resources arrive.)
func TestPowerctlResource(t *testing.T) {
	want(t, "powerctl(invalid handle)", zx.Sys_system_powerctl(zx.HandleInvalid, zx.SystemPowerctlReboot, nil), zx.ErrBadHandle)
	want(t, "powerctl(unknown handle)", zx.Sys_system_powerctl(zx.Handle(0x7ffffff3), zx.SystemPowerctlShutdown, nil), zx.ErrBadHandle)
	var ev zx.Handle
	ctest.Must(t, "event_create", zx.Sys_event_create(0, &ev))
	defer zx.Sys_handle_close(ev)
	want(t, "powerctl(event)", zx.Sys_system_powerctl(ev, zx.SystemPowerctlReboot, nil), zx.ErrWrongType)
	// The resource check comes before the command check.
	want(t, "powerctl(event, bad cmd)", zx.Sys_system_powerctl(ev, 1000, nil), zx.ErrWrongType)
}

// TestPowerctlCommands: unknown commands are INVALID_ARGS; the CPU and
// power-limit commands are NOT_SUPPORTED; acknowledging a reboot the
// kernel never asked for is BAD_STATE; an S-state transition needs a
// readable argument and supports only S5.
func TestPowerctlCommands(t *testing.T) {
	r := root(t)
	for _, cmd := range []uint32{0, 10, 1000, 0xffffffff} {
		want(t, "powerctl(unknown cmd)", zx.Sys_system_powerctl(r, cmd, nil), zx.ErrInvalidArgs)
	}
	for _, cmd := range []uint32{zx.SystemPowerctlEnableAllCPUs, zx.SystemPowerctlDisableAllCPUsButPrimary, zx.SystemPowerctlX86SetPkgPL1} {
		want(t, "powerctl(cpu/power-limit cmd)", zx.Sys_system_powerctl(r, cmd, nil), zx.ErrNotSupported)
	}
	want(t, "powerctl(ACK_KERNEL_INITIATED_REBOOT)", zx.Sys_system_powerctl(r, zx.SystemPowerctlAckKernelInitiatedReboot, nil), zx.ErrBadState)
	want(t, "powerctl(S state, NULL arg)", zx.Sys_system_powerctl(r, zx.SystemPowerctlACPITransitionSState, nil), zx.ErrInvalidArgs)
	bad := (*zx.SystemPowerctlArg)(ctest.Ptr(0x1000))
	want(t, "powerctl(S state, unmapped arg)", zx.Sys_system_powerctl(r, zx.SystemPowerctlACPITransitionSState, bad), zx.ErrInvalidArgs)
	for _, s := range []uint8{0, 1, 3, 4, 6} {
		arg := zx.SystemPowerctlArg{TargetSState: s}
		want(t, "powerctl(S state != 5)", zx.Sys_system_powerctl(r, zx.SystemPowerctlACPITransitionSState, &arg), zx.ErrNotSupported)
	}
}

// TestMain takes the root resource init passes on.
func TestMain(m *testing.M) {
	relaunch.Main(m, "BERYL_SYSTEM_WORKER", func(string) int { return 2 })
}
