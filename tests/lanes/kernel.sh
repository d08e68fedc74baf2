#!/usr/bin/env bash
# Kernel lane: Molecule scenario molecule/kernel on two qemu VMs (Debian 12 and 13) booting their
# own kernels under TCG: rules loaded into a real kernel, drift, rollback, immutable mode across a
# reboot, the auditd restart and real events. A VM that fails to boot fails the lane.
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/../../scripts/env.sh"
[ "$(id -u)" -eq 0 ] || die "the kernel lane needs root (debootstrap, qemu)"
"$REPO_ROOT/scripts/bootstrap.sh" qemu
cd "$REPO_ROOT"
start=$(date +%s)
molecule test --scenario-name kernel
printf 'kernel lane: both VMs built, booted, tested and destroyed in %ss\n' "$(( $(date +%s) - start ))"
