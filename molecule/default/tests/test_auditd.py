# Copyright: fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the converge left on each container: packages, auditd.conf, every rule file, the compiled
rules as augenrules sees them, and the role's report of a host without kernel audit."""

from __future__ import annotations

import json
import os
import posixpath

import pytest
import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")

RULES_DIR = "/etc/audit/rules.d"
SKIPPED_MARK = "# skipped by fleetaudit.auditd: "
# The audit version each Debian release ships (audit-userspace major.minor).
AUDIT_VERSION_BY_DEBIAN = {"12": "3.0", "13": "4.0"}
# The Docker paths prepare.yml creates; the docker bundle's other paths do not exist here.
DOCKER_PATHS_PRESENT = {"/etc/docker", "/etc/docker/daemon.json", "/etc/default/docker"}
# Where the auditd package keeps its example rule sets (Debian 12, Debian 13).
EXAMPLE_RULE_DIRS = ("/usr/share/doc/auditd/examples/rules", "/usr/share/doc/auditd/examples/audit-rules")


def active_lines(text):
    """The lines auditctl would read: no comments, no blank lines."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def rule_file(host, name):
    return host.file(posixpath.join(RULES_DIR, name)).content_string


def debian_major(host):
    return host.file("/etc/debian_version").content_string.strip().split(".")[0]


def test_systemd_runs_as_pid_1(host):
    assert host.file("/proc/1/comm").content_string.strip() == "systemd"


@pytest.mark.parametrize("package", ["auditd", "audispd-plugins"])
def test_audit_packages_installed_in_the_release_version(host, package):
    pkg = host.package(package)
    assert pkg.is_installed
    # Debian versions read "1:3.0.9-1": epoch, then upstream major.minor.
    upstream = pkg.version.split(":", 1)[-1]
    assert upstream.startswith(AUDIT_VERSION_BY_DEBIAN[debian_major(host)] + ".")


def test_auditd_conf_has_the_settings_over_the_role_defaults(host):
    conf = host.file("/etc/audit/auditd.conf")
    assert (conf.user, conf.group, conf.mode) == ("root", "root", 0o640)
    settings = {}
    for line in active_lines(conf.content_string):
        key, value = line.split("=", 1)
        assert key.strip() not in settings, "duplicate setting %s" % key
        settings[key.strip()] = value.strip()
    # Set by converge.yml's auditd_conf.
    assert settings["max_log_file"] == "16"
    assert settings["num_logs"] == "3"
    assert settings["space_left_action"] == "EMAIL"
    # The role's defaults that converge.yml leaves alone.
    assert settings["log_format"] == "ENRICHED"
    assert settings["max_log_file_action"] == "ROTATE"
    assert settings["log_file"] == "/var/log/audit/audit.log"


def test_rules_dir_holds_exactly_the_role_files(host):
    # The package's own rules.d/audit.rules is purged: the host loads only what the role wrote.
    names = set(host.run_expect([0], "ls -1 %s" % RULES_DIR).stdout.split())
    assert names == {
        "10-fleetaudit-base.rules",
        "30-fleetaudit-docker.rules",
        "30-fleetaudit-identity.rules",
        "43-module-load.rules",
        "70-fleetaudit-local.rules",
        "99-fleetaudit-finalize.rules",
    }
    for name in names:
        rules = host.file(posixpath.join(RULES_DIR, name))
        assert (rules.user, rules.group) == ("root", "root")
        assert rules.mode & 0o027 == 0, "%s is writable by its group or readable by others" % name


def test_base_bundle(host):
    assert active_lines(rule_file(host, "10-fleetaudit-base.rules")) == [
        "-D", "-b 16384", "-f 1", "--backlog_wait_time 60000"]


def test_identity_bundle(host):
    assert active_lines(rule_file(host, "30-fleetaudit-identity.rules")) == [
        "-w /etc/group -p wa -k identity",
        "-w /etc/passwd -p wa -k identity",
        "-w /etc/gshadow -p wa -k identity",
        "-w /etc/shadow -p wa -k identity",
        "-w /etc/security/opasswd -p wa -k identity",
    ]


def test_docker_bundle_watches_the_present_paths_and_leaves_out_the_others(host):
    text = rule_file(host, "30-fleetaudit-docker.rules")
    watched = {line.split()[1] for line in active_lines(text)}
    assert watched == DOCKER_PATHS_PRESENT
    skipped = [line[len(SKIPPED_MARK):] for line in text.splitlines() if line.startswith(SKIPPED_MARK)]
    for entry in skipped:
        path = entry.split(" does not exist: ", 1)[0]
        assert not host.file(path).exists, "%s exists but its rule was left out" % path
    # Every control of CIS Docker Benchmark 1.1.3 to 1.1.18 is in the file, loaded or left out.
    for control in range(3, 19):
        assert " -k cis-docker-1.1.%d " % control in text


def test_example_rule_set_is_the_package_file(host):
    example_dir = next(path for path in EXAMPLE_RULE_DIRS if host.file(path).is_directory)
    shipped = host.file(posixpath.join(example_dir, "43-module-load.rules")).content_string
    written = rule_file(host, "43-module-load.rules")
    assert active_lines(written) == active_lines(shipped)
    assert active_lines(written)


def test_local_rules_from_auditd_rules(host):
    assert active_lines(rule_file(host, "70-fleetaudit-local.rules")) == [
        "-w /etc/hosts -p wa -k molecule-hosts",
        "-a always,exit -F arch=b64 -S sethostname,setdomainname -k molecule-hostname",
        "-a always,exit -F arch=b32 -S sethostname,setdomainname -k molecule-hostname",
    ]


def test_finalize_enables_auditing_without_immutable_mode(host):
    assert active_lines(rule_file(host, "99-fleetaudit-finalize.rules")) == ["-e 1"]


def test_compiled_rules_are_what_augenrules_compiles(host):
    check = host.run_expect([0], "augenrules --check")
    assert "No change" in check.stdout, check.stdout + check.stderr
    compiled = active_lines(host.file("/etc/audit/audit.rules").content_string)
    # Control lines first (-D, -b, -f, backlog wait), the rules of the files in order, -e last.
    assert compiled[:4] == active_lines(rule_file(host, "10-fleetaudit-base.rules"))
    assert compiled[-1] == "-e 1"
    rules = []
    for name in sorted(host.run_expect([0], "ls -1 %s" % RULES_DIR).stdout.split())[1:-1]:
        rules += active_lines(rule_file(host, name))
    assert compiled[4:-1] == rules


def test_role_reported_no_kernel_audit_without_failing(host):
    report = json.loads(host.file("/etc/ansible/facts.d/molecule_auditd.fact").content_string)
    assert report["kernel_available"] is False
    assert report["kernel_unavailable_reason"]
    assert report["reboot_required"] is False
    # The rules the role reported as left out are exactly those commented out in the files.
    commented = []
    for name in host.run_expect([0], "ls -1 %s" % RULES_DIR).stdout.split():
        commented += [line.split(": ", 2)[2] for line in rule_file(host, name).splitlines()
                      if line.startswith(SKIPPED_MARK)]
    assert report["skipped_rules"] == sorted(commented)
    assert commented


def test_role_read_the_platform_as_the_setup_module_gives_it(host):
    """Debian 12 and 13 are read from uname -m and os-release, without the setup module."""
    report = json.loads(host.file("/etc/ansible/facts.d/molecule_auditd.fact").content_string)
    assert report["setup_ran"] is False
    facts = host.ansible("setup", "gather_subset=!all,!min,distribution,platform")["ansible_facts"]
    assert report["platform"] == {name: facts["ansible_" + name] for name in
                                  ("os_family", "distribution", "distribution_major_version", "architecture")}
