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
  - Loads with C(auditctl -R) on a copy of the compiled file that starts with C(-D), then reads the
    kernel back. A load that fails part-way is rolled back (rule files, compiled file, kernel rules
    and settings as they were) and the task fails with auditctl's message.
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
      - Validate every rule before writing anything. Without validation a bad rule is found by
        C(auditctl -R) while loading, and the load is rolled back.
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

import functools
import gzip
import os
import re
import tempfile
import threading

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.fleetaudit.auditd.plugins.module_utils.audit_rules import (
    SyscallTables,
    format_errors,
    skip_missing_paths,
    validate_lines,
)
from ansible_collections.fleetaudit.auditd.plugins.module_utils.libaudit import load_library, syscall_table
from ansible_collections.fleetaudit.auditd.plugins.module_utils.auditctl_output import (
    parse_rule_listing,
    parse_status,
    unavailable_reason,
)
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rules_compile import (
    RULES_SUFFIX,
    AugenrulesFlavour,
    awk_whitespace_matters,
    compile_rules,
    rules_file_names,
)
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rules_overlap import (
    format_shadowed,
    merge_duplicates,
    shadowed_rules,
)
from ansible_collections.fleetaudit.auditd.plugins.module_utils.rules_drift import (
    expected_state,
    has_drift,
    listing_matches,
    parse_kernel_rules,
    rule_drift,
    settings_drift,
)

FILE_MODE = 0o640
ENCODING = "utf-8"
COMMAND_ENVIRONMENT = {"LC_ALL": "C"}
# Tells whether this host's awk reads "\s" as whitespace (gawk) or as the letter s (mawk).
AWK_PROBE = 'BEGIN { if (match(" ", "^\\\\s$")) print "class"; else print "literal" }'
_LOAD_ERROR_LINE = re.compile(r"error in line (\d+)")
_VALID_NAME = re.compile(r"^[^/\s]+$")


def _decode(data):
    return data.decode(ENCODING, "surrogateescape")


def _encode(text):
    return text.encode(ENCODING, "surrogateescape")


class BackgroundCommand(threading.Thread):
    """A command run through the module in a thread, while the module goes on with its work.

    Never fails the module from the thread: `result` hands the outcome to the caller.
    """

    def __init__(self, module, args):
        super(BackgroundCommand, self).__init__(name=" ".join(args))
        self.module = module
        self.args = args
        self.outcome = None
        self.error = None
        self.start()

    def run(self):
        try:
            self.outcome = self.module.run_command(self.args, environ_update=COMMAND_ENVIRONMENT,
                                                   handle_exceptions=False)
        except Exception as error:
            self.error = error

    def result(self):
        """``(rc, out, err)``, once the command has finished."""
        self.join()
        if self.error is not None:
            self.module.fail_json(msg="cannot run %s: %s" % (" ".join(self.args), to_native(self.error)))
        return self.outcome


class AuditHost:
    """The audit tools of the managed host, run through the module."""

    def __init__(self, module):
        self.module = module
        self.auditctl = module.get_bin_path("auditctl", opt_dirs=["/sbin", "/usr/sbin"])
        self.library = load_library()
        # ausyscall is needed only where libaudit cannot be loaded.
        self.ausyscall = None
        if self.library is None:
            self.ausyscall = module.get_bin_path("ausyscall", required=True, opt_dirs=["/sbin", "/usr/sbin"])
        self.tables = self.syscall_tables()
        # Commands started ahead by read_ahead, by their arguments.
        self.started = {}

    def read_ahead(self):
        """Starts reading the kernel in the background, before the module reads and compiles the
        rule files: ``auditctl -l`` (tens of milliseconds spent waiting on the kernel for a large
        rule set) and ``auditctl -s``. `run` takes the output of each the first time it is asked
        for the same command."""
        if self.auditctl:
            self._start([self.auditctl, "-l"])
            self._start([self.auditctl, "-s"])

    def _start(self, args):
        self.started[tuple(args)] = BackgroundCommand(self.module, args)

    def run(self, args, check=True):
        started = self.started.pop(tuple(args), None)
        if started is not None:
            rc, out, err = started.result()
        else:
            rc, out, err = self.module.run_command(args, environ_update=COMMAND_ENVIRONMENT)
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
        if not self.auditctl:
            return None, "auditctl not found"
        rc, out, err = self.run([self.auditctl, "-s"], check=False)
        status = parse_status(out) if rc == 0 else {}
        if "enabled" not in status:
            return None, unavailable_reason(rc, out, err, os.geteuid() == 0)
        return status, None

    def rule_lines(self):
        return parse_rule_listing(self.run([self.auditctl, "-l"])[1])

    def load(self, text):
        """``auditctl -R`` on `text` in a private temporary file; returns (rc, message)."""
        # What was read ahead would no longer be the kernel's state.
        self.started.clear()
        handle, path = tempfile.mkstemp(prefix="fleetaudit-", suffix=".rules")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(_encode(text))
            rc, out, err = self.run([self.auditctl, "-R", path], check=False)
        finally:
            os.unlink(path)
        # auditctl's errors go to stderr; stdout holds the status it prints after each control rule.
        return rc, err.strip() or out.strip()

    def restore_kernel(self, rules, status):
        """Puts back rules (parsed from ``auditctl -l``) and settings read before a failed load;
        returns error messages."""
        problems = []
        rc, _out, err = self.run([self.auditctl, "-D"], check=False)
        if rc != 0:
            problems.append("auditctl -D: %s" % err.strip())
        for option, name in (("-b", "backlog_limit"), ("-f", "failure"), ("-r", "rate_limit"),
                             ("--backlog_wait_time", "backlog_wait_time")):
            if name in status:
                self.run([self.auditctl, option, str(status[name])], check=False)
        if rules:
            rc, message = self.load("".join(rule.loadable + "\n" for rule in rules))
            if rc != 0:
                problems.append("reloading the previous rules: %s" % message)
        if status.get("enabled") in (0, 1):
            self.run([self.auditctl, "-e", str(status["enabled"])], check=False)
        return problems


class RulesDirectory:
    """The rule files as they are and as they should be, and their atomic writing."""

    def __init__(self, module, path):
        self.module = module
        self.path = path
        # Names this run provides content for: their mode is enforced too.
        self.managed = ()
        self.current = {}
        if os.path.isdir(path):
            for name in os.listdir(path):
                full = os.path.join(path, name)
                if os.path.isfile(full):
                    with open(full, "rb") as handle:
                        self.current[name] = handle.read()
        self.desired = dict(self.current)

    def changes(self):
        """Names whose content or mode would change, and names that would go."""
        names = []
        for name in sorted(set(self.current) | set(self.desired)):
            if name not in self.desired:
                names.append(name)
            elif self.current.get(name) != self.desired[name]:
                names.append(name)
            elif name in self.managed and (os.stat(os.path.join(self.path, name)).st_mode & 0o7777) != FILE_MODE:
                names.append(name)
        return names

    def texts(self):
        """``[(name, text), ...]`` of the desired files augenrules reads, in its order."""
        return [(name, _decode(self.desired[name])) for name in rules_file_names(self.desired)]

    def apply(self, names):
        """Writes or removes `names`."""
        if not os.path.isdir(self.path):
            os.makedirs(self.path, 0o750)
        for name in names:
            full = os.path.join(self.path, name)
            if name in self.desired:
                write_atomic(self.module, full, self.desired[name])
            else:
                os.unlink(full)


def write_atomic(module, path, data):
    """Writes through a hidden temporary file in the same directory (augenrules ignores it)."""
    handle, temporary = tempfile.mkstemp(prefix=".fleetaudit-", suffix=".tmp", dir=os.path.dirname(path))
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        module.atomic_move(temporary, path)
        # atomic_move gives a new file the umask's mode.
        os.chmod(path, FILE_MODE)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


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


def pending_lines(drift):
    lines = ["+ " + line for line in drift["missing"]] + ["- " + line for line in drift["extra"]]
    if drift["reordered"]:
        lines.append("reorder the loaded rules")
    for name, values in drift["settings"].items():
        lines.append("%s %s (now %s)" % (name, values["expected"], values["actual"]))
    return lines


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


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type="str", default="loaded", choices=["loaded", "compiled", "checked"]),
            rules_dir=dict(type="path", default="/etc/audit/rules.d"),
            rules_file=dict(type="path", default="/etc/audit/audit.rules"),
            files=dict(type="dict", default={}),
            host_files=dict(type="dict", default={}),
            purge=dict(type="bool", default=False),
            missing_paths=dict(type="str", default="fail", choices=["fail", "skip"]),
            duplicates=dict(type="str", default="fail", choices=["fail", "merge"]),
            on_immutable=dict(type="str", default="report", choices=["report", "fail"]),
            validate=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    state = params["state"]
    rules_file = params["rules_file"]
    host = AuditHost(module)
    host.read_ahead()

    directory = RulesDirectory(module, params["rules_dir"])
    contents = desired_contents(module)
    skipped = []
    for name in sorted(contents):
        if params["missing_paths"] == "skip":
            contents[name], skipped_here = skip_missing_paths(name, contents[name], host.tables)
            skipped.extend(skipped_here)
        directory.desired[name] = _encode(contents[name])
    directory.managed = tuple(contents)
    if params["purge"]:
        for name in list(directory.desired):
            if name.endswith(RULES_SUFFIX) and name not in contents:
                del directory.desired[name]

    texts = directory.texts()
    flavour = host.flavour(texts)
    compiled, origins = compile_rules(texts, params["rules_dir"], flavour)
    parsed, errors = validate_lines([line for line in origins if line is not None], host.tables,
                                    check_paths=params["validate"])
    merged = []
    if params["duplicates"] == "merge":
        merged_texts, merged, errors = merge_duplicates(contents, errors)
        if merged_texts:
            directory.desired.update((name, _encode(text)) for name, text in merged_texts.items())
            # The copies merged are not in `parsed`: validation left them out.
            texts = directory.texts()
            compiled, origins = compile_rules(texts, params["rules_dir"], flavour)
    # Report in file order, not in the compiled order (which moves -D, -b, -f and -e).
    file_order = {name: index for index, (name, _text) in enumerate(texts)}
    errors.sort(key=lambda error: (file_order.get(error["file"], -1), error["line"]))
    shadowed = shadowed_rules(parsed)
    result = dict(changed=False, compiled_file=rules_file, skipped_rules=skipped, merged_rules=merged,
                  shadowed_rules=shadowed)
    if errors and params["validate"]:
        hint = ""
        if params["duplicates"] == "fail" and any("kept_at" in error for error in errors):
            hint = " (duplicates=merge loads a rule that several files have once)"
        module.fail_json(msg="%d invalid audit rule(s), nothing changed: %s%s"
                         % (len(errors), format_errors(errors), hint), errors=errors, **result)
    if shadowed:
        module.warn("%d audit rule(s) can never match, an earlier rule matches first: %s"
                    % (len(shadowed), format_shadowed(shadowed)))

    previous = None
    if os.path.exists(rules_file):
        with open(rules_file, "rb") as handle:
            previous = handle.read()
    compiled_bytes = _encode(compiled)
    files_changed = directory.changes()
    rules_changed = previous != compiled_bytes
    result.update(files_changed=files_changed, rules_changed=rules_changed, kernel_changed=False,
                  immutable=False, reboot_required=False, pending=[])
    if module._diff:
        result["diff"] = dict(before_header=rules_file, after_header=rules_file,
                              before=_decode(previous) if previous is not None else "", after=compiled)

    status, reason = host.status()
    result["kernel_available"] = status is not None
    drift = listing = None
    if status is None:
        result["kernel_unavailable_reason"] = reason
    else:
        drift, listing = kernel_report(host, status, parsed)
        immutable = status["enabled"] == 2
        result.update(drift=drift, loaded_rules=len(listing), enabled=status["enabled"], immutable=immutable,
                      kernel_changed=has_drift(drift))
        if immutable and result["kernel_changed"]:
            result.update(reboot_required=True, pending=pending_lines(drift))

    will_load = (state == "loaded" and drift is not None and result["kernel_changed"]
                 and not result["immutable"])
    result["changed"] = bool(files_changed or rules_changed or will_load
                             or (state == "checked" and result["kernel_changed"] and not result["immutable"]))
    if state == "checked" or module.check_mode:
        finish(module, params, result)

    rollback = Rollback(module, directory, rules_file)
    rollback.save(files_changed, rules_changed, previous)
    directory.apply(files_changed)
    if rules_changed:
        if previous is not None:
            write_atomic(module, rules_file + ".prev", previous)
        write_atomic(module, rules_file, compiled_bytes)
    if will_load:
        load_and_verify(module, host, status, listing, rollback, compiled, origins, parsed, result)
    finish(module, params, result)


class Rollback:
    """What the files were before this run wrote them, to put back after a failed load."""

    def __init__(self, module, directory, rules_file):
        self.module = module
        self.directory = directory
        self.rules_file = rules_file
        self.files = {}
        self.compiled = {}

    def save(self, names, rules_changed, previous):
        self.files = {name: self.directory.current.get(name) for name in names}
        if rules_changed:
            prev_path = self.rules_file + ".prev"
            prev = None
            if os.path.exists(prev_path):
                with open(prev_path, "rb") as handle:
                    prev = handle.read()
            self.compiled = {self.rules_file: previous, prev_path: prev}

    def restore(self):
        for path, data in [(os.path.join(self.directory.path, name), data) for name, data in self.files.items()] \
                + list(self.compiled.items()):
            if data is None:
                if os.path.exists(path):
                    os.unlink(path)
            else:
                write_atomic(self.module, path, data)


def load_and_verify(module, host, status, listing, rollback, compiled, origins, parsed, result):
    """Loads the compiled rules and reads the kernel back; on failure puts back everything as it
    was (`status` and `listing`, the kernel as read before) and fails."""
    rc, message = host.load("-D\n" + compiled)
    new_status, _reason = host.status()
    if rc == 0 and new_status is not None:
        drift, new_listing = kernel_report(host, new_status, parsed)
        result.update(loaded_rules=len(new_listing), enabled=new_status["enabled"], immutable=new_status["enabled"] == 2)
        if has_drift(drift):
            result["drift_after_load"] = drift
            module.warn("the kernel still differs from %s after loading it: %s"
                        % (result["compiled_file"], "; ".join(pending_lines(drift))))
        return
    position = load_failure_position(message, origins)
    problems = host.restore_kernel(parse_kernel_rules(listing, host.tables), status)
    rollback.restore()
    restored = "previous rule files and kernel rules restored" if not problems else \
        "RESTORE INCOMPLETE: %s" % "; ".join(problems)
    module.fail_json(msg="auditctl -R failed%s: %s (%s)" % (" at " + position if position else "",
                                                            message or "exit %d" % rc, restored), **result)


def finish(module, params, result):
    if result["reboot_required"] and params["on_immutable"] == "fail":
        module.fail_json(msg="the kernel is immutable (enabled 2): the rules take effect only after a reboot", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
