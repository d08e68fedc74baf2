# shellcheck shell=bash
# Sourced by every script: where the repository, the tool venv and the collection path are.
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="${FLEETAUDIT_VENV:-$REPO_ROOT/.venv}"
CACHE_DIR="${FLEETAUDIT_CACHE:-$REPO_ROOT/.cache}"
COLLECTIONS_DIR="$CACHE_DIR/collections"
# Built images and root file systems outlive a checkout: a second run (or CI on the same machine)
# reuses them.
IMAGE_CACHE="${FLEETAUDIT_IMAGE_CACHE:-/var/cache/fleetaudit}"
export REPO_ROOT VENV CACHE_DIR COLLECTIONS_DIR IMAGE_CACHE
export PATH="$VENV/bin:$PATH"
# Our collection comes from the checkout, community.docker / ansible.posix from the venv's
# `ansible` package (Galaxy is not needed).
export ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS_DIR"
export ANSIBLE_ROLES_PATH="$REPO_ROOT/roles"
export ANSIBLE_NOCOLOR=1
export ANSIBLE_FORCE_COLOR=0
export ANSIBLE_DEPRECATION_WARNINGS=0
export ANSIBLE_HOST_KEY_CHECKING=False
export PY_COLORS=0

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Installs the Debian packages named, skipping those already installed; `apt-get update` once.
ensure_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "need root to install: ${missing[*]}"
  log "installing Debian packages: ${missing[*]}"
  if [ ! -f "$CACHE_DIR/.apt-updated" ]; then
    apt-get update -qq || die "apt-get update failed"
    mkdir -p "$CACHE_DIR" && touch "$CACHE_DIR/.apt-updated"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install failed: ${missing[*]}"
}
