#!/usr/bin/env bash
# yamllint, then ansible-lint with the production profile.
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/../../scripts/env.sh"
cd "$REPO_ROOT"
yamllint --strict .
ansible-lint --profile production --offline
