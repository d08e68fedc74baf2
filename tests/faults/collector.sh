#!/usr/bin/env bash
# Fault trials of central collection (root): a qemu VM client and a collector container of their
# own (names and ports apart from the collect lane's), the collector's log on a small tmpfs this
# script mounts. Arguments go to collector_faults.py (--outage S, --hold S, --image, --trials).
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/../../scripts/env.sh"
[ "$(id -u)" -eq 0 ] || die "the fault trials need root"
"$REPO_ROOT/scripts/ensure-docker.sh"
ensure_packages socat
mkdir -p /run/lock/fleetaudit
cd "$COLLECTIONS_DIR"
exec flock /run/lock/fleetaudit/collect-faults.lock python "$REPO_ROOT/tests/faults/collector_faults.py" "$@"
