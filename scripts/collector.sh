#!/usr/bin/env bash
# An audit collector in a Docker container that only this machine's loopback reaches.
#   scripts/collector.sh start NAME PORT   -> container NAME (systemd, image debian12) and a
#                                              forwarder 127.0.0.1:PORT -> the container's port 60
#   scripts/collector.sh stop NAME          -> removes both
# With COLLECTOR_LOG_DIR=DIR the container's /var/log/audit is DIR of this machine (the fault
# script's small file system).
# audit 3.0.9's auditd has no listen-address setting: it listens on every address it has. So the
# container runs with network mode `none` (a network namespace of its own holding only a loopback
# device), and a socat on 127.0.0.1:PORT here enters that namespace for each connection. Nothing
# listens on another address of this machine. Configure the container with the
# fleetaudit.auditd.collector role (collector_listen_port 60) over `docker exec`.
# A qemu guest reaches it through `guestfwd=tcp:10.0.2.100:60-cmd:socat - TCP:127.0.0.1:PORT`.
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/env.sh"

COLLECTOR_PORT_INSIDE=60
STATE_DIR=/run/fleetaudit-collector

start() {
  local name=$1 port=$2 image pid log_volume=()
  ensure_packages socat
  # Any build of the Debian 12 image has auditd: reuse one, so as not to retag another checkout's.
  image=fleetaudit/debian12-systemd:latest
  docker image inspect "$image" >/dev/null 2>&1 || image=$("$REPO_ROOT/scripts/build-image.sh" debian12 | tail -1)
  stop "$name"
  [ -z "${COLLECTOR_LOG_DIR:-}" ] || log_volume=(--volume "$COLLECTOR_LOG_DIR:/var/log/audit")
  docker run --detach --name "$name" --hostname "$name" --label org.fleetaudit.collector=true \
    --network none --cap-add SYS_ADMIN --security-opt seccomp=unconfined \
    --tmpfs /run --tmpfs /run/lock --volume /sys/fs/cgroup:/sys/fs/cgroup:rw "${log_volume[@]}" "$image" >/dev/null
  # The container's auditd shows in this machine's /proc: a tool that looks for "auditd" there (an
  # older fleetaudit.auditd.auditd_service, `pgrep -x auditd`) may stop it. A collector comes back.
  docker exec "$name" sh -c 'mkdir -p /etc/systemd/system/auditd.service.d &&
    printf "[Service]\nRestart=always\n" >/etc/systemd/system/auditd.service.d/collector.conf' \
    || die "$name: cannot set auditd to restart"
  for _ in $(seq 100); do docker exec "$name" systemctl daemon-reload 2>/dev/null && break; sleep 0.1; done
  pid=$(docker inspect -f '{{.State.Pid}}' "$name")
  mkdir -p "$STATE_DIR"
  # Each connection gets a socat inside the container's network namespace.
  setsid socat "TCP4-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" \
    "EXEC:nsenter --net=/proc/$pid/ns/net socat STDIO TCP4\\:127.0.0.1\\:$COLLECTOR_PORT_INSIDE" \
    </dev/null >"$STATE_DIR/$name.log" 2>&1 &
  echo $! >"$STATE_DIR/$name.pid"
  for _ in $(seq 50); do
    grep -q "0100007F:$(printf '%04X' "$port") 00000000:0000 0A" /proc/net/tcp && break
    sleep 0.1
  done
  # Listening, and by this forwarder (not one left behind by an earlier run).
  if ! kill -0 "$(cat "$STATE_DIR/$name.pid")" 2>/dev/null \
      || ! grep -q "0100007F:$(printf '%04X' "$port") 00000000:0000 0A" /proc/net/tcp; then
    die "the forwarder did not listen on 127.0.0.1:$port (see $STATE_DIR/$name.log)"
  fi
  log "collector $name: container up, forwarder 127.0.0.1:$port (pid $(cat "$STATE_DIR/$name.pid"))"
}

stop() {
  local name=$1
  if [ -f "$STATE_DIR/$name.pid" ]; then
    kill "$(cat "$STATE_DIR/$name.pid")" 2>/dev/null || true
    rm -f "$STATE_DIR/$name.pid"
  fi
  docker rm -f "$name" >/dev/null 2>&1 || true
}

case "${1:-}" in
  start) [ $# -eq 3 ] || die "usage: $0 start NAME PORT"; start "$2" "$3" ;;
  stop) [ $# -eq 2 ] || die "usage: $0 stop NAME"; stop "$2" ;;
  *) die "usage: $0 start NAME PORT | stop NAME" ;;
esac
