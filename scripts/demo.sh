#!/usr/bin/env bash
# `make demo`: the main job on a built-in demo fleet. Three systemd containers named like hosts
# (web1, web2: Debian 12; db1: Debian 13) and one qemu VM with its own Debian 12 kernel (demo-vm)
# get the auditd role (playbooks/site.yml); a user is added on the VM and its docker group's user
# runs containers there, so that there are real events; playbooks/gather.yml brings them back;
# playbooks/compliance.yml writes the fleet report. The audit rules of this machine are never
# touched: it is not in the inventory.
# A second run reuses the images, the containers and the VM.
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/env.sh"

DEMO_VM=demo-vm
DEMO_VM_PORT=${FLEETAUDIT_DEMO_VM_PORT:-2290}
DEMO_DIR="$CACHE_DIR/demo"
# The VM is a Docker host (scripts/vm.sh): its docker group's login user runs a container, execs
# into it, runs a privileged one and one with the host's /etc mounted, from the VM's local image,
# and leaves one running that touched the bind-mounted daemon.json (laurel names it in the events).
DEMO_DOCKER_USER=dockeruser
# shellcheck disable=SC2016 # the VM's shell expands $image
DEMO_DOCKER_ACTIVITY='set -e; image=fleetaudit/busybox:local
docker rm -f demo-web >/dev/null 2>&1 || true
docker run -d --name demo-web $image sleep 300
docker exec demo-web cat /etc/hostname
docker run --rm --privileged $image true
docker run --rm -v /etc:/host-etc:ro $image cat /host-etc/shadow >/dev/null
docker rm -f demo-web
docker rm -f demo-editor >/dev/null 2>&1 || true
docker run -d --name demo-editor -v /etc/docker:/etc-docker $image sh -c "touch /etc-docker/daemon.json; exec sleep 3600"'
REPORT_DIR="${FLEETAUDIT_REPORT_DIR:-$REPO_ROOT/audit-reports}"

"$REPO_ROOT/scripts/bootstrap.sh" venv docker qemu
containers=$("$REPO_ROOT/scripts/demo-fleet.sh" up)
log "booting $DEMO_VM (qemu, its own kernel; under a minute when cached)"
"$REPO_ROOT/scripts/vm.sh" start "$DEMO_VM" "$DEMO_VM_PORT" debian12
mkdir -p "$DEMO_DIR"
"$REPO_ROOT/scripts/vm.sh" inventory "$DEMO_VM" >"$DEMO_DIR/vm.json"

playbook() {
  ansible-playbook -i "$containers" -i "$DEMO_DIR/vm.json" -e "@$REPO_ROOT/scripts/demo/fleet_vars.yml" \
    -e "fleetaudit_report_dir=$REPORT_DIR" "$@"
}

log "configuring the fleet: playbooks/site.yml"
playbook "$REPO_ROOT/playbooks/site.yml"
# This run's events only, by the VM's own clock: a run before this one left events (and containers
# since removed) in the same log.
since=$(ansible "$DEMO_VM" -i "$DEMO_DIR/vm.json" -o -m ansible.builtin.command -a "date -u +%Y-%m-%dT%H:%M:%SZ" \
  | sed -n 's/.*(stdout) //p')
log "making audit events on $DEMO_VM (a user is added and removed: identity)"
ansible "$DEMO_VM" -i "$DEMO_DIR/vm.json" -m ansible.builtin.user -a "name=fleetaudit-demo state=present" >/dev/null
ansible "$DEMO_VM" -i "$DEMO_DIR/vm.json" -m ansible.builtin.user -a "name=fleetaudit-demo state=absent remove=true" >/dev/null
log "making Docker activity on $DEMO_VM as $DEMO_DOCKER_USER, logged in over SSH (docker group)"
ansible "$DEMO_VM" -i "$DEMO_DIR/vm.json" -e "ansible_user=$DEMO_DOCKER_USER" -m ansible.builtin.shell \
  -a "$DEMO_DOCKER_ACTIVITY" >/dev/null
log "gathering the events since $since: playbooks/gather.yml"
playbook "$REPO_ROOT/playbooks/gather.yml" -e audit_keys=identity,docker -e "gather_start=$since"
log "checking compliance: playbooks/compliance.yml"
set +e
playbook "$REPO_ROOT/playbooks/compliance.yml"
compliance_rc=$?
set -e

verdicts=$(python - "$REPORT_DIR/latest/fleet.json" <<'PY'
import json, sys
summary = json.load(open(sys.argv[1]))["summary"]
print(", ".join("%d %s" % (count, status) for status, count in summary.items() if status != "hosts" and count))
PY
)

# The events laurel tied to a container, as the newest gather run has them.
containers=$(python - "$REPORT_DIR/latest-gather/$DEMO_VM/events.jsonl" <<'PY'
import json, sys
seen = {}
for line in open(sys.argv[1]):
    container = json.loads(line)["summary"].get("container")
    if container:
        creator = container["created_by"] or {}
        seen[container["id"]] = "%s (%s, %s, started by %s)" % (
            container["name"] or "removed", container["image"] or "image unknown", container["id"][:12],
            creator.get("auid_name") or "no logged-in user")
print("; ".join(seen.values()) or "none")
PY
)

cat <<SUMMARY

Demo fleet: web1, web2 (Debian 12 containers), db1 (Debian 13 container), $DEMO_VM (Debian 12 VM,
a Docker host: its trail is under the docker and cis-docker-1.1.N keys).
Containers have no kernel audit of their own: they are reported as such, never as compliant.
Fleet report:   $(readlink -f "$REPORT_DIR/latest")/fleet.html
Events:         $REPORT_DIR/gather-*/ (JSON Lines per host)
Containers:     $containers (events on $DEMO_VM tied to them by laurel)
Compliance:     $verdicts (playbook exit $compliance_rc)
Stop the fleet: scripts/demo-fleet.sh down; scripts/vm.sh stop $DEMO_VM
SUMMARY
