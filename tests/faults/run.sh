#!/usr/bin/env bash
# Fault trials of the augenrules module on this machine's kernel (root; never immutable; the
# kernel's rules are put back). Holds the host lane's machine lock: the trials share the kernel.
# Arguments go to augenrules_faults.py (--races N, --kills N, --disk LEVELS).
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/../../scripts/env.sh"
[ "$(id -u)" -eq 0 ] || die "the fault trials need root"
"$REPO_ROOT/scripts/ensure-auditd.sh"
mkdir -p /run/lock/fleetaudit
cd "$COLLECTIONS_DIR"
exec flock /run/lock/fleetaudit/lane-host.lock python "$REPO_ROOT/tests/faults/augenrules_faults.py" "$@"
