# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one run of fleetaudit.auditd.augenrules does, decided from what it read.

The module reads (rule files, compiled file, kernel), then `plan_run` decides, then the module
reports and applies the plan. Deciding here, with no file or kernel access, is what lets every
decision (changed, check mode, immutable kernel, load or not, what a rollback puts back) be
tested without root on recorded inputs.
"""

from __future__ import annotations

import os

from ansible_collections.fleetaudit.auditd.plugins.module_utils.rules_compile import RULES_SUFFIX
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rules_drift import has_drift


def desired_files(current, contents, purge):
    """``{name: bytes}`` the rules directory should hold: the `current` files with `contents`
    (``{name: bytes}``) put in, and with `purge` no other ``*.rules`` file."""
    desired = dict(current)
    desired.update(contents)
    if purge:
        for name in current:
            if name.endswith(RULES_SUFFIX) and name not in contents:
                del desired[name]
    return desired


def changed_names(current, desired, managed, mode_of, mode):
    """Names whose content would change, names that would go, and `managed` names (the ones this
    run gives content for) whose mode (`mode_of(name)`) is not `mode`, in name order."""
    names = []
    for name in sorted(set(current) | set(desired)):
        if name not in desired or current.get(name) != desired[name]:
            names.append(name)
        elif name in managed and mode_of(name) != mode:
            names.append(name)
    return names


def pending_lines(drift):
    """What loading would change in the kernel, one line each: ``+`` rules, ``-`` rules, settings."""
    lines = ["+ " + line for line in drift["missing"]] + ["- " + line for line in drift["extra"]]
    if drift["reordered"]:
        lines.append("reorder the loaded rules")
    for name, values in drift["settings"].items():
        lines.append("%s %s (now %s)" % (name, values["expected"], values["actual"]))
    return lines


def kernel_facts(status, reason, drift, loaded_rules):
    """The result's kernel keys: from ``auditctl -s`` (`status`, or ``None`` and the `reason`),
    the `drift` of the kernel against the compiled rules and the number of rules it holds."""
    if status is None:
        return {"kernel_available": False, "kernel_unavailable_reason": reason, "kernel_changed": False,
                "immutable": False, "reboot_required": False, "pending": []}
    immutable = status["enabled"] == 2
    kernel_changed = has_drift(drift)
    return {"kernel_available": True, "drift": drift, "loaded_rules": loaded_rules, "enabled": status["enabled"],
            "immutable": immutable, "kernel_changed": kernel_changed,
            "reboot_required": immutable and kernel_changed,
            "pending": pending_lines(drift) if immutable and kernel_changed else []}


class Plan:
    """What a run does: `write` the files, `load` the kernel, and whether the task is `changed`."""

    __slots__ = ("changed", "write", "load")

    def __init__(self, changed, write, load):
        self.changed = changed
        self.write = write
        self.load = load

    def __repr__(self):
        return "Plan(changed=%r, write=%r, load=%r)" % (self.changed, self.write, self.load)


def plan_run(state, check_mode, files_changed, rules_changed, kernel, unparsed, recovered=False):
    """Decides a run.

    :param state: ``loaded``, ``compiled`` or ``checked``.
    :param files_changed: names in the rules directory that would change.
    :param rules_changed: whether the compiled file would change.
    :param kernel: `kernel_facts`.
    :param unparsed: whether lines were left unparsed (``validate: false``): auditctl judges
        them, so a changed compiled file holding any is loaded even when the parsed rules show
        no drift.
    :param recovered: whether this run repaired an interrupted one (a change of its own).

    Check mode and ``checked`` report exactly what a real run would change and do nothing; an
    immutable kernel is never loaded.
    """
    load = (state == "loaded" and kernel["kernel_available"] and not kernel["immutable"]
            and (kernel["kernel_changed"] or (rules_changed and unparsed)))
    kernel_would_change = state == "checked" and kernel["kernel_changed"] and not kernel["immutable"]
    changed = bool(files_changed or rules_changed or load or recovered or kernel_would_change)
    read_only = state == "checked" or check_mode
    write = not read_only and bool(files_changed or rules_changed or load)
    return Plan(changed, write, load and write)


def file_changes(rules_dir, names, current, desired, rules_file, previous, compiled, read_previous_backup):
    """``[(path, before, after), ...]`` in commit order: the rule files `names` (``None`` for no
    file), then, when the compiled file changes, its ``.prev`` (given the content it replaces,
    read by `read_previous_backup()`) and the compiled file itself."""
    changes = [(os.path.join(rules_dir, name), current.get(name), desired.get(name)) for name in names]
    if previous != compiled:
        if previous is not None:
            changes.append((rules_file + ".prev", read_previous_backup(), previous))
        changes.append((rules_file, previous, compiled))
    return changes


def immutable_failure(result, on_immutable):
    """The task's failure message when the rules wait for a reboot and `on_immutable` is ``fail``."""
    if result.get("reboot_required") and on_immutable == "fail":
        return "the kernel is immutable (enabled 2): the rules take effect only after a reboot"
    return None
