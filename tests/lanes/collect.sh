#!/usr/bin/env bash
# Collect lane: clients ship their events to a collector container reached only through 127.0.0.1
# (scripts/collector.sh): node search, gather from the collector, and the compliance role's delivery
# probe passing, then failing when the collector refuses the clients (tcp_client_ports), when they
# send to the wrong port, and once their plugin is disabled. Real auditd, audisp-remote, Docker and
# qemu; never immutable mode. The clients are two qemu VMs (Debian 12 and Debian 13, their own
# kernels, SSH on 127.0.0.1:2291 and 2292, the collector through a guestfwd);
# FLEETAUDIT_COLLECT_CLIENT=host uses this machine's own auditd instead (then it waits for the host
# lane's machine lock).
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/../../scripts/env.sh"
[ "$(id -u)" -eq 0 ] || die "the collect lane needs root"
"$REPO_ROOT/scripts/ensure-docker.sh"
ensure_packages socat
cd "$COLLECTIONS_DIR"
if [ "${FLEETAUDIT_COLLECT_CLIENT:-vm}" = host ]; then
  "$REPO_ROOT/scripts/ensure-auditd.sh"
  ensure_packages audispd-plugins
  # It restarts this machine's auditd and changes /etc/audit: never while the host lane runs.
  exec flock /run/lock/fleetaudit/lane-host.lock \
    python -m pytest -q -p no:cacheprovider "$REPO_ROOT/tests/integration/collect"
fi
python -m pytest -q -p no:cacheprovider "$REPO_ROOT/tests/integration/collect"
