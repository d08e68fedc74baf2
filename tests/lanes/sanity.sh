#!/usr/bin/env bash
# ansible-test sanity on the installed ansible-core, against a copy of the tree laid out as
# ansible_collections/fleetaudit/auditd outside this git checkout (scripts/ansible-test-env.sh).
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/../../scripts/env.sh"
# shellcheck source=scripts/ansible-test-env.sh
. "$REPO_ROOT/scripts/ansible-test-env.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/fleetaudit-sanity.XXXXXX")
trap 'rm -rf "$work"' EXIT
dest=$(collection_copy "$work")
provide_get_pip python
cd "$dest"
ansible-test sanity --local --python "$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')" --color no
