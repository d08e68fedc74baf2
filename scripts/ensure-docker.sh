#!/usr/bin/env bash
# Makes sure a Docker engine answers: installs docker.io if there is no engine, starts dockerd in
# the background if none runs, and waits until `docker info` answers. Safe to run again.
# The engine gets no bridge and no iptables rules: containers run with network mode `none` and
# Ansible reaches them through `docker exec`, so nothing needs a network.
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/env.sh"

engine_answers() { docker info >/dev/null 2>&1; }

engine_answers && exit 0
if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
  ensure_packages docker.io
fi
engine_log="$IMAGE_CACHE/dockerd.log"
if ! pgrep -x dockerd >/dev/null; then
  mkdir -p "$IMAGE_CACHE"
  log "starting dockerd (log: $engine_log)"
  # setsid: the engine outlives this script and the lane that started it.
  setsid dockerd --bridge=none --iptables=false >>"$engine_log" 2>&1 </dev/null &
fi
for _ in $(seq 120); do
  engine_answers && exit 0
  sleep 0.5
done
die "the Docker engine did not answer within 60 s (see $engine_log if this script started it)"
