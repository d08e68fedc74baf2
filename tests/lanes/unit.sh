#!/usr/bin/env bash
# Pure-logic unit tests (parsers, canonical form, compile order, validation, event parsing).
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/../../scripts/env.sh"
cd "$COLLECTIONS_DIR"
python -m pytest -q -p no:cacheprovider "$REPO_ROOT/tests/unit"
