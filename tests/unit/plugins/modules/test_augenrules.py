"""The augenrules module's own logic: where auditctl's refusal points, and a compiled file parsed."""

from ansible_collections.fleetaudit.auditd.plugins.module_utils.rules_compile import AugenrulesFlavour, compile_rules
from ansible_collections.fleetaudit.auditd.plugins.module_utils.syscalls import SyscallTables
from ansible_collections.fleetaudit.auditd.plugins.modules.augenrules import load_failure_position, parse_compiled


def test_load_failure_points_at_the_source_file_and_line():
    compiled, origins = compile_rules([
        ("10-base.rules", "-D\n-b 8192\n"),
        ("50-x.rules", "# comment\n-w /etc/hosts -p wa\n-w /no-such-dir/x -p wa\n-e 1\n"),
    ], "/etc/audit/rules.d", AugenrulesFlavour())
    # The load file is "-D" then the compiled file: its line 7 is compiled line 6.
    assert compiled.splitlines()[5] == "-w /no-such-dir/x -p wa"
    message = "Error sending add rule data request (No such file or directory)\n" \
              "There was an error in line 7 of /tmp/fleetaudit-x.rules"
    assert load_failure_position(message, origins) == "50-x.rules:3: -w /no-such-dir/x -p wa"
    assert load_failure_position("There was an error in line 1 of /tmp/x", origins) is None
    assert load_failure_position("Operation not permitted", origins) is None


def test_a_compiled_files_text_parses_with_its_own_line_numbers():
    tables = SyscallTables("x86_64", {64: lambda: None, 32: lambda: None})
    parsed = parse_compiled("## generated\n-D\n-w /etc/passwd -p wa -k x\n\n-e 1\n", "audit.rules", tables)
    assert [(line.source, line.line, rule.kind) for line, rule in parsed] == [
        ("audit.rules", 2, "control"), ("audit.rules", 3, "rule"), ("audit.rules", 5, "control")]
