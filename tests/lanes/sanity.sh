#!/usr/bin/env bash
# ansible-test sanity on the installed ansible-core, against a copy of the tree laid out as
# ansible_collections/fleetaudit/auditd (ansible-test needs that path) outside this git checkout
# (inside it, ansible-test would list the copy through git, find it ignored, and test nothing).
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/../../scripts/env.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/fleetaudit-sanity.XXXXXX")
trap 'rm -rf "$work"' EXIT
dest="$work/ansible_collections/fleetaudit/auditd"
mkdir -p "$dest"
(cd "$REPO_ROOT" && git ls-files -co --exclude-standard -z | rsync -a --from0 --files-from=- ./ "$dest/")
# ansible-test's sanity venvs need its pip bootstrap script, which it downloads from a host out of
# reach here: give it ours (tests/sanity/get_pip_shim.py) under the name it looks for.
pip_version=$(python -c 'import re, ansible_test._internal.python_requirements as r, inspect; print(re.search(r"pip=.([0-9.]+).", inspect.getsource(r.get_venv_packages)).group(1))')
mkdir -p "$HOME/.ansible/test/cache"
cp "$REPO_ROOT/tests/sanity/get_pip_shim.py" "$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
cd "$dest"
ansible-test sanity --local --python "$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')" --color no
