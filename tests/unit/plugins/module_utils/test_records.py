"""Record parsing on logs recorded from audit 3.0.9 and 4.0.2 (ENRICHED, its RAW form, an interleaved
copy) and on odd lines: headers, hex decoding, user-space messages, command lines, grouping."""

import json
import os

import pytest

from ansible_collections.fleetaudit.auditd.plugins.module_utils.records import AuditParseError, event_keys, parse_event, parse_record
from ansible_collections.fleetaudit.auditd.plugins.module_utils.redaction import DEFAULT_REDACT_PATTERNS, REDACTED, Redactor
from ansible_collections.fleetaudit.auditd.tests.unit.plugins.module_utils.recorded_events import LOGS, ODD_LINES, build_event, lines_of, records_of


def test_header_fields_and_enriched_part():
    record = parse_record(lines_of("audit-3.0.9-enriched.log")[7])
    assert (record["type"], record["serial"], record["sec"], record["ms"]) == ("SYSCALL", 16773, 1795712050, 923)
    assert record["fields"]["comm"] == "touch"
    assert record["fields"]["key"] == "fa_watch"
    assert record["fields"]["a0"] == "ffffff9c", "SYSCALL arguments are numbers, never hex-decoded"
    assert record["interpreted"]["SYSCALL"] == "openat"
    assert record["interpreted"]["AUID"] == "unset"


def test_raw_format_has_no_interpreted_fields():
    record = parse_record(lines_of("audit-3.0.9-raw.log")[7])
    assert "interpreted" not in record
    assert record["fields"]["syscall"] == "257"


def test_hex_encoded_path_with_space_is_decoded():
    paths = [r for r in records_of("audit-3.0.9-enriched.log", 16773) if r["type"] == "PATH"]
    assert paths[1]["fields"]["name"] == "/tmp/fa5/rec/w.vRJe/a file"


def test_hex_encoded_comm_exe_and_execve_arguments():
    records = records_of("audit-3.0.9-raw.log", 16775)
    syscall = records[0]["fields"]
    assert (syscall["comm"], syscall["exe"]) == ("my prog", "/tmp/fa5/rec/w.vRJe/my prog")
    execve = [r for r in records if r["type"] == "EXECVE"][0]
    assert execve["argv"] == ["/tmp/fa5/rec/w.vRJe/my prog", "arg with space", "--password=secret",
                              "--token", "hunter2"]


def test_proctitle_is_split_on_nul_bytes():
    proctitle = [r for r in records_of("audit-3.0.9-enriched.log", 16773) if r["type"] == "PROCTITLE"][0]
    assert proctitle["argv"] == ["touch", "/tmp/fa5/rec/w.vRJe/a file"]
    assert proctitle["fields"]["proctitle"] == "touch /tmp/fa5/rec/w.vRJe/a file"


def test_long_execve_argument_pieces_are_joined():
    line = ('type=EXECVE msg=audit(1.002:7): argc=2 a0="cat" a1_len=6 a1[0]=616263 a1[1]=646566')
    record = parse_record(line)
    assert record["argv"] == ["cat", "abcdef"]
    assert record["fields"]["a1"] == "abcdef" and "a1[0]" not in record["fields"]


def test_execve_with_a_damaged_argc_keeps_its_fields():
    record = parse_record('type=EXECVE msg=audit(1.002:7): argc=x a0="cat" a1="/etc/hosts"')
    assert record["argv"] == []
    assert record["fields"] == {"argc": "x", "a0": "cat", "a1": "/etc/hosts"}


def test_selinux_avc_verdict_and_permissions_are_fields():
    record = parse_record('type=AVC msg=audit(1226270358.848:238): avc:  denied  { read write } for  pid=13349 '
                          'comm="certwatch" name="cache" dev=dm-0 ino=218171 '
                          'scontext=system_u:system_r:certwatch_t:s0 tcontext=system_u:object_r:var_t:s0 tclass=dir')
    assert record["fields"]["seresult"] == "denied"
    assert record["fields"]["seperms"] == "read,write"
    assert record["fields"]["comm"] == "certwatch" and record["fields"]["tclass"] == "dir"
    user = parse_record("type=USER_AVC msg=audit(1267534395.930:19): pid=1169 uid=0 auid=4294967295 ses=4294967295 "
                        "msg='avc:  denied  { status } for auid=0 uid=0 gid=0 path=\"/usr/lib/systemd/system/x.service\" "
                        "scontext=system_u:system_r:init_t:s0 tclass=service exe=\"/usr/lib/systemd/systemd\" "
                        "sauid=0 hostname=? addr=? terminal=?'")
    assert (user["fields"]["seresult"], user["fields"]["seperms"]) == ("denied", "status")
    assert user["fields"]["path"] == "/usr/lib/systemd/system/x.service"


def test_user_space_message_fields_are_flattened():
    record = records_of("audit-3.0.9-enriched.log", 16777)[0]
    assert record["type"] == "USER_AUTH"
    assert record["fields"]["acct"] == "nobody"
    assert record["fields"]["op"] == "PAM:authentication"
    assert record["fields"]["res"] == "success"


def test_multiple_keys_are_hex_encoded_and_split():
    records = records_of("audit-3.0.9-enriched.log", 16791)
    assert event_keys(records) == ["fa_del", "fa_multi"]


def test_node_prefix_is_read():
    record = parse_record('node=web1 type=USER msg=audit(1795712050.983:9): pid=1 msg=\'text=hi res=success\'')
    assert record["node"] == "web1" and record["fields"]["text"] == "hi"


HEADER_VARIANTS = [
    # The header forms parse_event splits without the header pattern, and forms it must leave to it.
    "node=web1 type=CWD msg=audit(1.001:5): cwd=\"/root\"",
    "type=CWD msg=audit(1.001:5):cwd=\"/root\"",
    "type=CWD\tx msg=audit(1.001:5): cwd=\"/root\"",
    "node=web\t1 type=CWD msg=audit(1.001:5): cwd=\"/root\"",
    "node= type=CWD msg=audit(1.001:5): cwd=\"/root\"",
    "type=CWD msg=audit(1.001:6): cwd=\"/root\"",
    "type=CWD msg=audit(1.001:5):\x1dCWD=x",
]


@pytest.mark.parametrize("name", sorted(n for n in os.listdir(LOGS) if n.endswith(".log")) + [None])
def test_parse_event_gives_what_parse_record_gives(name):
    for line in lines_of(name) if name else ODD_LINES + HEADER_VARIANTS:
        token = line[line.find("msg=audit(") + 10:line.find(")")]
        try:
            expected = parse_record(line)
        except AuditParseError:
            with pytest.raises(AuditParseError):
                parse_event([line], "1.001:5")
            continue
        assert parse_event([line], token) == [expected], line
        assert parse_event([line], "1.001:5") == [expected], line


def test_not_a_record_fails():
    with pytest.raises(AuditParseError):
        parse_record("----")


def test_records_with_the_same_enriched_part_do_not_share_it():
    line = lines_of("audit-3.0.9-enriched.log")[7]
    first, second = parse_record(line), parse_record(line)
    first["interpreted"]["UID"] = "changed"
    assert second["interpreted"]["UID"] == "root"


def test_a_command_line_written_in_several_execve_records_is_one():
    # The kernel writes a command line longer than about 7.5 kB as several EXECVE records: argc and
    # the first arguments in the first one, an argument's pieces (aN[i]) possibly in two of them.
    long_arg = "x" * 7400
    records = parse_event([
        'type=SYSCALL msg=audit(1.001:5): arch=c000003e syscall=59 success=yes comm="prog" exe="/usr/bin/prog"',
        'type=EXECVE msg=audit(1.001:5): argc=6 a0="prog" a1="%s" a2_len=36 a2[0]=2D2D7365637265742D' % long_arg,
        'type=EXECVE msg=audit(1.001:5): a2[1]=66696C653D2F612062 a3="--token"',
        'type=EXECVE msg=audit(1.001:5): a4="hunter2" a5="-v"',
        'type=CWD msg=audit(1.001:5): cwd="/root"',
    ], "1.001:5")
    assert [record["type"] for record in records] == ["SYSCALL", "EXECVE", "CWD"]
    argv = ["prog", long_arg, "--secret-file=/a b", "--token", "hunter2", "-v"]
    assert records[1]["argv"] == argv
    event = build_event(records, Redactor([]))
    assert event["summary"]["argv"] == argv[:4] + [REDACTED, "-v"]
    assert "hunter2" not in json.dumps(event)


@pytest.mark.parametrize("message", [
    "deploy db password=hunter2 now", "it's --token=hunter2", "ship it, api_key: hunter2 'now'", "a exe=b token=hunter2",
])
def test_a_user_message_text_is_one_value(message):
    # auditctl -m writes its text unescaped (quotes, spaces, "=" and all) before libaudit's own
    # fields, and the kernel puts it between msg=' and the line's last quote.
    line = ("type=USER msg=audit(1.001:5): pid=9 uid=0 auid=0 ses=1 msg='text=%s exe=\"/usr/sbin/auditctl\" "
            "hostname=? addr=? terminal=? res=success'" % message)
    fields = parse_record(line)["fields"]
    assert fields["text"] == message
    assert (fields["exe"], fields["terminal"], fields["res"]) == ("/usr/sbin/auditctl", "?", "success")
    event = build_event([parse_record(line)], Redactor(DEFAULT_REDACT_PATTERNS))
    assert "hunter2" not in json.dumps(event)
    assert event["records"][0]["fields"]["text"] == message.replace("hunter2", REDACTED)


def test_sauid_is_a_number():
    # A uid, never hex-encoded: ausearch -i shows sauid=1000 as a user name.
    record = parse_record("type=USER_AVC msg=audit(1.001:5): pid=1 uid=0 auid=0 ses=1 msg='avc:  denied  "
                          "{ send_msg } for msgtype=method_call exe=\"/usr/bin/dbus-daemon\" sauid=1000 hostname=? "
                          "addr=? terminal=?'")
    assert record["fields"]["sauid"] == "1000"
