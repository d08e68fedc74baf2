#!/usr/bin/env bash
# Installs auditd on this machine and makes sure the daemon runs, with or without systemd.
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/env.sh"

ensure_packages auditd
if auditctl -s 2>/dev/null | grep -q '^enabled 2'; then
  die "this machine's kernel audit is immutable (enabled 2): reboot it before running the tests"
fi
if ! pgrep -x auditd >/dev/null; then
  if [ -d /run/systemd/system ]; then
    systemctl start auditd
  else
    # Without the caller's open files: a daemon that inherits a lock's descriptor (a lane lock,
    # a test session's lock) holds that lock for as long as it runs.
    (
      for fd in /proc/"$BASHPID"/fd/*; do
        fd=${fd##*/}
        [ "$fd" -gt 2 ] && eval "exec $fd>&-"
      done
      exec /usr/sbin/auditd
    )
  fi
  for _ in $(seq 50); do pgrep -x auditd >/dev/null && break; sleep 0.1; done
fi
pgrep -x auditd >/dev/null || die "auditd did not start"
auditctl -s | grep -q '^enabled [12]' || auditctl -e 1 >/dev/null
