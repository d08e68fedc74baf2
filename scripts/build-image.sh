#!/usr/bin/env bash
# Builds (once) the systemd container images the Molecule scenario and the demo fleet run:
# a debootstrap root file system (scripts/build-rootfs.sh, cached) imported with `docker import`.
#   scripts/build-image.sh [debian12|debian13]...   (default: both)  -> prints each image's name
# An image whose name exists and whose recipe label matches is reused as it is.
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/env.sh"

# Everything the role and the tests need is baked in: the containers have no network, so nothing
# can be installed at converge time. python3-apt lets ansible.builtin.apt work without installing it;
# sudo lets playbooks with `become: true` (playbooks/site.yml) run as they do on real hosts.
IMAGE_PACKAGES=python3,python3-apt,systemd-sysv,procps,sudo,auditd,audispd-plugins

image_suite() {
  case "$1" in
    debian12) echo bookworm ;;
    debian13) echo trixie ;;
    *) die "unknown image: $1 (known: debian12, debian13)" ;;
  esac
}

# systemd runs as PID 1 (CMD /sbin/init); `container=docker` tells it it runs in a container.
# (`docker import` cannot set STOPSIGNAL: whoever runs the image stops it with SIGRTMIN+3.)
IMPORT_CHANGES=('CMD ["/sbin/init"]' 'ENV container=docker')

build_image() {
  local platform=$1 suite image recipe tarball
  suite=$(image_suite "$platform")
  image="fleetaudit/$platform-systemd:latest"
  # What makes the image: the tree's recipe (suite, packages, the rootfs builder) and the import.
  recipe=$(printf '%s\n' "$suite" "$IMAGE_PACKAGES" "${IMPORT_CHANGES[@]}" \
    "$(sha256sum "$REPO_ROOT/scripts/build-rootfs.sh")" | sha256sum | cut -c1-12)
  if [ "$(docker image inspect -f '{{ index .Config.Labels "org.fleetaudit.recipe" }}' "$image" 2>/dev/null)" = "$recipe" ]; then
    printf '%s\n' "$image"
    return 0
  fi
  tarball=$("$REPO_ROOT/scripts/build-rootfs.sh" "$suite" "$platform-systemd" "$IMAGE_PACKAGES")
  log "importing $tarball as $image"
  docker import "${IMPORT_CHANGES[@]/#/--change=}" \
    --change "LABEL org.fleetaudit.recipe=$recipe org.fleetaudit.suite=$suite" \
    "$tarball" "$image" >/dev/null || die "docker import of $tarball failed"
  printf '%s\n' "$image"
}

"$REPO_ROOT/scripts/ensure-docker.sh"
[ $# -gt 0 ] || set -- debian12 debian13
for platform in "$@"; do
  build_image "$platform"
done
# Superseded images (untagged by a newer import) go once no container runs them.
docker image prune --force --filter label=org.fleetaudit.recipe >/dev/null
