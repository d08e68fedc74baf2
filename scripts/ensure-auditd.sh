#!/usr/bin/env bash
# Installs auditd on this machine and makes sure the daemon runs, with or without systemd.
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/env.sh"

ensure_packages auditd

# auditd outlives this script: it must not inherit open descriptors, such as the lane's flock
# lock (`flock LOCK tests/lanes/host.sh`), which it would otherwise hold for as long as it runs,
# blocking every later run of the lane on this machine.
without_inherited_fds() {
  (
    for fd in "/proc/$BASHPID/fd/"*; do
      fd=${fd##*/}
      [ "$fd" -gt 2 ] && eval "exec $fd>&-"
    done
    exec "$@"
  )
}

if auditctl -s 2>/dev/null | grep -q '^enabled 2'; then
  die "this machine's kernel audit is immutable (enabled 2): reboot it before running the tests"
fi
# This machine's own daemon: a collector container's auditd runs in a PID namespace of its own.
host_auditd_runs() { pgrep --ns $$ --nslist pid -x auditd >/dev/null; }

if ! host_auditd_runs; then
  if [ -d /run/systemd/system ]; then
    systemctl start auditd
  else
    without_inherited_fds /usr/sbin/auditd
  fi
  for _ in $(seq 50); do host_auditd_runs && break; sleep 0.1; done
fi
host_auditd_runs || die "auditd did not start"
auditctl -s | grep -q '^enabled [12]' || auditctl -e 1 >/dev/null
