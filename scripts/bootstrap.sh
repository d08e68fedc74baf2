#!/usr/bin/env bash
# Idempotent set-up: the Python tool venv (pinned in requirements-dev.txt), the collection path,
# and the Debian packages each named part needs.
#   scripts/bootstrap.sh venv [auditd] [docker] [qemu]
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/env.sh"

bootstrap_venv() {
  ensure_packages python3 python3-venv git rsync
  local stamp="$VENV/.requirements.sha256" want
  want=$(sha256sum "$REPO_ROOT/requirements-dev.txt" | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    log "creating the tool venv in $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REPO_ROOT/requirements-dev.txt"
    echo "$want" >"$stamp"
  fi
  mkdir -p "$COLLECTIONS_DIR/ansible_collections/fleetaudit"
  ln -sfn "$REPO_ROOT" "$COLLECTIONS_DIR/ansible_collections/fleetaudit/auditd"
}

for part in "$@"; do
  case "$part" in
    venv) bootstrap_venv ;;
    auditd) "$REPO_ROOT/scripts/ensure-auditd.sh" ;;
    docker) "$REPO_ROOT/scripts/ensure-docker.sh" ;;
    qemu) ensure_packages qemu-system-x86 qemu-utils debootstrap openssh-client e2fsprogs ;;
    *) die "unknown bootstrap part: $part" ;;
  esac
done
