#!/usr/bin/env bash
# Compat lane: the collection on every ansible-core minor and Python it claims (tests/compat/matrix).
# Per ansible-core minor, in a cached venv pinned by tests/compat/requirements-CORE.txt on its
# controller Python: the unit tests, ansible-lint (production profile), the ansible-test sanity tests
# whose result depends on the minor (SANITY_TESTS: compile and import on every target Python of its
# row, the module docs and argument specs, runtime.yml), and, where the matrix names a host Python,
# the augenrules and gather host tests with modules on it (host lane lock held).
# Per target Python of each minor: the module-side unit tests with that minor's ansible module_utils.
# Once: vermin over plugins/, the claims of meta/runtime.yml, the README and
# execution-environment.yml against the matrix, `ansible-builder create`, and the newest minor on
# the package index. The venvs (and ansible-test's sanity venvs) are built first and cached, then
# the tests run; jobs run two at a time, the host tests beside them; a missing Python fails the lane.
#   tests/lanes/compat.sh                   the whole lane
#   tests/lanes/compat.sh job NAME [ARG...] one job (the lane runs them through xargs)
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/../../scripts/env.sh"
# shellcheck source=scripts/ansible-test-env.sh
. "$REPO_ROOT/scripts/ansible-test-env.sh"

COMPAT="$REPO_ROOT/tests/compat"
COMPAT_CACHE="${FLEETAUDIT_COMPAT_CACHE:-$IMAGE_CACHE/compat}"
# One download and wheel cache for the lane's venvs, where the package index allows caching (this
# machine's does not: the directory stays absent). ansible-test's pip gets no PIP_* variable.
export PIP_CACHE_DIR="$COMPAT_CACHE/pip"
PYENV_VERSIONS="${PYENV_ROOT:-$HOME/.pyenv}/versions"
HOST_LANE_LOCK=/run/lock/fleetaudit/lane-host.lock
# How long the host tests wait for other checkouts' host lanes before the lane fails.
HOST_LOCK_WAIT=${FLEETAUDIT_HOST_LOCK_WAIT:-2700}
HOST_TESTS=(test_augenrules.py test_gather_playbook.py)
# vermin, ansible-builder and the claims check (tests/compat/tools.txt) run on this Python.
TOOLS_PYTHON=3.11
PARALLEL_JOBS=2
# The sanity tests whose result depends on the ansible-core minor: compile and import of the
# module-side code on each target Python, the module docs and argument specs (validate-modules,
# ansible-doc) and runtime.yml's schema. The others check this tree the same way on each minor and
# run once, in the sanity lane (ansible-core 2.19): pylint (the slow one), pep8, yamllint, shebang, ...
SANITY_TESTS=(compile import validate-modules ansible-doc runtime-metadata)
# No tool venv, no pyenv shims: each job names the venv and interpreters it means.
SYSTEM_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

matrix_rows() { grep -Ev '^[[:space:]]*(#|$)' "$COMPAT/matrix"; }
cores() { matrix_rows | awk '{print $1}'; }
# core_field CORE N: column N of CORE's row (2 controller, 3 host or "-").
core_field() { matrix_rows | awk -v core="$1" -v n="$2" '$1 == core {print $n}'; }
core_targets() { matrix_rows | awk -v core="$1" '$1 == core {for (i = 4; i <= NF; i++) print $i}'; }
newest_core_of() { matrix_rows | awk -v target="$1" '{for (i = 4; i <= NF; i++) if ($i == target) core = $1} END {print core}'; }
host_cores() { matrix_rows | awk '$3 != "-" {print $1}'; }
matrix_pythons() { { matrix_rows | awk '{for (i = 2; i <= NF; i++) if ($i != "-") print $i}'; echo "$TOOLS_PYTHON"; } | sort -uV; }
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
      # No bytecode now: compiling the ansible bundle's ~15,000 modules took most of an install;
      # Python compiles what a test imports, once.
      "$dir/bin/python" -m pip install -q --disable-pip-version-check --no-compile -r "$requirements" >&2
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
# Its pip reads the home's pip.conf (ansible-test passes it no PIP_* variable): no bytecode at
# install time there either.
core_home() {
  local home="$COMPAT_CACHE/home/ansible-core-$1"
  if [ ! -f "$home/.config/pip/pip.conf" ]; then
    mkdir -p "$home/.config/pip"
    printf '[install]\ncompile = no\n' >"$home/.config/pip/pip.conf.$$"
    mv -f "$home/.config/pip/pip.conf.$$" "$home/.config/pip/pip.conf"
  fi
  printf '%s\n' "$home"
}

# Runs CORE's ansible-test sanity (SANITY_TESTS, then ARGS) on a fresh copy of the collection, on
# the controller Python of the venv, the multi-version tests on every pythonX.Y of PYTHON_BIN that
# the minor supports; its output goes to $JOB_DIR/ansible-test.out too.
core_ansible_test_sanity() {
  local core=$1 venv home tree test tests=()
  shift
  venv=$(core_venv "$core")
  home=$(core_home "$core")
  provide_get_pip "$venv/bin/python" "$home"
  tree=$(collection_copy "$(mktemp -d "$JOB_DIR/tree.XXXXXX")")
  for test in "${SANITY_TESTS[@]}"; do tests+=(--test "$test"); done
  (cd "$tree" && HOME="$home" PATH="$venv/bin:$PYTHON_BIN:$SYSTEM_PATH" \
    ansible-test sanity --local --color no "${tests[@]}" "$@") 2>&1 | tee "$JOB_DIR/ansible-test.out"
}

# A venv of the lane; for an ansible-core minor also ansible-test's own sanity venvs (--prime-venvs
# builds them and tests nothing).
job_venv() {
  case "$1" in
    tools) tools_venv ;;
    pytest-*) pytest_venv "${1#pytest-}" ;;
    *) core_ansible_test_sanity "$1" --prime-venvs ;;
  esac
}

# SANITY_TESTS on CORE; fails unless compile and import ran on each target Python of its row, and
# when ansible-test skipped a test for want of a program or a venv (it would otherwise pass).
# ansible-test skips target Pythons the minor supports beyond the row (3.14): the row, the README
# and the matrix name what is proven.
job_sanity() {
  local core=$1 target test missing=()
  core_ansible_test_sanity "$core"
  for target in $(core_targets "$core"); do
    for test in compile import; do
      grep -qF "Running sanity test \"$test\" on Python $target" "$JOB_DIR/ansible-test.out" || missing+=("$test on $target")
    done
  done
  [ ${#missing[@]} -eq 0 ] || die "ansible-test did not run: ${missing[*]}"
  if grep -E 'Skipping sanity test .*missing virtual environment|Required program .* not found' "$JOB_DIR/ansible-test.out"; then
    die "ansible-test skipped a test (above)"
  fi
}

# unit_tests_by_import -L|-l: the unit test files of the module-side code (module_utils, modules)
# that import nothing a host lacks (only ansible.module_utils of ansible, as on a host), or those
# that do: ansible's controller, or jsonschema (test_report_render checks the fleet report, which
# the controller renders, against its schema; Python 3.7's last jsonschema cannot read it).
unit_tests_by_import() {
  grep -r "$1" -P --include='test_*.py' '^\s*(from|import)\s+(ansible\.(?!module_utils\b)|jsonschema\b)' \
    "$REPO_ROOT/tests/unit/plugins/module_utils" "$REPO_ROOT/tests/unit/plugins/modules" | sort
}

# Without TARGET: every unit test on the controller Python. With TARGET (X.Y): the module-side
# ones on that Python, with only this minor's `ansible` package importable, as AnsiballZ ships it to
# a host; the files that also need the controller or jsonschema run only on the controller Python
# (listed).
job_unit() {
  local core=$1 target=${2:-} venv pytest_env ansible_only tests
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
  mapfile -t tests < <(unit_tests_by_import -L)
  [ ${#tests[@]} -gt 0 ] || die "no module-side unit test found"
  log "on the controller Python only (they import ansible's controller or jsonschema): $(unit_tests_by_import -l | xargs -r -n1 basename | xargs)"
  PYTHONPATH="$ansible_only" PYTHONDONTWRITEBYTECODE=1 "$pytest_env/bin/python" -m pytest -q -p no:cacheprovider "${tests[@]}"
}

job_lint() {
  local core=$1 venv tree
  venv=$(core_venv "$core")
  tree=$(collection_copy "$JOB_DIR")
  cd "$tree"
  HOME=$(core_home "$core") PATH="$venv/bin:$SYSTEM_PATH" ansible-lint --profile production --offline
}

# The host tests that need no VM, per minor with a host Python in the matrix (one after the other,
# the host lane lock held for each), with that Python running the modules.
job_host() {
  local core failed=()
  [ "$(id -u)" -eq 0 ] || die "the host tests need root"
  for core in $(host_cores); do
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
# the oldest target Python of the matrix, controller-side code (every other plugin directory) on
# the oldest controller Python.
job_vermin() {
  local tools oldest_target oldest_controller controller_side
  tools=$(tools_venv)
  oldest_target=$(target_pythons | head -n1)
  oldest_controller=$(controller_pythons | head -n1)
  cd "$REPO_ROOT"
  mapfile -t controller_side < <(find plugins -mindepth 1 -maxdepth 1 -type d ! -name modules ! -name module_utils | sort)
  "$tools/bin/vermin" --no-tips --violations --eval-annotations -t="$oldest_target-" plugins/modules plugins/module_utils
  "$tools/bin/vermin" --no-tips --violations --eval-annotations -t="$oldest_controller-" "${controller_side[@]}"
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

# Fails when a Python of the matrix is missing; makes COMPAT_WORK (logs, and PYTHON_BIN: each
# Python of the matrix as pythonX.Y, where ansible-test --local finds its target interpreters).
prepare() {
  local version missing=()
  for version in $(matrix_pythons); do
    python_path "$version" >/dev/null || missing+=("$version")
  done
  [ ${#missing[@]} -eq 0 ] || die "Python ${missing[*]} missing (looked in $PYENV_VERSIONS and /usr/bin): the compat lane needs every Python of tests/compat/matrix"
  COMPAT_WORK=$(mktemp -d "${TMPDIR:-/tmp}/fleetaudit-compat.XXXXXX")
  trap 'rm -rf "$COMPAT_WORK"' EXIT
  mkdir -p "$COMPAT_WORK/logs" "$COMPAT_WORK/bin"
  for version in $(matrix_pythons); do
    ln -s "$(python_path "$version")" "$COMPAT_WORK/bin/python$version"
  done
  export COMPAT_WORK PYTHON_BIN="$COMPAT_WORK/bin"
  : >"$COMPAT_WORK/failed"
}

# The ansible-core venvs first: they take longest.
venv_jobs() {
  { cores; echo tools; target_pythons | sed 's/^/pytest-/'; } | sed 's/^/venv /'
}

# The longest first, so that the two slots end together.
test_jobs() {
  local core target
  for core in $(cores); do echo "sanity $core"; echo "lint $core"; done
  for core in $(cores); do echo "unit $core"; done
  # The module-side unit tests once per target Python, with the newest minor that manages it: each
  # minor's module_utils already runs the whole suite on its controller Python and the import test
  # on each of its target Pythons (each pair as well took 28 runs of the same suite).
  for target in $(target_pythons); do echo "unit $(newest_core_of "$target") $target"; done
  echo vermin; echo claims; echo builder; echo newest
}

# Copies the failed jobs' logs to $CACHE_DIR/compat-logs, prints their ends, and fails.
report_failures() {
  local failed
  rm -rf "$CACHE_DIR/compat-logs"
  mkdir -p "$CACHE_DIR/compat-logs"
  while read -r failed; do
    cp "$failed" "$CACHE_DIR/compat-logs/"
    printf '\n==> %s (last 60 lines; whole log in %s)\n' "$(basename "$failed" .log)" "$CACHE_DIR/compat-logs/"
    tail -n 60 "$failed"
  done <"$COMPAT_WORK/failed"
  die "compat lane failed"
}

build_venvs() {
  local start=$SECONDS
  log "compat: venvs (cache $COMPAT_CACHE)"
  venv_jobs | run_jobs || report_failures
  log "compat: venvs ready in $((SECONDS - start))s"
}

main() {
  local status=0 host_job start
  prepare
  build_venvs
  start=$SECONDS
  log "compat: tests"
  # The host tests run one minor after the other beside the pool, taking no slot of it while they
  # wait for the host lane lock (other checkouts' host lanes).
  "$0" job host &
  host_job=$!
  test_jobs | run_jobs || status=1
  wait "$host_job" || status=1
  [ "$status" -eq 0 ] || report_failures
  log "compat: tests passed in $((SECONDS - start))s"
}

case "${1:-}" in
  job) shift; run_job "$@" ;;
  job-body) shift; "job_$1" "${@:2}" ;;
  "") main ;;
  *) die "usage: $0 [job NAME [ARG...]]" ;;
esac
