#!/usr/bin/env bash
# Compat lane: the collection on every ansible-core minor and Python it claims (tests/compat/matrix).
# Per ansible-core minor, in a cached venv pinned by tests/compat/requirements-CORE.txt on its
# controller Python: the unit tests, ansible-test sanity, ansible-lint (production profile), and the
# augenrules and gather host tests with the matrix's host Python (host lane lock held).
# Per target Python of each minor: ansible-test's compile and import tests, and the module-side unit
# tests with that minor's ansible module_utils. Once: vermin over plugins/, the claims of
# meta/runtime.yml, the README and execution-environment.yml against the matrix, and
# `ansible-builder create`. Jobs run two at a time, the host tests beside them; a missing Python
# fails the lane.
#   tests/lanes/compat.sh                   the whole lane
#   tests/lanes/compat.sh job NAME [ARG...] one job (the lane runs them through xargs)
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/../../scripts/env.sh"
# shellcheck source=scripts/ansible-test-env.sh
. "$REPO_ROOT/scripts/ansible-test-env.sh"

COMPAT="$REPO_ROOT/tests/compat"
COMPAT_CACHE="$IMAGE_CACHE/compat"
PYENV_VERSIONS="${PYENV_ROOT:-$HOME/.pyenv}/versions"
HOST_LANE_LOCK=/run/lock/fleetaudit/lane-host.lock
# How long the host tests wait for other checkouts' host lanes before the lane fails.
HOST_LOCK_WAIT=${FLEETAUDIT_HOST_LOCK_WAIT:-2700}
HOST_TESTS=(test_augenrules.py test_gather_playbook.py)
# vermin, ansible-builder and the claims check (tests/compat/tools.txt) run on this Python.
TOOLS_PYTHON=3.11
PARALLEL_JOBS=2
# No tool venv, no pyenv shims: each job names the venv and interpreters it means.
SYSTEM_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

matrix_rows() { grep -Ev '^[[:space:]]*(#|$)' "$COMPAT/matrix"; }
cores() { matrix_rows | awk '{print $1}'; }
# core_field CORE N: column N of CORE's row (2 controller, 3 host).
core_field() { matrix_rows | awk -v core="$1" -v n="$2" '$1 == core {print $n}'; }
core_targets() { matrix_rows | awk -v core="$1" '$1 == core {for (i = 4; i <= NF; i++) print $i}'; }
matrix_pythons() { { matrix_rows | awk '{for (i = 2; i <= NF; i++) print $i}'; echo "$TOOLS_PYTHON"; } | sort -uV; }
target_pythons() { matrix_rows | awk '{for (i = 4; i <= NF; i++) print $i}' | sort -uV; }
controller_pythons() { matrix_rows | awk '{print $2}' | sort -uV; }

# The interpreter of Python X.Y: pyenv's newest X.Y.*, else /usr/bin/pythonX.Y.
python_path() {
  local version=$1 candidate
  for candidate in $(printf '%s\n' "$PYENV_VERSIONS/$version".*/bin/"python$version" | sort -rV) "/usr/bin/python$version"; do
    if [ -x "$candidate" ] && "$candidate" -c "import sys; sys.exit('%d.%d' % sys.version_info[:2] != '$version')" 2>/dev/null; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

# cached_venv NAME REQUIREMENTS X.Y: a venv of Python X.Y with REQUIREMENTS installed, built once
# under $COMPAT_CACHE/venvs and keyed by the hash of the requirements and the interpreter; prints
# its path. Building one removes the other venvs of that NAME (older pins).
cached_venv() {
  local name=$1 requirements=$2 version=$3 python key dir
  python=$(python_path "$version") || die "Python $version is missing"
  key=$({ cat "$requirements"; echo "$python"; "$python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-16)
  dir="$COMPAT_CACHE/venvs/$name-$key"
  mkdir -p "$COMPAT_CACHE/venvs"
  (
    flock 9
    if [ ! -f "$dir/.complete" ]; then
      log "building venv $name on $python from ${requirements#"$REPO_ROOT/"}"
      find "$COMPAT_CACHE/venvs" -mindepth 1 -maxdepth 1 -name "$name-*" ! -name "$name-$key*" -exec rm -rf {} +
      rm -rf "$dir"
      "$python" -m venv "$dir"
      "$dir/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements" >&2
      touch "$dir/.complete"
    fi
  ) 9>"$dir.lock"
  printf '%s\n' "$dir"
}

core_venv() { cached_venv "ansible-core-$1" "$COMPAT/requirements-$1.txt" "$(core_field "$1" 2)"; }
pytest_venv() { cached_venv "pytest-$1" "$COMPAT/pytest-$1.txt" "$1"; }
tools_venv() { cached_venv tools "$COMPAT/tools.txt" "$TOOLS_PYTHON"; }

# ansible-test keeps its sanity venvs under ~/.ansible/test: one home per minor keeps them cached
# and apart (two minors may pin the same requirements and would build the same venv at once).
core_home() { printf '%s\n' "$COMPAT_CACHE/home/ansible-core-$1"; }

# Runs ansible-test sanity of CORE's venv on a fresh copy of the collection, with ARGS; fails when
# ansible-test skips a test for want of an interpreter or a program (it would otherwise pass).
core_ansible_test_sanity() {
  local core=$1 venv home tree
  shift
  venv=$(core_venv "$core")
  home=$(core_home "$core")
  provide_get_pip "$venv/bin/python" "$home"
  tree=$(collection_copy "$(mktemp -d "$JOB_DIR/tree.XXXXXX")")
  (cd "$tree" && HOME="$home" PATH="$venv/bin:$PYTHON_BIN:$SYSTEM_PATH" \
    ansible-test sanity --local --color no "$@") | tee "$JOB_DIR/ansible-test.out"
  if grep -E 'Skipping sanity test .*(could not be found|missing virtual environment)|Required program .* not found' "$JOB_DIR/ansible-test.out"; then
    die "ansible-test skipped a test (above)"
  fi
}

job_venv() {
  case "$1" in
    tools) tools_venv ;;
    pytest-*) pytest_venv "${1#pytest-}" ;;
    *) core_venv "$1" ;;
  esac
}

# ansible-test sanity, every test, on the controller Python.
job_sanity() {
  core_ansible_test_sanity "$1" --python "$(core_field "$1" 2)"
}

# ansible-test's compile and import tests of the module-side code on target Python X.Y.
job_targets() {
  core_ansible_test_sanity "$1" --python "$2" --test compile --test import
}

# Without TARGET: every unit test on the controller Python. With TARGET (X.Y): the module-side
# ones (module_utils, modules) on that Python, with only this minor's `ansible` package importable,
# as AnsiballZ ships it to a host.
job_unit() {
  local core=$1 target=${2:-} venv pytest_env ansible_only
  venv=$(core_venv "$core")
  cd "$COLLECTIONS_DIR"
  if [ -z "$target" ]; then
    PATH="$venv/bin:$SYSTEM_PATH" "$venv/bin/python" -m pytest -q -p no:cacheprovider "$REPO_ROOT/tests/unit"
    return
  fi
  pytest_env=$(pytest_venv "$target")
  ansible_only="$JOB_DIR/ansible-only"
  mkdir -p "$ansible_only"
  ln -s "$("$venv/bin/python" -c 'import ansible, os; print(os.path.dirname(ansible.__file__))')" "$ansible_only/ansible"
  PYTHONPATH="$ansible_only" PYTHONDONTWRITEBYTECODE=1 "$pytest_env/bin/python" -m pytest -q -p no:cacheprovider \
    "$REPO_ROOT/tests/unit/plugins/module_utils" "$REPO_ROOT/tests/unit/plugins/modules"
}

job_lint() {
  local core=$1 venv tree
  venv=$(core_venv "$core")
  tree=$(collection_copy "$JOB_DIR")
  cd "$tree"
  HOME=$(core_home "$core") PATH="$venv/bin:$SYSTEM_PATH" ansible-lint --profile production --offline
}

# The host tests that need no VM, per minor (all of them, one after the other, the host lane lock
# held for each), with the matrix's host Python running the modules.
job_host() {
  local core failed=()
  [ "$(id -u)" -eq 0 ] || die "the host tests need root"
  for core in $(cores); do
    # A process of its own, whose errors stop it: the other minors still run.
    "$0" job-body host_tests "$core" || failed+=("$core")
  done
  [ ${#failed[@]} -eq 0 ] || die "host tests failed with ansible-core ${failed[*]}"
}

job_host_tests() {
  local core=$1 rc
  log "host tests: ansible-core $core, waiting for the host lane lock"
  flock -o -w "$HOST_LOCK_WAIT" -E 75 "$HOST_LANE_LOCK" "$0" job-body host_tests_locked "$core" \
    || { rc=$?; [ "$rc" -ne 75 ] || die "$HOST_LANE_LOCK still held after ${HOST_LOCK_WAIT}s (lslocks names the holder)"; exit "$rc"; }
}

# Under the host lane lock: other checkouts' host tests restart auditd too.
job_host_tests_locked() {
  local core=$1 venv host_python
  "$REPO_ROOT/scripts/ensure-auditd.sh" || die "scripts/ensure-auditd.sh failed (exit $?): auditd is not running"
  venv=$(core_venv "$core")
  host_python=$(python_path "$(core_field "$core" 3)")
  log "host tests: ansible-core $core, modules on $host_python"
  cd "$COLLECTIONS_DIR"
  PATH="$venv/bin:$SYSTEM_PATH" FLEETAUDIT_HOST_PYTHON="$host_python" \
    "$venv/bin/python" -m pytest -q -p no:cacheprovider "${HOST_TESTS[@]/#/$REPO_ROOT/tests/integration/host/}"
}

# No syntax or library call newer than the oldest Python each side runs on: module-side code on
# the oldest target Python of the matrix, controller-side code on the oldest controller Python.
job_vermin() {
  local tools oldest_target oldest_controller
  tools=$(tools_venv)
  oldest_target=$(target_pythons | head -n1)
  oldest_controller=$(controller_pythons | head -n1)
  cd "$REPO_ROOT"
  "$tools/bin/vermin" --no-tips --violations --eval-annotations -t="$oldest_target-" plugins/modules plugins/module_utils
  "$tools/bin/vermin" --no-tips --violations --eval-annotations -t="$oldest_controller-" plugins/action plugins/filter plugins/doc_fragments
}

# meta/runtime.yml, the README and execution-environment.yml say what the matrix proves.
job_claims() {
  "$(tools_venv)/bin/python" "$COMPAT/check_claims.py" "$REPO_ROOT"
}

# `ansible-builder create` makes a build context of execution-environment.yml and the collection
# tarball it copies in (building the image needs a base image: the user's choice).
job_builder() {
  local tools venv tree
  tools=$(tools_venv)
  venv=$(core_venv "$(cores | tail -n1)")
  tree=$(collection_copy "$JOB_DIR")
  cd "$tree"
  PATH="$venv/bin:$SYSTEM_PATH" ansible-galaxy collection build --force
  "$tools/bin/ansible-builder" create -f execution-environment.yml -c "$JOB_DIR/context" --output-filename Containerfile -v 3
  ls "$JOB_DIR"/context/_build/fleetaudit/fleetaudit-auditd-*.tar.gz
  grep -q 'ansible-galaxy collection install --offline' "$JOB_DIR/context/Containerfile" \
    || die "the build context's Containerfile does not install the collection"
}

# One job, its output in a log file and one status line on stdout (run by xargs from the lane).
run_job() {
  local name="$*" start=$SECONDS rc=0
  local log="$COMPAT_WORK/logs/${name// /-}.log"
  JOB_DIR=$(mktemp -d "$COMPAT_WORK/job.XXXXXX")
  export JOB_DIR
  "$0" job-body "$@" >"$log" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ]; then
    printf 'compat: ok      %-24s %5ds\n' "$name" $((SECONDS - start))
  else
    printf 'compat: FAILED  %-24s %5ds\n' "$name" $((SECONDS - start))
    printf '%s\n' "$log" >>"$COMPAT_WORK/failed"
  fi
  rm -rf "$JOB_DIR"
  # Not 255, which would stop xargs and the other jobs.
  [ "$rc" -eq 0 ]
}

# Runs the jobs given one a line, PARALLEL_JOBS at a time; fails if any failed.
run_jobs() {
  xargs -P "$PARALLEL_JOBS" -L 1 "$0" job
}

# The newest ansible-core minor on the package index (whatever Python it needs) has its row in the
# matrix: "2.17 or newer" stays proven when a new minor comes out.
job_newest() {
  local newest
  newest=$("$(tools_venv)/bin/python" -m pip index versions --ignore-requires-python --disable-pip-version-check ansible-core 2>/dev/null \
    | sed -n 's/^ansible-core (\([0-9]*\.[0-9]*\)\..*/\1/p')
  [ -n "$newest" ] || die "cannot read the newest ansible-core from the package index"
  cores | grep -qx "$newest" \
    || die "ansible-core $newest is out and tests/compat/matrix stops at $(cores | tail -n1): add its row and requirements-$newest.txt"
  log "newest ansible-core on the index: $newest (in the matrix)"
}

main() {
  local version missing=() python status=0 failed core target host_job
  for version in $(matrix_pythons); do
    python_path "$version" >/dev/null || missing+=("$version")
  done
  [ ${#missing[@]} -eq 0 ] || die "Python ${missing[*]} missing (looked in $PYENV_VERSIONS and /usr/bin): the compat lane needs every Python of tests/compat/matrix"
  # ansible-test's shellcheck test passes without shellcheck, checking nothing.
  ensure_packages shellcheck
  COMPAT_WORK=$(mktemp -d "${TMPDIR:-/tmp}/fleetaudit-compat.XXXXXX")
  trap 'rm -rf "$COMPAT_WORK"' EXIT
  mkdir -p "$COMPAT_WORK/logs" "$COMPAT_WORK/bin"
  # ansible-test --local finds target interpreters as pythonX.Y on PATH.
  for version in $(matrix_pythons); do
    python=$(python_path "$version")
    ln -s "$python" "$COMPAT_WORK/bin/python$version"
  done
  export COMPAT_WORK PYTHON_BIN="$COMPAT_WORK/bin"
  : >"$COMPAT_WORK/failed"

  log "compat: venvs"
  { echo tools; cores; target_pythons | sed 's/^/pytest-/'; } | sed 's/^/venv /' | run_jobs || status=1
  if [ "$status" -eq 0 ]; then
    log "compat: tests"
    # The host tests run one minor after the other beside the pool, taking no slot of it while they
    # wait for the host lane lock (other checkouts' host lanes).
    "$0" job host &
    host_job=$!
    {
      for core in $(cores); do echo "sanity $core"; done
      for core in $(cores); do
        for target in $(core_targets "$core"); do
          [ "$target" = "$(core_field "$core" 2)" ] || echo "targets $core $target"
        done
      done
      for core in $(cores); do
        echo "unit $core"
        for target in $(core_targets "$core"); do echo "unit $core $target"; done
        echo "lint $core"
      done
      echo vermin; echo claims; echo builder; echo newest
    } | run_jobs || status=1
    wait "$host_job" || status=1
  fi
  if [ "$status" -ne 0 ]; then
    rm -rf "$CACHE_DIR/compat-logs"
    mkdir -p "$CACHE_DIR/compat-logs"
    while read -r failed; do
      cp "$failed" "$CACHE_DIR/compat-logs/"
      printf '\n==> %s (last 60 lines; whole log in %s)\n' "$(basename "$failed" .log)" "$CACHE_DIR/compat-logs/"
      tail -n 60 "$failed"
    done <"$COMPAT_WORK/failed"
    die "compat lane failed"
  fi
}

case "${1:-}" in
  job) shift; run_job "$@" ;;
  job-body) shift; "job_$1" "${@:2}" ;;
  "") main ;;
  *) die "usage: $0 [job NAME [ARG]]" ;;
esac
