"""Checks that what the collection claims is what the compat lane proves (tests/compat/matrix).

meta/runtime.yml's requires_ansible starts at the matrix's oldest ansible-core minor and admits
every pinned release; the README names the minors and the Pythons proven; the execution
environment installs a proven minor on a proven controller Python. Each requirements-CORE.txt pins
an ansible-core of its own minor.

Usage: python check_claims.py REPO_ROOT (with PyYAML and packaging, as in tools.txt).
"""

import os
import re
import sys

import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version


def minor(text):
    return tuple(int(part) for part in text.split(".")[:2])


def dotted(version):
    return "%d.%d" % version


def read_matrix(root):
    rows = []
    with open(os.path.join(root, "tests/compat/matrix")) as handle:
        for line in handle:
            fields = line.split()
            if fields and not fields[0].startswith("#"):
                rows.append({"core": minor(fields[0]), "controller": minor(fields[1]),
                             "targets": [minor(f) for f in fields[3:]]})
    return rows


def pinned_core(root, core):
    path = os.path.join(root, "tests/compat/requirements-%s.txt" % dotted(core))
    with open(path) as handle:
        pins = re.findall(r"^ansible-core==(\S+)$", handle.read(), re.M)
    if len(pins) != 1 or minor(pins[0]) != core:
        raise SystemExit("%s: must pin exactly one ansible-core %s.x, found %s" % (path, dotted(core), pins))
    return Version(pins[0])


def check(root):
    rows = read_matrix(root)
    cores = [row["core"] for row in rows]
    oldest, newest = min(cores), max(cores)
    controllers = sorted({row["controller"] for row in rows})
    targets = sorted({t for row in rows for t in row["targets"]})
    errors = []

    with open(os.path.join(root, "meta/runtime.yml")) as handle:
        requires = SpecifierSet(yaml.safe_load(handle)["requires_ansible"])
    for core in cores:
        if pinned_core(root, core) not in requires:
            errors.append("meta/runtime.yml: requires_ansible %s excludes the proven ansible-core %s"
                          % (requires, pinned_core(root, core)))
    below = Version("%d.%d.99" % (oldest[0], oldest[1] - 1))
    if below in requires:
        errors.append("meta/runtime.yml: requires_ansible %s admits %s, older than the matrix's %s"
                      % (requires, below, dotted(oldest)))

    with open(os.path.join(root, "README.md")) as handle:
        readme = " ".join(handle.read().split())
    for claim in ("ansible-core %s or newer" % dotted(oldest),
                  "every minor from %s to %s" % (dotted(oldest), dotted(newest)),
                  "controller Python %s to %s" % (dotted(controllers[0]), dotted(controllers[-1])),
                  "Python %s to %s on the hosts" % (dotted(targets[0]), dotted(targets[-1]))):
        if claim not in readme:
            errors.append("README.md: does not say \"%s\", which the compat lane proves" % claim)

    with open(os.path.join(root, "execution-environment.yml")) as handle:
        dependencies = yaml.safe_load(handle)["dependencies"]
    match = re.match(r"ansible-core(.*)$", dependencies["ansible_core"]["package_pip"].replace(" ", ""))
    ee_core = SpecifierSet(match.group(1) if match else "")
    ee_python = minor(re.search(r"python(\d+\.\d+)$", dependencies["python_interpreter"]["python_path"]).group(1))
    outside = [Version("%d.%d.0" % (oldest[0], oldest[1] - 1)), Version("%d.%d.0" % (newest[0], newest[1] + 1))]
    if not match or any(version in ee_core for version in outside):
        errors.append("execution-environment.yml: ansible-core%s must stay within %s to %s"
                      % (ee_core, dotted(oldest), dotted(newest)))
    if ee_python not in controllers:
        errors.append("execution-environment.yml: Python %s is not a controller Python of the matrix (%s)"
                      % (dotted(ee_python), ", ".join(dotted(c) for c in controllers)))
    return errors


def main():
    errors = check(sys.argv[1])
    for error in errors:
        print(error)
    if errors:
        sys.exit(1)
    print("claims match tests/compat/matrix")


if __name__ == "__main__":
    main()
