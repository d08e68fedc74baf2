#!/usr/bin/env bash
# Fleet report in a real browser: Debian's chromium (headless) renders fleet.html.
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/../../scripts/env.sh"
ensure_packages chromium
cd "$COLLECTIONS_DIR"
python -m pytest -q -p no:cacheprovider "$REPO_ROOT/tests/integration/report"
