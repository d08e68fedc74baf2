#!/usr/bin/env bash
# Builds (once) a Debian root file system with debootstrap and caches it as a tarball, so that
# container images and VM disks are made from the same cached trees.
#   scripts/build-rootfs.sh SUITE NAME PACKAGE[,PACKAGE...]   -> prints the tarball's path
# debootstrap uses its built-in mirror; set DEBOOTSTRAP_MIRROR to use another one.
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/env.sh"

suite=${1:?suite}; name=${2:?name}; packages=${3:?packages}
ensure_packages debootstrap
key=$(printf '%s %s %s' "$suite" "$packages" "$(sha256sum "$0" | cut -c1-12)" | sha256sum | cut -c1-12)
tarball="$IMAGE_CACHE/rootfs/$name-$key.tar"
if [ ! -s "$tarball" ]; then
  mkdir -p "$IMAGE_CACHE/rootfs"
  work=$(mktemp -d "$IMAGE_CACHE/rootfs/.build-XXXXXX")
  trap 'rm -rf "$work"' EXIT
  log "debootstrap $suite ($name), about a minute"
  debootstrap --variant=minbase --include="$packages" "$suite" "$work/root" ${DEBOOTSTRAP_MIRROR:+"$DEBOOTSTRAP_MIRROR"} \
    >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; die "debootstrap $suite failed"; }
  rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*
  tar -C "$work/root" --numeric-owner -cf "$work/rootfs.tar" .
  mv "$work/rootfs.tar" "$tarball"
fi
printf '%s\n' "$tarball"
