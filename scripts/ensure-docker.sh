#!/usr/bin/env bash
# Makes sure a Docker engine answers: installs docker.io if there is no engine, starts dockerd in
# the background if none runs, and waits until `docker info` answers. Safe to run again.
# The engine gets no bridge and no iptables rules: containers run with network mode `none` and
# Ansible reaches them through `docker exec`, so nothing needs a network.
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/env.sh"

engine_answers() { docker info >/dev/null 2>&1; }
# A killed dockerd can linger as a zombie where PID 1 is slow to reap: that one does not count.
dockerd_alive() { pgrep -x --runstates D,R,S,T dockerd >/dev/null; }
live_pid() { local state; state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) && [ -n "$state" ] && [ "$state" != Z ]; }

engine_answers && exit 0
if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
  # The package's init script would start an engine with its default bridge and iptables rules:
  # forbid service starts while it installs (unless a policy is already in place).
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  ensure_packages docker.io
fi
engine_log="$IMAGE_CACHE/dockerd.log"
engine_pid=
if ! dockerd_alive; then
  # dockerd waits for (or refuses to start beside) the PID in a stale pid file of its own or of its
  # containerd, even when that PID is a zombie that this machine's PID 1 has not reaped yet.
  for pid_file in /var/run/docker.pid /var/run/docker/containerd/containerd.pid; do
    if [ -f "$pid_file" ] && ! live_pid "$(cat "$pid_file")"; then rm -f "$pid_file"; fi
  done
  mkdir -p "$IMAGE_CACHE"
  log "starting dockerd (log: $engine_log)"
  # setsid: the engine outlives this script and the lane that started it.
  setsid dockerd --bridge=none --iptables=false >>"$engine_log" 2>&1 </dev/null &
  engine_pid=$!
fi
for _ in $(seq 240); do
  engine_answers && exit 0
  if [ -n "$engine_pid" ] && ! kill -0 "$engine_pid" 2>/dev/null && ! dockerd_alive; then
    tail -5 "$engine_log" >&2
    die "dockerd exited during start-up (log: $engine_log)"
  fi
  sleep 0.5
done
die "the Docker engine did not answer within 120 s (log: $engine_log)"
