#!/usr/bin/env bash
# ansible-test sanity on the installed ansible-core, against a copy of the tree laid out as
# ansible_collections/fleetaudit/auditd (ansible-test needs that path).
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/../../scripts/env.sh"
dest="$CACHE_DIR/ansible-test/ansible_collections/fleetaudit/auditd"
rm -rf "$dest" && mkdir -p "$dest"
(cd "$REPO_ROOT" && git ls-files -co --exclude-standard -z | rsync -a --from0 --files-from=- ./ "$dest/")
cd "$dest"
ansible-test sanity --local --python "$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')" --color no
