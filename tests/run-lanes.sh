#!/usr/bin/env bash
# Runs the named test lanes in order, prints one result line per lane, and stops at the first
# failure. Each lane is tests/lanes/<name>.sh; a lane that cannot run fails, it is never skipped.
set -uo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/../scripts/env.sh"

# Lanes that use the machine's kernel audit, Docker engine or VM ports run one at a time per
# machine, even from several checkouts: a second run of the same lane waits for the first.
LANE_LOCK_DIR=/run/lock/fleetaudit
mkdir -p "$LANE_LOCK_DIR"

summary=()
for lane in "$@"; do
  script="$REPO_ROOT/tests/lanes/$lane.sh"
  [ -x "$script" ] || die "no such lane: $lane"
  log "lane $lane: starting"
  start=$(date +%s)
  # -o: the lane's processes do not inherit the lock, or a daemon it starts would hold it for good.
  flock -o "$LANE_LOCK_DIR/lane-$lane.lock" "$script"
  rc=$?
  secs=$(( $(date +%s) - start ))
  if [ $rc -ne 0 ]; then
    summary+=("lane $lane: FAILED (exit $rc) after ${secs}s")
    printf '%s\n' "${summary[@]}"
    exit 1
  fi
  summary+=("lane $lane: passed in ${secs}s")
  printf '%s\n' "${summary[-1]}"
done
printf '\n'
printf '%s\n' "${summary[@]}"
printf '%d passed, 0 failed\n' "${#summary[@]}"
