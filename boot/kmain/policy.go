package kmain

import (
	"beryl/kernel/bootfs"
	"beryl/kernel/klog"
	"beryl/kernel/object/kos"
)

// policyPath is the kos IPC policy in the boot filesystem (format:
// kernel/object/kos/STATUS.md, "Policy").
const policyPath = "etc/policy"

// loadPolicy reports every kos policy denial to the kernel log and
// installs the policy from fs's etc/policy, if there is one. Without it no
// policy is installed and every IPC message is allowed. A policy that does
// not parse fails closed: the error is logged with its line and a policy
// denying every IPC message is installed (tools/mkbootfs rejects such a
// file when the bootfs is built).
func loadPolicy(fs *bootfs.FS) {
	kos.SetDenialHook(func(d kos.Denial) {
		klog.Warnf("policy", "denied %v", d)
	})
	if fs == nil {
		return
	}
	f, ok := fs.Open(policyPath)
	if !ok {
		klog.Infof("policy", "no %s: every IPC message is allowed", policyPath)
		return
	}
	pol, err := kos.ParsePolicy(f.Data)
	if err != nil {
		klog.Errorf("policy", "%s: %v; denying every IPC message", policyPath, err)
		pol, _ = kos.ParsePolicy([]byte("default deny"))
		kos.SetPolicy(pol)
		return
	}
	kos.SetPolicy(pol)
	klog.Infof("policy", "%s: %d rules installed", policyPath, pol.Rules())
}
