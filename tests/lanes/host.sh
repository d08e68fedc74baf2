#!/usr/bin/env bash
# Host-kernel lane: real auditctl / augenrules / ausearch on this machine's kernel (root).
# Never immutable mode here; the tests restore the rules they found.
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/../../scripts/env.sh"
[ "$(id -u)" -eq 0 ] || die "the host-kernel lane needs root"
"$REPO_ROOT/scripts/ensure-auditd.sh"
# The docker bundle's test checks the watches on this machine's own docker.io.
"$REPO_ROOT/scripts/ensure-docker.sh"
cd "$COLLECTIONS_DIR"
python -m pytest -q -p no:cacheprovider "$REPO_ROOT/tests/integration/host"
