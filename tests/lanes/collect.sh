#!/usr/bin/env bash
# Collect lane: this machine's auditd ships events to a collector container reached only through
# 127.0.0.1 (scripts/collector.sh); node search, gather from the collector and the delivery probe
# of the compliance role. Real auditd, Docker and audisp-remote; never immutable mode.
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/../../scripts/env.sh"
[ "$(id -u)" -eq 0 ] || die "the collect lane needs root"
"$REPO_ROOT/scripts/ensure-auditd.sh"
"$REPO_ROOT/scripts/ensure-docker.sh"
ensure_packages audispd-plugins socat
cd "$COLLECTIONS_DIR"
# It restarts this machine's auditd and changes /etc/audit: never while the host lane runs.
flock /run/lock/fleetaudit/lane-host.lock python -m pytest -q -p no:cacheprovider "$REPO_ROOT/tests/integration/collect"
