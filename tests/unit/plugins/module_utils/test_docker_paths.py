"""The docker bundle's paths on Debian's docker.io, Docker's docker-ce and RHEL-family layouts.

Each layout is built as a real tree (with the packages' own relative symlinks) under a temporary
root; the role's probe script runs on it with sh and readlink, as on a host, and the resolver
turns its output into watches.
"""

import inspect
import os
import subprocess

import pytest
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.fleetaudit.auditd.plugins.module_utils.docker_paths import made_after_boot, parse_probe, resolve_watches

ROLE_VARS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles", "auditd", "vars", "main.yml")

DEBIAN_DOCKER_IO = {
    "lib": "usr/lib",
    "usr/sbin/dockerd": None, "usr/bin/docker": None, "usr/sbin/runc": None, "usr/bin/runc": "../sbin/runc",
    "usr/bin/tini-static": None, "usr/bin/docker-init": "tini-static",
    "usr/bin/containerd": None, "usr/bin/containerd-shim": None, "usr/bin/containerd-shim-runc-v1": None,
    "usr/bin/containerd-shim-runc-v2": None, "usr/lib/systemd/system/docker.service": None,
    "usr/lib/systemd/system/docker.socket": None, "etc/default/docker": None, "etc/docker/key.json": None,
    "etc/containerd/config.toml": None, "var/lib/docker/overlay2/x": None,
    "run/docker/containerd/containerd.sock": None,
}
# Docker's packages on a Debian or Ubuntu without merged /usr: units under /lib.
DOCKER_CE = {
    "usr/bin/dockerd": None, "usr/bin/docker": None, "usr/bin/docker-init": None, "usr/bin/containerd": None,
    "usr/bin/containerd-shim-runc-v2": None, "usr/bin/runc": None, "lib/systemd/system/docker.service": None,
    "lib/systemd/system/docker.socket": None, "etc/default/docker": None, "etc/docker/daemon.json": None,
    "etc/containerd/config.toml": None, "var/lib/docker/x": None, "run/containerd/containerd.sock": None,
}
# RHEL family, with an administrator's copy of docker.service under /etc.
RHEL = {
    "lib": "usr/lib",
    "usr/bin/dockerd": None, "usr/bin/docker": None, "usr/bin/containerd": None,
    "usr/bin/containerd-shim-runc-v2": None, "usr/bin/runc": None, "usr/libexec/docker/docker-init": None,
    "usr/lib/systemd/system/docker.service": None, "usr/lib/systemd/system/docker.socket": None,
    "etc/systemd/system/docker.service": None, "etc/sysconfig/docker": None, "etc/docker/daemon.json": None,
    "var/lib/docker/x": None, "run/containerd/containerd.sock": None,
}


@pytest.fixture(scope="module")
def role_vars():
    loader = DataLoader()
    # ansible-core 2.19 templates only trusted text; 2.17 and 2.18 have no such argument.
    if "trusted_as_template" in inspect.signature(loader.load_from_file).parameters:
        variables = loader.load_from_file(ROLE_VARS, trusted_as_template=True)
    else:
        variables = loader.load_from_file(ROLE_VARS)
    templar = Templar(loader=loader, variables=variables)
    return {name: templar.template(variables[name])
            for name in ("__auditd_docker_watches", "__auditd_docker_probe_script")}


def build(root, layout):
    for name, target in layout.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if target is None:
            path.write_text("")
        else:
            path.symlink_to(target)


def watches_on(root, layout, role_vars):
    """The resolved watches for a host whose file system is ``layout``, with paths as on the host."""
    build(root, layout)
    table = role_vars["__auditd_docker_watches"]
    candidates = []
    for watch in table:
        candidates.extend(path for path in watch["paths"] if path not in candidates)
    probe = subprocess.run(["sh", "-c", role_vars["__auditd_docker_probe_script"], "sh"]
                           + [str(root) + path for path in candidates],
                           capture_output=True, text=True, check=True)
    real_root = os.path.realpath(str(root))
    found = {candidate[len(str(root)):]: real[len(real_root):]
             for candidate, real in parse_probe(probe.stdout).items()}
    return resolve_watches(table, found)


def rules(watches):
    """The rules the role loads."""
    return [watch["rule"] for watch in watches if watch["exists"] and not watch["after_boot"]]


def after_boot(watches):
    return [watch["path"] for watch in watches if watch["exists"] and watch["after_boot"]]


def skipped(watches):
    return [watch["path"] for watch in watches if not watch["exists"]]


def test_debian_docker_io_watches_the_real_binaries_and_dockerd_own_containerd_socket(tmp_path, role_vars):
    watches = watches_on(tmp_path, DEBIAN_DOCKER_IO, role_vars)
    assert rules(watches) == [
        "-w /usr/sbin/dockerd -p rwxa -k cis-docker-1.1.3 -k docker",
        "-w /usr/bin/docker -p wxa -k docker",
        "-w /var/lib/docker -p wa -k cis-docker-1.1.5 -k docker",
        "-w /etc/docker -p rwxa -k cis-docker-1.1.6 -k docker",
        # /lib is a link to usr/lib: one watch for both unit directories.
        "-w /usr/lib/systemd/system/docker.service -p rwxa -k cis-docker-1.1.7 -k docker",
        "-w /usr/lib/systemd/system/docker.socket -p rwxa -k cis-docker-1.1.9 -k docker",
        "-w /etc/default/docker -p rwxa -k cis-docker-1.1.10 -k docker",
        "-w /etc/containerd/config.toml -p rwxa -k cis-docker-1.1.12 -k docker",
        "-w /usr/bin/containerd -p rwxa -k cis-docker-1.1.14 -k docker",
        "-w /usr/bin/containerd-shim -p rwxa -k cis-docker-1.1.15 -k docker",
        "-w /usr/bin/containerd-shim-runc-v1 -p rwxa -k cis-docker-1.1.16 -k docker",
        "-w /usr/bin/containerd-shim-runc-v2 -p rwxa -k cis-docker-1.1.17 -k docker",
        # /usr/bin/runc is a link to ../sbin/runc, docker-init one to tini-static.
        "-w /usr/sbin/runc -p rwxa -k cis-docker-1.1.18 -k docker",
        "-w /usr/bin/tini-static -p wxa -k docker",
    ]
    assert skipped(watches) == ["/run/containerd", "/etc/docker/daemon.json", "/etc/sysconfig/docker"]
    # dockerd makes /run/docker/containerd after the rules load at boot.
    assert after_boot(watches) == ["/run/docker/containerd/containerd.sock"]


def test_a_file_comes_before_the_directory_that_holds_it(tmp_path, role_vars):
    """The kernel keys an event with the first matching rule: daemon.json's own control, not
    /etc/docker's; the containerd socket's, not /run/containerd's."""
    paths = [watch["path"] for watch in watches_on(tmp_path, DOCKER_CE, role_vars)]
    assert paths.index("/etc/docker/daemon.json") < paths.index("/etc/docker")
    assert paths.index("/run/containerd/containerd.sock") < paths.index("/run/containerd")


def test_docker_ce_without_merged_usr_keeps_units_under_lib(tmp_path, role_vars):
    watches = watches_on(tmp_path, DOCKER_CE, role_vars)
    by_control = {watch["keys"][0]: watch["path"] for watch in watches if watch["exists"] and not watch["after_boot"]}
    assert by_control["cis-docker-1.1.3"] == "/usr/bin/dockerd"
    assert by_control["cis-docker-1.1.4"] == "/run/containerd"
    assert by_control["cis-docker-1.1.7"] == "/lib/systemd/system/docker.service"
    assert "cis-docker-1.1.8" not in by_control
    assert after_boot(watches) == ["/run/containerd/containerd.sock"]
    assert by_control["cis-docker-1.1.11"] == "/etc/docker/daemon.json"
    assert by_control["cis-docker-1.1.17"] == "/usr/bin/containerd-shim-runc-v2"
    assert by_control["cis-docker-1.1.18"] == "/usr/bin/runc"
    assert "-w /usr/bin/docker-init -p wxa -k docker" in rules(watches)
    assert skipped(watches) == ["/etc/sysconfig/docker", "/usr/bin/containerd-shim",
                                "/usr/bin/containerd-shim-runc-v1"]


def test_rhel_watches_vendor_and_admin_units_and_sysconfig(tmp_path, role_vars):
    watches = watches_on(tmp_path, RHEL, role_vars)
    assert [watch["path"] for watch in watches if watch["cis"] == "1.1.7"] == [
        "/usr/lib/systemd/system/docker.service", "/etc/systemd/system/docker.service"]
    assert "-w /etc/sysconfig/docker -p rwxa -k cis-docker-1.1.13 -k docker" in rules(watches)
    assert "-w /usr/libexec/docker/docker-init -p wxa -k docker" in rules(watches)
    assert skipped(watches) == ["/etc/default/docker", "/etc/containerd/config.toml",
                                "/usr/bin/containerd-shim", "/usr/bin/containerd-shim-runc-v1"]


def test_a_host_without_docker_names_each_control_once(tmp_path, role_vars):
    watches = watches_on(tmp_path, {"etc/hostname": None}, role_vars)
    assert not rules(watches)
    assert [watch["rule"] for watch in watches][:2] == [
        "-w /usr/bin/dockerd -p rwxa -k cis-docker-1.1.3 -k docker", "-w /usr/bin/docker -p wxa -k docker"]
    assert len(watches) == len(role_vars["__auditd_docker_watches"])


def test_dangling_symlink_is_not_found_by_the_probe(tmp_path, role_vars):
    build(tmp_path, {"usr/bin/runc": "../sbin/runc"})
    probe = subprocess.run(["sh", "-c", role_vars["__auditd_docker_probe_script"], "sh", str(tmp_path / "usr/bin/runc")],
                           capture_output=True, text=True, check=True)
    assert probe.stdout == ""


@pytest.mark.parametrize("path, after", [
    ("/run/containerd", False), ("/run/containerd/containerd.sock", True),
    ("/run/docker/containerd/containerd.sock", True), ("/etc/docker/daemon.json", False), ("/run", False)])
def test_a_path_in_a_directory_a_service_makes_under_run_is_made_after_boot(path, after):
    assert made_after_boot(path) is after
