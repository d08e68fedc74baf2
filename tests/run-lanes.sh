#!/usr/bin/env bash
# Runs the named test lanes in order, prints one result line per lane, and stops at the first
# failure. Each lane is tests/lanes/<name>.sh; a lane that cannot run fails, it is never skipped.
#   tests/run-lanes.sh [--background LANE]... LANE...
# A --background lane (one of the LANEs) starts at once beside the others, at the lowest CPU and
# I/O priority: it takes what the foreground lanes leave idle (their waits on VMs, containers and
# downloads) and slows them little. Its output goes to $CACHE_DIR/lane-LANE.log; at its place in
# the order the run waits for it and reports its result like any lane's (the whole log when it
# failed). A run that stops early ends it.
set -uo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/../scripts/env.sh"

# Lanes that use the machine's kernel audit, Docker engine or VM ports run one at a time per
# machine, even from several checkouts: a second run of the same lane waits for the first.
LANE_LOCK_DIR=/run/lock/fleetaudit
mkdir -p "$LANE_LOCK_DIR"

lane_script() { printf '%s\n' "$REPO_ROOT/tests/lanes/$1.sh"; }
# -o: a daemon a lane starts (auditd, dockerd) must not inherit the lock and hold it forever.
lane_lock() { printf '%s\n' "$LANE_LOCK_DIR/lane-$1.lock"; }

# Background lanes: LANE -> PID (also its process group: setsid) while it runs; its start time.
declare -A background=() background_start=()

start_background() {
  local lane=$1
  mkdir -p "$CACHE_DIR"
  log "lane $lane: starting in the background (log: $CACHE_DIR/lane-$lane.log)"
  setsid nice -n 19 ionice -c 3 flock -o "$(lane_lock "$lane")" "$(lane_script "$lane")" </dev/null >"$CACHE_DIR/lane-$lane.log" 2>&1 &
  background[$lane]=$!
  background_start[$lane]=$(date +%s)
}

# Ends the background lanes still running, each with all its processes.
stop_background() {
  local lane pid
  for lane in "${!background[@]}"; do
    pid=${background[$lane]}
    if kill -0 "$pid" 2>/dev/null; then
      log "lane $lane: stopping its background run (process group $pid)"
      kill -TERM -- "-$pid" 2>/dev/null
    fi
  done
}
trap stop_background EXIT

# wait_background LANE: its exit status, once it ends; prints its log (all of it when it failed)
# and sets background_secs to how long it ran: until its log's last write, which may be long
# before the run came to wait for it.
wait_background() {
  local lane=$1 rc=0
  log "lane $lane: waiting for its background run"
  wait "${background[$lane]}" || rc=$?
  unset "background[$lane]"
  if [ $rc -ne 0 ]; then cat "$CACHE_DIR/lane-$lane.log"; else tail -n 5 "$CACHE_DIR/lane-$lane.log"; fi
  background_secs=$(( $(stat -c %Y "$CACHE_DIR/lane-$lane.log") - background_start[$lane] ))
  return $rc
}

background_lanes=()
while [ "${1:-}" = --background ]; do
  background_lanes+=("$2")
  shift 2
done
for lane in "$@"; do
  [ -x "$(lane_script "$lane")" ] || die "no such lane: $lane"
done
for lane in "${background_lanes[@]}"; do
  [[ " $* " == *" $lane "* ]] || die "background lane $lane is not among the lanes: $*"
  start_background "$lane"
done

summary=()
for lane in "$@"; do
  log "lane $lane: starting"
  start=$(date +%s)
  if [ -n "${background[$lane]:-}" ]; then
    wait_background "$lane"
    rc=$?
    took="${background_secs}s in the background"
  else
    flock -o "$(lane_lock "$lane")" "$(lane_script "$lane")"
    rc=$?
    took="$(( $(date +%s) - start ))s"
  fi
  if [ $rc -ne 0 ]; then
    summary+=("lane $lane: FAILED (exit $rc) after $took")
    printf '%s\n' "${summary[@]}"
    exit 1
  fi
  summary+=("lane $lane: passed in $took")
  printf '%s\n' "${summary[-1]}"
done
printf '\n'
printf '%s\n' "${summary[@]}"
printf '%d passed, 0 failed\n' "${#summary[@]}"
