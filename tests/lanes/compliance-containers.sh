#!/usr/bin/env bash
# Compliance on systemd containers of Debian 12 and 13 (no kernel audit there): Docker engine and
# images are started and built if needed (both cached).
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/../../scripts/env.sh"
[ "$(id -u)" -eq 0 ] || die "the compliance-containers lane needs root (Docker engine, image builds)"
"$REPO_ROOT/scripts/ensure-docker.sh"
"$REPO_ROOT/scripts/build-image.sh" debian12 debian13 >/dev/null
cd "$COLLECTIONS_DIR"
python -m pytest -q -p no:cacheprovider "$REPO_ROOT/tests/integration/containers"
