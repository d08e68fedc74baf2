#!/usr/bin/env bash
# qemu VMs that boot their own Debian kernels, for what containers cannot show: audit rules in a
# kernel of their own, immutable mode, reboots and real events. TCG only (KVM guests hang here).
#
#   scripts/vm.sh build IMAGE               build (once) and cache the disk of IMAGE: debian12, debian13
#   scripts/vm.sh start NAME PORT [IMAGE]   boot instance NAME from IMAGE (default debian12), SSH on
#                                           127.0.0.1:PORT; returns once booted; no-op if NAME runs
#   scripts/vm.sh stop NAME                 power NAME off and drop its disk overlay
#   scripts/vm.sh inventory [NAME...]       Ansible inventory (JSON, valid YAML) of running instances
#   scripts/vm.sh ssh NAME [COMMAND...]     a root shell or command on NAME
#
# Each start boots from a fresh qcow2 overlay on the cached base disk, so the base stays clean and
# a guest reboot keeps its changes until `stop`. The serial console goes to
# $IMAGE_CACHE/instances/NAME/console.log. VM_MEMORY (MiB, default 1024) and VM_BOOT_TIMEOUT
# (seconds, default 300) tune a start. With VM_COLLECTOR_PORT the guest reaches an audit collector
# listening on 127.0.0.1:VM_COLLECTOR_PORT here at 10.0.2.100:60, through a per-connection guestfwd
# (socat), the only way out of its restricted user network.
set -euo pipefail
# shellcheck source=scripts/env.sh
. "$(dirname "$0")/env.sh"

VM_CACHE="$IMAGE_CACHE/vm"
INSTANCES="$IMAGE_CACHE/instances"
SSH_KEY="$VM_CACHE/ssh/id_ed25519"
# Every guest is a Docker host (Debian's docker.io, with apparmor for its default container
# profile, as the package recommends); busybox-static makes its local image. laurel (auditd's
# JSON plugin that names the container of each process) is installed but left inactive: the
# role's auditd_laurel_enabled turns it on, as it would on a fleet host (guests have no network).
GUEST_PACKAGES=linux-image-amd64,openssh-server,systemd-sysv,dbus,udev,iproute2,python3,python3-apt,auditd,audispd-plugins,docker.io,apparmor,busybox-static,laurel
# A user in the docker group who logs in over SSH (root's key): a real session, so its auid is set.
DOCKER_USER=dockeruser
# The image every guest makes at boot from busybox-static, with no registry.
LOCAL_IMAGE=fleetaudit/busybox:local
# ServerAlive: a guest that hangs after connecting ends the session instead of blocking a wait.
SSH_OPTIONS=(-o BatchMode=yes -o ConnectTimeout=5 -o ServerAliveInterval=10 -o ServerAliveCountMax=6
  -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o IdentitiesOnly=yes)

# trixie's docker.io no longer carries the client: docker-cli does.
guest_packages_of() {
  case "$1" in
    trixie) echo "$GUEST_PACKAGES,docker-cli" ;;
    *) echo "$GUEST_PACKAGES" ;;
  esac
}

suite_of() {
  case "$1" in
    debian12) echo bookworm ;;
    debian13) echo trixie ;;
    *) die "unknown VM image '$1' (known: debian12, debian13)" ;;
  esac
}

ensure_ssh_key() {
  [ -s "$SSH_KEY" ] && return 0
  mkdir -p "$(dirname "$SSH_KEY")" && chmod 0700 "$(dirname "$SSH_KEY")"
  ssh-keygen -q -t ed25519 -N '' -C fleetaudit-vm -f "$SSH_KEY.new"
  mv "$SSH_KEY.new.pub" "$SSH_KEY.pub" && mv "$SSH_KEY.new" "$SSH_KEY"
}

# Makes an extracted root file system bootable and reachable: root's SSH key, the root file
# system in fstab, DHCP through systemd-networkd, sshd enabled.
provision_rootfs() {
  local root=$1
  install -d -m 0700 "$root/root/.ssh"
  install -m 0600 "$SSH_KEY.pub" "$root/root/.ssh/authorized_keys"
  echo '/dev/vda / ext4 errors=remount-ro 0 1' >"$root/etc/fstab"
  cat >"$root/etc/systemd/network/80-dhcp.network" <<'EOF'
[Match]
Name=en* eth*

[Network]
DHCP=ipv4
EOF
  # Each instance's hostname comes from the kernel command line (systemd.hostname=); the files
  # exist as on any installed host (audit rule sets watch them).
  echo localhost >"$root/etc/hostname"
  printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
  systemctl --root="$root" --quiet enable systemd-networkd ssh
  sed -i 's/^active = yes/active = no/' "$root/etc/audit/plugins.d/laurel.conf"
  provision_docker "$root"
  [ -n "$(ls "$root"/etc/ssh/ssh_host_*_key 2>/dev/null)" ] || ssh-keygen -A -f "$root"
}

# dockerd without a bridge or iptables rules (the guest's restricted user network needs neither),
# the docker group's login user, and a boot unit that imports the local busybox image.
provision_docker() {
  local root=$1 uid gid
  install -d -m 0755 "$root/etc/docker"
  printf '{\n  "bridge": "none",\n  "iptables": false\n}\n' >"$root/etc/docker/daemon.json"
  chroot "$root" useradd --create-home --groups docker --shell /bin/bash "$DOCKER_USER"
  uid=$(chroot "$root" id -u "$DOCKER_USER") gid=$(chroot "$root" id -g "$DOCKER_USER")
  install -d -m 0700 -o "$uid" -g "$gid" "$root/home/$DOCKER_USER/.ssh"
  install -m 0600 -o "$uid" -g "$gid" "$SSH_KEY.pub" "$root/home/$DOCKER_USER/.ssh/authorized_keys"
  cat >"$root/usr/local/sbin/fleetaudit-local-image" <<EOF
#!/bin/sh
# Imports $LOCAL_IMAGE (busybox-static and its applets) into Docker, once.
set -eu
docker image inspect $LOCAL_IMAGE >/dev/null 2>&1 && exit 0
dir=\$(mktemp -d)
trap 'rm -rf "\$dir"' EXIT
mkdir "\$dir/bin" "\$dir/etc" "\$dir/tmp"
cp /bin/busybox "\$dir/bin/busybox"
chroot "\$dir" /bin/busybox --install -s /bin
tar -C "\$dir" -c . | docker import --change 'CMD ["/bin/sh"]' - $LOCAL_IMAGE >/dev/null
EOF
  chmod 0755 "$root/usr/local/sbin/fleetaudit-local-image"
  cat >"$root/etc/systemd/system/fleetaudit-local-image.service" <<'EOF'
[Unit]
Description=Local container image from busybox-static (no registry)
Requires=docker.service
After=docker.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/fleetaudit-local-image

[Install]
WantedBy=multi-user.target
EOF
  systemctl --root="$root" --quiet enable docker fleetaudit-local-image
}

# Prints the directory of IMAGE's cached disk (disk.img, vmlinuz, initrd.img), building it first
# if needed. The cache key covers the root file system, the code that makes the disk and the SSH key.
build_image() {
  local image=$1 suite tarball key dir work
  suite=$(suite_of "$image")
  "$REPO_ROOT/scripts/bootstrap.sh" qemu
  ensure_ssh_key
  tarball=$("$REPO_ROOT/scripts/build-rootfs.sh" "$suite" "vm-$image" "$(guest_packages_of "$suite")")
  key=$(cat <(basename "$tarball") <(declare -f provision_rootfs provision_docker build_image) \
    <(declare -p DOCKER_USER LOCAL_IMAGE) "$SSH_KEY.pub" | sha256sum | cut -c1-12)
  dir="$VM_CACHE/$image-$key"
  mkdir -p "$VM_CACHE"
  exec 9>"$VM_CACHE/.$image.lock"
  flock 9
  if [ ! -s "$dir/disk.img" ]; then
    log "building the $image VM disk from $(basename "$tarball")"
    work=$(mktemp -d "$VM_CACHE/.build-XXXXXX")
    # shellcheck disable=SC2064 # expand now: $work is local
    trap "rm -rf '$work'" EXIT
    mkdir "$work/root" "$work/out"
    tar -C "$work/root" --numeric-owner -xf "$tarball"
    provision_rootfs "$work/root"
    cp -L "$work/root/vmlinuz" "$work/out/vmlinuz"
    cp -L "$work/root/initrd.img" "$work/out/initrd.img"
    mkfs.ext4 -q -L root -d "$work/root" "$work/out/disk.img" 3G >&2
    rm -rf "$dir" && mv "$work/out" "$dir"
    prune_images "$image" "$dir"
  fi
  exec 9>&-
  printf '%s\n' "$dir"
}

# Removes IMAGE's older disks that no instance boots from.
prune_images() {
  local image=$1 keep=$2 old
  for old in "$VM_CACHE/$image"-*; do
    [ "$old" = "$keep" ] && continue
    grep -qsxF "$old" "$INSTANCES"/*/base || rm -rf "$old"
  done
}

qemu_pid() {
  local dir="$INSTANCES/$1" pid
  pid=$(cat "$dir/qemu.pid" 2>/dev/null) || return 1
  # The PID file may be stale and the PID reused: the process must be this instance's qemu.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-name $1 " || return 1
  printf '%s\n' "$pid"
}

guest_ssh() {
  local name=$1; shift
  ssh "${SSH_OPTIONS[@]}" -i "$SSH_KEY" -p "$(cat "$INSTANCES/$name/port")" root@127.0.0.1 "$@"
}

# Waits until the guest has booted (SSH answers and systemd finished starting units).
wait_for_boot() {
  local name=$1 deadline state
  deadline=$(( $(date +%s) + ${VM_BOOT_TIMEOUT:-300} ))
  while :; do
    qemu_pid "$name" >/dev/null || { tail -30 "$INSTANCES/$name/console.log" >&2; die "$name: qemu exited while booting"; }
    state=$(guest_ssh "$name" systemctl is-system-running --wait 2>/dev/null) || true
    case "$state" in running | degraded) return 0 ;; esac
    [ "$(date +%s)" -lt "$deadline" ] || {
      tail -30 "$INSTANCES/$name/console.log" >&2
      die "$name: not booted after ${VM_BOOT_TIMEOUT:-300}s (console: $INSTANCES/$name/console.log)"
    }
    sleep 2
  done
}

cmd_build() {
  build_image "${1:?usage: vm.sh build IMAGE}"
}

cmd_start() {
  local name=${1:?usage: vm.sh start NAME PORT [IMAGE]} port=${2:?usage: vm.sh start NAME PORT [IMAGE]}
  local image=${3:-debian12} dir="$INSTANCES/$1" base started
  [[ $name =~ ^[a-z0-9][a-z0-9-]*$ ]] || die "instance name '$name': use lower-case letters, digits and '-'"
  [[ $port =~ ^[0-9]+$ ]] || die "port '$port' is not a number"
  if [ -n "${VM_COLLECTOR_PORT:-}" ]; then
    [[ $VM_COLLECTOR_PORT =~ ^[0-9]+$ ]] || die "VM_COLLECTOR_PORT '$VM_COLLECTOR_PORT' is not a number"
    ensure_packages socat
  fi
  if qemu_pid "$name" >/dev/null; then
    [ "$(cat "$dir/port")" = "$port" ] || die "$name already runs with SSH on port $(cat "$dir/port"), not $port"
    [ "$(cat "$dir/image")" = "$image" ] || die "$name already runs from image $(cat "$dir/image"), not $image"
    wait_for_boot "$name"
    log "$name already running, SSH on 127.0.0.1:$port"
    return 0
  fi
  base=$(build_image "$image")
  rm -rf "$dir" && mkdir -p "$dir"
  printf '%s\n' "$port" >"$dir/port"
  printf '%s\n' "$image" >"$dir/image"
  printf '%s\n' "$base" >"$dir/base"
  qemu-img create -q -f qcow2 -F raw -b "$base/disk.img" "$dir/overlay.qcow2"
  started=$(date +%s)
  qemu-system-x86_64 -name "$name" -accel tcg -smp 1 -m "${VM_MEMORY:-1024}" \
    -nodefaults -no-user-config -display none -daemonize -pidfile "$dir/qemu.pid" \
    -serial "file:$dir/console.log" \
    -kernel "$base/vmlinuz" -initrd "$base/initrd.img" \
    -append "root=/dev/vda rw console=ttyS0 audit=1 audit_backlog_limit=8192 systemd.hostname=$name" \
    -drive "file=$dir/overlay.qcow2,format=qcow2,if=virtio" \
    -device virtio-rng-pci \
    -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:22${VM_COLLECTOR_PORT:+,guestfwd=tcp:10.0.2.100:60-cmd:socat - TCP:127.0.0.1:$VM_COLLECTOR_PORT}" \
    -device virtio-net-pci,netdev=n0 \
    || die "$name: qemu did not start (is port $port free?)"
  wait_for_boot "$name"
  log "$name booted in $(( $(date +%s) - started ))s, SSH on 127.0.0.1:$port"
}

cmd_stop() {
  local name=${1:?usage: vm.sh stop NAME} dir="$INSTANCES/$1" pid
  if pid=$(qemu_pid "$name"); then
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    log "$name stopped"
  fi
  # The console log stays for a post-mortem; the next start replaces it.
  rm -f "$dir/overlay.qcow2" "$dir/qemu.pid" "$dir/base"
}

cmd_inventory() {
  local names=("$@") name sep=''
  if [ ${#names[@]} -eq 0 ]; then
    for name in "$INSTANCES"/*/; do
      name=$(basename "$name")
      qemu_pid "$name" >/dev/null && names+=("$name")
    done
  fi
  printf '{"all": {"hosts": {'
  for name in "${names[@]}"; do
    qemu_pid "$name" >/dev/null || die "$name is not running"
    printf '%s\n  "%s": {"ansible_host": "127.0.0.1", "ansible_port": %s, "ansible_user": "root", ' \
      "$sep" "$name" "$(cat "$INSTANCES/$name/port")"
    printf '"ansible_ssh_private_key_file": "%s", "ansible_python_interpreter": "/usr/bin/python3", ' "$SSH_KEY"
    printf '"ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ServerAliveInterval=5 -o ServerAliveCountMax=6", '
    printf '"fleetaudit_vm_image": "%s"}' "$(cat "$INSTANCES/$name/image")"
    sep=,
  done
  printf '}}}\n'
}

cmd_ssh() {
  local name=${1:?usage: vm.sh ssh NAME [COMMAND...]}; shift
  qemu_pid "$name" >/dev/null || die "$name is not running"
  guest_ssh "$name" "$@"
}

[ "$(id -u)" -eq 0 ] || die "vm.sh needs root (debootstrap, disk images)"
command=${1:-}
shift || true
case "$command" in
  build | start | stop | inventory | ssh) "cmd_$command" "$@" ;;
  *) sed -n '4,10s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac
