#!/usr/bin/python
# Copyright: (c) 2026, fleetaudit maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: augenrules
short_description: Compile, validate, check and load audit rules against the kernel's real state
version_added: 1.0.0
author:
  - fleetaudit maintainers (@fleetaudit)
description:
  - Does in one call what C(augenrules --load) does, and what it does not.
  - Writes rule files into O(rules_dir), validates every rule before anything is written (file name,
    line, rule and reason for each one auditctl would refuse, or the kernel would take differently
    than written, such as a number past 32 bits or a NUL in a key), compiles them into O(rules_file)
    byte for byte as the host's own C(augenrules) would, and makes the kernel's rules equal to it.
  - Compares the compiled rules with the kernel's (C(auditctl -l) and C(auditctl -s)) on a
    canonical form, so that rules auditctl rewrites when it lists them show no false drift.
  - Loads with C(auditctl -R) the compiled file preceded by C(-D), passed through a file without a
    name (nothing is left in C(/tmp) when the run is killed), then reads the kernel back. A load
    that fails part-way is rolled back (rule files, compiled file, kernel rules and settings as
    they were), the kernel is read back to check that it holds what it held before, and the task
    fails with auditctl's message.
  - One run at a time per host, whatever its O(state), by an exclusive C(flock) on
    C(/run/fleetaudit-augenrules/lock), held from reading the files and the kernel to verifying
    the load. The lock file names its holder (PID, since when, which state). A second run waits
    up to O(lock_timeout) seconds, then fails naming the holder. Check mode and V(checked) take
    the same exclusive lock, so that they never read files or a kernel half-way through a load;
    exclusive rather than shared because a steady stream of read-only checks would otherwise
    keep a loading run waiting (C(flock) gives no priority to writers), and so that the lock file
    always names its one holder. C(auditctl) inherits the lock, so a C(auditctl) that outlives a
    killed run keeps the next run waiting until it is done.
  - All writes of a run succeed or none remain. Every new rule file, the compiled file and its
    C(.prev) are first written to hidden temporary files beside them (C(.fleetaudit-augenrules.*),
    which C(augenrules) ignores), so that a full disk fails there, naming the path, before
    anything is renamed; then they are renamed into place, and any error puts back what was
    renamed.
  - Before its first change a run records what it found and what it changes (rule files,
    compiled file, the kernel's rules and settings) in C(/run/fleetaudit-augenrules/intent.json),
    written atomically, and removes the record once the kernel is verified. A run that finds a
    record left by an interrupted run (killed, or host crash without reboot) repairs it first,
    warns, and returns RV(recovered) - it writes the interrupted run's files and loads its
    compiled file (the files may already hold them), and when that load fails, or when the
    interrupted run had already failed its load, puts back the files and kernel as that run found
    them. Files, compiled file and kernel agree afterwards, read back. Check mode and V(checked)
    only report the record. The record is under C(/run) because a reboot loads the kernel from
    the compiled file anyway.
  - Immutable mode (C(enabled 2)) is read from C(auditctl -s), never guessed from exit codes. The
    files are written, nothing is loaded, and RV(reboot_required) and RV(pending) say what waits
    for a reboot.
  - Without kernel audit (a container, a kernel without audit) the files are still validated and
    managed, and RV(kernel_available=false) says why; the task does not fail.
attributes:
  check_mode:
    support: full
    description: Writes and loads nothing, and reports exactly what a real run would change.
  diff_mode:
    support: full
    description: Returns the compiled file before and after.
options:
  state:
    description:
      - V(loaded) writes the files and the compiled file and makes the kernel match it.
      - V(compiled) writes the files and the compiled file only, like plain C(augenrules).
      - V(checked) writes nothing, ever, and reports what would change, in the files and in the
        kernel, like C(augenrules --check) but also against the kernel.
    type: str
    choices: [loaded, compiled, checked]
    default: loaded
  rules_dir:
    description: Directory of the rule files that are compiled (only C(*.rules) files are).
    type: path
    default: /etc/audit/rules.d
  rules_file:
    description:
      - The compiled rules file. The previous one is kept as C(<rules_file>.prev), as
        C(augenrules) does.
      - Its directory must exist, and must not be O(rules_dir) (the next compile would read it as
        a rule file); both are refused before anything is written, as is an O(rules_dir) that is
        not a directory.
    type: path
    default: /etc/audit/audit.rules
  files:
    description:
      - Rule files to place in O(rules_dir) before compiling, file name to content.
      - Names must end in C(.rules) and contain no C(/) or whitespace. A final newline is added to
        content that lacks one (C(augenrules) would otherwise join its last line with the next
        file's first).
      - Written atomically, mode C(0640).
    type: dict
    default: {}
  host_files:
    description:
      - Rule files to copy into O(rules_dir) from files already on the managed host, as
        file name to path, for example the example rule sets the auditd package ships.
      - A path ending in C(.gz) is decompressed. Handled exactly like O(files) entries.
    type: dict
    default: {}
  purge:
    description: Remove the C(*.rules) files in O(rules_dir) that O(files) and O(host_files) do not name.
    type: bool
    default: false
  allow_empty:
    description:
      - Allow rules that hold no rule and no setting (for example O(files={}) with O(purge=true),
        which removes every rule file). Loading them removes every rule from the kernel.
      - Without it such rules are refused, with V(loaded) and V(compiled), before anything is
        written. V(checked) reports them.
    type: bool
    default: false
  lock_timeout:
    description:
      - Seconds to wait for another run on the same host to release the lock
        C(/run/fleetaudit-augenrules/lock), after which the task fails naming that run's PID and
        since when it holds the lock. V(0) fails at once.
    type: int
    default: 60
  missing_paths:
    description:
      - What to do with a rule in O(files) or O(host_files) that watches a path missing on the host.
      - V(fail) makes the rules auditctl would refuse (C(-w) or C(-F path=) whose parent directory is
        missing, C(-F dir=) whose directory is missing) validation errors.
      - V(skip) writes every rule whose watched path does not exist commented out (a line
        C(# skipped by fleetaudit.auditd) that names the path and keeps the rule), and lists it in
        RV(skipped_rules).
      - Files already in O(rules_dir) that O(files) does not name are always checked as with V(fail).
    type: str
    choices: [fail, skip]
    default: fail
  duplicates:
    description:
      - What to do with a rule that an earlier file already has, in the same canonical form (the
        kernel refuses the second copy, "Rule exists", and C(auditctl -R) stops there).
      - V(fail) makes every copy a validation error that names the first one.
      - "V(merge) loads the rule once: each later copy in a file of O(files) or O(host_files) is written
        commented out (a line C(# merged by fleetaudit.auditd) that names the copy that stays as
        C(FILE:LINE) and keeps the rule) and listed in RV(merged_rules). This is how bundles combine
        with the example sets the audit package ships, which repeat the same rules."
      - Two copies in one file stay an error either way (that file contradicts itself, and a second
        copy is most likely a typo for another path or key), as does a copy in a file of O(rules_dir)
        that this task does not write (the module does not rewrite files it was not given).
      - The default is V(fail) because the module writes the files it is given as they are unless told
        otherwise, as with O(missing_paths); the P(fleetaudit.auditd.auditd#role) role merges by default.
    type: str
    choices: [fail, merge]
    default: fail
  on_immutable:
    description:
      - When the kernel is immutable and its rules differ from the compiled file, V(report) returns
        RV(reboot_required=true) and V(fail) fails the task (after writing the files).
    type: str
    choices: [report, fail]
    default: report
  validate:
    description:
      - Validate every rule before writing anything. Without validation the lines are not
        judged here, and a compiled file that changed is loaded with C(auditctl -R) even when the
        rules that parse show no drift, so a line C(auditctl) refuses fails the load and it is
        rolled back.
      - With or without validation, C(-W) or C(-d) deleting a rule that the compiled file does
        not load before it is refused at file and line (C(auditctl -R) of the compiled file, as at
        every boot, stops at that line and loads none of the rules after it). A deletion of a rule
        loaded earlier in the compiled file is accepted.
      - With C(-i) or C(-c) in the rules C(auditctl -R) goes on past the rules it refuses and
        exits 0; when the kernel read back lacks rules, the load is rolled back and the task fails
        naming the skipped rules.
    type: bool
    default: true
notes:
  - Requires C(auditctl) (the auditd package) on the managed host; run as root.
  - A syscall rule is validated against the syscall tables of the host's architecture and its
    32-bit personality, looked up in the host's libaudit (the library auditctl uses), or with
    C(ausyscall --dump) where libaudit cannot be loaded.
seealso:
  - module: fleetaudit.auditd.auditd_info
"""

EXAMPLES = r"""
- name: Converge all rule files, compile and load them in one call
  fleetaudit.auditd.augenrules:
    files:
      10-base.rules: |
        -D
        -b 8192
        -f 1
      50-identity.rules: |
        -w /etc/passwd -p wa -k identity
        -w /etc/group -p wa -k identity
    host_files:
      30-stig.rules: /usr/share/doc/auditd/examples/rules/30-stig.rules
    missing_paths: skip
    duplicates: merge
    purge: true

- name: Report drift between the compiled rules and the kernel, change nothing
  fleetaudit.auditd.augenrules:
    state: checked
  register: audit_rules

- name: Fail when a reboot is needed for the rules to take effect
  fleetaudit.auditd.augenrules:
    on_immutable: fail
"""

RETURN = r"""
rules_changed:
  description: Whether the compiled file differs (or differed) from what the rules compile to.
  returned: always
  type: bool
kernel_changed:
  description: Whether the kernel's rules or settings differ (or differed) from the compiled file.
  returned: always
  type: bool
files_changed:
  description: Names of the files in O(rules_dir) written or removed (or that would be).
  returned: always
  type: list
  elements: str
compiled_file:
  description: Path of the compiled rules file.
  returned: always
  type: str
kernel_available:
  description: Whether the kernel's audit state can be read (false in a container).
  returned: always
  type: bool
kernel_unavailable_reason:
  description: Why the kernel's audit state cannot be read.
  returned: when RV(kernel_available) is false
  type: str
enabled:
  description: The kernel's C(enabled) value after the run (0, 1, or 2 for immutable).
  returned: when RV(kernel_available) is true
  type: int
immutable:
  description: Whether the kernel is in immutable mode (C(enabled 2)).
  returned: always
  type: bool
reboot_required:
  description: Whether rules or settings differ that only a reboot can load (immutable kernel).
  returned: always
  type: bool
pending:
  description:
    - What takes effect only after a reboot, one line each, C(+ RULE) for a rule to load,
      C(- RULE) for a loaded rule to go (rules as C(auditctl -l) prints them), and
      C(NAME VALUE (now VALUE)) for a kernel setting.
  returned: always
  type: list
  elements: str
drift:
  description:
    - How the kernel differed from the compiled file before this run (for V(checked) and check
      mode, how it differs).
    - C(missing) are compiled rules absent from the kernel, C(extra) kernel rules absent from the
      compiled file (both as C(auditctl -l) prints them), C(reordered) whether the same rules are
      loaded in another order, C(settings) the kernel settings (C(backlog_limit), C(failure),
      C(rate_limit), C(backlog_wait_time), C(enabled)) that differ, with C(expected) and C(actual).
  returned: when RV(kernel_available) is true
  type: dict
  sample:
    missing: ["-w /etc/passwd -p wa -k identity"]
    extra: ["-a always,exit -F arch=b64 -S open -F key=out-of-band"]
    reordered: false
    settings: {backlog_limit: {expected: 8192, actual: 64}}
drift_after_load:
  description:
    - How the kernel still differs from the compiled file after this run loaded it and read it
      back (same form as RV(drift)); the task warns and does not fail. Usually a rule that the
      kernel keeps in another form than C(auditctl -l) can show.
  returned: when the run loaded the kernel and the kernel still differs
  type: dict
  sample:
    missing: []
    extra: []
    reordered: true
    settings: {}
loaded_rules:
  description: Number of rules in the kernel after the run.
  returned: when RV(kernel_available) is true
  type: int
skipped_rules:
  description: Rules written commented out because of O(missing_paths=skip).
  returned: always
  type: list
  elements: dict
  sample: [{file: 30-stig.rules, line: 63, path: /etc/NetworkManager/,
            rule: "-a always,exit -F dir=/etc/NetworkManager/ -F perm=wa -F key=system-locale",
            reason: /etc/NetworkManager/ does not exist}]
merged_rules:
  description:
    - Later copies of a rule written commented out because of O(duplicates=merge), each with
      C(kept_at), the C(FILE:LINE) of the copy that is loaded.
  returned: always
  type: list
  elements: dict
  sample: [{file: 30-stig.rules, line: 51, rule: "-w /etc/localtime -p wa -k time-change",
            kept_at: "30-fleetaudit-time_change.rules:4"}]
shadowed_rules:
  description:
    - Rules that can never match, because an earlier rule of the same kernel filter list matches every
      event they would (the kernel stops at the first matching rule, so their key is never recorded).
      Each names the rule that wins as C(shadowed_by) (C(FILE:LINE)) and C(shadowing_rule), and says
      why in C(reason). They are loaded, and reported with a warning; this is not an error.
    - Found for watches of the same file (C(-w), C(-F path=)), directory watches (C(-w DIR), C(-F dir=))
      of the same directory or of one below, and syscall rules on the exit list whose syscalls and
      conditions an earlier rule covers. Rules of other lists are not examined.
  returned: always
  type: list
  elements: dict
  sample: [{file: 70-fleetaudit-local.rules, line: 2, rule: "-w /etc/hosts -p wa -k hosts",
            shadowed_by: "30-stig.rules:86", shadowing_rule: "-w /etc/hosts -p wa -k system-locale",
            reason: "never matches: the kernel stops at the first matching rule, and 30-stig.rules:86 matches
              every event this rule would; its events are recorded with key system-locale, never with key hosts"}]
recovered:
  description:
    - The record of an interrupted run found by this run (see the description), with C(pid) and
      C(started) of that run, C(phase) (V(loading), or V(rolling back) when its load had failed),
      C(files) (the paths it was changing) and C(outcome) - V(finished) (its files written and
      its compiled file loaded), V(rolled back) (files and kernel as it found them), V(pending)
      (check mode and V(checked) change nothing; a real run repairs it) or V(failed) (the task
      fails and the record stays for the next run).
  returned: when an interrupted run was found
  type: dict
  sample: {pid: 4242, started: "2026-12-04T23:10:00Z", phase: loading,
           files: [/etc/audit/rules.d/50-local.rules, /etc/audit/audit.rules.prev, /etc/audit/audit.rules],
           outcome: finished}
errors:
  description:
    - Every rule refused by validation, with C(file), C(line), C(rule) and C(reason); a copy of an
      earlier rule also has C(kept_at), the C(FILE:LINE) of the first copy.
  returned: on validation failure
  type: list
  elements: dict
diff:
  description: The compiled file before and after.
  returned: in diff mode
  type: dict
"""

import errno
import functools
import gzip
import os
import re
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.fleetaudit.auditd.plugins.module_utils.auditctl_output import parse_rule_listing
from ansible_collections.fleetaudit.auditd.plugins.module_utils.host_io import COMMAND_ENVIRONMENT, kernel_status
from ansible_collections.fleetaudit.auditd.plugins.module_utils.libaudit import load_library, syscall_table
from ansible_collections.fleetaudit.auditd.plugins.module_utils.load_transaction import (
    FILE_MODE,
    LOCK_NAME,
    STATE_DIR,
    FileTransaction,
    Intent,
    IntentStore,
    LockBusy,
    RunLock,
    TransactionError,
    check_rule_paths,
    ignoring_errors,
    is_empty_policy,
    transaction_errors,
)
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rule_check import format_errors, skip_missing_paths, validate_lines
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rules_compile import (
    RULES_SUFFIX,
    AugenrulesFlavour,
    CompiledLine,
    awk_whitespace_matters,
    compile_rules,
    rules_file_names,
)
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rules_drift import (
    expected_state,
    has_drift,
    listing_matches,
    parse_kernel_rules,
    rule_drift,
    settings_drift,
)
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rules_overlap import (
    format_shadowed,
    merge_duplicates,
    shadowed_rules,
)
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rules_plan import (
    changed_names,
    desired_files,
    file_changes,
    immutable_failure,
    kernel_facts,
    pending_lines,
    plan_run,
)
from ansible_collections.fleetaudit.auditd.plugins.module_utils.syscalls import SyscallTables

ENCODING = "utf-8"
# Tells whether this host's awk reads "\s" as whitespace (gawk) or as the letter s (mawk).
AWK_PROBE = 'BEGIN { if (match(" ", "^\\\\s$")) print "class"; else print "literal" }'
# The kernel settings a restore puts back, as `auditctl -s` names them, with their option.
KERNEL_SETTINGS = (("-b", "backlog_limit"), ("-f", "failure"), ("-r", "rate_limit"),
                   ("--backlog_wait_time", "backlog_wait_time"))
_LOAD_ERROR_LINE = re.compile(r"error in line (\d+)")
_VALID_NAME = re.compile(r"^[^/\s]+$")


def _decode(data):
    return data.decode(ENCODING, "surrogateescape")


def _encode(text):
    return text.encode(ENCODING, "surrogateescape")


class AuditHost:
    """The audit tools of the managed host, run through the module.

    Every command inherits `keep_fds` (the run lock): an ``auditctl`` that outlives a killed
    module still holds the lock, so that the next run cannot read the kernel half-loaded.
    """

    def __init__(self, module, keep_fds=(), library_loader=load_library):
        self.module = module
        self.keep_fds = tuple(keep_fds)
        self.auditctl = module.get_bin_path("auditctl", opt_dirs=["/sbin", "/usr/sbin"])
        self.library = library_loader()
        # ausyscall is needed only where libaudit cannot be loaded.
        self.ausyscall = None
        if self.library is None:
            self.ausyscall = module.get_bin_path("ausyscall", required=True, opt_dirs=["/sbin", "/usr/sbin"])
        self.tables = self.syscall_tables()

    def run(self, args, check=True, pass_fds=()):
        rc, out, err = self.module.run_command(args, environ_update=COMMAND_ENVIRONMENT,
                                               pass_fds=self.keep_fds + tuple(pass_fds))
        if check and rc != 0:
            self.module.fail_json(msg="%s failed (exit %d): %s" % (" ".join(args), rc, (err or out).strip()))
        return rc, out, err

    def syscall_tables(self):
        """Syscall tables of the host's personality and, on a 64-bit host, of its 32-bit one,
        looked up in libaudit, or else each read from ``ausyscall`` when a rule first needs it."""
        machine = os.uname()[4]
        own_bits = SyscallTables.machine_bits(machine)
        personalities = (own_bits, 32) if own_bits == 64 else (own_bits,)
        if self.library is not None:
            return SyscallTables(machine, {bits: functools.partial(syscall_table, self.library, bits)
                                           for bits in personalities})

        def dump(bits):
            args = [self.ausyscall, "--dump"] if bits == own_bits else [self.ausyscall, "b32", "--dump"]
            rc, out, _err = self.run(args, check=bits == own_bits)
            return SyscallTables.parse_dump(out) if rc == 0 else None

        return SyscallTables(machine, {bits: functools.partial(dump, bits) for bits in personalities})

    def flavour(self, files):
        """How the host's augenrules compiles `files` (``[(name, text), ...]``)."""
        augenrules = self.module.get_bin_path("augenrules", opt_dirs=["/sbin", "/usr/sbin"])
        script = ""
        if augenrules:
            with open(augenrules, "rb") as handle:
                script = _decode(handle.read())
        awk = self.module.get_bin_path("awk")
        whitespace = "literal"
        if awk and awk_whitespace_matters(files):
            rc, out, _err = self.run([awk, AWK_PROBE], check=False)
            whitespace = "class" if rc == 0 and out.strip() == "class" else "literal"
        return AugenrulesFlavour.from_script(script, whitespace)

    def status(self):
        """``(status dict, None)`` or ``(None, reason)`` when the kernel's audit is out of reach."""
        return kernel_status(self.module, self.auditctl)

    def rule_lines(self):
        return parse_rule_listing(self.run([self.auditctl, "-l"])[1])

    def load(self, text):
        """``auditctl -R`` on `text`; returns (rc, message).

        The text goes through a file without a name (``O_TMPFILE``, or unlinked at once), read
        by auditctl as ``/proc/self/fd/N``: nothing is left behind when the run is killed.
        """
        with tempfile.TemporaryFile(dir=STATE_DIR) as stream:
            stream.write(_encode(text))
            stream.flush()
            fd = stream.fileno()
            rc, out, err = self.run([self.auditctl, "-R", "/proc/self/fd/%d" % fd], check=False, pass_fds=(fd,))
        # auditctl's errors go to stderr; stdout holds the status it prints after each control rule.
        return rc, err.strip() or out.strip()

    def flush(self):
        """``auditctl -D`` until the kernel lists no rules; returns a problem or ``None``.

        auditctl deletes the rules it listed one by one, and fails ("Error deleting rule (No such
        file or directory)") when another process deleted one of them meanwhile; with no rules it
        prints "No rules" and succeeds (audit 3.0.9).
        """
        err = ""
        for _attempt in range(3):
            _rc, _out, err = self.run([self.auditctl, "-D"], check=False)
            if not self.rule_lines():
                return None
        return "auditctl -D left rules in the kernel: %s" % err.strip()

    def restore_kernel(self, listing, status):
        """Puts back rules (an ``auditctl -l`` listing) and settings read before, then reads the
        kernel back; returns what is still not as it was (nothing when all is back)."""
        problems = []
        problem = self.flush()
        if problem:
            problems.append(problem)
        for option, name in KERNEL_SETTINGS:
            if name in status:
                self.run([self.auditctl, option, str(status[name])], check=False)
        rules = parse_kernel_rules(listing, self.tables)
        if rules:
            rc, message = self.load("".join(rule.loadable + "\n" for rule in rules))
            if rc != 0:
                problems.append("reloading the previous rules: %s" % message)
        if status.get("enabled") in (0, 1):
            self.run([self.auditctl, "-e", str(status["enabled"])], check=False)
        return problems + self.differences(listing, status)

    def differences(self, listing, status):
        """How the kernel, read now, differs from `listing` and `status` read before."""
        now_status, reason = self.status()
        if now_status is None:
            return ["cannot read the kernel back: %s" % reason]
        now = self.rule_lines()
        problems = []
        drift = rule_drift(parse_kernel_rules(listing, self.tables), parse_kernel_rules(now, self.tables))
        if has_drift(drift):
            problems.append("the kernel holds %d rules: %d of the %d before are missing, %d are extra%s"
                            % (len(now), len(drift["missing"]), len(listing), len(drift["extra"]),
                               ", and they are in another order" if drift["reordered"] else ""))
        for name in [name for _option, name in KERNEL_SETTINGS] + ["enabled"]:
            if name in status and now_status.get(name) != status[name]:
                problems.append("%s is %s, was %s" % (name, now_status.get(name), status[name]))
        return problems


class RulesDirectory:
    """The files of the rules directory as they are: ``current`` is ``{name: bytes}``."""

    def __init__(self, path):
        self.path = path
        self.current = {}
        if os.path.isdir(path):
            for name in os.listdir(path):
                full = os.path.join(path, name)
                if os.path.isfile(full):
                    with open(full, "rb") as handle:
                        self.current[name] = handle.read()

    def mode(self, name):
        return os.stat(os.path.join(self.path, name)).st_mode & 0o7777


def rule_texts(files):
    """``[(name, text), ...]`` of the files (``{name: bytes}``) augenrules reads, in its order."""
    return [(name, _decode(files[name])) for name in rules_file_names(files)]


def read_file(path):
    """A file's bytes, or ``None`` when there is none."""
    if not os.path.exists(path):
        return None
    with open(path, "rb") as handle:
        return handle.read()


def read_host_file(module, path):
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as handle:
                return handle.read()
        with open(path, "rb") as handle:
            return handle.read()
    except (IOError, OSError) as error:
        module.fail_json(msg="cannot read host file %s: %s" % (path, to_native(error)))


def desired_contents(module):
    """``{name: text}`` from `files` and `host_files`, names checked."""
    contents = {}
    for option in ("files", "host_files"):
        for name, value in module.params[option].items():
            if not _VALID_NAME.match(name) or name.startswith("."):
                module.fail_json(msg="%s: %r is not a plain file name (no /, no whitespace, not hidden)" % (option, name))
            if not name.endswith(RULES_SUFFIX):
                module.fail_json(msg="%s: %r does not end in %s: augenrules would ignore it" % (option, name, RULES_SUFFIX))
            if name in contents:
                module.fail_json(msg="%r is named in both files and host_files" % name)
            if option == "files":
                text = "" if value is None else str(value)
            else:
                text = _decode(read_host_file(module, str(value)))
            if text and not text.endswith("\n"):
                text += "\n"
            contents[name] = text
    return contents


def parse_compiled(text, source, tables):
    """The parsed rules of a compiled file's text, ``[(line, rule), ...]``."""
    lines = [CompiledLine(line, source, number) for number, line in enumerate(text.split("\n"), 1)]
    return validate_lines(lines, tables, check_paths=False)[0]


def kernel_report(host, status, parsed):
    """Drift of the kernel against the parsed compiled rules, and the kernel's rules as
    ``auditctl -l`` lists them."""
    expected_rules, expected_settings = expected_state([rule for _line, rule in parsed])
    listing = host.rule_lines()
    if listing_matches(expected_rules, listing):
        drift = {"missing": [], "extra": [], "reordered": False}
    else:
        drift = rule_drift(expected_rules, parse_kernel_rules(listing, host.tables))
    drift["settings"] = settings_drift(expected_settings, status)
    return drift, listing


def load_failure_position(message, origins):
    """``FILE:LINE`` of the rule auditctl refused, from "error in line N" of our load file."""
    match = _LOAD_ERROR_LINE.search(message)
    if not match:
        return None
    # The load file is "-D" followed by the compiled file.
    index = int(match.group(1)) - 2
    if 0 <= index < len(origins) and origins[index] is not None:
        origin = origins[index]
        return "%s:%d: %s" % (origin.source, origin.line, origin.text)
    return None


def take_lock(module, read_only):
    """The host's run lock (`RunLock`), or ``None`` for a read-only run that may not take it."""
    params = module.params
    path = os.path.join(STATE_DIR, LOCK_NAME)
    what = "fleetaudit.auditd.augenrules state=%s%s" % (params["state"], ", check mode" if module.check_mode else "")
    try:
        if not os.path.isdir(STATE_DIR):
            os.makedirs(STATE_DIR, 0o700)
        return RunLock(path).acquire(params["lock_timeout"], what)
    except LockBusy as busy:
        module.fail_json(msg="another run holds %s: %s; waited %d s (lock_timeout), nothing changed"
                         % (path, busy, params["lock_timeout"]))
    except (IOError, OSError) as error:
        if read_only and error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            module.warn("cannot take the lock %s (%s): reading without it, and without looking for an "
                        "interrupted run" % (path, to_native(error)))
            return None
        module.fail_json(msg="cannot take the lock %s: %s" % (path, to_native(error)))


def rewrite(changes):
    """Writes ``[(path, content or None)]`` all or none; returns the problems."""
    transaction = FileTransaction(changes)
    try:
        transaction.prepare()
        transaction.commit()
    except TransactionError as error:
        return [str(error)]
    return transaction.finish()


def repair(host, intent):
    """Finishes the interrupted run of `intent`, or puts back what it found when that fails or
    when its load had already failed. Returns ``(outcome, problems, whether the kernel was
    loaded and read back)``."""
    for temporary in intent.temporaries():
        if os.path.lexists(temporary):
            os.unlink(temporary)
    status, _reason = host.status()
    kernel = status is not None and status["enabled"] != 2 and intent.kernel is not None
    failure = None
    if intent.phase != "rolling back":
        problems = rewrite(intent.changes_to("after"))
        if problems:
            return "failed", problems, False
        if not (intent.load and kernel):
            return "finished", [], False
        text = _decode(intent.compiled)
        rc, message = host.load("-D\n" + text)
        drift = compiled_drift(host, text)
        if rc == 0 and not drift:
            return "finished", [], True
        failure = "loading its rules failed: %s" % (message or "; ".join(drift))
    problems = rewrite(intent.changes_to("before"))
    if intent.load and kernel:
        problems += host.restore_kernel(intent.kernel["rules"], intent.kernel["status"])
    if failure:
        host.module.warn("the interrupted run's %s" % failure)
    return "rolled back", problems, intent.load and kernel


def compiled_drift(host, text):
    """How the kernel differs from a compiled file's text, as `pending_lines`."""
    status, reason = host.status()
    if status is None:
        return ["cannot read the kernel: %s" % reason]
    drift, _listing = kernel_report(host, status, parse_compiled(text, "compiled file", host.tables))
    return pending_lines(drift) if has_drift(drift) else []


def recover_interrupted(module, host, store, read_only, result):
    """Finds the record of a run that was interrupted between its first change and its verified
    load, and finishes or rolls back that run (a read-only run only reports it)."""
    try:
        intent = store.read()
    except TransactionError as error:
        module.fail_json(msg=str(error))
    if intent is None:
        return
    found = "an interrupted run (PID %d, started %s) left an unfinished change of %s" % (
        intent.pid, intent.started, ", ".join(intent.summary()["files"]) or "the kernel's rules")
    if read_only:
        result["recovered"] = dict(intent.summary(), outcome="pending")
        module.warn("%s: a run not in check mode finishes it or rolls it back" % found)
        return
    outcome, problems, kernel_checked = repair(host, intent)
    if problems:
        module.fail_json(msg="%s; repairing it failed: %s (the record %s is kept for the next run)"
                         % (found, "; ".join(problems), store.path), recovered=dict(intent.summary(), outcome="failed"))
    forget(module, store)
    result["recovered"] = dict(intent.summary(), outcome=outcome)
    module.warn("%s: %s%s" % (found, "finished it" if outcome == "finished" else "put back what it found",
                              ", the kernel read back" if kernel_checked else " (files only: the kernel was not loaded)"))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type="str", default="loaded", choices=["loaded", "compiled", "checked"]),
            rules_dir=dict(type="path", default="/etc/audit/rules.d"),
            rules_file=dict(type="path", default="/etc/audit/audit.rules"),
            files=dict(type="dict", default={}),
            host_files=dict(type="dict", default={}),
            purge=dict(type="bool", default=False),
            allow_empty=dict(type="bool", default=False),
            missing_paths=dict(type="str", default="fail", choices=["fail", "skip"]),
            duplicates=dict(type="str", default="fail", choices=["fail", "merge"]),
            on_immutable=dict(type="str", default="report", choices=["report", "fail"]),
            validate=dict(type="bool", default=True),
            lock_timeout=dict(type="int", default=60),
        ),
        supports_check_mode=True,
    )
    params = module.params
    state = params["state"]
    rules_file = params["rules_file"]
    problem = check_rule_paths(params["rules_dir"], rules_file)
    if problem:
        module.fail_json(msg="%s; nothing changed" % problem)
    read_only = state == "checked" or module.check_mode
    lock = take_lock(module, read_only)
    host = AuditHost(module, keep_fds=(lock.fd,) if lock else ())
    store = IntentStore()
    result = dict(changed=False, compiled_file=rules_file)
    if lock is not None:
        recover_interrupted(module, host, store, read_only, result)

    # Read: the rule files as they are and as they should be, compiled and validated.
    directory = RulesDirectory(params["rules_dir"])
    contents = desired_contents(module)
    skipped = []
    if params["missing_paths"] == "skip":
        for name in sorted(contents):
            contents[name], skipped_here = skip_missing_paths(name, contents[name], host.tables)
            skipped.extend(skipped_here)
    desired = desired_files(directory.current, dict((name, _encode(text)) for name, text in contents.items()),
                            params["purge"])
    texts = rule_texts(desired)
    flavour = host.flavour(texts)
    compiled, origins = compile_rules(texts, params["rules_dir"], flavour)
    parsed, errors = validate_lines([line for line in origins if line is not None], host.tables,
                                    check_paths=params["validate"])
    merged = []
    if params["duplicates"] == "merge":
        merged_texts, merged, errors = merge_duplicates(contents, errors)
        if merged_texts:
            desired.update((name, _encode(text)) for name, text in merged_texts.items())
            # The copies merged are not in `parsed`: validation left them out.
            texts = rule_texts(desired)
            compiled, origins = compile_rules(texts, params["rules_dir"], flavour)
    shadowed = shadowed_rules(parsed)
    result.update(skipped_rules=skipped, merged_rules=merged, shadowed_rules=shadowed)
    refuse_invalid(module, params, result, errors, parsed, texts, origins, contents)
    if shadowed:
        module.warn("%d audit rule(s) can never match, an earlier rule matches first: %s"
                    % (len(shadowed), format_shadowed(shadowed)))

    previous = read_file(rules_file)
    compiled_bytes = _encode(compiled)
    files_changed = changed_names(directory.current, desired, contents, directory.mode, FILE_MODE)
    result.update(files_changed=files_changed, rules_changed=previous != compiled_bytes)
    if module._diff:
        result["diff"] = dict(before_header=rules_file, after_header=rules_file,
                              before=_decode(previous) if previous is not None else "", after=compiled)
    status, reason = host.status()
    drift = listing = None
    if status is not None:
        drift, listing = kernel_report(host, status, parsed)
    result.update(kernel_facts(status, reason, drift, len(listing) if listing is not None else None))

    # Plan, then apply.
    plan = plan_run(state, module.check_mode, files_changed, result["rules_changed"], result, bool(errors),
                    recovered=bool(result.get("recovered")))
    result["changed"] = plan.changed
    if plan.write:
        changes = file_changes(directory.path, files_changed, directory.current, desired, rules_file,
                               previous, compiled_bytes, lambda: read_file(rules_file + ".prev"))
        intent = Intent(changes, compiled_bytes, {"rules": listing, "status": status} if status is not None else None,
                        plan.load)
        apply(module, host, store, intent, status, listing, compiled, origins, parsed, result)
    failure = immutable_failure(result, params["on_immutable"])
    if failure:
        module.fail_json(msg=failure, **result)
    module.exit_json(**result)


def refuse_invalid(module, params, result, errors, parsed, texts, origins, contents):
    """Fails the task, before anything is written, on rules that would not load (or not at the
    next boot) and on a policy that would empty the kernel without allow_empty."""
    # Refused with or without validation: the load could not be trusted, nor the next boot's.
    refused = (errors if params["validate"] else []) + transaction_errors(parsed)
    # Report in file order, not in the compiled order (which moves -D, -b, -f and -e).
    file_order = {name: index for index, (name, _text) in enumerate(texts)}
    refused.sort(key=lambda error: (file_order.get(error["file"], -1), error["line"]))
    if refused:
        hint = ""
        if params["duplicates"] == "fail" and any("kept_at" in error for error in refused):
            hint = " (duplicates=merge loads a rule that several files have once)"
        module.fail_json(msg="%d invalid audit rule(s), nothing changed: %s%s"
                         % (len(refused), format_errors(refused), hint), errors=refused, **result)
    sources = [line.text for line in origins if line is not None]
    if params["state"] != "checked" and not params["allow_empty"] and is_empty_policy(sources):
        module.fail_json(msg="the rules in %s would hold no rule and no setting%s, and loading them removes every "
                         "rule from the kernel; set allow_empty: true to mean that. Nothing changed"
                         % (params["rules_dir"], " (files and host_files are empty and purge is true)"
                            if params["purge"] and not contents else ""), **result)


def apply(module, host, store, intent, status, listing, compiled, origins, parsed, result):
    """Writes the files of `intent` all or none (its record first) and, when it says so, loads
    the kernel and reads it back; fails the task with everything put back when either fails."""
    changes = [(path, after) for path, _before, after in intent.files]
    transaction = FileTransaction(changes)
    try:
        store.write(intent)
        transaction.prepare()
        transaction.commit()
    except TransactionError as error:
        forget(module, store)
        module.fail_json(msg="%s; nothing changed" % error, **result)
    for path, content in changes:
        if content is not None:
            module.set_default_selinux_context(path, False)
    if intent.load:
        load_and_verify(module, host, store, intent, transaction, status, listing, compiled, origins, parsed, result)
    problems = transaction.finish()
    if problems:
        module.warn("; ".join(problems))
    forget(module, store)


def load_and_verify(module, host, store, intent, transaction, status, listing, compiled, origins, parsed, result):
    """Loads the compiled rules and reads the kernel back; on failure puts back everything as it
    was (`status` and `listing`, the kernel as read before), reads it back, and fails."""
    rc, message = host.load("-D\n" + compiled)
    new_status, _reason = host.status()
    position = None
    if rc == 0 and new_status is not None:
        drift, new_listing = kernel_report(host, new_status, parsed)
        ignoring = ignoring_errors(parsed) if drift["missing"] else []
        if not ignoring:
            result.update(loaded_rules=len(new_listing), enabled=new_status["enabled"],
                          immutable=new_status["enabled"] == 2)
            if has_drift(drift):
                result["drift_after_load"] = drift
                module.warn("the kernel still differs from %s after loading it: %s"
                            % (result["compiled_file"], "; ".join(pending_lines(drift))))
            return
        # -i or -c: auditctl went on past the rules it refused, and exited 0.
        message = "%d rule(s) refused and skipped (-i or -c at %s): %s%s" % (
            len(drift["missing"]), ", ".join(ignoring), "; ".join(drift["missing"][:5]),
            "; and more" if len(drift["missing"]) > 5 else "")
    else:
        position = load_failure_position(message, origins)
    # Its rules are known bad now: a run that finds this record puts the old state back.
    intent.phase = "rolling back"
    problems = []
    try:
        store.write(intent)
    except TransactionError as error:
        problems.append(str(error))
    problems = host.restore_kernel(listing, status) + transaction.undo() + problems
    if problems:
        restored = "RESTORE INCOMPLETE: %s; the next run finds %s and puts back the rest" % ("; ".join(problems), store.path)
    else:
        forget(module, store)
        restored = "previous rule files and kernel rules restored, read back from the kernel"
    module.fail_json(msg="auditctl -R failed%s: %s (%s)" % (" at " + position if position else "",
                                                            message or "exit %d" % rc, restored), **result)


def forget(module, store):
    """Removes the intent record of a run that is over; a record left behind only makes the next
    run repeat a repair, so failing to remove it is a warning."""
    try:
        store.remove()
    except TransactionError as error:
        module.warn(str(error))


if __name__ == "__main__":
    main()
