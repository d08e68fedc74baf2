#!/usr/bin/env bash
# Container lane: `molecule test` of molecule/default (the auditd role on systemd containers of
# Debian 12 and Debian 13): create, prepare, converge, idempotence, check (a check-mode run that
# must change nothing), side_effect (drift that check mode reports and a run repairs), verify
# (testinfra), destroy.
# Starts the Docker engine and builds the images if needed (both cached).
#   tests/lanes/containers.sh [ANSIBLE-PLAYBOOK-ARGUMENT...]   (for example -vvv)
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/../../scripts/env.sh"
[ "$(id -u)" -eq 0 ] || die "the container lane needs root (Docker engine, image builds)"

start=$(date +%s)
"$REPO_ROOT/scripts/ensure-docker.sh"
# Images named by the user (FLEETAUDIT_DEBIAN1x_IMAGE) are theirs to provide.
platforms=()
[ -n "${FLEETAUDIT_DEBIAN12_IMAGE:-}" ] || platforms+=(debian12)
[ -n "${FLEETAUDIT_DEBIAN13_IMAGE:-}" ] || platforms+=(debian13)
[ ${#platforms[@]} -eq 0 ] || "$REPO_ROOT/scripts/build-image.sh" "${platforms[@]}" >/dev/null

output="$CACHE_DIR/molecule-default.log"
mkdir -p "$CACHE_DIR"
cd "$REPO_ROOT"
set +e
molecule test --scenario-name default ${1:+-- "$@"} 2>&1 | tee "$output"
rc=${PIPESTATUS[0]}
set -e
secs=$(( $(date +%s) - start ))
[ "$rc" -eq 0 ] || die "molecule test failed (exit $rc) after ${secs}s; full output in $output"
# Molecule reports a verify step without tests as successful: insist on pytest's own summary.
verified=$(grep -Eo '^=+ [0-9]+ passed' "$output" | grep -Eo '[0-9]+' | tail -1 || true)
if [ -z "$verified" ] || grep -Eq '^=+ .*[0-9]+ (failed|error)' "$output"; then
  die "molecule verify ran no passing testinfra tests; full output in $output"
fi
printf 'containers: molecule test passed on debian12 and debian13 (%s verify tests) in %ss\n' "$verified" "$secs"
