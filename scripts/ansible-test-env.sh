# shellcheck shell=bash
# Sourced by the lanes that run ansible-test (sanity, compat), after scripts/env.sh.

# Copies the checkout's files (tracked and untracked, not ignored) to DIR/ansible_collections/
# fleetaudit/auditd and prints that path: ansible-test needs the collection at such a path, and
# outside this git checkout (inside it, ansible-test would list the copy through git, find it
# ignored, and test nothing).
collection_copy() {
  local dest="$1/ansible_collections/fleetaudit/auditd"
  mkdir -p "$dest"
  (cd "$REPO_ROOT" && git ls-files -co --exclude-standard -z | rsync -a --from0 --files-from=- ./ "$dest/")
  printf '%s\n' "$dest"
}

# ansible-test's sanity venvs need its pip bootstrap script, which it downloads from a host out of
# reach here: gives the ansible-test that PYTHON runs ours (tests/sanity/get_pip_shim.py) under
# the name it looks for, in the cache under HOME (default: this user's).
provide_get_pip() {
  local python="$1" home="${2:-$HOME}" pip_version
  pip_version=$("$python" -c 'import re, ansible_test._internal.python_requirements as r, inspect; print(re.search(r"pip=.([0-9.]+).", inspect.getsource(r.get_venv_packages)).group(1))') \
    || die "cannot find the pip version that $python's ansible-test bootstraps"
  local cache="$home/.ansible/test/cache"
  mkdir -p "$cache"
  # Replaced in one step: another ansible-test may be reading it.
  cp "$REPO_ROOT/tests/sanity/get_pip_shim.py" "$cache/.get_pip.$$"
  mv -f "$cache/.get_pip.$$" "$cache/get_pip_${pip_version//./_}.py"
}
